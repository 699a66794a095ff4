"""The deadlines of an association merger (loi 1901 art. 9 bis, décret du 16 août 1901 art. 15-1 à 15-4), with no
database: deadlines counted back from the first assembly, a step done after its deadline flagged late, a step not
done flagged overdue once « today » is past its deadline, the auditor required from 1 550 000 €."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.governance.procedure_rules import (
    AUDITOR_THRESHOLD_EUROS,
    Assembly,
    Facts,
    Kind,
    ProcedureError,
    State,
    add_months,
    auditor_required,
    effective_on,
    first_assembly,
    problems,
    state_of,
    timeline,
)

days = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2090, 12, 31))
offsets = st.integers(min_value=-400, max_value=400)
A, B = "RhoneAlley", "Numélink"


def _facts(first: datetime.date, second: datetime.date | None = None, **kwargs: object) -> Facts:
    return Facts(
        associations=(A, B),
        assemblies={A: Assembly(planned_on=first), B: Assembly(planned_on=second or first)},
        **kwargs,  # type: ignore[arg-type]
    )


def _step(steps: list, kind: Kind, association: str = ""):  # type: ignore[no-untyped-def]
    return next(s for s in steps if s.kind is kind and s.association == association)


@given(days, st.integers(min_value=-36, max_value=36))
def test_adding_months_keeps_the_day_or_the_end_of_a_shorter_month(day, months):
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or (moved.day < day.day and (moved + datetime.timedelta(days=1)).day == 1)


def test_add_months_examples():
    assert add_months(datetime.date(2016, 3, 31), -2) == datetime.date(2016, 1, 31)
    assert add_months(datetime.date(2016, 4, 30), -2) == datetime.date(2016, 2, 29)
    assert add_months(datetime.date(2016, 1, 31), 3) == datetime.date(2016, 4, 30)


@given(days, days, st.integers(min_value=0, max_value=12), st.integers(min_value=0, max_value=90), days)
def test_deadlines_count_back_from_the_first_assembly(one, other, months, notice, today):
    facts = _facts(one, other, board_lead_months=months, notice_days=notice)
    first = min(one, other)
    assert first_assembly(facts) == first
    steps = timeline(facts, today)
    for name in (A, B):
        assert _step(steps, Kind.BOARD, name).deadline == add_months(first, -months)
    assert _step(steps, Kind.NOTICE).deadline == first - datetime.timedelta(days=notice)
    assert _step(steps, Kind.DOCUMENTS).deadline == first - datetime.timedelta(days=30)


@given(days, offsets, days)
def test_a_step_done_after_its_deadline_is_late_and_on_time_otherwise(deadline, offset, today):
    done = deadline + datetime.timedelta(days=offset)
    assert state_of(deadline, done, today) is (State.LATE if offset > 0 else State.DONE)


@given(days, offsets)
def test_a_missing_step_is_overdue_only_once_today_is_past_its_deadline(deadline, offset):
    today = deadline + datetime.timedelta(days=offset)
    assert state_of(deadline, None, today) is (State.OVERDUE if offset > 0 else State.DUE)


@given(st.decimals(min_value=0, max_value=10_000_000, places=2))
def test_the_auditor_is_required_from_the_threshold(amount):
    assert auditor_required(amount) is (amount >= AUDITOR_THRESHOLD_EUROS)


def test_an_assembly_held_less_than_30_days_after_the_notice_flags_the_notice():
    age = datetime.date(2016, 3, 31)
    facts = Facts(
        associations=(A, B),
        assemblies={A: Assembly(age, age, True), B: Assembly(age, age, True)},
        board_adopted_on={A: datetime.date(2016, 1, 15), B: datetime.date(2016, 1, 20)},
        notice_published_on=datetime.date(2016, 3, 10),  # 21 days before
        documents_available_on=datetime.date(2016, 2, 29),
        contributions_euros=Decimal("300000"),
    )
    steps = timeline(facts, datetime.date(2016, 4, 1))
    notice = _step(steps, Kind.NOTICE)
    assert notice.deadline == datetime.date(2016, 3, 1) and notice.state is State.LATE
    assert [(s.kind, s.association) for s in problems(facts, datetime.date(2016, 4, 1))] == [
        (Kind.NOTICE, "")
    ]
    assert _step(steps, Kind.AUDITOR).state is State.NOT_REQUIRED


def test_a_board_adoption_less_than_the_delay_before_the_assemblies_is_late():
    age = datetime.date(2016, 3, 31)
    facts = _facts(age, board_adopted_on={A: datetime.date(2016, 2, 1), B: datetime.date(2016, 1, 31)})
    steps = timeline(facts, datetime.date(2016, 2, 2))
    assert _step(steps, Kind.BOARD, A).state is State.LATE
    assert _step(steps, Kind.BOARD, B).state is State.DONE
    longer = _facts(age, board_lead_months=3, board_adopted_on={B: datetime.date(2016, 1, 31)})
    assert _step(timeline(longer, datetime.date(2016, 2, 2)), Kind.BOARD, B).state is State.LATE


def test_a_missing_auditor_above_the_threshold_is_overdue_once_the_documents_are_due():
    age = datetime.date(2016, 3, 31)
    facts = _facts(age, contributions_euros=Decimal("1550000.00"))
    assert _step(timeline(facts, datetime.date(2016, 2, 1)), Kind.AUDITOR).state is State.DUE
    late = _step(timeline(facts, datetime.date(2016, 3, 2)), Kind.AUDITOR)
    assert late.deadline == datetime.date(2016, 3, 1) and late.state is State.OVERDUE
    below = _facts(age, contributions_euros=Decimal("1549999.99"))
    assert _step(timeline(below, datetime.date(2016, 3, 2)), Kind.AUDITOR).state is State.NOT_REQUIRED
    unknown = _step(timeline(_facts(age), datetime.date(2016, 3, 2)), Kind.AUDITOR)
    assert unknown.state is State.OVERDUE and unknown.note == "unknown_contributions"


def test_without_assembly_dates_the_prior_steps_wait():
    facts = Facts(associations=(A, B), assemblies={A: Assembly(planned_on=datetime.date(2016, 3, 31))})
    steps = timeline(facts, datetime.date(2030, 1, 1))
    assert first_assembly(facts) is None
    assert {s.state for s in steps if s.kind in (Kind.BOARD, Kind.NOTICE, Kind.DOCUMENTS)} == {State.WAITING}


@given(days, days, days)
def test_the_merger_takes_effect_on_the_last_approving_vote_unless_the_treaty_sets_a_date(one, other, treaty):
    votes = {A: Assembly(one, one, True), B: Assembly(other, other, True)}
    assert effective_on(Facts(associations=(A, B), assemblies=votes)) == max(one, other)
    set_by_treaty = Facts(associations=(A, B), assemblies=votes, treaty_effective_on=treaty)
    assert effective_on(set_by_treaty) == treaty


def test_declarations_are_due_three_months_after_the_effective_date_and_nothing_after_a_rejection():
    age = datetime.date(2016, 3, 31)
    facts = Facts(associations=(A, B), assemblies={A: Assembly(age, age, True), B: Assembly(age, age, True)})
    steps = timeline(facts, datetime.date(2016, 7, 1))
    prefecture = _step(steps, Kind.PREFECTURE)
    assert prefecture.deadline == datetime.date(2016, 6, 30) and prefecture.state is State.OVERDUE
    assert _step(steps, Kind.SIRENE).state is State.DUE  # no delay in the texts: never overdue
    rejected = Facts(
        associations=(A, B), assemblies={A: Assembly(age, age, False), B: Assembly(age, age, True)}
    )
    after = timeline(rejected, datetime.date(2016, 7, 1))
    assert _step(after, Kind.PREFECTURE).state is State.WAITING
    assert _step(after, Kind.ASSEMBLY, A).note == "rejected"


def test_an_assembly_not_held_by_its_planned_date_is_overdue():
    facts = _facts(datetime.date(2016, 3, 31))
    assert _step(timeline(facts, datetime.date(2016, 4, 1)), Kind.ASSEMBLY, A).state is State.OVERDUE


@pytest.mark.parametrize("field", ["board_lead_months", "notice_days", "documents_days"])
def test_a_negative_delay_is_refused(field):
    with pytest.raises(ProcedureError, match=field):
        Facts(associations=(A,), **{field: -1})  # type: ignore[arg-type]


def test_negative_contributions_are_refused():
    with pytest.raises(ProcedureError, match="apports"):
        Facts(associations=(A,), contributions_euros=Decimal("-1"))
