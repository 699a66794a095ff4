"""State changes of governance: statutes versions, mandates. Admin, pages and CLI call these functions.

Each runs in one transaction and writes one audit event; a refusal is a ``UserError`` and changes nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from grappe.core.audit import record_event
from grappe.governance import rules, schema, selectors
from grappe.governance.errors import MandateRefused, StatutesRefused
from grappe.governance.models import Body, Mandate, Statutes
from grappe.registry.models import Association, Organisation, Person


def check_statutes(*, association: Association, text: str) -> dict[str, Any]:
    """The rules of a statutes document, or ``StatutesRefused`` listing every problem with its line."""
    try:
        rules = schema.load(text)
    except schema.StatutesInvalid as invalid:
        raise StatutesRefused(
            _("Ces statuts ne peuvent pas être enregistrés :")
            + "\n"
            + "\n".join(str(p) for p in invalid.problems),
            hint=_("Corrigez ces lignes puis importez de nouveau ; rien n'a été enregistré."),
            problems=invalid.problems,
        ) from None
    adopted_on = rules["adoption"]["date"]
    clash = Statutes.objects.filter(association=association, adopted_on=adopted_on).first()
    if clash is not None:
        raise StatutesRefused(
            _("%(existing)s a déjà été adoptée à cette date.") % {"existing": clash},
            hint=_("Une version par date d'adoption : corrigez adoption.date."),
        )
    return rules


@transaction.atomic
def import_statutes(*, association: Association, text: str, user: Any = None) -> Statutes:
    """Record a new version of ``association``'s statutes from its YAML text."""
    rules = check_statutes(association=association, text=text)
    # Locked so that two imports at once cannot take the same version number.
    Association.objects.select_for_update().filter(pk=association.pk).first()
    last = Statutes.objects.filter(association=association).aggregate(n=Max("version"))["n"] or 0
    statutes = Statutes.objects.create(
        association=association,
        version=last + 1,
        adopted_on=rules["adoption"]["date"],
        adopted_by=rules["adoption"]["assemblee"],
        rules=rules,
        source_text=text,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    statutes.refresh_from_db()  # the date as a date, not the text it was given as
    record_event(
        action="statutes.import",
        user=user,
        target=statutes,
        parent=association,
        details={"version": statutes.version, "adopted_on": statutes.adopted_on},
    )
    return statutes


def export_statutes(statutes: Statutes) -> str:
    """The YAML of a version's rules, which ``import_statutes`` reads back to the same rules."""
    return schema.dump(statutes.rules)


def draft_from(statutes: Statutes) -> str:
    """The text a new version starts from: the version's YAML as it was imported (its comments kept), or its
    rules written back when it was recorded without one."""
    return statutes.source_text or export_statutes(statutes)


# -- mandates ----------------------------------------------------------------------------------------------------


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the term ends on 1 March
        return datetime.date(day.year + years, 3, 1)


def check_mandate(
    *,
    body: Body,
    person: Person,
    organisation: Organisation | None,
    role: str,
    starts_on: datetime.date,
    term_ends_on: datetime.date | None,
    college: str = "",
    reserved_seat: str = "",
) -> datetime.date:
    """Check a new mandate against the statutes in force on ``starts_on``; its term end (given, or from the
    statutes' term length, cut at a reserved seat's clause end). Raises ``MandateRefused`` listing every
    problem, or ``NotSetByStatutes`` for a rule the check needs that the statutes leave out."""
    statutes = selectors.statutes_in_force(body.association, starts_on)
    seats = selectors.seats(body, starts_on)
    problems: list[str] = []
    if role not in Mandate.Role.values:
        problems.append(_("la fonction « %(role)s » n'existe pas.") % {"role": role})

    conditions = [rules.Condition(c) for c in selectors.rule(statutes, "eligibilite.candidature")]
    facts = selectors.facts_about(person, organisation, body.association, starts_on)
    for condition in rules.unmet(conditions, facts, path="eligibilite.candidature"):
        problems.append(
            _("%(person)s n'est pas éligible (eligibilite.candidature) : il faut %(condition)s.")
            % {"person": person, "condition": _(rules.CONDITION_LABELS[condition])}
        )
    problems += _incompatibilities(statutes, body, person, starts_on)

    held = body.mandates.filter(selectors.held_on(starts_on))
    if held.filter(person=person).exists():
        problems.append(_("%(person)s siège déjà dans cet organe à cette date.") % {"person": person})
    problems += _seat_problems(statutes, seats, held, college, reserved_seat)

    if term_ends_on is None:
        years = selectors.rule(statutes, f"organes.{body.code}.mandat_ans")
        term_ends_on = _add_years(starts_on, years)
    if term_ends_on <= starts_on:
        problems.append(_("la fin du mandat doit suivre son début."))
    for clause in seats.reserved:
        if clause.clause == reserved_seat:
            term_ends_on = min(term_ends_on, clause.until + datetime.timedelta(days=1))
    if problems:
        raise MandateRefused(
            _("Mandat refusé dans « %(body)s » au %(date)s : ")
            % {"body": body.name, "date": starts_on.strftime("%d/%m/%Y")}
            + " ".join(problems),
            hint=_("Règles lues dans %(statutes)s.") % {"statutes": statutes},
        )
    return term_ends_on


def _incompatibilities(statutes: Statutes, body: Body, person: Person, on: datetime.date) -> list[str]:
    problems = []
    for item in statutes.rules.get("incompatibilites", []):
        excluded, organ = item["exclut"], item["organe"]
        if excluded == schema.EXCLUDED_STAFF:
            if organ == body.code and selectors.staff_record(person, body.association, on) is not None:
                problems.append(f"{item['motif']} ({person} est salarié·e de l'association.)")
            continue
        # Two organs that exclude each other, whichever way round the statutes write it.
        other = excluded if organ == body.code else organ if excluded == body.code else None
        if other is None:
            continue
        clash = (
            Mandate.objects.filter(selectors.held_on(on), person=person, body__association=body.association)
            .filter(body__code=other)
            .select_related("body")
            .first()
        )
        if clash is not None:
            problems.append(f"{item['motif']} ({person} siège à « {clash.body.name} ».)")
    return problems


def _seat_problems(
    statutes: Statutes, seats: selectors.Seats, held: Any, college: str, reserved_seat: str
) -> list[str]:
    problems = []
    reserved = {clause.clause: clause for clause in seats.reserved}
    if reserved_seat:
        clause = reserved.get(reserved_seat)
        if clause is None:
            problems.append(
                _(
                    "aucune disposition transitoire « %(code)s » ne réserve de sièges dans cet organe à cette date."
                )
                % {"code": reserved_seat}
            )
        elif clause.filled >= clause.seats:
            problems.append(
                _("les %(n)d sièges réservés aux %(who)s sont tous occupés.")
                % {"n": clause.seats, "who": clause.reserved_for}
            )
    else:
        open_seats = seats.maximum - sum(clause.seats for clause in seats.reserved)
        filled = held.exclude(reserved_seat__in=list(reserved)).count()
        if filled >= open_seats:
            problems.append(
                _("les %(n)d sièges non réservés sont tous occupés (taille : %(max)d au plus).")
                % {"n": open_seats, "max": seats.maximum}
            )
    if college:
        declared = {c["code"] for c in statutes.rules.get("colleges", [])}
        by_college = schema.lookup(statutes.rules, f"organes.{seats.body.code}.sieges_par_college") or {}
        if college not in declared:
            problems.append(
                _("le collège « %(college)s » n'existe pas dans les statuts.") % {"college": college}
            )
        elif college in by_college and held.filter(college=college).count() >= by_college[college]:
            problems.append(
                _("les %(n)d sièges du collège « %(college)s » sont tous occupés.")
                % {"n": by_college[college], "college": college}
            )
    return problems


@transaction.atomic
def start_mandate(
    *,
    body: Body,
    person: Person,
    organisation: Organisation | None = None,
    role: str = Mandate.Role.MEMBER,
    starts_on: datetime.date,
    term_ends_on: datetime.date | None = None,
    college: str = "",
    reserved_seat: str = "",
    elected_by: str = "",
    user: Any = None,
) -> Mandate:
    """Seat ``person`` on ``body`` from ``starts_on``, after ``check_mandate``."""
    # One appointment at a time per body: the seat count checked is the seat count written.
    Body.objects.select_for_update().filter(pk=body.pk).first()
    term = check_mandate(
        body=body,
        person=person,
        organisation=organisation,
        role=role,
        starts_on=starts_on,
        term_ends_on=term_ends_on,
        college=college,
        reserved_seat=reserved_seat,
    )
    mandate = Mandate.objects.create(
        body=body,
        person=person,
        organisation=organisation,
        role=role,
        starts_on=starts_on,
        term_ends_on=term,
        college=college,
        reserved_seat=reserved_seat,
        elected_by=elected_by,
    )
    record_event(
        action="mandate.start", user=user, target=mandate, parent=body, details={"term_ends_on": term}
    )
    return mandate


def check_end_mandate(*, mandate: Mandate, on: datetime.date, reason: str) -> None:
    """Raise ``MandateRefused`` unless ``mandate`` can be cut short from ``on`` for ``reason``."""
    if not reason.strip():
        raise MandateRefused(_("Indiquez le motif de la fin du mandat (démission, perte d'éligibilité…)."))
    if mandate.ended_on is not None:
        raise MandateRefused(
            _("%(mandate)s a déjà pris fin le %(date)s.")
            % {"mandate": mandate, "date": mandate.ended_on.strftime("%d/%m/%Y")}
        )
    if on < mandate.starts_on or (mandate.term_ends_on is not None and on >= mandate.term_ends_on):
        raise MandateRefused(
            _("%(mandate)s court du %(start)s au %(end)s : une fin anticipée doit tomber dans cette période.")
            % {
                "mandate": mandate,
                "start": mandate.starts_on.strftime("%d/%m/%Y"),
                "end": mandate.term_ends_on.strftime("%d/%m/%Y") if mandate.term_ends_on else "—",
            }
        )


@transaction.atomic
def end_mandate(*, mandate: Mandate, on: datetime.date, reason: str, user: Any = None) -> Mandate:
    """Cut a mandate short from ``on`` (the first day it is no longer held). The row stays: history."""
    check_end_mandate(mandate=mandate, on=on, reason=reason)
    mandate.ended_on = on
    mandate.end_reason = reason.strip()
    mandate.save(update_fields=["ended_on", "end_reason"])
    record_event(
        action="mandate.end",
        user=user,
        target=mandate,
        parent=mandate.body,
        changes={"ended_on": (None, on)},
        details={"reason": mandate.end_reason},
    )
    return mandate
