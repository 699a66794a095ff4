"""Bulk actions on the organisation list (issue 10): a selection (rows ticked on the page, or « toute la
sélection filtrée »: the list's whole search), then an export, an e-mail list, or a change of membership type.

The selection is read through the list's own search and the visibility rule (``selectors``): rows outside
the user's territory, or unknown, refuse the whole action (``BulkRefused``), so nothing is done on a selection
other than the one the user saw. A change of type is planned (``planned_type_changes``: what the confirmation
page counts), then applied in one transaction, one audited change per membership.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grappe.errors import UserError
from grappe.registry import editing, exports, selectors
from grappe.registry.forms import OrganisationFilterForm
from grappe.registry.models import Membership, MembershipType, Organisation, Role

# Ticked rows come from one page of the list (50 rows): far more is not a ticked selection, and the cap keeps
# ``pk__in`` under the oldest SQLite limit on variables (999).
MAX_TICKED = 500
# Current memberships: those a change of type concerns (ended and lapsed ones keep the type they had).
CURRENT_STATUSES = (Membership.Status.ACTIVE, Membership.Status.PENDING)


class BulkRefused(UserError):
    code = "registry.bulk_refused"


@dataclass(frozen=True)
class Selection:
    """What the user chose: ticked ``ids``, or every row of the search ``query`` (``everything``)."""

    query: str = ""
    ids: tuple[int, ...] = ()
    everything: bool = False


def read_selection(query: str, ids: Iterable[str], everything: bool) -> Selection:
    """The selection as a form posted it; ``BulkRefused`` for an identifier that is not one."""
    try:
        numbers = tuple(sorted({int(value) for value in ids if str(value).strip()}))
    except ValueError as error:
        raise BulkRefused(
            _("La sélection envoyée est illisible : rechargez la liste et recommencez.")
        ) from error
    return Selection(query=query, ids=numbers, everything=everything)


def organisations(user: Any, selection: Selection) -> QuerySet[Organisation]:
    """The selected organisations in the list's order, or ``BulkRefused`` (empty, too many ticked, or an
    organisation outside the user's territory: the whole action is refused)."""
    filters = OrganisationFilterForm(QueryDict(selection.query)).filters()
    if selection.everything:
        chosen = selectors.search_organisations(user, filters)
        if not chosen.exists():
            raise BulkRefused(
                _("La sélection filtrée est vide : aucune organisation ne correspond à la recherche.")
            )
        return chosen
    if not selection.ids:
        raise BulkRefused(
            _("Aucune organisation sélectionnée."),
            hint=_("Cochez des lignes de la liste, ou « toute la sélection filtrée »."),
        )
    if len(selection.ids) > MAX_TICKED:
        raise BulkRefused(
            _("Plus de %(max)d lignes cochées : utilisez « toute la sélection filtrée ».")
            % {"max": MAX_TICKED}
        )
    seen = selectors.visible_organisations(user).filter(pk__in=selection.ids).count()
    if seen != len(selection.ids):
        missing = len(selection.ids) - seen
        raise BulkRefused(
            ngettext(
                "La sélection contient %(n)d organisation hors de votre territoire ou introuvable : rien n'a "
                "été fait.",
                "La sélection contient %(n)d organisations hors de votre territoire ou introuvables : rien n'a "
                "été fait.",
                missing,
            )
            % {"n": missing},
            hint=_("Rechargez la liste et cochez seulement les organisations qu'elle montre."),
        )
    # The list's order (its sort), without its search: the ticked rows are the selection.
    unfiltered = selectors.OrganisationFilters(sort=filters.sort)
    return selectors.search_organisations(user, unfiltered).filter(pk__in=selection.ids)


# -- export and e-mails -----------------------------------------------------------------------------------


def export_csv(user: Any, chosen: QuerySet[Organisation]) -> Iterator[str]:
    """The selection as the list's CSV (``registry.exports``: same columns, same format)."""
    return exports.organisations_csv_of(chosen)


@dataclass(frozen=True)
class EmailLine:
    organisation: str
    contact: str
    email: str


def email_lines(chosen: QuerySet[Organisation], on: datetime.date | None = None) -> list[EmailLine]:
    """Each selected organisation's own e-mail and its current contacts' (people whose role has not ended),
    each address once, in the list's order."""
    on = on or timezone.localdate()
    lines: list[EmailLine] = []
    seen: set[str] = set()

    def add(organisation: str, contact: str, email: str) -> None:
        key = email.strip().lower()
        if key and key not in seen:
            seen.add(key)
            lines.append(EmailLine(organisation, contact, email.strip()))

    # One query for the contacts, through a subquery (no list of ids: no limit on variables).
    roles: dict[int, list[Role]] = {}
    current_roles = (
        Role.objects.filter(organisation__in=chosen.order_by().values("pk"))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    for role in current_roles:
        roles.setdefault(role.organisation_id, []).append(role)
    for batch in exports.batches(chosen.only("pk", "name", "email")):
        for org in batch:
            add(org.name, "", org.email)
            for role in roles.get(org.pk, []):
                add(org.name, f"{role.person.first_name} {role.person.last_name}".strip(), role.person.email)
    return lines


def emails_csv(lines: Sequence[EmailLine]) -> Iterator[str]:
    header = [_("Organisation"), _("Contact"), _("E-mail")]
    return exports.write_csv(header, ([line.organisation, line.contact, line.email] for line in lines))


# -- change of membership type -----------------------------------------------------------------------------


def planned_type_changes(
    chosen: QuerySet[Organisation], membership_type: MembershipType, on: datetime.date | None = None
) -> QuerySet[Membership]:
    """The selected organisations' current memberships of the type's association not yet of that type."""
    on = on or timezone.localdate()
    return (
        Membership.objects.filter(
            organisation__in=chosen.order_by().values("pk"),
            association_id=membership_type.association_id,
            status__in=CURRENT_STATUSES,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .exclude(membership_type=membership_type)
        .select_related("organisation", "association", "membership_type")
        .order_by("organisation__name", "pk")
    )


@transaction.atomic
def change_membership_type(
    *, user: Any, chosen: QuerySet[Organisation], membership_type: MembershipType, expected: int
) -> int:
    """Give ``membership_type`` to the planned memberships, one audited change each (lineage and history as a
    hand edit). ``expected``: the count the user confirmed; a different one (the data moved meanwhile) refuses,
    nothing changed."""
    if not selectors.can_edit_registry(user):
        raise BulkRefused(_("Modification réservée aux salariés du réseau qui en ont le droit."))
    memberships = list(planned_type_changes(chosen, membership_type).select_for_update(of=("self",)))
    if len(memberships) != expected:
        raise BulkRefused(
            _(
                "Le nombre d'adhésions concernées a changé depuis la confirmation (%(then)d, maintenant "
                "%(now)d) : rien n'a été modifié, vérifiez à nouveau."
            )
            % {"then": expected, "now": len(memberships)}
        )
    for membership in memberships:
        checked = editing.check_membership_values({"membership_type": membership_type}, membership=membership)
        editing.save_record(
            obj=membership, user=user, values=checked, details={"action": _("changement groupé de type")}
        )
    return len(memberships)
