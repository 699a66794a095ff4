"""Countries read as ISO 3166 alpha-2 codes: names in the languages of the exports, codes, never a guess."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.france.countries import FRANCE, check_country, country_codes, country_name, is_france


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("France", "FR"),
        ("FR", "FR"),
        ("fr", "FR"),
        ("Suisse", "CH"),
        ("Switzerland", "CH"),
        ("Schweiz", "CH"),
        ("Svizzera", "CH"),
        ("CH", "CH"),
        ("CHE", "CH"),
        ("Belgique", "BE"),
        ("België", "BE"),
        ("Italie", "IT"),
        ("Italia", "IT"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("États-Unis", "US"),
        ("ETATS UNIS", "US"),
        ("United States", "US"),
        ("Royaume-Uni", "GB"),
        ("UK", "GB"),
        ("Angleterre", "GB"),
        ("  allemagne ", "DE"),
        ("Deutschland", "DE"),
        ("Luxembourg", "LU"),
        ("La Réunion", "FR"),  # an overseas département is France: its communes are French
        ("Guadeloupe", "FR"),
    ],
)
def test_names_and_codes_read_as_alpha2(raw, code):
    assert check_country(raw).value == code and check_country(raw).ok


@pytest.mark.parametrize("raw", ["Suise", "Atlantide", "XX", "Europe", "42", "Fr4nce"])
def test_an_unknown_country_is_refused_never_guessed(raw):
    outcome = check_country(raw)

    assert outcome.value is None and outcome.problem.code == "country.unknown"
    assert raw in outcome.problem.render()


def test_an_empty_cell_is_nothing_wrong():
    assert check_country("  ").value is None and check_country(None).ok


def test_country_names_in_french_for_display():
    assert country_name("CH") == "Suisse" and country_name("US").replace("É", "E") == "Etats-Unis"
    assert country_name("BE", "en") == "Belgium" and country_name("QQ") == "QQ"
    assert is_france(FRANCE) and not is_france("BE") and not is_france(None)


@given(st.text(max_size=40))
def test_check_country_never_raises_and_gives_a_known_code(raw):
    outcome = check_country(raw)

    assert (outcome.value is None) or (outcome.value in country_codes() and outcome.ok)


@given(st.sampled_from(sorted(country_codes())))
def test_every_code_and_its_french_name_read_back(code):
    expected = FRANCE if code in {"GP", "MQ", "GF", "RE", "YT"} else code
    assert check_country(code).value == expected
    assert check_country(code.lower()).value == expected
    assert check_country(country_name(code)).value == expected


def test_the_vendored_country_names_are_phonenumbers_own() -> None:
    """data/countries.json is extracted from the installed phonenumbers (rebuild it when this fails)."""
    import json
    from pathlib import Path

    import phonenumbers

    import grappe.france.countries as countries

    stored = json.loads(
        (Path(countries.__file__).parent / "data" / "countries.json").read_text(encoding="utf-8")
    )
    current = countries.extract_names()
    if stored["source"].startswith(f"phonenumbers {phonenumbers.__version__},"):
        assert stored["names"] == current
    else:  # another release may reword a name; the regions themselves must not have moved
        assert set(stored["names"]) == set(current)
