"""The fee rule: base by category or bracket, pro-rata by joining month, first-year discount, in cents."""

from __future__ import annotations

import datetime
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.finance.fees import (
    BY_TURNOVER,
    FeeError,
    FeeRules,
    HeadcountTier,
    Member,
    TurnoverTier,
    check_rules,
    compute_fee,
    format_cents,
)
from grappe.france.headcount import HEADCOUNT_BRACKETS

RULES = check_rules(
    FeeRules(
        headcount_tiers=(
            HeadcountTier("NN", "02", 15_000),  # up to 5 employees: 150 €
            HeadcountTier("03", "12", 40_000),  # 6 to 49: 400 €
            HeadcountTier("21", "53", 120_000),  # 50 and more: 1 200 €
        ),
        flat_cents={
            "startup": 10_000,
            "education_research": 30_000,
            "public_body": 50_000,
            "association": 9_000,
        },
        first_year_discount_percent=50,
    )
)


def company(code: str = "12", joined_on: datetime.date | None = None) -> Member:
    return Member(name="Data Loire", category="company", headcount_code=code, joined_on=joined_on)


def test_a_company_pays_its_headcount_bracket_for_a_full_year():
    fee = compute_fee(RULES, company("12", datetime.date(2019, 3, 1)), 2026)
    assert (fee.base_cents, fee.prorata_cents, fee.discount_cents, fee.total_cents) == (40_000, 0, 0, 40_000)
    assert compute_fee(RULES, company("NN"), 2026).total_cents == 15_000
    assert compute_fee(RULES, company("53"), 2026).total_cents == 120_000


def test_flat_rates_by_category_and_honorary_members_pay_nothing():
    lab = Member(name="Laboratoire Hubert Curien", category="education_research")
    assert compute_fee(RULES, lab, 2026).total_cents == 30_000
    assert compute_fee(RULES, Member(name="Mairie", category="public_body"), 2026).total_cents == 50_000
    assert compute_fee(RULES, Member(name="Président d'honneur", category="honorary"), 2026).total_cents == 0


def test_joining_in_october_pays_three_twelfths_then_half_of_it_in_the_first_year():
    fee = compute_fee(RULES, company("12", datetime.date(2026, 10, 15)), 2026)
    # 400 € × 3/12 = 100 €, then the first-year discount of 50 %: 50 €.
    assert (fee.months, fee.prorata_cents, fee.discount_cents, fee.total_cents) == (3, 30_000, 5_000, 5_000)
    # The next year is a full year at the full price: the discount was the first year's only.
    assert compute_fee(RULES, company("12", datetime.date(2026, 10, 15)), 2027).total_cents == 40_000


def test_turnover_brackets():
    rules = check_rules(
        FeeRules(
            basis=BY_TURNOVER, turnover_tiers=(TurnoverTier(100_000_00, 200_00), TurnoverTier(None, 900_00))
        )
    )
    small = Member(name="Petite", category="company", turnover_cents=100_000_00)
    big = Member(name="Grande", category="company", turnover_cents=100_000_01)
    assert compute_fee(rules, small, 2026).total_cents == 200_00
    assert compute_fee(rules, big, 2026).total_cents == 900_00
    with pytest.raises(FeeError, match="chiffre d'affaires inconnu"):
        compute_fee(rules, Member(name="Muette", category="company"), 2026)


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (Member(name="Sans type", category=""), "« Sans type » : catégorie de cotisation non renseignée"),
        (Member(name="Sans effectif", category="company"), "« Sans effectif » : tranche d'effectif inconnue"),
        (
            Member(name="Particulier", category="individual"),
            "pas de forfait pour la catégorie « individual »",
        ),
        (company("12", datetime.date(2027, 1, 5)), "n'adhère que le 05/01/2027 : pas de cotisation 2026"),
    ],
)
def test_a_member_the_schedule_cannot_price_is_refused_by_name(member, message):
    with pytest.raises(FeeError, match=message):
        compute_fee(RULES, member, 2026)


def test_a_schedule_not_covering_a_bracket_names_it():
    rules = check_rules(FeeRules(headcount_tiers=(HeadcountTier("00", "12", 100),)))
    with pytest.raises(FeeError, match="ne couvre pas la tranche d'effectif « 21 »"):
        compute_fee(rules, company("21"), 2026)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            FeeRules(headcount_tiers=(HeadcountTier("00", "11", 1), HeadcountTier("11", "53", 2))),
            "« 11 » figure dans deux",
        ),
        (FeeRules(headcount_tiers=(HeadcountTier("12", "00", 1),)), "bornes sont inversées"),
        (FeeRules(headcount_tiers=(HeadcountTier("00", "99", 1),)), "inconnu : « 99 »"),
        (FeeRules(flat_cents={"startup": -1}), "ne peut pas être négatif"),
        (FeeRules(first_year_discount_percent=120), "entre 0 et 100 %, pas 120 %"),
        (
            FeeRules(basis=BY_TURNOVER, turnover_tiers=(TurnoverTier(None, 1), TurnoverTier(5, 1))),
            "dernière tranche",
        ),
        (
            FeeRules(
                basis=BY_TURNOVER,
                turnover_tiers=(TurnoverTier(9, 1), TurnoverTier(5, 1), TurnoverTier(None, 1)),
            ),
            "croissants",
        ),
        (FeeRules(flat_cents={"honorary": 5}), "Catégorie sans forfait"),
    ],
)
def test_an_inconsistent_schedule_is_refused(rules, message):
    with pytest.raises(FeeError, match=message):
        check_rules(rules)


def test_amounts_are_written_the_french_way():
    assert format_cents(123_450) == "1\u202f234,50\u00a0€"
    assert format_cents(5) == "0,05\u00a0€"


# -- properties ------------------------------------------------------------------------------------------------

codes = st.sampled_from(list(HEADCOUNT_BRACKETS))
cents = st.integers(min_value=0, max_value=10_000_000)
dates = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2030, 12, 31))


@st.composite
def schedules(draw) -> FeeRules:
    # Cut the ordered INSEE codes into consecutive tiers, each with its own amount.
    ordered = list(HEADCOUNT_BRACKETS)
    cuts = sorted(draw(st.sets(st.integers(1, len(ordered) - 1), max_size=5)))
    bounds = [0, *cuts, len(ordered)]
    tiers = tuple(
        HeadcountTier(ordered[start], ordered[end - 1], draw(cents))
        for start, end in itertools.pairwise(bounds)
    )
    return check_rules(
        FeeRules(
            headcount_tiers=tiers,
            flat_cents={"startup": draw(cents), "public_body": draw(cents)},
            first_year_discount_percent=draw(st.integers(0, 100)),
            prorata_by_month=draw(st.booleans()),
        )
    )


members = st.builds(
    Member,
    name=st.just("Membre"),
    category=st.sampled_from(["company", "startup", "public_body", "honorary"]),
    headcount_code=codes,
    joined_on=st.none() | dates,
)


@given(schedules(), members, st.integers(2000, 2030))
def test_fees_are_never_negative_and_their_lines_reconcile(rules, member, year):
    if member.joined_on is not None and member.joined_on.year > year:
        with pytest.raises(FeeError):
            compute_fee(rules, member, year)
        return
    fee = compute_fee(rules, member, year)
    assert min(fee.base_cents, fee.prorata_cents, fee.discount_cents, fee.total_cents) >= 0
    assert fee.base_cents - fee.prorata_cents - fee.discount_cents == fee.total_cents
    assert fee.total_cents <= fee.base_cents - fee.prorata_cents <= fee.base_cents  # pro-rata ≤ full fee
    assert 1 <= fee.months <= 12


@given(schedules(), members, st.integers(2000, 2030))
def test_discount_and_pro_rata_apply_in_the_joining_year_only_and_once(rules, member, year):
    if member.joined_on is None or member.joined_on.year > year:
        return
    fee = compute_fee(rules, member, year)
    if member.joined_on.year != year:
        assert (fee.prorata_cents, fee.discount_cents, fee.months) == (0, 0, 12)
        return
    prorated = fee.base_cents - fee.prorata_cents
    # The discount is the percentage of the prorated fee, rounded once: applying it twice would take more.
    assert abs(fee.discount_cents * 100 - prorated * rules.first_year_discount_percent) <= 50
    # A later joining month never costs more.
    if member.joined_on.month < 12:
        later = Member(**{**member.__dict__, "joined_on": member.joined_on.replace(month=12, day=1)})
        assert compute_fee(rules, later, year).total_cents <= fee.total_cents


@given(schedules(), st.lists(members, max_size=30), st.integers(2000, 2030))
def test_a_year_of_dues_adds_up_line_by_line(rules, group, year):
    fees = [compute_fee(rules, m, year) for m in group if m.joined_on is None or m.joined_on.year <= year]
    assert sum(f.total_cents for f in fees) == (
        sum(f.base_cents for f in fees)
        - sum(f.prorata_cents for f in fees)
        - sum(f.discount_cents for f in fees)
    )
