"""Where an establishment is: the place, and the street and the phone weighed given the place.

Two sites of one company differ on place, street and phone at once; that is one fact, another site, and must
not weigh three times against the pair. A different street in the same commune is still evidence against.
The records sit among 300 generated ones, so that the prior is a member registry's, not a pair's.
"""

from __future__ import annotations

from typing import Any

import pytest

from grappe.linkage import LinkageSettings, deduplicate

from .conftest import record
from .test_deduplicate import cluster_of as cluster
from .test_deduplicate import pair_of as pair


@pytest.fixture(scope="module")
def registry() -> list[dict[str, Any]]:
    generator = pytest.importorskip("grappe.demo.generator")
    table = generator.generate_registry(300, seed=5).table.drop_columns(["entity_id"])
    return [{**row, "record_id": f"g{row['record_id']}"} for row in table.to_pylist()]


def two_sites() -> list[dict[str, Any]]:
    """One company, a member through two establishments in two départements; one row without a SIRET."""
    return [
        record(
            "drome",
            "Vanov Innovation",
            street="ZA des Plaines, 40 boulevard des Écoles",
            postcode="26210",
            city="Saint-Sorlin-en-Valloire",
            email="vanovinnovation@sfr.fr",
            website="vanovinnovation.fr",
            phone="04 75 95 75 27",
            naf_code="63.11Z",
        ),
        record(
            "ardeche",
            "VANOV INNOVATION SARL",
            siret="98510653300047",
            street="231 rue des Alpes",
            postcode="07100",
            city="Annonay",
            email="hello@vanovinnovation.fr",
            website="https://www.vanovinnovation.fr",
            phone="04 75 72 40 44",
            naf_code="63.11Z",
        ),
    ]


def namesakes_in_one_town() -> list[dict[str, Any]]:
    """Two companies of one name in one town, at two addresses, each with its own domain and number."""
    return [
        record(
            "atlas_1",
            "Atlas Conseil",
            street="12 rue Gambetta",
            postcode="42000",
            city="Saint-Étienne",
            website="atlas-conseil.fr",
            phone="04 77 21 43 65",
            naf_code="70.22Z",
        ),
        record(
            "atlas_2",
            "ATLAS CONSEIL",
            street="3 place Jean Jaurès",
            postcode="42000",
            city="St-Étienne",
            website="atlasconseil42.com",
            phone="04 77 88 10 20",
            naf_code="70.22Z",
        ),
    ]


def test_a_company_member_through_two_sites_without_identifiers_is_one_organisation(registry) -> None:
    result = deduplicate(registry + two_sites())
    row = pair(result, "drome", "ardeche")
    assert row["identifier_rule"] is None  # no SIREN on one side: the score alone decides
    assert row["band"] == "match"
    clusters = cluster(result)
    assert clusters["drome"] == clusters["ardeche"]


def test_namesakes_at_two_addresses_of_one_town_stay_apart(registry) -> None:
    result = deduplicate(registry + namesakes_in_one_town(), settings=LinkageSettings(keep_threshold=0.0))
    row = pair(result, "atlas_1", "atlas_2")
    assert row["name_level"] == "nom identique"
    assert row["place_level"] == "même code postal et même commune"
    # Within one commune, another street is evidence against: an establishment has one address.
    assert row["street_level"] == "autre adresse dans la même commune"
    assert row["street_weight"] < -3
    assert row["band"] != "match"
    clusters = cluster(result)
    assert clusters["atlas_1"] != clusters["atlas_2"]


def test_the_same_address_in_one_town_is_evidence_for(registry) -> None:
    same_street = namesakes_in_one_town()
    same_street[1]["street"] = "12 r. Gambetta"
    row = pair(
        deduplicate(registry + same_street, settings=LinkageSettings(keep_threshold=0.0)),
        "atlas_1",
        "atlas_2",
    )
    assert row["street_level"] == "même adresse"
    assert row["street_weight"] > 3


def test_street_and_phone_of_another_site_weigh_nearly_nothing(registry) -> None:
    row = pair(deduplicate(registry + two_sites()), "drome", "ardeche")
    assert row["place_level"] == "départements différents"
    assert row["street_weight"] == 0  # not compared in two communes
    assert row["phone_level"] == "téléphones différents dans deux communes"
    assert -1 < row["phone_weight"] < 0
    # The same switchboard at another site still counts: a company that moved keeps its number.
    moved = two_sites()
    moved[1]["phone"] = "+33 4 75 95 75 27"
    row = pair(deduplicate(registry + moved), "drome", "ardeche")
    assert row["phone_level"] == "même téléphone dans deux communes"
    assert row["phone_weight"] > 10


def test_the_explanation_says_which_site_evidence_applied(registry) -> None:
    explanation = deduplicate(registry + two_sites()).explain("drome", "ardeche")
    fields = {evidence.comparison: evidence for evidence in explanation.fields}
    assert fields["place"].status == "disagree"
    assert fields["place"].level == "départements différents"
    street = fields["street"]
    assert street.level == "adresses non comparées : autre commune ou lieu inconnu"
    assert street.status == "neutral" and street.weight == 0
    assert {street.left_value, street.right_value} == {
        "231 rue des alpes",
        "zone des plaines 40 boulevard des ecoles",
    }
    assert fields["phone"].level == "téléphones différents dans deux communes"
    assert fields["phone"].status == "disagree" and fields["phone"].weight > -1
    assert "selon le lieu" in fields["phone"].description
    # A street that is really absent still reads as absent.
    without_street = two_sites()
    del without_street[0]["street"]
    street = {
        e.comparison: e for e in deduplicate(registry + without_street).explain("drome", "ardeche").fields
    }
    assert street["street"].status == "missing"


def test_conditional_u_survive_estimation(registry) -> None:
    # u by random sampling measures how often a level occurs among all the comparison's non-null pairs: the
    # phone's levels are probabilities given the place and keep their u; the street's are measured among
    # pairs at one place (the others are its null level).
    settings = LinkageSettings(min_records_for_estimation=100)
    result = deduplicate(registry + two_sites(), settings=settings)
    assert result.stats["estimated_u"] is True
    levels = {
        comparison["output_column_name"]: {
            level["label_for_charts"]: level["u_probability"]
            for level in comparison["comparison_levels"]
            if not level.get("is_null_level")
        }
        for comparison in result.model["comparisons"]
    }
    fixed = settings.parameters
    assert levels["phone"] == {label: u for label, (_, u) in fixed["phone"].items()}
    assert (
        levels["street"]["autre adresse dans la même commune"]
        != fixed["street"]["autre adresse dans la même commune"][1]
    )
