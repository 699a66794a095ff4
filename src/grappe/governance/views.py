"""Staff pages of governance, read-only: bodies and who sat on them on any date, statutes versions with the
rules they set (or not), and a planned merger's territorial seats before and after."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from grappe.core import access
from grappe.core.access import staff_view, whole_network_view
from grappe.errors import UserError
from grappe.governance import apportionment, procedure, selectors, services
from grappe.governance.errors import StatutesRefused
from grappe.governance.models import Body, MergerProcedure, ProcedureStep, Statutes
from grappe.mergers.models import Merger
from grappe.registry import selectors as registry_selectors
from grappe.registry.forms import AsOfForm
from grappe.registry.models import Territory

staff_required = staff_view(
    capability=registry_selectors.has_registry_access, denied=_("Accès réservé aux salariés du réseau.")
)
# Recording statutes acts for the whole association: head office only (core/access.py, « Governance »).
whole_network_required = whole_network_view(capability=registry_selectors.has_registry_access)


def _merger(request: HttpRequest, pk: int) -> Merger:
    """A merger the user may see (``core.access.restrict_mergers``): another territory's is a 404."""
    visible = access.restrict_mergers(request.user, Merger.objects.select_related("absorbing", "absorbed"))
    return get_object_or_404(visible, pk=pk)


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    bodies = Body.objects.select_related("association", "territory").order_by(
        "association__name", "kind", "name"
    )
    statutes = Statutes.objects.select_related("association").order_by("association__name", "-adopted_on")
    mergers = (
        access.restrict_mergers(request.user, Merger.objects.exclude(kind=Merger.Kind.DEDUPLICATION))
        .select_related("absorbing", "absorbed", "procedure")
        .order_by("-effective_on", "pk")
    )
    territories = Territory.objects.select_related("association").order_by("association__name", "name")
    context = {"bodies": bodies, "statutes": statutes, "mergers": mergers, "territories": territories}
    return render(request, "governance/index.html", context)


@staff_required
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    body = get_object_or_404(Body.objects.select_related("association", "territory"), pk=pk)
    form = AsOfForm(request.GET or None)
    day = form.day()
    seats, refusal = None, None
    try:
        seats = selectors.seats(body, day)
    except UserError as error:
        refusal = error
    visible = registry_selectors.restrict
    context = {
        "body": body,
        "form": form,
        "day": day,
        "seats": seats,
        "refusal": refusal,
        "composition": visible(request.user, selectors.composition(body, day)),
        "history": visible(request.user, selectors.mandate_history(body)),
    }
    return render(request, "governance/body_detail.html", context)


@staff_required
def territory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A territory on any date: its committee and vice-president, its offices, its staff in post, and the board
    members it sent (« who sat on the board on 31 March 2016 »)."""
    territory = get_object_or_404(Territory.objects.select_related("association"), pk=pk)
    form = AsOfForm(request.GET or None)
    day = form.day()
    visible = registry_selectors.restrict
    committees = [
        (body, visible(request.user, selectors.composition(body, day)))
        for body in selectors.committees_of(territory)
    ]
    context = {
        "territory": territory,
        "form": form,
        "day": day,
        "committees": committees,
        "vice_presidents": visible(request.user, selectors.vice_presidents(territory, day)),
        "offices": selectors.offices_open_on(territory, day),
        "staff": selectors.staff_in_post(territory, day),
        "board_members": visible(request.user, selectors.board_members_from(territory, day)),
    }
    return render(request, "governance/territory_detail.html", context)


@staff_required
def statutes_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statutes = get_object_or_404(Statutes.objects.select_related("association"), pk=pk)
    context = {
        "statutes": statutes,
        "may_edit": request.user.has_perm("governance.add_statutes"),
        "previous": selectors.previous_version(statutes),
        "summary": selectors.summary(statutes),
        "transitions": statutes.rules.get("dispositions_transitoires", []),
    }
    return render(request, "governance/statutes_detail.html", context)


class StatutesDraftForm(forms.Form):
    """The YAML of a new version. Browsers send a textarea's lines ending in CRLF: stored with LF, as imported."""

    text = forms.CharField(
        label=_("Statuts (YAML)"),
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "mono"}),
        max_length=200_000,
        strip=False,  # the text is kept as typed (``Statutes.source_text``)
        help_text=_(
            "Modifiez la version de départ ; adoption.date et adoption.assemblee disent quand et par quelle "
            "assemblée la nouvelle version est adoptée."
        ),
    )

    def clean_text(self) -> str:
        return self.cleaned_data["text"].replace("\r\n", "\n")


def _may_record_statutes(request: HttpRequest) -> None:
    if not request.user.has_perm("governance.add_statutes"):
        raise PermissionDenied(_("Enregistrer une version des statuts est réservé à la direction."))


@whole_network_required
def statutes_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version of the statutes from version ``pk``: « Vérifier » shows every problem with its line and
    field, or what would change; « Enregistrer » records it through ``services.import_statutes``. A refused
    text changes nothing."""
    base = get_object_or_404(Statutes.objects.select_related("association"), pk=pk)
    _may_record_statutes(request)
    form = StatutesDraftForm(request.POST or None, initial={"text": services.draft_from(base)})
    refusal, diff = None, None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        try:
            if request.POST.get("action") == "save":
                created = services.import_statutes(association=base.association, text=text, user=request.user)
                messages.success(request, _("%(statutes)s enregistrée.") % {"statutes": created})
                return redirect("governance:statutes_detail", pk=created.pk)
            rules = services.check_statutes(association=base.association, text=text)
            diff = selectors.rules_diff(base.rules, rules)
        except StatutesRefused as error:
            refusal = error
    context = {"base": base, "form": form, "refusal": refusal, "diff": diff}
    return render(request, "governance/statutes_edit.html", context, status=400 if refusal else 200)


@staff_required
def statutes_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """What changed from an earlier version (``?avec=<id>``, the previous one by default) to version ``pk``."""
    statutes = get_object_or_404(Statutes.objects.select_related("association"), pk=pk)
    versions = Statutes.objects.filter(association=statutes.association).exclude(pk=statutes.pk)
    other_id = request.GET.get("avec", "")
    other: Statutes | None
    if other_id:
        if not other_id.isdigit():
            raise Http404(_("Version à comparer introuvable."))
        other = get_object_or_404(versions, pk=int(other_id))
    else:
        other = selectors.previous_version(statutes)
    older, newer = (
        sorted((statutes, other), key=lambda s: (s.adopted_on, s.version)) if other else (None, statutes)
    )
    context = {
        "statutes": statutes,
        "older": older,
        "newer": newer,
        "versions": versions.order_by("-adopted_on"),
        "diff": selectors.rules_diff(older.rules, newer.rules) if older else None,
    }
    return render(request, "governance/statutes_diff.html", context)


@staff_required
def merger_seats(request: HttpRequest, pk: int) -> HttpResponse:
    merger = _merger(request, pk)
    what_if, refusal = None, None
    try:
        what_if = apportionment.merger_what_if(merger)
    except UserError as error:
        refusal = error
    return render(
        request, "governance/merger_seats.html", {"merger": merger, "what_if": what_if, "refusal": refusal}
    )


@staff_required
def merger_procedure(request: HttpRequest, pk: int) -> HttpResponse:
    """The legal procedure of a merger as a timeline; POST opens it when it is not yet."""
    merger = _merger(request, pk)
    refusal = None
    if request.method == "POST":
        if not request.user.has_perm("governance.add_mergerprocedure"):
            raise PermissionDenied(_("Ouvrir une procédure de fusion est réservé à la direction."))
        try:
            procedure.open_procedure(merger=merger, user=request.user)
        except UserError as error:
            refusal = error
        else:
            return redirect("governance:merger_procedure", pk=merger.pk)
    found = MergerProcedure.objects.filter(merger=merger).first()
    # The states as they stood on a date (« was the notice late when the assembly met? »): today by default.
    form = AsOfForm(request.GET or None)
    context = {
        "merger": merger,
        "form": form,
        "timeline": procedure.timeline(found, form.day()) if found else None,
        "refusal": refusal,
    }
    return render(request, "governance/merger_procedure.html", context, status=400 if refusal else 200)


@staff_required
def procedure_document(request: HttpRequest, pk: int) -> FileResponse:
    """The document attached to a step, as it was handed over."""
    step = get_object_or_404(ProcedureStep.objects.select_related("procedure"), pk=pk)
    _merger(request, step.procedure.merger_id)
    if not step.document:
        raise Http404(_("Aucun document pour cette étape."))
    try:
        stream = step.document.open("rb")
    except FileNotFoundError:
        raise Http404(_("Le document de cette étape n'est plus sur le disque.")) from None
    return FileResponse(stream, as_attachment=True, filename=step.document_name or step.document.name)
