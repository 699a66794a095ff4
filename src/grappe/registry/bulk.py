"""Bulk actions on the organisation list (issue 10): a selection (rows ticked on the page, or « toute la
sélection filtrée »: the list's whole search), then an export, an e-mail list, or a change of membership type.

The selection is read through the list's own search and the visibility rule (``selectors``): rows outside
the user's territory, or unknown, refuse the whole action (``BulkRefused``), so nothing is done on a selection
other than the one the user saw. Adding or removing a tag, like a change of type, is planned (the count the
confirmation page shows) then applied in one transaction, one audited event per organisation. A change of type is planned (``planned_type_changes``: what the confirmation
page counts), then applied in one transaction, one audited change per membership.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grappe.core import audit
from grappe.core.chunks import chunked
from grappe.errors import UserError
from grappe.registry import editing, exports, selectors
from grappe.registry.forms import OrganisationFilterForm
from grappe.registry.models import Association, Membership, MembershipType, Organisation, Role, Tag, tag_key

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


# -- tags ------------------------------------------------------------------------------------------------------

TAG_NAME_MAX = Tag._meta.get_field("name").max_length


def choose_tag(*, tag_id: str, new_name: str, association_id: str, adding: bool) -> Tag:
    """The tag the user chose: an existing one (``tag_id``), or, when adding, one named ``new_name`` in the
    association ``association_id`` — the existing tag of that name whatever its case, else a new one, unsaved
    (it is created only when the change is confirmed). ``BulkRefused`` for anything else, nothing created."""
    new_name = " ".join(new_name.split())
    if tag_id.strip() and new_name:
        raise BulkRefused(_("Choisissez une étiquette existante ou tapez-en une nouvelle, pas les deux."))
    if tag_id.strip():
        tag = (
            Tag.objects.select_related("association").filter(pk=tag_id).first() if tag_id.isdigit() else None
        )
        if tag is None:
            raise BulkRefused(_("Cette étiquette n'existe plus : choisissez-en une dans la liste."))
        return tag
    if not adding:
        raise BulkRefused(_("Choisissez l'étiquette à retirer."))
    if not new_name:
        raise BulkRefused(
            _("Choisissez une étiquette ou tapez le nom d'une nouvelle."),
            hint=_("Par exemple « Salon 2026 »."),
        )
    if len(new_name) > TAG_NAME_MAX:
        raise BulkRefused(
            _("Le nom d'une étiquette tient en %(max)d caractères (%(n)d tapés).")
            % {"max": TAG_NAME_MAX, "n": len(new_name)}
        )
    association = (
        Association.objects.filter(pk=association_id).first() if association_id.strip().isdigit() else None
    )
    if association is None:
        raise BulkRefused(_("Choisissez l'association à laquelle la nouvelle étiquette appartient."))
    existing = Tag.objects.filter(association=association, key=tag_key(new_name)).first()
    return existing or Tag(association=association, name=new_name)


def planned_tag_changes(chosen: QuerySet[Organisation], tag: Tag, adding: bool) -> QuerySet[Organisation]:
    """The selected organisations the change concerns: those without the tag (adding), with it (removing)."""
    if tag.pk is None:
        return chosen if adding else chosen.none()
    return chosen.exclude(tags=tag) if adding else chosen.filter(tags=tag)


@transaction.atomic
def change_tag(*, user: Any, chosen: QuerySet[Organisation], tag: Tag, adding: bool, expected: int) -> int:
    """Add ``tag`` to (or remove it from) the planned organisations, creating it first when new; one audited
    event per organisation. ``expected``: the count the user confirmed; a different one refuses, nothing
    changed."""
    if not selectors.can_edit_registry(user):
        raise BulkRefused(_("Modification réservée aux salariés du réseau qui en ont le droit."))
    organisations = list(planned_tag_changes(chosen, tag, adding).values_list("pk", "name"))
    if len(organisations) != expected:
        raise BulkRefused(
            _(
                "Le nombre d'organisations concernées a changé depuis la confirmation (%(then)d, maintenant "
                "%(now)d) : rien n'a été modifié, vérifiez à nouveau."
            )
            % {"then": expected, "now": len(organisations)}
        )
    if tag.pk is None:
        try:
            with transaction.atomic():
                tag.save()
        except IntegrityError:  # the same name created a moment ago by a colleague: theirs is this one
            tag = Tag.objects.get(association=tag.association, key=tag_key(tag.name))
        else:
            audit.record_event(
                action="tag.create", user=user, target=tag, details={"association": tag.association.name}
            )
    through = Organisation.tags.through
    for chunk in chunked(organisations):
        ids = [pk for pk, _name in chunk]
        if adding:
            through.objects.bulk_create(
                [through(organisation_id=pk, tag_id=tag.pk) for pk in ids], ignore_conflicts=True
            )
        else:
            through.objects.filter(tag_id=tag.pk, organisation_id__in=ids).delete()
    for pk, name in organisations:
        audit.record_event(
            action="organisation.tag" if adding else "organisation.untag",
            user=user,
            target=Organisation(pk=pk),
            label=name,
            details={"étiquette": tag.name, "association": tag.association.name},
        )
    return len(organisations)
