"""Communes, postcodes and places: the cases real registries contain."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grappe.france import geo
from grappe.france.geo import (
    check_place,
    check_postcode,
    commune,
    communes,
    communes_for_postcode,
    communes_in_departement,
    departement,
    departement_of_postcode,
    departements,
    find_commune,
    region,
)


def test_reference_data_loads():
    assert sum(item.is_current for item in communes()) == 34969
    assert {item.kind for item in communes()} == {geo.KIND_CURRENT, geo.KIND_ARRONDISSEMENT}
    assert len(geo.all_communes()) > len(communes())
    assert departement("42").name == "Loire"
    assert departement("2a").name == "Corse-du-Sud"
    assert departement("1").code == "01"
    assert region("84").name == "Auvergne-Rhône-Alpes"
    assert len(departements()) >= 101
    assert geo.regions()


def test_commune_codes_prefer_the_current_commune():
    # 01015 is both the commune nouvelle "Arboys en Bugey" and its delegated "Arbignieu".
    assert commune("01015").kind == geo.KIND_CURRENT
    assert commune("42218").name == "Saint-Étienne"
    assert commune("99999") is None


def test_saint_etienne_has_several_postcodes():
    saint_etienne = commune("42218")
    assert {"42000", "42100"} <= set(saint_etienne.postcodes)
    for postcode in ("42000", "42100"):
        assert saint_etienne in communes_for_postcode(postcode)
        assert find_commune("Saint-Étienne", postcode) == saint_etienne


@pytest.mark.parametrize(
    "written",
    ["ST ETIENNE", "Saint-Etienne", "saint etienne", "SAINT-ÉTIENNE", "St-Étienne", "Saint Etienne Cedex 1"],
)
def test_city_names_are_matched_loosely(written):
    assert find_commune(written).code == "42218"
    assert find_commune(written, "42000").code == "42218"


@pytest.mark.parametrize(
    "written", ["LYON 3EME", "Lyon 3e", "LYON 03", "Lyon Cedex 03", "lyon 3ème arrondissement"]
)
def test_lyon_arrondissements(written):
    assert find_commune(written, "69003").code == "69383"
    # A CEDEX number is not an arrondissement: without the postcode, "Lyon Cedex 03" is just Lyon.
    assert find_commune(written).code == ("69123" if "Cedex" in written else "69383")


def test_plain_city_name_of_split_cities():
    assert find_commune("Lyon").code == "69123"
    assert find_commune("Lyon", "69003").code == "69383"  # the postcode says which arrondissement
    assert find_commune("Paris 16e", "75116").code == "75116"
    assert find_commune("PARIS XVIE").code == "75116"
    assert find_commune("Marseille 1er").code == "13201"
    assert [item.code for item in communes_for_postcode("69003")] == ["69383"]


def test_old_commune_names_map_to_the_commune_nouvelle():
    found = find_commune("Bellegarde-sur-Valserine", "01200")
    assert found.name == "Valserhône" and found.is_current
    assert find_commune("Bellegarde-sur-Valserine").code == "01033"


def test_insee_article_suffix():
    assert find_commune("CHAMBON-FEUGEROLLES (LE)", "42500").name == "Le Chambon-Feugerolles"


def test_ambiguous_names_without_postcode_are_not_guessed():
    assert find_commune("Saint-Denis") is None
    assert find_commune("Saint-Denis", "97400").code == "97411"
    assert find_commune("") is None and find_commune(None) is None


def test_corsica_postcodes():
    assert departement_of_postcode("20000") == "2A"
    assert departement_of_postcode("20600") == "2B"
    assert find_commune("Ajaccio", "20000").departement == "2A"
    assert find_commune("Bastia", "20600").departement == "2B"
    # CEDEX codes are in no list: Corsica is split by the digits.
    assert departement_of_postcode("20189") == "2A"
    assert departement_of_postcode("20289") == "2B"


def test_overseas_postcodes():
    assert departement_of_postcode("97400") == "974"
    assert departement_of_postcode("97133") == "977"  # Saint-Barthélemy, inside Guadeloupe's range
    assert find_commune("Saint-Barthélemy", "97133").departement == "977"


def test_departement_lookups():
    assert departement_of_postcode("42000") == "42"
    assert departement_of_postcode("1400") == "01"
    assert departement_of_postcode("abc") is None
    assert departement_of_postcode("00000") is None
    assert all(item.departement == "42" for item in communes_in_departement("42"))
    assert len(communes_in_departement("42")) > 300


@pytest.mark.parametrize(
    ("raw", "expected"), [("42000", "42000"), (" 42 000 ", "42000"), ("1400", "01400"), ("42007", "42007")]
)
def test_check_postcode_accepts(raw, expected):
    assert check_postcode(raw).value == expected


@pytest.mark.parametrize(
    ("raw", "code"), [("4200O", "postcode.format"), ("123", "postcode.format"), ("00000", "postcode.unknown")]
)
def test_check_postcode_refuses(raw, code):
    checked = check_postcode(raw)
    assert checked.value is None and checked.problem.code == code


def test_check_place_resolves_commune_and_departement():
    place = check_place("42100", "ST ETIENNE").value
    assert place.commune.code == "42218" and place.departement == "42"
    assert place.postcode == "42100" and place.city == "ST ETIENNE"


def test_check_place_mismatch_names_both_and_the_served_communes():
    checked = check_place("42000", "Roanne")
    assert checked.problem.code == "place.mismatch"
    message = checked.problem.render()
    assert "Roanne" in message and "42000" in message and "Saint-Étienne" in message
    assert checked.value.commune is None and checked.value.departement == "42"


def test_check_place_tolerates_typos_among_the_postcode_communes():
    assert check_place("42000", "St Etiene").value.commune.code == "42218"


def test_cedex_postcodes_accept_the_city_as_given():
    checked = check_place("42007", "SAINT-ETIENNE CEDEX 1")
    assert checked.ok and checked.value.commune.code == "42218"
    unknown_city = check_place("92042", "Paris La Défense Cedex")
    assert unknown_city.ok and unknown_city.value.departement == "92" and unknown_city.value.commune is None


def test_cedex_postcode_with_a_city_of_another_departement_is_a_mismatch():
    checked = check_place("42007", "Lyon")
    assert checked.problem.code == "place.mismatch"
    assert "69" in checked.problem.render() and "42" in checked.problem.render()


def test_check_place_partial_and_empty():
    assert check_place(None, None).value is None and check_place("", "").ok
    assert check_place("", "Lyon").value.commune.code == "69123"
    only = check_place("42000", "").value
    assert only.commune.code == "42218"
    assert check_place("abc", "Lyon").problem.code == "postcode.format"
    assert check_place("42000 ", "42000 Saint-Étienne").value.commune.code == "42218"


@settings(max_examples=60)
@given(st.text(max_size=30), st.text(max_size=30))
def test_geo_checks_never_raise(postcode, city):
    checked = check_place(postcode, city)
    if checked.problem:
        assert checked.problem.render()
    check_postcode(postcode)
    find_commune(city, postcode)


@settings(max_examples=60)
@given(st.sampled_from([c for c in communes() if c.postcodes and (c.population or 0) > 20000]))
def test_every_big_commune_is_found_by_its_own_name_and_postcode(item):
    found = find_commune(item.name.upper(), item.postcodes[0])
    assert found is not None
    assert found == item or found.parent == item.code


# -- places outside France ------------------------------------------------------------------------------------


def test_a_us_zip_with_country_us_is_never_the_oise():
    place = check_place("60610", "Chicago", "US")

    assert place.ok and place.value == geo.Place("60610", "Chicago", None, None)
    # Without its country, the same zip is read as French (and then disagrees with the city).
    assert check_place("60610", "Chicago").value.departement == "60"


def test_a_swiss_postcode_keeps_its_four_digits_and_gets_no_departement():
    place = check_place("1201", "1201 Genève", "CH").value

    assert (place.postcode, place.city, place.commune, place.departement) == ("1201", "Genève", None, None)


def test_a_four_digit_postcode_is_still_french_by_default_and_belgian_in_belgium():
    nice = check_place("6000", "Nice").value
    assert nice.postcode == "06000" and nice.departement == "06" and nice.commune.name == "Nice"
    charleroi = check_place("6000", "Charleroi", "BE").value
    assert (charleroi.postcode, charleroi.departement, charleroi.commune) == ("6000", None, None)


def test_an_unknown_country_keeps_the_place_as_written():
    place = check_place("sw1a 1aa", "London", None).value

    assert place.postcode == "SW1A 1AA" and place.departement is None


@given(
    st.text(max_size=12), st.text(max_size=30), st.sampled_from(["CH", "BE", "US", "IT", "GB", "DE", None])
)
def test_a_foreign_place_never_becomes_a_french_commune_or_departement(postcode, city, country):
    outcome = check_place(postcode, city, country)

    assert outcome.ok
    if outcome.value is not None:
        assert outcome.value.commune is None and outcome.value.departement is None
