"""Actions on the registry lists (issue 10): saved filters and bulk actions on every list.

Thin views over ``saved_filters`` and ``bulk``: a refusal comes back as a message on the list, with its search
as it was, and nothing changed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from grappe.errors import UserError
from grappe.registry import bulk, saved_filters
from grappe.registry.models import Association, Membership, MembershipType, Organisation, Tag
from grappe.registry.views import csv_download, staff_required

SHOWN_ON_CONFIRMATION = 50


@require_POST
@staff_required
def filter_save(request: HttpRequest) -> HttpResponse:
    """« Enregistrer ce filtre »: the list's query string under a name, then back to the list as it was."""
    list_name = request.POST.get("liste", "")
    query = request.POST.get("requete", "")
    try:
        saved = saved_filters.save_filter(
            user=request.user,
            list_name=list_name,
            name=request.POST.get("nom", ""),
            query=query,
            shared=request.POST.get("partage") == "oui",
        )
    except UserError as error:
        messages.error(request, str(error))
        return redirect(
            saved_filters.list_url(list_name, query if list_name in saved_filters.LIST_FORMS else "")
        )
    messages.success(request, _("Filtre « %(name)s » enregistré.") % {"name": saved.name})
    return redirect(saved_filters.list_url(saved.list_name, saved.query))


@require_POST
@staff_required
def filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = saved_filters.delete_filter(user=request.user, pk=pk)
    messages.success(request, _("Filtre « %(name)s » supprimé.") % {"name": saved.name})
    return redirect(saved_filters.list_url(saved.list_name, request.POST.get("requete", "")))


@require_POST
@staff_required
def bulk_action(request: HttpRequest, list_name: str) -> HttpResponse:
    """An action on the rows ticked on a list (organisations, people, memberships), or on the whole filtered
    list; a refusal (empty selection, a row outside the user's territory, no right to edit, an action the list
    does not offer) back on the list, nothing done."""
    kind = bulk.LISTS[list_name]
    query = saved_filters.clean_query(kind.name, request.POST.get("requete", ""))
    back = saved_filters.list_url(kind.name, query)
    action = request.POST.get("action", "")
    try:
        selection = bulk.read_selection(
            query, request.POST.getlist(kind.field), request.POST.get("tout") == "oui"
        )
        chosen = bulk.selected(request.user, kind, selection)
        if action not in kind.actions:
            raise bulk.BulkRefused(_("Choisissez l'action à appliquer à la sélection."))
        context = {
            "selection": selection,
            "back": back,
            "bulk_url": reverse(kind.route),
            "field": kind.field,
            "list_name": kind.name,
            "action": action,
        }
        if action == "export":
            return csv_download(kind.export(request.user, chosen), kind.export_name())
        if action in ("emails", "emails_csv"):
            lines = kind.emails(request.user, chosen)
            if action == "emails_csv":
                return csv_download(bulk.emails_csv(lines), _("e-mails"))
            context |= {"lines": lines, "selected_label": kind.selected(chosen.count())}
            return render(request, "registry/bulk/emails.html", context)
        bulk.check_can_edit(request.user)
        context["selected_label"] = kind.selected(chosen.count())
        if action == "type":
            return _membership_type(request, chosen, context)
        if action == "end":
            return _end(request, chosen, context)
        return _tag(request, chosen, context, adding=action == "tag_add")
    except UserError as error:
        messages.error(request, str(error))
        return redirect(back)


def _membership_type(request: HttpRequest, chosen: QuerySet[Any], context: dict) -> HttpResponse:
    """Choose the type, see how many memberships it changes, confirm: only then is anything written."""
    types = MembershipType.objects.select_related("association").order_by("association__name", "name")
    chosen_type = request.POST.get("type", "")
    membership_type = types.filter(pk=chosen_type).first() if chosen_type.isdigit() else None
    if membership_type is None:
        if chosen_type:
            messages.error(request, _("Ce type d'adhésion n'existe plus : choisissez-en un dans la liste."))
        return render(request, "registry/bulk/membership_type.html", context | {"membership_types": types})
    confirmed = request.POST.get("confirmer", "")
    if confirmed.isdigit():
        changed = bulk.change_membership_type(
            user=request.user, chosen=chosen, membership_type=membership_type, expected=int(confirmed)
        )
        messages.success(
            request,
            ngettext(
                "%(n)d adhésion est passée au type « %(type)s ».",
                "%(n)d adhésions sont passées au type « %(type)s ».",
                changed,
            )
            % {"n": changed, "type": membership_type.name},
        )
        return redirect(context["back"])
    planned = bulk.planned_type_changes(chosen, membership_type)
    context |= {
        "membership_type": membership_type,
        "planned_count": planned.count(),
        "planned_shown": list(planned[:SHOWN_ON_CONFIRMATION]),
    }
    return render(request, "registry/bulk/membership_type.html", context)


def _tag(
    request: HttpRequest, chosen: QuerySet[Organisation], context: dict, *, adding: bool
) -> HttpResponse:
    """Choose (or, adding, type) the tag, see how many organisations it changes, confirm: only then is
    anything written, the new tag included. A tag refused (empty, too long) is shown above the form again."""
    associations = list(Association.objects.order_by("name"))
    context |= {
        "adding": adding,
        "tags": Tag.objects.select_related("association"),
        "associations": associations,
        "name_max": bulk.TAG_NAME_MAX,
    }
    posted = {name: request.POST.get(name, "") for name in ("etiquette", "nouvelle", "association")}
    if not request.POST.get("choisi"):
        return render(request, "registry/bulk/tags.html", context)
    try:
        tag = bulk.choose_tag(
            tag_id=posted["etiquette"],
            new_name=posted["nouvelle"],
            association_id=posted["association"],
            adding=adding,
        )
    except bulk.BulkRefused as error:
        return render(request, "registry/bulk/tags.html", context | {"error": error, "posted": posted})
    confirmed = request.POST.get("confirmer", "")
    if confirmed.isdigit():
        changed = bulk.change_tag(
            user=request.user, chosen=chosen, tag=tag, adding=adding, expected=int(confirmed)
        )
        template = (
            ngettext(
                "Étiquette « %(tag)s » ajoutée à %(n)d organisation.",
                "Étiquette « %(tag)s » ajoutée à %(n)d organisations.",
                changed,
            )
            if adding
            else ngettext(
                "Étiquette « %(tag)s » retirée de %(n)d organisation.",
                "Étiquette « %(tag)s » retirée de %(n)d organisations.",
                changed,
            )
        )
        messages.success(request, template % {"tag": tag.name, "n": changed})
        return redirect(context["back"])
    planned = bulk.planned_tag_changes(chosen, tag, adding)
    context |= {
        "tag": tag,
        "posted": posted,
        "planned_count": planned.count(),
        "planned_shown": list(planned[:SHOWN_ON_CONFIRMATION]),
    }
    return render(request, "registry/bulk/tags.html", context)


def _end(request: HttpRequest, chosen: QuerySet[Any], context: dict) -> HttpResponse:
    """Give the end date and reason, see how many memberships it ends, confirm: only then is anything written.
    A refused date or reason is shown above the form again, with what was typed."""
    posted = {name: request.POST.get(name, "") for name in ("fin", "motif", "precisions")}
    context |= {
        "posted": posted,
        "reasons": Membership.EndReason.choices,
        "detail_max": bulk.DETAIL_MAX,
    }
    if not request.POST.get("choisi"):
        return render(request, "registry/bulk/end.html", context)
    try:
        ending = bulk.read_ending(posted["fin"], posted["motif"], posted["precisions"])
    except bulk.BulkRefused as error:
        return render(request, "registry/bulk/end.html", context | {"error": error})
    confirmed = request.POST.get("confirmer", "")
    if confirmed.isdigit():
        ended = bulk.end_memberships(user=request.user, chosen=chosen, ending=ending, expected=int(confirmed))
        messages.success(
            request,
            ngettext(
                "%(n)d adhésion prend fin le %(date)s.",
                "%(n)d adhésions prennent fin le %(date)s.",
                ended,
            )
            % {"n": ended, "date": date_format(ending.ends_on, "DATE_FORMAT")},
        )
        return redirect(context["back"])
    planned = bulk.planned_endings(chosen, ending)
    context |= {
        "ending": ending,
        "reason_label": Membership.EndReason(ending.reason).label,
        "planned_count": planned.count(),
        "planned_shown": list(planned[:SHOWN_ON_CONFIRMATION]),
    }
    return render(request, "registry/bulk/end.html", context)
