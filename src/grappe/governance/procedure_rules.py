"""The deadlines of an association merger under French law, with no Django.

Loi du 1er juillet 1901, art. 9 bis, and décret du 16 août 1901, art. 15-1 to 15-4: the treaty is adopted by
each association's board, a notice is published in a journal of legal announcements of the seat's département
at least 30 days before the first of the assemblies, the documents (treaty, three years of accounts, budget…)
are made available to members for as long, a merger auditor reports when the contributions reach 1 550 000 €,
each association's extraordinary assembly decides under its own dissolution rules, the merger takes effect on
the last approving vote unless the treaty sets a date, and the changes are declared afterwards.

``timeline`` turns the dates a procedure records into steps, each with its computed deadline and a state:
done, done late, to do, overdue, not required, or waiting (its deadline depends on a date not known yet).
"""

from __future__ import annotations

import calendar
import datetime
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

# The law's figures; the board's lead time is stored on each procedure (a treaty may ask for more).
BOARD_LEAD_MONTHS = 2
NOTICE_DAYS = 30
DOCUMENTS_DAYS = 30
AUDITOR_THRESHOLD_EUROS = Decimal("1550000")
DECLARATION_MONTHS = 3


class State(enum.StrEnum):
    DONE = "done"
    LATE = "late"  # done, but after its deadline
    DUE = "due"  # not done, deadline not passed (or no deadline)
    OVERDUE = "overdue"  # not done, deadline passed
    NOT_REQUIRED = "not_required"
    WAITING = "waiting"  # the deadline hangs on a date not known yet


class Kind(enum.StrEnum):
    BOARD = "board"  # treaty adopted by an association's board
    NOTICE = "notice"  # legal notice in a journal of the seat's département
    DOCUMENTS = "documents"  # documents made available to members
    AUDITOR = "auditor"  # merger auditor's report
    ASSEMBLY = "assembly"  # an association's extraordinary general assembly
    PREFECTURE = "prefecture"  # declaration to the préfecture
    REGISTER = "register"  # entry in the registre spécial
    SIRENE = "sirene"  # update of the SIRENE directory


class ProcedureError(ValueError):
    """The recorded dates cannot describe a procedure (a negative delay, contributions below zero…)."""


@dataclass(frozen=True)
class Assembly:
    """One association's AGE: the date planned, the date held, and whether it approved (None: not known)."""

    planned_on: datetime.date | None = None
    held_on: datetime.date | None = None
    approved: bool | None = None

    @property
    def date(self) -> datetime.date | None:
        return self.held_on or self.planned_on


@dataclass(frozen=True)
class Facts:
    """What a procedure records. ``associations`` are the parties' names in order; the mappings are keyed by
    those names."""

    associations: Sequence[str]
    board_adopted_on: Mapping[str, datetime.date | None] = field(default_factory=dict)
    assemblies: Mapping[str, Assembly] = field(default_factory=dict)
    board_lead_months: int = BOARD_LEAD_MONTHS
    notice_days: int = NOTICE_DAYS
    documents_days: int = DOCUMENTS_DAYS
    notice_published_on: datetime.date | None = None
    documents_available_on: datetime.date | None = None
    contributions_euros: Decimal | None = None
    auditor_report_on: datetime.date | None = None
    treaty_effective_on: datetime.date | None = None
    prefecture_declared_on: datetime.date | None = None
    register_entered_on: datetime.date | None = None
    sirene_updated_on: datetime.date | None = None

    def __post_init__(self) -> None:
        for name, value in (
            ("board_lead_months", self.board_lead_months),
            ("notice_days", self.notice_days),
            ("documents_days", self.documents_days),
        ):
            if value < 0:
                raise ProcedureError(f"{name} ne peut pas être négatif ({value})")
        if self.contributions_euros is not None and self.contributions_euros < 0:
            raise ProcedureError(f"les apports ne peuvent pas être négatifs ({self.contributions_euros})")


@dataclass(frozen=True)
class Step:
    kind: Kind
    association: str  # empty for a step common to the procedure
    deadline: datetime.date | None
    done_on: datetime.date | None
    state: State
    # With deadlines: "at least N days before the first assembly" reads « au plus tard le ».
    note: str = ""


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by ``months`` calendar months, kept on the last day of a shorter month (31 May − 3 months is
    28 or 29 February): the French way of counting a delay in months."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def state_of(
    deadline: datetime.date | None,
    done_on: datetime.date | None,
    today: datetime.date,
    *,
    waiting: bool = False,
) -> State:
    """A step's state: done on or before its deadline, done late, overdue once ``today`` is past it, due before.
    ``waiting`` when the deadline cannot be computed yet (no assembly date)."""
    if done_on is not None:
        return State.LATE if deadline is not None and done_on > deadline else State.DONE
    if waiting:
        return State.WAITING
    if deadline is not None and today > deadline:
        return State.OVERDUE
    return State.DUE


def first_assembly(facts: Facts) -> datetime.date | None:
    """The first of the assemblies (held or planned), the date every prior notice counts back from; None until
    each association's assembly has a date."""
    dates = [facts.assemblies.get(name, Assembly()).date for name in facts.associations]
    if not dates or any(d is None for d in dates):
        return None
    return min(d for d in dates if d is not None)


def auditor_required(contributions_euros: Decimal | None) -> bool | None:
    """Whether a merger auditor must report (contributions at or above the threshold); None while unknown."""
    if contributions_euros is None:
        return None
    return contributions_euros >= AUDITOR_THRESHOLD_EUROS


def effective_on(facts: Facts) -> datetime.date | None:
    """The treaty's date when it sets one, otherwise the last approving vote once every assembly approved."""
    if facts.treaty_effective_on is not None:
        return facts.treaty_effective_on
    votes = [facts.assemblies.get(name, Assembly()) for name in facts.associations]
    if not votes or any(v.approved is not True or v.held_on is None for v in votes):
        return None
    return max(v.held_on for v in votes if v.held_on is not None)


def rejected_by(facts: Facts) -> list[str]:
    return [name for name in facts.associations if facts.assemblies.get(name, Assembly()).approved is False]


def timeline(facts: Facts, today: datetime.date) -> list[Step]:
    """Every step of the procedure in the law's order, with its deadline and state on ``today``."""
    first = first_assembly(facts)
    waiting = first is None
    steps: list[Step] = []

    board_deadline = add_months(first, -facts.board_lead_months) if first else None
    for name in facts.associations:
        done = facts.board_adopted_on.get(name)
        steps.append(
            Step(
                Kind.BOARD, name, board_deadline, done, state_of(board_deadline, done, today, waiting=waiting)
            )
        )

    notice_deadline = first - datetime.timedelta(days=facts.notice_days) if first else None
    steps.append(
        Step(
            Kind.NOTICE,
            "",
            notice_deadline,
            facts.notice_published_on,
            state_of(notice_deadline, facts.notice_published_on, today, waiting=waiting),
        )
    )
    documents_deadline = first - datetime.timedelta(days=facts.documents_days) if first else None
    steps.append(
        Step(
            Kind.DOCUMENTS,
            "",
            documents_deadline,
            facts.documents_available_on,
            state_of(documents_deadline, facts.documents_available_on, today, waiting=waiting),
        )
    )

    # The auditor's report is one of the documents members must be able to read: same deadline.
    required = auditor_required(facts.contributions_euros)
    if required is False:
        auditor_state = State.NOT_REQUIRED if facts.auditor_report_on is None else State.DONE
        steps.append(Step(Kind.AUDITOR, "", None, facts.auditor_report_on, auditor_state))
    else:
        steps.append(
            Step(
                Kind.AUDITOR,
                "",
                documents_deadline,
                facts.auditor_report_on,
                state_of(documents_deadline, facts.auditor_report_on, today, waiting=waiting),
                note="" if required else "unknown_contributions",
            )
        )

    for name in facts.associations:
        assembly = facts.assemblies.get(name, Assembly())
        # An assembly is due on the day it is planned; without a date it waits.
        state = state_of(assembly.planned_on, assembly.held_on, today, waiting=assembly.date is None)
        note = "" if assembly.approved is None else ("approved" if assembly.approved else "rejected")
        steps.append(Step(Kind.ASSEMBLY, name, assembly.planned_on, assembly.held_on, state, note=note))

    effective = None if rejected_by(facts) else effective_on(facts)
    declaration_deadline = add_months(effective, DECLARATION_MONTHS) if effective else None
    for kind, done, deadline in (
        (Kind.PREFECTURE, facts.prefecture_declared_on, declaration_deadline),
        (Kind.REGISTER, facts.register_entered_on, declaration_deadline),
        # No delay in the texts for SIRENE: due once the merger has taken effect, never overdue.
        (Kind.SIRENE, facts.sirene_updated_on, None),
    ):
        steps.append(
            Step(kind, "", deadline, done, state_of(deadline, done, today, waiting=effective is None))
        )
    return steps


def problems(facts: Facts, today: datetime.date) -> list[Step]:
    """The steps that need attention: done late or overdue."""
    return [step for step in timeline(facts, today) if step.state in (State.LATE, State.OVERDUE)]
