"""NAF codes, legal forms and headcount brackets."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.france.headcount import (
    HEADCOUNT_BRACKETS,
    bracket_for_headcount,
    check_headcount,
    check_headcount_code,
)
from grappe.france.legal_forms import (
    ABBREVIATIONS,
    LEGAL_FORMS,
    check_legal_form,
    legal_form_in_name,
    strip_legal_form,
)
from grappe.france.naf import (
    DIGITAL_NAF_CODES,
    NAF_VERSION,
    check_naf,
    is_digital,
    naf_codes,
    naf_label,
    naf_section,
)

# --- NAF


@pytest.mark.parametrize("raw", ["6201Z", "62.01 Z", "62.01z", "62-01Z", " 6201 "])
def test_naf_formats(raw):
    assert check_naf(raw).value == "62.01Z"


def test_naf_reference():
    assert NAF_VERSION == "NAFRev2"
    assert len(naf_codes()) == 732
    assert naf_label("6201Z") == "Programmation informatique"
    assert naf_section("62.01Z") == "J"
    assert naf_label("99.99Z") is None and naf_section("nope") == ""
    assert all(naf_label(code) for code in DIGITAL_NAF_CODES)
    assert is_digital("6202A") and not is_digital("01.11Z")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("6202", "naf.letter_missing"),
        ("721Z", "naf.old_version"),
        ("99.99Z", "naf.unknown"),
        ("abc", "naf.format"),
    ],
)
def test_naf_refusals(raw, code):
    assert check_naf(raw).problem.code == code


def test_naf_letter_missing_lists_the_candidates():
    assert "62.02A, 62.02B" in check_naf("6202").problem.render()


@given(st.sampled_from(list(naf_codes())))
def test_every_naf_code_round_trips_without_dot(code):
    assert check_naf(code.replace(".", "")).value == code


# --- Legal forms


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("SAS", "5710"),
        ("S.A.S.", "5710"),
        ("5710", "5710"),
        ("Société par actions simplifiée", "5710"),
        ("SASU", "5720"),
        ("SARL", "5499"),
        ("EURL", "5498"),
        ("SA", "5599"),
        ("SNC", "5202"),
        ("SCOP SARL", "5458"),
        ("SCOP SA", "5558"),
        ("SELAS", "5785"),
        ("SELARL", "5485"),
        ("GIE", "6220"),
        ("Association loi 1901", "9220"),
        ("association", "9220"),
        ("EI", "1000"),
        ("SAS au capital de 10 000 €", "5710"),
    ],
)
def test_legal_forms(raw, code):
    assert check_legal_form(raw).value == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("SCOP", "legal_form.ambiguous"),
        ("SCIC", "legal_form.ambiguous"),
        ("1234", "legal_form.unknown_code"),
        ("57", "legal_form.format"),
        ("truc", "legal_form.unknown"),
    ],
)
def test_legal_form_refusals(raw, code):
    assert check_legal_form(raw).problem.code == code


def test_every_abbreviation_belongs_to_a_known_code():
    assert set(ABBREVIATIONS) <= set(LEGAL_FORMS)
    assert all(len(code) == 4 and code.isdigit() for code in LEGAL_FORMS)
    for code, names in ABBREVIATIONS.items():
        for name in names:
            assert check_legal_form(name).value == code, name


def test_legal_form_in_name():
    assert legal_form_in_name("ACME SAS") == "5710"
    assert legal_form_in_name("S.A.R.L. Dupont et fils") == "5499"
    assert legal_form_in_name("Numélink (association)") == "9220"
    assert legal_form_in_name("ISA Conseil") is None
    assert legal_form_in_name("SAS") is None  # never the whole name
    assert strip_legal_form("SARL Dupont & Fils") == "dupont fils"


# --- Headcount


def test_brackets_are_contiguous():
    counted = [bracket for bracket in HEADCOUNT_BRACKETS.values() if bracket.low is not None]
    for before, after in itertools.pairwise(counted):
        assert after.low == before.high + 1
    assert counted[-1].high is None


@given(st.integers(0, 200_000))
def test_bracket_for_headcount_contains_the_number(n):
    bracket = HEADCOUNT_BRACKETS[bracket_for_headcount(n)]
    assert bracket.low <= n and (bracket.high is None or n <= bracket.high)
    assert check_headcount(str(n)).value == bracket.code


def test_negative_headcount_is_an_error():
    with pytest.raises(ValueError):
        bracket_for_headcount(-1)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("NN", "NN"),
        ("01", "01"),
        ("35", "12"),
        ("1 000", "42"),
        ("20 à 49", "12"),
        ("20-49 salariés", "12"),
        ("de 10 à 19", "11"),
        ("1 ou 2 salariés", "01"),
        ("10 000 et plus", "53"),
    ],
)
def test_headcount_forms(raw, code):
    assert check_headcount(raw).value == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [("10 à 49", "headcount.range"), ("plus de 500", "headcount.range"), ("beaucoup", "headcount.format")],
)
def test_headcount_refusals(raw, code):
    assert check_headcount(raw).problem.code == code


def test_headcount_codes_strictly():
    assert check_headcount_code("12").value == "12"
    assert check_headcount_code("1").value == "01"
    assert check_headcount_code("13").problem.code == "headcount.code"


@given(st.text())
def test_these_checks_never_raise(text):
    for check in (check_naf, check_legal_form, check_headcount, check_headcount_code):
        checked = check(text)
        assert checked.ok or checked.value is None
        if checked.problem:
            assert checked.problem.render()
