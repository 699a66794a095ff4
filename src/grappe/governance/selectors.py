"""Reading governance: the statutes in force on a date, their rules (or the refusal when unset)."""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Q, QuerySet, When
from django.utils.translation import gettext as _

from grappe.errors import NotFound
from grappe.governance import schema
from grappe.governance.errors import NotSetByStatutes
from grappe.governance.models import Body, Mandate, Statutes
from grappe.governance.rules import NOT_SET, Facts, RuleNotSet
from grappe.registry.models import (
    Association,
    Membership,
    Office,
    Organisation,
    Person,
    Role,
    StaffAssignment,
    StaffMember,
    Territory,
)


def statutes_in_force(association: Association, on: datetime.date) -> Statutes:
    """The version adopted last on or before ``on``."""
    found = (
        Statutes.objects.filter(association=association, adopted_on__lte=on)
        .order_by("-adopted_on", "-version")
        .first()
    )
    if found is None:
        raise NotFound(
            _("Aucuns statuts de %(association)s en vigueur le %(date)s.")
            % {"association": association, "date": on.strftime("%d/%m/%Y")},
            hint=_("Importez la version adoptée à cette date (Administration › Gouvernance › Statuts)."),
        )
    return found


def rule(statutes: Statutes, path: str) -> Any:
    """The rule at ``path`` (``assemblees.AGE.quorum``); ``NotSetByStatutes`` when the statutes leave it out."""
    value = schema.lookup(statutes.rules, path)
    if value is None:
        raise not_set(statutes, path)
    return value


def not_set(statutes: Statutes, path: str | RuleNotSet) -> NotSetByStatutes:
    name = path.path if isinstance(path, RuleNotSet) else path
    return NotSetByStatutes(
        _("%(path)s : %(not_set)s (%(statutes)s).")
        % {"path": name, "not_set": NOT_SET, "statutes": statutes},
        hint=_("Une nouvelle version des statuts doit le fixer ; aucune valeur n'est supposée à leur place."),
    )


def active_transitions(statutes: Statutes, body_code: str, on: datetime.date) -> list[dict[str, Any]]:
    """The transitional clauses of ``statutes`` about ``body_code`` still running on ``on`` (until inclusive)."""
    iso = on.isoformat()
    return [
        clause
        for clause in statutes.rules.get("dispositions_transitoires", [])
        if clause["organe"] == body_code and statutes.adopted_on.isoformat() <= iso <= clause["jusqu_au"]
    ]


def body_size(statutes: Statutes, body_code: str, on: datetime.date) -> dict[str, int]:
    """``{"min": …, "max": …}`` seats of a body on ``on``: a running transitional clause's size first."""
    for clause in active_transitions(statutes, body_code, on):
        if "taille" in clause:
            return dict(clause["taille"])
    return dict(rule(statutes, f"organes.{body_code}.taille"))


# What a statutes page lists, in this order: (path, label). Each reads « non fixé par les statuts » when unset.
SUMMARY_PATHS = (
    ("adoption.date", "Date d'adoption"),
    ("adoption.assemblee", "Assemblée qui les a adoptés"),
    ("eligibilite.candidature", "Conditions pour être candidat"),
    ("eligibilite.vote", "Conditions pour voter"),
    ("procurations.autorisees", "Procurations autorisées"),
    ("procurations.plafond_par_porteur", "Procurations par porteur, au plus"),
    ("procurations.porteur_present", "Le porteur doit être présent"),
    ("repartition_territoriale.methode", "Méthode de répartition territoriale"),
    ("repartition_territoriale.sieges", "Sièges territoriaux"),
    ("repartition_territoriale.minimum_par_territoire", "Sièges au minimum par territoire"),
    ("repartition_territoriale.departage", "Départage d'une égalité exacte pour un siège"),
)


def summary(statutes: Statutes) -> list[tuple[str, str, Any]]:
    """(path, label, value or « non fixé par les statuts ») for the page and the admin: every body, every
    assembly type's quorum and delays, then ``SUMMARY_PATHS``."""
    rows: list[tuple[str, str, Any]] = []
    for code, body in statutes.rules.get("organes", {}).items():
        for key, label in (
            ("taille", "taille"),
            ("mandat_ans", "durée du mandat (ans)"),
            ("renouvellement", "renouvellement"),
        ):
            path = f"organes.{code}.{key}"
            rows.append((path, f"{body['nom']} : {label}", schema.shown(statutes.rules, path)))
    for code in statutes.rules.get("assemblees", {}):
        for key, label in (("quorum", "quorum"), ("seconde_convocation", "seconde convocation")):
            path = f"assemblees.{code}.{key}"
            rows.append((path, f"{code} : {label}", schema.shown(statutes.rules, path)))
        path = f"convocation.{code}"
        rows.append((path, f"{code} : délai de convocation (jours)", schema.shown(statutes.rules, path)))
    rows += [(path, label, schema.shown(statutes.rules, path)) for path, label in SUMMARY_PATHS]
    return rows


# -- comparing versions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "same" or "hunk" (where the next lines are)
    text: str


def rules_diff(older: dict[str, Any], newer: dict[str, Any]) -> list[DiffLine]:
    """What changed between two sets of rules, line by line, on their normalised YAML: a change of layout or of
    comments is not a change of the statutes."""
    before = schema.dump(older).splitlines()
    after = schema.dump(newer).splitlines()
    lines = []
    for text in difflib.unified_diff(before, after, lineterm="", n=2):
        if text.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(text[:1], "same")
        lines.append(DiffLine(kind, text[1:] if kind in ("add", "del", "same") else text))
    return lines


def previous_version(statutes: Statutes) -> Statutes | None:
    return (
        Statutes.objects.filter(association=statutes.association, adopted_on__lt=statutes.adopted_on)
        .order_by("-adopted_on", "-version")
        .first()
    )


# -- bodies and mandates ----------------------------------------------------------------------------------------


def held_on(day: datetime.date) -> Q:
    """Mandates held on ``day``: started, and neither cut short nor at term (see ``Mandate``)."""
    ended = Q(ended_on__isnull=False) & Q(ended_on__lte=day)
    at_term = Q(ended_on__isnull=True) & Q(term_ends_on__isnull=False) & Q(term_ends_on__lte=day)
    return Q(starts_on__lte=day) & ~ended & ~at_term


def composition(body: Body, on: datetime.date) -> QuerySet[Mandate]:
    """Who sits on ``body`` on ``on``, officers first."""
    order = Case(*(When(role=role, then=i) for i, role in enumerate(Mandate.Role.values)))
    return (
        body.mandates.filter(held_on(on))
        .select_related("person", "organisation")
        .order_by(order, "person__last_name", "person__first_name", "pk")
    )


def mandate_history(body: Body) -> QuerySet[Mandate]:
    return body.mandates.select_related("person", "organisation").order_by(
        "-starts_on", "person__last_name", "pk"
    )


@dataclass(frozen=True)
class ReservedSeats:
    clause: str
    reserved_for: str
    seats: int
    filled: int
    until: datetime.date


@dataclass(frozen=True)
class Seats:
    """A body's seats on a date: its size from the statutes in force, how many are held, what is left."""

    body: Body
    on: datetime.date
    statutes: Statutes
    minimum: int
    maximum: int
    filled: int
    reserved: tuple[ReservedSeats, ...]

    @property
    def vacant(self) -> int:
        return max(self.maximum - self.filled, 0)

    @property
    def short_of_minimum(self) -> int:
        return max(self.minimum - self.filled, 0)


def seats(body: Body, on: datetime.date) -> Seats:
    """``NotFound`` without statutes in force; ``NotSetByStatutes`` when they do not size the body."""
    statutes = statutes_in_force(body.association, on)
    if body.code not in statutes.rules.get("organes", {}):
        raise not_set(statutes, f"organes.{body.code}")
    size = body_size(statutes, body.code, on)
    held = body.mandates.filter(held_on(on))
    reserved = tuple(
        ReservedSeats(
            clause=clause["code"],
            reserved_for=clause["sieges_reserves"]["pour"],
            seats=clause["sieges_reserves"]["nombre"],
            filled=held.filter(reserved_seat=clause["code"]).count(),
            until=datetime.date.fromisoformat(clause["jusqu_au"]),
        )
        for clause in active_transitions(statutes, body.code, on)
        if "sieges_reserves" in clause
    )
    return Seats(body, on, statutes, size["min"], size["max"], held.count(), reserved)


def term_ends(association: Association, start: datetime.date, end: datetime.date) -> QuerySet[Mandate]:
    """Mandates of ``association``'s bodies whose term falls due between ``start`` and ``end`` (inclusive),
    not already cut short: the seats the next assemblies must fill."""
    return (
        Mandate.objects.filter(
            body__association=association,
            ended_on__isnull=True,
            term_ends_on__gte=start,
            term_ends_on__lte=end,
        )
        .select_related("body", "person", "organisation")
        .order_by("term_ends_on", "body__name", "person__last_name")
    )


# -- facts for eligibility ------------------------------------------------------------------------------------


def in_good_standing(organisation: Organisation | None, association: Association, on: datetime.date) -> bool:
    """A membership of ``association`` covering ``on``, as it was on that day. Dues are not tracked yet (the
    finance app will add « à jour de cotisation » to this test); until then a membership running that day is
    what the registry knows of standing: one active now, or one ended or lapsed since (its end date kept).

    A merger moves memberships into the absorber and keeps the association that brought each in (``origin``):
    ``membership_association_on`` follows that line back, so that a mandate recorded after the merger is
    checked against the membership as it stood on its date, not against where the merger moved it since."""
    if organisation is None:
        return False
    running = (
        Membership.objects.filter(organisation=organisation)
        .filter(
            Q(status=Membership.Status.ACTIVE)
            | Q(status__in=[Membership.Status.ENDED, Membership.Status.LAPSED], ends_on__isnull=False)
        )
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=on))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("association", "origin")
    )
    return any(membership_association_on(m, on) == association.pk for m in running)


def membership_association_on(membership: Membership, on: datetime.date) -> int:
    """The id of the association ``membership`` belonged to on ``on``. From the association that brought the
    member in (``origin``), each absorption whose effective date has come (``absorbed_on`` on or before ``on``:
    the absorber's member from the day the merger takes effect) moves it on, until its present association.
    When that line does not lead to the present association (a membership moved by hand), the registry knows
    only where the membership is: that association, whatever the date."""
    start = membership.origin or membership.association
    line = [start]
    while (absorber := line[-1].absorbed_into) is not None and len(line) < 50:
        line.append(absorber)
    if line[-1].pk != membership.association_id:
        return membership.association_id
    for association in line:
        absorbed_on = association.absorbed_on
        if association.absorbed_into_id is None or absorbed_on is None or absorbed_on > on:
            return association.pk
    return membership.association_id


def is_representative(person: Person, organisation: Organisation | None, on: datetime.date) -> bool:
    if organisation is None:
        return False
    return (
        Role.objects.filter(person=person, organisation=organisation, kind=Role.Kind.REPRESENTATIVE)
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=on))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .exists()
    )


def staff_record(person: Person, association: Association, on: datetime.date) -> StaffMember | None:
    """The association's staff member this person is on ``on``, if any. Staff are not people of the
    registry, so they are recognised by e-mail address, or by first and last name when either has no e-mail."""
    staff = StaffMember.objects.filter(association=association).filter(
        Q(hired_on__isnull=True) | Q(hired_on__lte=on), Q(left_on__isnull=True) | Q(left_on__gt=on)
    )
    same_name = staff.filter(first_name__iexact=person.first_name, last_name__iexact=person.last_name)
    if person.email:
        return staff.filter(email__iexact=person.email).first() or same_name.filter(email="").first()
    return same_name.first()


def facts_about(
    person: Person, organisation: Organisation | None, association: Association, on: datetime.date
) -> Facts:
    return Facts(
        good_standing=in_good_standing(organisation, association, on),
        representative=is_representative(person, organisation, on),
        staff=staff_record(person, association, on) is not None,
    )


# -- a territory as the federal structure sees it, on any date ----------------------------------------------------


def offices_open_on(territory: Territory, day: datetime.date) -> QuerySet[Office]:
    """Offices of ``territory`` open on ``day``: opened by then (or undated) and not closed before it. An office
    closes in the evening of ``closed_on``: the absorbed network's seat is still open on the day of the merger,
    the absorber's office opening the next day."""
    return (
        Office.objects.filter(territory=territory)
        .filter(Q(opened_on__isnull=True) | Q(opened_on__lte=day))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=day))
        .select_related("association")
        .order_by("kind", "name")
    )


def staff_in_post(territory: Territory, day: datetime.date) -> QuerySet[StaffAssignment]:
    """Who worked in the territory's offices on ``day``, and where: the assignments running that day of staff
    hired by then and not gone (the registry's ``current``). A move to another territory's office takes them
    off this list from its date, not from the day it was recorded."""
    in_post = StaffMember.objects.current(day).filter(Q(hired_on__isnull=True) | Q(hired_on__lte=day))
    return (
        StaffAssignment.objects.on(day)
        .filter(office__territory=territory, staff_member__in=in_post)
        .select_related("staff_member", "office")
        .order_by("staff_member__last_name", "staff_member__first_name", "pk")
    )


def committees_of(territory: Territory) -> QuerySet[Body]:
    return Body.objects.filter(territory=territory, kind=Body.Kind.COMMITTEE).select_related("association")


def vice_presidents(territory: Territory, day: datetime.date) -> QuerySet[Mandate]:
    """The territorial vice-presidents on ``day``: the vice-presidents of the territory's committees."""
    return (
        Mandate.objects.filter(held_on(day), body__in=committees_of(territory))
        .filter(role=Mandate.Role.VICE_PRESIDENT)
        .select_related("person", "organisation", "body")
        .order_by("body__name", "person__last_name")
    )


def board_members_from(territory: Territory, day: datetime.date) -> QuerySet[Mandate]:
    """Board seats held on ``day`` by representatives of organisations established in the territory."""
    codes = list(territory.departement_codes or ())
    organisations = Organisation.objects.filter(establishments__departement_code__in=codes)
    return (
        Mandate.objects.filter(held_on(day), body__kind=Body.Kind.BOARD, organisation__in=organisations)
        .select_related("person", "organisation", "body__association")
        .order_by("body__association__name", "person__last_name", "person__first_name", "pk")
    )
