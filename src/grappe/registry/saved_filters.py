"""Saved filters of the registry lists (issue 10): a list's query string (search, filters, sort) kept under a
name for its author, optionally shared with the network's staff.

Only the query string is stored, cut down to the list form's own fields: opening a filter runs the search again
through the reader's visibility rule (``selectors.restrict``), so a shared filter never shows another territory's
members. Saving and deleting are audited like every change.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from grappe.core import audit
from grappe.errors import NotFound, UserError
from grappe.registry import selectors
from grappe.registry.forms import MembershipFilterForm, OrganisationFilterForm, PersonSearchForm
from grappe.registry.models import SavedFilter

LIST_FORMS = {
    SavedFilter.List.ORGANISATIONS: (OrganisationFilterForm, "registry:organisation_list"),
    SavedFilter.List.PEOPLE: (PersonSearchForm, "registry:person_list"),
    SavedFilter.List.MEMBERSHIPS: (MembershipFilterForm, "registry:membership_list"),
}
NAME_MAX = SavedFilter._meta.get_field("name").max_length
QUERY_MAX = SavedFilter._meta.get_field("query").max_length


class FilterRefused(UserError):
    code = "registry.filter_refused"


def list_url(list_name: str, query: str = "") -> str:
    """The list's address with ``query`` (an unknown list: the organisations)."""
    _form, url_name = LIST_FORMS.get(list_name, LIST_FORMS[SavedFilter.List.ORGANISATIONS])
    return reverse(url_name) + (f"?{query}" if query else "")


def clean_query(list_name: str, raw: str) -> str:
    """``raw`` kept to the list form's fields with a value (no page number, no token), in a stable order."""
    form_class, _url = LIST_FORMS[list_name]
    given = QueryDict(raw)
    kept = QueryDict(mutable=True)
    for name in form_class.base_fields:
        values = [value for value in given.getlist(name) if value.strip()]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def filters_for(user: Any, list_name: str) -> QuerySet[SavedFilter]:
    """The user's own filters of a list and those their colleagues shared (staff of the network only)."""
    return (
        selectors.restrict(user, SavedFilter.objects.filter(list_name=list_name))
        .select_related("user")
        .order_by("name", "pk")
    )


@transaction.atomic
def save_filter(*, user: Any, list_name: str, name: str, query: str, shared: bool = False) -> SavedFilter:
    """Keep ``query`` under ``name`` for ``user``; ``FilterRefused`` (nothing saved) for a missing or taken
    name, an unknown list or a search too long to keep."""
    if list_name not in LIST_FORMS:
        raise FilterRefused(_("Cette liste ne peut pas enregistrer de filtre."))
    name = " ".join(name.split())
    if not name:
        raise FilterRefused(
            _("Donnez un nom au filtre pour l'enregistrer."), hint=_("Par exemple « Adhérents de la Loire ».")
        )
    if len(name) > NAME_MAX:
        raise FilterRefused(
            _("Le nom du filtre dépasse %(max)d caractères : raccourcissez-le.") % {"max": NAME_MAX}
        )
    cleaned = clean_query(list_name, query)
    if len(cleaned) > QUERY_MAX:
        raise FilterRefused(_("Cette recherche est trop longue pour être enregistrée : retirez un critère."))
    taken = SavedFilter.objects.filter(user=user, list_name=list_name, name__iexact=name)
    if taken.exists():
        raise FilterRefused(
            _("Vous avez déjà un filtre « %(name)s » sur cette liste.") % {"name": name},
            hint=_("Choisissez un autre nom, ou supprimez l'ancien filtre d'abord."),
        )
    try:
        with transaction.atomic():
            saved = SavedFilter.objects.create(
                user=user, list_name=list_name, name=name, query=cleaned, shared=shared
            )
    except IntegrityError as error:  # the same name saved a moment ago from another tab
        raise FilterRefused(
            _("Vous avez déjà un filtre « %(name)s » sur cette liste.") % {"name": name}
        ) from error
    audit.record_event(
        action="filter.save",
        user=user,
        target=saved,
        details={"liste": list_name, "recherche": cleaned, "partagé": shared},
    )
    return saved


@transaction.atomic
def delete_filter(*, user: Any, pk: int) -> SavedFilter:
    """Delete one of ``user``'s own filters; a colleague's (even shared) looks like a missing one."""
    saved = SavedFilter.objects.filter(user=user, pk=pk).first()
    if saved is None:
        raise NotFound(_("Ce filtre n'existe pas ou n'est pas le vôtre."))
    audit.record_event(
        action="filter.delete",
        user=user,
        target=saved,
        details={"liste": saved.list_name, "recherche": saved.query, "partagé": saved.shared},
    )
    saved.delete()
    return saved
