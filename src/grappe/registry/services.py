"""State changes of the registry that several parts share (the demo story, the merger workflow, the admin).

Each function is atomic: it runs inside ``transaction.atomic`` so that a failure leaves the registry as it was.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grappe.core import audit, dependents
from grappe.core.chunks import chunked, in_chunks
from grappe.errors import UserError
from grappe.france.text import fold
from grappe.registry.editing import (  # noqa: F401 — manual edits are registry services too
    EditRefused,
    MemberRefused,
    check_contact_values,
    check_establishment_values,
    check_membership_values,
    check_organisation_values,
    create_establishment,
    create_member,
    create_organisation,
    delete_record,
    save_contact,
    save_membership,
    save_record,
    update_establishment,
    update_organisation,
)
from grappe.registry.models import (
    Association,
    Brand,
    College,
    Establishment,
    FoldedOrganisation,
    Lineage,
    Membership,
    MembershipType,
    Office,
    Organisation,
    Person,
    Role,
    StaffAssignment,
    StaffMember,
    Territory,
)

# Fields an absorbed duplicate may fill on the surviving organisation when the survivor has no value.
_FILLABLE_FIELDS = (
    "siren",
    "vat_number",
    "legal_form_code",
    "naf_code",
    "naf_version",
    "headcount_bracket",
    "created_on",
    "website",
    "website_domain",
    "email",
    "phone",
)


# Survivorship groups: fields that travel together (a NAF code with its nomenclature, a site with its domain).
_FIELD_GROUPS: tuple[tuple[str, ...], ...] = (
    ("name",),
    ("siren",),
    ("vat_number",),
    ("legal_form_code",),
    ("naf_code", "naf_version"),
    ("headcount_bracket",),
    ("created_on",),
    ("website", "website_domain"),
    ("email",),
    ("phone",),
)
_IDENTIFIER_CHECKS = {"siren": "check_siren", "vat_number": "check_vat"}


@dataclass(frozen=True)
class FieldChoice:
    """One field a merge had to choose: the value kept, where it came from, the values not retained."""

    field: str
    kept: str
    kept_from: int
    dropped: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Survivorship:
    """Per-field survivorship: a valid identifier beats an invalid or missing one (the survivor's own valid
    identifier beats any other: its identity is stable); otherwise the most recent non-empty value wins.

    ``recency``: organisation id → a comparable date (the latest import of its rows, or its membership start).
    Values not retained keep their lineage rows, marked ``retained=False``; distinct e-mails and phones not
    retained on the organisation move to its establishments that have none, so none is lost.
    """

    recency: Mapping[int, Any]

    def choose(self, field: str, survivor: Organisation, candidates: Sequence[Organisation]) -> Organisation:
        filled = [org for org in candidates if getattr(org, field) not in ("", None)]
        if not filled:
            return survivor
        check = _IDENTIFIER_CHECKS.get(field)
        if check:
            from grappe.france import identifiers

            valid = [org for org in filled if getattr(identifiers, check)(str(getattr(org, field))).ok]
            if survivor in valid:
                return survivor
            filled = valid or filled
        lowest = datetime.datetime.min.replace(tzinfo=datetime.UTC)
        return max(
            filled, key=lambda org: (_as_datetime(self.recency.get(org.pk)) or lowest, org is survivor)
        )


def _as_datetime(value: Any) -> datetime.datetime | None:
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.combine(value, datetime.time.min, tzinfo=datetime.UTC)


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


@transaction.atomic
def merge_organisations(
    *,
    survivor: Organisation,
    duplicates: Sequence[Organisation],
    survivorship: Survivorship | None = None,
    choices: list[FieldChoice] | None = None,
    user: Any = None,
    context: Any = None,
    on: datetime.date | None = None,
) -> Organisation:
    """Fold ``duplicates`` into ``survivor``: the survivor's id never changes, nothing is lost.

    Whatever hangs off the duplicates moves to the survivor as its app declared (``grappe.core.dependents``:
    establishments, roles, memberships, source records, lineage, …), or the merge is refused with the
    declaration's message before anything changes. Without
    ``survivorship``, empty survivor fields are filled from the duplicates; with it, each field follows the
    policy, and the values not retained stay visible in lineage (``retained=False``). ``choices``, when given,
    receives one ``FieldChoice`` per field where distinct values competed. Two current memberships of one
    association become one (``collapse_memberships``): the other ends « fusion » on ``on`` (a merger's effective
    date; today without one).

    One audit event « fusion de fiches en double » on the survivor (by ``user``, within ``context``: the
    merger) keeps the folded organisations' names and the survivor's old → new values.
    """
    others = [org for org in duplicates if org.pk != survivor.pk]
    if not others:
        return survivor
    dependents.check_fold(survivor=survivor, others=others)
    before = audit.values_of(survivor)
    other_ids = [org.pk for org in others]
    org_type = ContentType.objects.get_for_model(Organisation)
    made: list[FieldChoice] = []
    if survivorship is None:
        for org in others:
            for field in _FILLABLE_FIELDS:
                if not getattr(survivor, field) and getattr(org, field):
                    setattr(survivor, field, getattr(org, field))
    else:
        made = _survive(survivor, others, survivorship)
    for org in others:
        survivor.is_startup = survivor.is_startup or org.is_startup
        survivor.skills = sorted({*survivor.skills, *org.skills})
    # Free the unique SIREN before the survivor takes it over.
    Organisation.objects.filter(pk__in=other_ids).update(siren="")
    survivor.save()
    # Establishments, roles, memberships, source rows, lineage and every other app's declared dependents.
    dependents.fold_dependents(survivor=survivor, others=others)
    for choice in made:
        lineage = Lineage.objects.filter(content_type=org_type, object_id=survivor.pk, field=choice.field)
        lineage.exclude(value=choice.kept).update(retained=False)
        lineage.filter(value=choice.kept).update(retained=True)
    # Where their pages' links now lead (the organisation page redirects there).
    FoldedOrganisation.objects.bulk_create(
        FoldedOrganisation(folded_id=org.pk, name=org.name, survivor=survivor) for org in others
    )
    Organisation.objects.filter(pk__in=other_ids).delete()
    ended = collapse_memberships(organisation=survivor, on=on)
    collapsed = collapse_establishments(organisation=survivor)
    details: dict[str, Any] = {"folded": [{"id": org.pk, "name": org.name} for org in others]}
    if ended:
        details["memberships_ended"] = ended
    if collapsed:
        details["establishments_collapsed"] = collapsed
    audit.record_event(
        action="organisation.merge",
        user=user,
        target=survivor,
        changes=audit.changes_between(before, audit.values_of(survivor), Organisation),
        details=details,
        context=context,
    )
    if choices is not None:
        choices.extend(made)
    return survivor


def _survive(survivor: Organisation, others: list[Organisation], policy: Survivorship) -> list[FieldChoice]:
    everyone = [survivor, *others]
    before = {org.pk: {f: getattr(org, f) for group in _FIELD_GROUPS for f in group} for org in everyone}
    made = []
    for group in _FIELD_GROUPS:
        lead = group[0]
        winner = policy.choose(lead, survivor, everyone)
        for field in group:
            setattr(survivor, field, before[winner.pk][field])
        kept = before[winner.pk][lead]
        dropped = tuple(
            (org.pk, _text(before[org.pk][lead]))
            for org in everyone
            if before[org.pk][lead] not in ("", None) and before[org.pk][lead] != kept
        )
        if dropped:
            made.append(FieldChoice(lead, _text(kept), winner.pk, tuple(dict.fromkeys(dropped))))
        if lead in ("email", "phone"):
            # Every distinct e-mail and phone is kept: on the sites of the organisation that gave it.
            for org in everyone:
                value = before[org.pk][lead]
                if value and value != kept:
                    Establishment.objects.filter(organisation_id=org.pk, **{lead: ""}).update(**{lead: value})
    return made


# Filled on the establishment kept from the one folded into it, when empty.
_ESTABLISHMENT_FILLABLE = ("name", "street", "commune_code", "departement_code", "email", "phone")


def _place_key(site: Establishment) -> tuple[str, str, str]:
    return (site.country, fold(site.postcode).replace(" ", ""), fold(site.city))


def _same_site(unidentified: Establishment, candidates: list[Establishment]) -> Establishment | None:
    """The establishment with a SIRET that ``unidentified`` (no SIRET) is: same street, postcode, commune and
    country; without a street, the only one with a SIRET in that commune. None when nothing says so."""
    here = [site for site in candidates if _place_key(site) == _place_key(unidentified)]
    street = fold(unidentified.street)
    if street:
        same = [site for site in here if fold(site.street) == street]
        return same[0] if len(same) == 1 else None
    return here[0] if len(here) == 1 else None


@transaction.atomic
def collapse_establishments(*, organisation: Organisation) -> list[dict[str, Any]]:
    """Fold each establishment without SIRET into the one with a SIRET at the same address.

    Two registries describe one site, one of them without its SIRET: after a merger the organisation would
    show it twice. The one with the SIRET is kept; empty fields are filled from the other, memberships and
    lineage follow it (``grappe.core.dependents``), so every source's values stay visible. Returns what was
    folded, for the audit event."""
    sites = list(organisation.establishments.order_by("pk"))
    identified = [site for site in sites if site.siret]
    collapsed = []
    for site in sites:
        if site.siret or not identified:
            continue
        kept = _same_site(site, identified)
        if kept is None:
            continue
        for name in _ESTABLISHMENT_FILLABLE:
            if not getattr(kept, name) and getattr(site, name):
                setattr(kept, name, getattr(site, name))
        kept.is_head_office = kept.is_head_office or site.is_head_office
        kept.save()
        dependents.fold_dependents(survivor=kept, others=[site])
        collapsed.append({"id": site.pk, "place": site.place, "into": kept.siret})
        site.delete()
    return collapsed


@transaction.atomic
def collapse_memberships(*, organisation: Organisation, on: datetime.date | None = None) -> int:
    """Keep one current membership per association: seniority is the earliest start, origin the oldest one.

    The one kept is the first up to date (« à jour ») if any, else the one with the earliest start: a membership
    that lapsed years ago must not become the current one and carry its past « jusqu'au » and reason for
    leaving. The others are not deleted but ended « fusion » on ``on`` (the merger's effective date; today
    without one), their detail saying what they said before: the organisation's history keeps that it was also
    a member through them, brought by whom, since when, with which type, college and fee. Ended memberships are
    left alone, so collapsing again changes nothing. Returns how many memberships were ended."""
    ends_on = on or timezone.localdate()
    ended = 0
    by_association: dict[int, list[Membership]] = {}
    # An unknown start sorts last on every database (SQLite would put it first, PostgreSQL last).
    for membership in organisation.memberships.exclude(status=Membership.Status.ENDED).order_by(
        F("starts_on").asc(nulls_last=True), "pk"
    ):
        by_association.setdefault(membership.association_id, []).append(membership)
    for memberships in by_association.values():
        if len(memberships) < 2:
            continue
        earliest = memberships[0]
        kept = next((m for m in memberships if m.status == Membership.Status.ACTIVE), earliest)
        extra = [m for m in memberships if m is not kept]
        kept.starts_on, kept.origin_id = earliest.starts_on, earliest.origin_id
        kept.annual_fee = kept.annual_fee or next((m.annual_fee for m in extra if m.annual_fee), None)
        kept.membership_type_id = kept.membership_type_id or next(
            (m.membership_type_id for m in extra if m.membership_type_id), None
        )
        kept.college_id = kept.college_id or next((m.college_id for m in extra if m.college_id), None)
        kept.save()
        # What hangs off the ended memberships moves to the one kept, as when they were deleted: dues above all,
        # since standing (and so the right to vote) is read on the current membership, and a due issued or paid
        # through either is the member's. Their lineage stays: it says where their own values came from, and
        # they keep those values.
        dependents.fold_dependents(survivor=kept, others=extra, staying=("registry.Lineage",))
        for membership in extra:
            _end_as_merged(membership, into=kept, on=ends_on)
        ended += len(extra)
    return ended


def _end_as_merged(membership: Membership, *, into: Membership, on: datetime.date) -> None:
    """End ``membership`` « fusion » on ``on`` (never before it began), naming the membership it went into and
    what it said of its status and end before, which ending it overwrites."""
    # Stored data, in the network's language: not the language of whoever applied the merger.
    with translation.override(settings.LANGUAGE_CODE):
        was = [str(membership.get_status_display())] if membership.status != Membership.Status.ACTIVE else []
        if membership.ends_on:
            was.append(f"jusqu'au {membership.ends_on:%d/%m/%Y}")
        if membership.end_reason:
            was.append(f"motif : {membership.get_end_reason_display()}")
        if membership.end_reason_detail:
            was.append(membership.end_reason_detail)
    detail = f"Adhésion fusionnée avec l'adhésion n° {into.pk}"
    if was:
        detail += f" (avant la fusion : {', '.join(was)})"
    membership.status = Membership.Status.ENDED
    membership.ends_on = max(on, membership.starts_on) if membership.starts_on else on
    membership.end_reason = Membership.EndReason.MERGER
    membership.end_reason_detail = detail[: Membership._meta.get_field("end_reason_detail").max_length or 500]
    membership.save(update_fields=["status", "ends_on", "end_reason", "end_reason_detail"])


@transaction.atomic
def absorb_association(
    *,
    absorbed: Association,
    into: Association,
    effective_on: datetime.date,
    keep_name_as_brand: bool = False,
    brand_territories: Iterable[Territory] = (),
    user: Any = None,
    context: Any = None,
) -> None:
    """Mark ``absorbed`` as absorbed on ``effective_on`` and carry its members over to ``into``.

    Memberships move with their seniority and keep the association that brought the member in as ``origin``;
    a company already member of both keeps one current membership with the earliest start, the other ended
    « fusion » on ``effective_on`` (``collapse_memberships``).
    """
    if absorbed.pk == into.pk:
        raise UserError(f"« {absorbed} » ne peut pas s'absorber elle-même.")
    if absorbed.status == Association.Status.ABSORBED:
        raise UserError(
            f"« {absorbed} » a déjà été absorbée par « {absorbed.absorbed_into} » le {absorbed.absorbed_on:%d/%m/%Y}."
        )
    memberships = Membership.objects.filter(association=absorbed)
    moved, previous_status = memberships.count(), absorbed.status
    memberships.filter(origin__isnull=True).update(origin=absorbed)
    moved_org_ids = list(memberships.values_list("organisation_id", flat=True).distinct())
    memberships.update(association=into)
    carry_types_and_colleges(into=into)
    # Current memberships only: the ended ones (a former member, an earlier merger's) collapse nothing.
    of_moved = (
        Membership.objects.filter(association=into)
        .exclude(status=Membership.Status.ENDED)
        .values("organisation_id")
    )
    shared = [
        org_id
        for chunk in in_chunks(of_moved, "organisation_id", moved_org_ids)
        for org_id in chunk.annotate(n=Count("pk")).filter(n__gt=1).values_list("organisation_id", flat=True)
    ]
    ended = 0
    for organisations in in_chunks(Organisation.objects.order_by("pk"), "pk", shared):
        for organisation in organisations:
            ended += collapse_memberships(organisation=organisation, on=effective_on)
    carried_over = transfer_structure(absorbed=absorbed, into=into)
    absorbed.status = Association.Status.ABSORBED
    absorbed.absorbed_on = effective_on
    absorbed.absorbed_into = into
    absorbed.save(update_fields=["status", "absorbed_on", "absorbed_into"])
    if keep_name_as_brand:
        brand, _ = Brand.objects.get_or_create(
            association=into,
            name=absorbed.name,
            defaults={"origin_association": absorbed, "since": effective_on},
        )
        brand.territories.add(*{carried_over.get(t.pk, t).pk for t in brand_territories})
    audit.record_event(
        action="association.absorb",
        user=user,
        target=absorbed,
        changes={"status": (str(previous_status), str(Association.Status.ABSORBED))},
        details={
            "into": into.name,
            "effective_on": effective_on,
            "memberships_moved": moved,
            **({"memberships_ended": ended} if ended else {}),
        },
        context=context,
    )


# -- membership types and colleges ---------------------------------------------------------------------------


def college_named(*, association: Association, name: str, like: College | None = None) -> College | None:
    """``association``'s college called ``name`` exactly, created (after ``like``) when it has none; None for
    an empty name. The name is kept as given: an imported spelling is the registry's own text."""
    if not name:
        return None
    college, _ = College.objects.get_or_create(
        association=association, name=name, defaults={"order": like.order if like else 0}
    )
    return college


def membership_type_named(
    *, association: Association, name: str, like: MembershipType | None = None
) -> MembershipType | None:
    """``association``'s membership type called ``name`` exactly, created when it has none (with ``like``'s
    fee category, default college, order and active flag, when given); None for an empty name."""
    if not name:
        return None
    found = MembershipType.objects.filter(association=association, name=name).first()
    if found is not None:
        return found
    defaults: dict[str, Any] = {}
    if like is not None:
        defaults = {
            "fee_category": like.fee_category,
            "is_active": like.is_active,
            "order": like.order,
            "default_college": like.default_college
            and college_named(
                association=association, name=like.default_college.name, like=like.default_college
            ),
        }
    return MembershipType.objects.create(association=association, name=name, **defaults)


@transaction.atomic
def carry_types_and_colleges(*, into: Association) -> int:
    """Memberships of ``into`` whose type or college belongs to another association (they just moved in) get
    ``into``'s type or college of the same name, created like theirs when ``into`` has none. The other
    association's rows stay as they were (its history). Returns how many memberships changed."""
    changed = 0
    memberships = Membership.objects.filter(association=into)
    foreign_types = MembershipType.objects.filter(
        pk__in=memberships.exclude(membership_type__association=into)
        .exclude(membership_type=None)
        .values("membership_type_id")
    ).select_related("default_college")
    for kind in foreign_types.order_by("pk"):
        own = membership_type_named(association=into, name=kind.name, like=kind)
        changed += memberships.filter(membership_type=kind).update(membership_type=own)
    foreign_colleges = College.objects.filter(
        pk__in=memberships.exclude(college__association=into).exclude(college=None).values("college_id")
    )
    for college in foreign_colleges.order_by("pk"):
        own_college = college_named(association=into, name=college.name, like=college)
        changed += memberships.filter(college=college).update(college=own_college)
    return changed


@transaction.atomic
def transfer_structure(*, absorbed: Association, into: Association) -> dict[int, Territory]:
    """Offices, staff and territories of an absorbed association carry on inside the absorber.

    A territory of the same name joins the absorber's one (its départements are added, and whatever hangs on it
    is folded into it as its app declared); others move whole.
    Returns where each of the absorbed association's territories now is (by its former id).
    """
    carried_over: dict[int, Territory] = {}
    for territory in Territory.objects.filter(association=absorbed):
        existing = Territory.objects.filter(association=into, name=territory.name).first()
        if existing is None:
            territory.association = into
            territory.save(update_fields=["association"])
            carried_over[territory.pk] = territory
            continue
        carried_over[territory.pk] = existing
        existing.departement_codes = sorted({*existing.departement_codes, *territory.departement_codes})
        existing.save(update_fields=["departement_codes"])
        # Offices, brands, committees, budget lines, action-plan shares, start-up projects: whatever any app
        # declared on a territory follows it into the joined one before it goes (``grappe.core.dependents``).
        dependents.fold_dependents(survivor=existing, others=[territory])
        territory.delete()
    # An absorbed network's seat carries on as an antenna: a network has one head office. Its name changes with
    # its kind, so that no « Siège » reads « antenne » (the snapshot gives the old name back on undo).
    for seat in Office.objects.filter(association=absorbed, kind=Office.Kind.HEAD_OFFICE):
        seat.kind = Office.Kind.ANTENNA
        seat.name = former_seat_name(seat, absorbed)
        seat.save(update_fields=["kind", "name"])
    Office.objects.filter(association=absorbed).update(association=into)
    StaffMember.objects.current().filter(association=absorbed).update(association=into)
    # Brands the absorbed network kept (its own absorbed names) live on in the absorber.
    taken = set(into.brands.values_list("name", flat=True))
    Brand.objects.filter(association=absorbed).exclude(name__in=taken).update(association=into)
    return carried_over


# -- staff moves ---------------------------------------------------------------------------------------------


def check_move(*, staff_member: StaffMember, office: Office, on: datetime.date) -> StaffAssignment | None:
    """The assignment a move of ``staff_member`` to ``office`` from ``on`` closes (None: their first one), or
    ``UserError`` saying every reason it cannot be recorded."""
    problems: list[str] = []
    current = staff_member.assignments.filter(ends_on__isnull=True).order_by("-starts_on", "-pk").first()
    today = timezone.localdate()
    if on > today:
        problems.append(
            _(
                "le changement ne peut pas être daté après aujourd'hui (%(today)s) : enregistrez-le le jour venu."
            )
            % {"today": today.strftime("%d/%m/%Y")}
        )
    if office.association_id != staff_member.association_id:
        problems.append(
            _("« %(office)s » n'est pas une implantation de %(association)s.")
            % {"office": office.name, "association": staff_member.association}
        )
    if current is not None and current.office_id == office.pk:
        problems.append(
            _("%(person)s est déjà affecté·e à « %(office)s ».")
            % {"person": staff_member, "office": office.name}
        )
    if staff_member.hired_on is not None and on < staff_member.hired_on:
        problems.append(
            _("%(person)s a été embauché·e le %(date)s.")
            % {"person": staff_member, "date": staff_member.hired_on.strftime("%d/%m/%Y")}
        )
    if staff_member.left_on is not None and on >= staff_member.left_on:
        problems.append(
            _("%(person)s a quitté l'association le %(date)s.")
            % {"person": staff_member, "date": staff_member.left_on.strftime("%d/%m/%Y")}
        )
    if current is not None and current.starts_on is not None and on <= current.starts_on:
        problems.append(
            _("l'affectation en cours (« %(office)s ») commence le %(date)s : le changement doit la suivre.")
            % {"office": current.office.name, "date": current.starts_on.strftime("%d/%m/%Y")}
        )
    if (office.opened_on is not None and on < office.opened_on) or (
        office.closed_on is not None and on > office.closed_on
    ):
        problems.append(_("« %(office)s » n'est pas ouverte à cette date.") % {"office": office.name})
    if problems:
        raise UserError(
            _("Changement d'implantation refusé au %(date)s : ") % {"date": on.strftime("%d/%m/%Y")}
            + " ".join(problems),
            hint=_("Rien n'a été enregistré."),
            code="staff.move_refused",
        )
    return current


@transaction.atomic
def move_staff(
    *, staff_member: StaffMember, office: Office, on: datetime.date, user: Any = None, context: Any = None
) -> StaffAssignment:
    """``staff_member`` works at ``office`` from ``on`` (the first day there): their current assignment ends that
    day, a new one begins, ``StaffMember.office`` follows. One audit event."""
    StaffMember.objects.select_for_update().filter(pk=staff_member.pk).first()
    previous = check_move(staff_member=staff_member, office=office, on=on)
    former = staff_member.office
    if previous is not None:
        previous.ends_on = on
        previous.save(update_fields=["ends_on"])
    assignment = StaffAssignment.objects.create(staff_member=staff_member, office=office, starts_on=on)
    staff_member.office = office
    StaffMember.objects.filter(pk=staff_member.pk).update(office=office)
    audit.record_event(
        action="staff.move",
        user=user,
        target=staff_member,
        changes={"office": (former.name if former else None, office.name)},
        details={"on": on},
        context=context,
    )
    return assignment


def former_seat_name(seat: Office, absorbed: Association) -> str:
    """« Antenne de Valence (ancien siège de RhoneAlley) »: what an absorbed network's seat is now."""
    city = seat.city or seat.name
    elided = city[:1].casefold() in "aeiouyhàâéèêëîïôöùûü"
    place = f"d'{city}" if elided else f"de {city}"
    # Stored data, in the network's language: not the language of whoever applied the merger.
    name = f"Antenne {place} (ancien siège de {absorbed.name})"
    return name[: Office._meta.get_field("name").max_length or 120]


# -- people --------------------------------------------------------------------------------------------------


def _person_keys(person: Person) -> list[str]:
    keys = []
    if person.email:
        keys.append(f"@{person.email.strip().lower()}")
    name = fold(f"{person.first_name} {person.last_name}")
    if name.strip():
        keys.append(f"n:{name}")
    return keys


@transaction.atomic
def deduplicate_people(org_ids: set[int]) -> int:
    """Within each organisation, contacts with the same e-mail or the same full name are one person.

    Returns how many contacts were folded into another."""
    person_type = ContentType.objects.get_for_model(Person)
    merged = 0
    roles = (
        role
        for chunk in chunked(sorted(org_ids))
        for role in Role.objects.filter(organisation_id__in=chunk)
        .select_related("person")
        .order_by("organisation_id", "person_id", "pk")
    )
    by_org: dict[int, list[Role]] = defaultdict(list)
    for role in roles:
        by_org[role.organisation_id].append(role)
    for org_roles in by_org.values():
        seen: dict[str, Person] = {}
        for role in org_roles:
            person = role.person
            kept = next(
                (seen[key] for key in _person_keys(person) if key in seen and seen[key].pk != person.pk), None
            )
            if kept is None:
                for key in _person_keys(person):
                    seen.setdefault(key, person)
                continue
            _fold_person(kept, person, role, person_type)
            for key in _person_keys(person):
                seen.setdefault(key, kept)
            merged += 1
    return merged


def _fold_person(kept: Person, other: Person, role: Role, person_type: ContentType) -> None:
    """``other``'s role at one organisation goes to ``kept``; ``other``, left with no role, folds into it."""
    if Role.objects.filter(person=kept, organisation_id=role.organisation_id, kind=role.kind).exists():
        role.delete()
    else:
        Role.objects.filter(pk=role.pk).update(person=kept)
    changed = []
    for field in ("first_name", "last_name", "email", "phone"):
        if not getattr(kept, field) and getattr(other, field):
            setattr(kept, field, getattr(other, field))
            changed.append(field)
    if changed:
        kept.save(update_fields=changed)
    if not Role.objects.filter(person=other).exists():
        lineage = Lineage.objects.filter(content_type=person_type, object_id=other.pk)
        for field in ("first_name", "last_name", "email", "phone"):
            value = getattr(kept, field)
            lineage.filter(field=field).exclude(value=value).update(retained=False)
        # Lineage, and every other app's declared dependents (mandates, proxies…), follow the person.
        dependents.fold_dependents(survivor=kept, others=[other])
        other.delete()
