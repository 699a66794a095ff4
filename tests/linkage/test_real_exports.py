"""What real exports hold and our generator did not: no postcode, phones in other formats or without their area
code, members outside France, names with a qualifier. Each case was seen failing on data nobody here wrote
(the Fodors–Zagat restaurants, a held-out set of real organisation lists); the records sit among 300
generated ones so that the prior is a member registry's, not a pair's.
"""

from __future__ import annotations

from typing import Any

import pyarrow.compute as pc
import pytest

from grappe.linkage import LinkageSettings, deduplicate, link

from .conftest import record
from .test_deduplicate import cluster_of as cluster
from .test_deduplicate import pair_of as pair


@pytest.fixture(scope="module")
def registry() -> list[dict[str, Any]]:
    generator = pytest.importorskip("grappe.demo.generator")
    table = generator.generate_registry(300, seed=11).table.drop_columns(["entity_id"])
    return [{**row, "record_id": f"g{row['record_id']}"} for row in table.to_pylist()]


def same(result: Any, a: str, b: str) -> bool:
    clusters = cluster(result)
    return clusters[a] == clusters[b]


def test_name_and_street_carry_a_match_without_a_postcode(registry) -> None:
    rows = [
        record("a", "Arts Delicatessen", street="12224 Ventura Blvd.", city="Studio City"),
        record("b", "ART'S DELICATESSEN", street="12224 ventura blvd"),
    ]
    result = deduplicate([*registry, *rows])
    assert same(result, "a", "b")
    assert pair(result, "a", "b")["street_unplaced_level"] == "même adresse, lieu non précisé"


def test_the_same_street_without_postcode_in_two_spellings_of_a_town(registry) -> None:
    rows = [
        record("a", "Le Bernardin", street="155 W. 51st St.", city="New York"),
        record("b", "Le Bernardin", street="155 w. 51st st.", city="New York City"),
    ]
    assert same(deduplicate([*registry, *rows]), "a", "b")


def test_name_and_phone_carry_a_match_without_a_postcode(registry) -> None:
    rows = [
        record("a", "Plumpjack Cafe", street="3201 Fillmore St.", phone="415/563-4755"),
        record("b", "Plumpjack Cafe", street="3127 Fillmore St.", phone="415-563-4755"),
    ]
    result = deduplicate([*registry, *rows])
    assert same(result, "a", "b")
    assert pair(result, "a", "b")["phone_level"] == "même téléphone"


def test_name_and_mail_domain_carry_a_match_without_a_postcode(registry) -> None:
    rows = [
        record("a", "Pixelis Studio", email="contact@pixelis-studio.fr"),
        record("b", "Pixelis", website="https://www.pixelis-studio.fr/"),
    ]
    assert same(deduplicate([*registry, *rows]), "a", "b")


@pytest.mark.parametrize("written", ["(773) 251-1196", "773-251-1196", "7732511196", "+1 773 251 1196"])
def test_us_phones_in_every_form_are_one_number(written: str) -> None:
    rows = [
        record("a", "Northside Bakery", phone="(773) 251-1196", country="US"),
        record("b", "Northside Bakery Inc", phone=written, country="US"),
    ]
    result = deduplicate(rows)
    assert pair(result, "a", "b")["phone_level"] == "même téléphone"


def test_a_local_number_without_its_area_code_is_compared_as_such() -> None:
    rows = [
        record("a", "Hi Ricky", phone="386-5286"),
        record("b", "Hi Ricky Asia Noodle", phone="(773) 386-5286", country="US"),
        record("c", "Hi Ricky", phone="(773) 555-0100", country="US"),
    ]
    result = deduplicate(rows)
    assert pair(result, "a", "b")["phone_level"] == "même numéro local (indicatif absent)"
    assert pair(result, "a", "c")["phone_level"] == "téléphones différents"


def test_a_phone_no_plan_reads_is_kept_as_its_digits() -> None:
    """A 10-digit US number in a list without a country is no French number: its digits still compare."""
    result = deduplicate(
        [record("a", "Apple Pan", phone="310/475-3585"), record("b", "Apple Pan The", phone="310-475-3585")]
    )
    features = result.features[0]
    assert features.column("phone").to_pylist() == ["3104753585", "3104753585"]
    assert pair(result, "a", "b")["phone_level"] == "même téléphone"


def test_a_foreign_postcode_is_never_a_french_departement() -> None:
    rows = [
        record("chicago", "Lakeview Labs", postcode="60610", city="Chicago", country="US"),
        record("oise", "Lakeview Labs", postcode="60610", city="Lacroix-Saint-Ouen"),
        record("geneve", "Alpes Digital", postcode="1201", city="Genève", country="Suisse"),
    ]
    result = deduplicate(rows)
    features = {row["record_id"]: row for row in result.features[0].to_pylist()}
    assert features["chicago"]["departement"] == "US"
    assert features["chicago"]["postcode"] == "US-60610"
    assert features["oise"]["departement"] == "60"
    assert features["geneve"]["country_code"] == "CH"
    assert features["geneve"]["departement"] == "CH"
    assert pair(result, "chicago", "oise")["place_level"] == "départements différents"


def test_swiss_phones_are_read_by_the_swiss_plan() -> None:
    rows = [
        record("a", "Léman Soft", phone="022 345 67 89", country="CH"),
        record("b", "Leman Soft SA", phone="+41 22 345 67 89", country="CH"),
    ]
    result = deduplicate(rows)
    assert result.features[0].column("phone").to_pylist() == ["+41223456789", "+41223456789"]


def test_a_default_country_reads_records_without_one() -> None:
    rows = [record("a", "Léman Soft", phone="022 345 67 89", postcode="1201")]
    features = deduplicate(rows, settings=LinkageSettings(default_country="CH")).features[0]
    assert features.column("phone").to_pylist() == ["+41223456789"]
    assert features.column("departement").to_pylist() == ["CH"]


def test_records_equal_on_every_field_they_have_are_always_linked(registry) -> None:
    """A name too common to match on its own, typed twice with nothing else: one company all the same."""
    rows = [record("a", "Conseil Informatique"), record("b", "Conseil Informatique")]
    assert same(deduplicate([*registry, *rows]), "a", "b")


def test_a_missing_field_is_no_disagreement(registry) -> None:
    rows = [
        record("a", "Atelier Lumen", street="4 rue des Forges", phone="04 77 10 20 30", postcode="42000"),
        record("b", "Atelier Lumen", street="4 rue des Forges"),
    ]
    result = deduplicate([*registry, *rows])
    assert same(result, "a", "b")
    row = pair(result, "a", "b")
    assert row["phone_weight"] == 0


def test_one_name_within_the_other_is_a_hint(registry) -> None:
    rows = [
        record("a", "Kintetsu Mifune Japan Nihonbashi", street="1737 Post St.", phone="415/922-0337"),
        record("b", "Kintetsu", street="1737 post st.", phone="415-922-0337"),
    ]
    result = deduplicate([*registry, *rows])
    assert pair(result, "a", "b")["name_level"] == "un nom contenu dans l'autre"
    assert same(result, "a", "b")


def test_a_link_reads_the_new_records_countries() -> None:
    registry = [record("r1", "Alpes Digital", postcode="1201", city="Genève", country="CH")]
    new = [record("n1", "Alpes Digital SA", postcode="1201", city="Geneve", country="CH")]
    result = link(new, registry)
    assert pair(result, "n1", "r1")["place_level"] == "même code postal et même commune"
    assert pc.all(pc.equal(result.features[0].column("country_code"), "CH")).as_py()


def test_a_country_nobody_could_read_is_an_unknown_place() -> None:
    """The registry sends ZZ for a site whose country cell could not be read: neither France nor a country."""
    rows = [
        record("a", "Alpes Digital", postcode="1201", city="Genève", country="ZZ"),
        record("b", "Alpes Digital", postcode="1201", city="Geneve", country="CH"),
    ]
    features = {row["record_id"]: row for row in deduplicate(rows).features[0].to_pylist()}
    assert features["a"]["departement"] is None
    assert features["a"]["country_code"] == "ZZ"
