"""Dates and amounts as French registries write them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.france.amounts import check_amount, format_amount
from grappe.france.dates import check_date, format_date, format_date_long

MARCH_31 = datetime.date(2016, 3, 31)
dates = st.dates(min_value=datetime.date(1600, 1, 1), max_value=datetime.date(2200, 12, 31))


@pytest.mark.parametrize(
    "raw",
    [
        "31/03/2016",
        "31-03-2016",
        "31.03.2016",
        "31.03.16",
        "2016-03-31",
        "2016-03-31 00:00:00",
        "31 mars 2016",
        "31 MARS 2016",
        "jeudi 31 mars 2016",
        "31032016",
        "20160331",
        "42460",
        "42460.0",
    ],
)
def test_date_forms(raw):
    assert check_date(raw).value == MARCH_31


def test_first_of_month_forms():
    assert check_date("1er avril 2016").value == datetime.date(2016, 4, 1)
    assert check_date("1er août 2016").value == datetime.date(2016, 8, 1)
    assert check_date("mars 2016").value == datetime.date(2016, 3, 1)  # a month alone: its first day
    assert check_date("03/2016").value == datetime.date(2016, 3, 1)


def test_two_digit_years():
    assert check_date("01/01/68").value.year == 2068
    assert check_date("01/01/69").value.year == 1969


@pytest.mark.parametrize(
    ("raw", "code", "fragment"),
    [
        ("31/02/2016", "date.impossible", "février 2016 n'a que 29 jours"),
        ("29/02/2015", "date.impossible", "28 jours"),
        ("03/31/2016", "date.impossible", "JJ/MM/AAAA"),
        ("2016", "date.year_only", "année seule"),
        ("bientôt", "date.format", "31/03/2016"),
        ("31/03/1500", "date.out_of_range", "1600"),
    ],
)
def test_date_refusals(raw, code, fragment):
    checked = check_date(raw)
    assert checked.value is None and checked.problem.code == code
    assert fragment in checked.problem.render()


@given(dates)
def test_dates_round_trip_through_french_formats(value):
    assert check_date(format_date(value)).value == value
    assert check_date(format_date_long(value)).value == value
    assert check_date(value.isoformat()).value == value


@given(st.text())
def test_check_date_never_raises(text):
    checked = check_date(text)
    assert checked.ok or checked.value is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1 200,00 €", "1200.00"),
        ("1\u00a0200,00\u00a0€", "1200.00"),
        ("1\u202f200,00 €", "1200.00"),
        ("1200", "1200"),
        ("1.200,50", "1200.50"),
        ("1,200.50", "1200.50"),
        ("150 €", "150"),
        ("150 EUR", "150"),
        ("150 euros", "150"),
        ("150,5", "150.5"),
        ("0", "0"),
    ],
)
def test_amounts(raw, expected):
    assert check_amount(raw).value == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("-150", "amount.negative"),
        ("(150)", "amount.negative"),
        ("cent euros", "amount.format"),
        ("150 $", "amount.currency"),
        ("1.200", "amount.ambiguous"),
        ("1,200", "amount.ambiguous"),
    ],
)
def test_amount_refusals(raw, code):
    checked = check_amount(raw)
    assert checked.value is None and checked.problem.code == code


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_amounts_round_trip_with_french_formatting(value):
    assert check_amount(format_amount(value)).value == value
    assert check_amount(format_amount(value).replace("\u202f", " ")).value == value


@given(st.text())
def test_check_amount_never_raises(text):
    checked = check_amount(text)
    assert checked.ok or checked.value is None
