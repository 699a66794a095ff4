"""Bulk actions on the registry lists (issue 10): a selection (rows ticked on the page, or « toute la sélection
filtrée »: the list's whole search) of organisations, people or memberships (``BulkList``: one description per
list, the same code for all), then an export, an e-mail list, a change of membership type, the end of
memberships (date and reason) or, on organisations, a tag added or removed.

The selection is read through the list's own search and the visibility rule (``selectors``): rows outside
the user's territory, or unknown, refuse the whole action (``BulkRefused``), so nothing is done on a selection
other than the one the user saw. A change is planned (``planned_type_changes``, ``planned_endings``,
``planned_tag_changes``: the count the confirmation page shows), then applied in one transaction, refused if
the count moved meanwhile, with one audited event (and lineage, for memberships) per row changed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from grappe.core import audit
from grappe.core.chunks import chunked
from grappe.errors import UserError
from grappe.france.dates import check_date
from grappe.registry import editing, exports, selectors, tags
from grappe.registry.forms import MembershipFilterForm, OrganisationFilterForm, PersonSearchForm
from grappe.registry.models import (
    Association,
    Membership,
    MembershipType,
    Organisation,
    Person,
    Role,
    Tag,
    tag_key,
)

# Ticked rows come from one page of the list (50 rows): far more is not a ticked selection, and the cap keeps
# ``pk__in`` under the oldest SQLite limit on variables (999).
MAX_TICKED = 500
# Current memberships: those a change of type concerns (ended and lapsed ones keep the type they had).
CURRENT_STATUSES = (Membership.Status.ACTIVE, Membership.Status.PENDING)


ID_MAX = 2**63 - 1  # the database's largest identifier (a signed 64-bit integer)


class BulkRefused(UserError):
    code = "registry.bulk_refused"


def check_can_edit(user: Any) -> None:
    """``BulkRefused`` unless ``user`` may change the registry (``selectors.can_edit_registry``)."""
    if not selectors.can_edit_registry(user):
        raise BulkRefused(_("Modification réservée aux salariés du réseau qui en ont le droit."))


@dataclass(frozen=True)
class Selection:
    """What the user chose: ticked ``ids``, or every row of the search ``query`` (``everything``)."""

    query: str = ""
    ids: tuple[int, ...] = ()
    everything: bool = False


def read_selection(query: str, ids: Iterable[str], everything: bool) -> Selection:
    """The selection as a form posted it; ``BulkRefused`` for an identifier that is not one (not a whole
    number, or outside 1…2^63−1: no row can have it)."""
    try:
        numbers = tuple(sorted({int(value) for value in ids if str(value).strip()}))
    except ValueError as error:
        raise BulkRefused(
            _("La sélection envoyée est illisible : rechargez la liste et recommencez.")
        ) from error
    if numbers and (numbers[0] < 1 or numbers[-1] > ID_MAX):
        raise BulkRefused(_("La sélection envoyée est illisible : rechargez la liste et recommencez."))
    return Selection(query=query, ids=numbers, everything=everything)


@dataclass(frozen=True)
class EmailLine:
    organisation: str
    contact: str
    email: str


@dataclass(frozen=True)
class BulkList:
    """One registry list that offers bulk actions: how its selection is read and what it may do."""

    name: str  # the list's name (``SavedFilter.List``), also its query string's form
    field: str  # the name of the list's checkboxes
    route: str  # the bulk actions' address
    actions: frozenset[str]
    search: Callable[[Any, QueryDict], QuerySet[Any]]  # the list's search, filters and sort
    ordered: Callable[[Any, QueryDict], QuerySet[Any]]  # every visible row, in the list's sort
    visible: Callable[[Any], QuerySet[Any]]
    none_ticked: Callable[[], str]
    empty_search: Callable[[], str]
    outside: Callable[[int], str]
    selected: Callable[[int], str]  # « 3 organisations sélectionnées »
    export: Callable[[Any, QuerySet[Any]], Iterator[str]]  # the list's own CSV, of the selection
    emails: Callable[[Any, QuerySet[Any]], list[EmailLine]]
    export_name: Callable[[], str]  # the downloaded file's name


def _organisation_filters(query: QueryDict) -> selectors.OrganisationFilters:
    return OrganisationFilterForm(query).filters()


def _membership_filters(query: QueryDict) -> selectors.MembershipFilters:
    return MembershipFilterForm(query).filters()


ORGANISATIONS = BulkList(
    name="organisations",
    field="org",
    route="registry:organisation_bulk",
    actions=frozenset({"export", "emails", "emails_csv", "type", "tag_add", "tag_remove"}),
    search=lambda user, query: selectors.search_organisations(user, _organisation_filters(query)),
    ordered=lambda user, query: selectors.search_organisations(
        user, selectors.OrganisationFilters(sort=_organisation_filters(query).sort)
    ),
    visible=selectors.visible_organisations,
    none_ticked=lambda: _("Aucune organisation sélectionnée."),
    empty_search=lambda: _(
        "La sélection filtrée est vide : aucune organisation ne correspond à la recherche."
    ),
    outside=lambda n: (
        ngettext(
            "La sélection contient %(n)d organisation hors de votre territoire ou introuvable : rien n'a été fait.",
            "La sélection contient %(n)d organisations hors de votre territoire ou introuvables : rien n'a été "
            "fait.",
            n,
        )
        % {"n": n}
    ),
    selected=lambda n: (
        ngettext("%(n)d organisation sélectionnée", "%(n)d organisations sélectionnées", n) % {"n": n}
    ),
    export=lambda user, chosen: exports.organisations_csv_of(chosen),
    emails=lambda user, chosen: email_lines(chosen),
    export_name=lambda: _("selection-organisations"),
)
PEOPLE = BulkList(
    name="personnes",
    field="personne",
    route="registry:person_bulk",
    actions=frozenset({"export", "emails", "emails_csv"}),
    search=lambda user, query: selectors.search_people(
        user, PersonSearchForm(query).query(), PersonSearchForm(query).sort()
    ),
    ordered=lambda user, query: selectors.search_people(user, "", PersonSearchForm(query).sort()),
    visible=selectors.visible_people,
    none_ticked=lambda: _("Aucune personne sélectionnée."),
    empty_search=lambda: _("La sélection filtrée est vide : aucune personne ne correspond à la recherche."),
    outside=lambda n: (
        ngettext(
            "La sélection contient %(n)d personne hors de votre territoire ou introuvable : rien n'a été fait.",
            "La sélection contient %(n)d personnes hors de votre territoire ou introuvables : rien n'a été fait.",
            n,
        )
        % {"n": n}
    ),
    selected=lambda n: ngettext("%(n)d personne sélectionnée", "%(n)d personnes sélectionnées", n) % {"n": n},
    export=exports.people_csv_of,
    emails=lambda user, chosen: person_email_lines(user, chosen),
    export_name=lambda: _("selection-personnes"),
)
MEMBERSHIPS = BulkList(
    name="adhesions",
    field="adhesion",
    route="registry:membership_bulk",
    actions=frozenset({"export", "emails", "emails_csv", "type", "end"}),
    search=lambda user, query: selectors.search_memberships(user, _membership_filters(query)),
    ordered=lambda user, query: selectors.search_memberships(
        user, selectors.MembershipFilters(sort=_membership_filters(query).sort)
    ),
    visible=selectors.visible_memberships,
    none_ticked=lambda: _("Aucune adhésion sélectionnée."),
    empty_search=lambda: _("La sélection filtrée est vide : aucune adhésion ne correspond à la recherche."),
    outside=lambda n: (
        ngettext(
            "La sélection contient %(n)d adhésion hors de votre territoire ou introuvable : rien n'a été fait.",
            "La sélection contient %(n)d adhésions hors de votre territoire ou introuvables : rien n'a été fait.",
            n,
        )
        % {"n": n}
    ),
    selected=lambda n: ngettext("%(n)d adhésion sélectionnée", "%(n)d adhésions sélectionnées", n) % {"n": n},
    export=lambda user, chosen: exports.memberships_csv_of(chosen),
    emails=lambda user, chosen: email_lines(organisations_of(chosen)),
    export_name=lambda: _("selection-adhesions"),
)
LISTS = {kind.name: kind for kind in (ORGANISATIONS, PEOPLE, MEMBERSHIPS)}


def selected(user: Any, kind: BulkList, selection: Selection) -> QuerySet[Any]:
    """The selected rows of the list ``kind`` in the list's order, or ``BulkRefused`` (empty, too many
    ticked, or a row outside the user's territory: the whole action is refused)."""
    query = QueryDict(selection.query)
    if selection.everything:
        chosen = kind.search(user, query)
        if not chosen.exists():
            raise BulkRefused(kind.empty_search())
        return chosen
    if not selection.ids:
        raise BulkRefused(
            kind.none_ticked(), hint=_("Cochez des lignes de la liste, ou « toute la sélection filtrée ».")
        )
    if len(selection.ids) > MAX_TICKED:
        raise BulkRefused(
            _("Plus de %(max)d lignes cochées : utilisez « toute la sélection filtrée ».")
            % {"max": MAX_TICKED}
        )
    seen = kind.visible(user).filter(pk__in=selection.ids).count()
    if seen != len(selection.ids):
        raise BulkRefused(
            kind.outside(len(selection.ids) - seen),
            hint=_("Rechargez la liste et cochez seulement les lignes qu'elle montre."),
        )
    # The list's order (its sort), without its search: the ticked rows are the selection.
    return kind.ordered(user, query).filter(pk__in=selection.ids)


def organisations(user: Any, selection: Selection) -> QuerySet[Organisation]:
    """The selected organisations (``selected`` on the organisation list)."""
    return selected(user, ORGANISATIONS, selection)


# -- export and e-mails -----------------------------------------------------------------------------------


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


def person_email_lines(user: Any, chosen: QuerySet[Person]) -> list[EmailLine]:
    """Each selected person's e-mail, each address once, in the list's order, with the organisations they act
    for that the user may see."""
    lines: list[EmailLine] = []
    seen: set[str] = set()
    for batch in exports.batches(chosen):
        selectors.with_person_roles(user, batch)
        for person in batch:
            key = person.email.strip().lower()
            if key and key not in seen:
                seen.add(key)
                organisations = ", ".join(
                    dict.fromkeys(role.organisation.name for role in person.visible_roles)
                )
                contact = f"{person.first_name} {person.last_name}".strip()
                lines.append(EmailLine(organisations, contact, person.email.strip()))
    return lines


def organisations_of(chosen: QuerySet[Membership]) -> QuerySet[Organisation]:
    """The organisations holding the selected memberships, by name (each once)."""
    return Organisation.objects.filter(pk__in=chosen.order_by().values("organisation_id")).order_by(
        "name", "pk"
    )


def emails_csv(lines: Sequence[EmailLine]) -> Iterator[str]:
    header = [_("Organisation"), _("Contact"), _("E-mail")]
    return exports.write_csv(header, ([line.organisation, line.contact, line.email] for line in lines))


# -- memberships of a selection ----------------------------------------------------------------------------


def _current_memberships(chosen: QuerySet[Any], on: datetime.date) -> QuerySet[Membership]:
    """The selection's current memberships: those of the selected organisations, or the selected memberships
    themselves, active or pending and not ended by ``on``."""
    if chosen.model is Membership:
        memberships = Membership.objects.filter(pk__in=chosen.order_by().values("pk"))
    else:
        memberships = Membership.objects.filter(organisation__in=chosen.order_by().values("pk"))
    return (
        memberships.filter(status__in=CURRENT_STATUSES)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("organisation", "association", "membership_type")
        .order_by("organisation__name", "association__name", "pk")
    )


def _check_expected(count: int, expected: int) -> None:
    if count != expected:
        raise BulkRefused(
            _(
                "Le nombre d'adhésions concernées a changé depuis la confirmation (%(then)d, maintenant "
                "%(now)d) : rien n'a été modifié, vérifiez à nouveau."
            )
            % {"then": expected, "now": count}
        )


# -- change of membership type -----------------------------------------------------------------------------


def planned_type_changes(
    chosen: QuerySet[Any], membership_type: MembershipType, on: datetime.date | None = None
) -> QuerySet[Membership]:
    """The selection's current memberships of the type's association not yet of that type."""
    on = on or timezone.localdate()
    return (
        _current_memberships(chosen, on)
        .filter(association_id=membership_type.association_id)
        .exclude(membership_type=membership_type)
    )


@transaction.atomic
def change_membership_type(
    *, user: Any, chosen: QuerySet[Any], membership_type: MembershipType, expected: int
) -> int:
    """Give ``membership_type`` to the planned memberships, one audited change each (lineage and history as a
    hand edit). ``expected``: the count the user confirmed; a different one (the data moved meanwhile) refuses,
    nothing changed."""
    check_can_edit(user)
    memberships = list(planned_type_changes(chosen, membership_type).select_for_update(of=("self",)))
    _check_expected(len(memberships), expected)
    for membership in memberships:
        checked = editing.check_membership_values({"membership_type": membership_type}, membership=membership)
        editing.save_record(
            obj=membership,
            user=user,
            values=checked,
            details={"action": gettext_noop("changement groupé de type")},
        )
    return len(memberships)


# -- end of memberships ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ending:
    """How the selected memberships end: the date, the reason (``Membership.EndReason``) and its details."""

    ends_on: datetime.date
    reason: str
    detail: str = ""


def read_ending(ends_on: str, reason: str, detail: str) -> Ending:
    """The ending as the form posted it, or ``BulkRefused`` naming the field: a date (jj/mm/aaaa or
    aaaa-mm-jj), a known reason, and details when the reason is « autre motif »."""
    detail = " ".join(detail.split())
    if not ends_on.strip():
        raise BulkRefused(_("Date de fin : indiquez quand les adhésions prennent fin."))
    outcome = check_date(ends_on)
    if outcome.problem is not None:
        raise BulkRefused(_("Date de fin : %(error)s") % {"error": outcome.problem.render(_)})
    if outcome.value is None:
        raise BulkRefused(_("Date de fin : indiquez quand les adhésions prennent fin."))
    date = outcome.value
    if reason not in Membership.EndReason.values:
        raise BulkRefused(
            _("Motif du départ : choisissez-en un dans la liste (%(choices)s).")
            % {"choices": ", ".join(map(str, Membership.EndReason.labels))}
        )
    if reason == Membership.EndReason.OTHER and not detail:
        raise BulkRefused(_("Précisions : « autre motif » ne dit pas lequel, précisez le motif du départ."))
    if len(detail) > DETAIL_MAX:
        raise BulkRefused(
            _("Précisions : %(max)d caractères au plus (%(n)d tapés).")
            % {"max": DETAIL_MAX, "n": len(detail)}
        )
    return Ending(ends_on=date, reason=reason, detail=detail)


def planned_endings(chosen: QuerySet[Any], ending: Ending) -> QuerySet[Membership]:
    """The selection's memberships current on the end date: those the ending closes."""
    return _current_memberships(chosen, ending.ends_on)


@transaction.atomic
def end_memberships(*, user: Any, chosen: QuerySet[Any], ending: Ending, expected: int) -> int:
    """End the planned memberships on ``ending.ends_on`` with its reason, one audited change each (lineage and
    history as a hand edit): « terminée » when the date has come, the end recorded ahead otherwise. Refused
    whole, nothing changed, when the count is not the confirmed one or a membership starts after the date."""
    check_can_edit(user)
    memberships = list(planned_endings(chosen, ending).select_for_update(of=("self",)))
    _check_expected(len(memberships), expected)
    late = [m for m in memberships if m.starts_on and m.starts_on > ending.ends_on]
    if late:
        raise BulkRefused(
            ngettext(
                "%(n)d adhésion commence après le %(date)s (%(names)s) : rien n'a été modifié.",
                "%(n)d adhésions commencent après le %(date)s (%(names)s) : rien n'a été modifié.",
                len(late),
            )
            % {
                "n": len(late),
                "date": ending.ends_on.strftime("%d/%m/%Y"),
                "names": ", ".join(m.organisation.name for m in late[:5]) + ("…" if len(late) > 5 else ""),
            },
            hint=_("Choisissez une date de fin plus tardive, ou retirez ces adhésions de la sélection."),
        )
    values: dict[str, Any] = {
        "ends_on": ending.ends_on,
        "end_reason": ending.reason,
        "end_reason_detail": ending.detail,
    }
    if ending.ends_on <= timezone.localdate():
        values["status"] = Membership.Status.ENDED
    for membership in memberships:
        checked = editing.check_membership_values(values, membership=membership)
        editing.save_record(
            obj=membership,
            user=user,
            values=checked,
            details={"action": gettext_noop("fin d'adhésion groupée")},
        )
    return len(memberships)


# -- tags ------------------------------------------------------------------------------------------------------

DETAIL_MAX: int = Membership._meta.get_field("end_reason_detail").max_length or 500
TAG_NAME_MAX: int = Tag._meta.get_field("name").max_length or 60


def choose_tag(*, tag_id: str, new_name: str, association_id: str, adding: bool) -> Tag:
    """The tag the user chose: an existing one (``tag_id``), or, when adding, one named ``new_name`` in the
    association ``association_id`` — the existing tag of that name whatever its case and accents, else a new one, unsaved
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
    return tags.namesake(association, new_name) or Tag(association=association, name=new_name)


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
    check_can_edit(user)
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
