"""De-duplicating one set: French name variants, identifier rules, thresholds, small sets."""

from __future__ import annotations

import pyarrow.compute as pc
import pytest

from grappe.linkage import LinkageSettings, deduplicate

from .conftest import record


def pair_of(result, a: str, b: str) -> dict:
    for row in result.pairs.to_pylist():
        if {row["left_id"], row["right_id"]} == {a, b}:
            return row
    raise AssertionError(f"pair {a}–{b} not scored")


def cluster_of(result) -> dict[str, str]:
    return dict(
        zip(result.clusters["record_id"].to_pylist(), result.clusters["cluster_id"].to_pylist(), strict=True)
    )


def test_same_company_written_twice_is_matched(kaliop_pair) -> None:
    result = deduplicate(kaliop_pair)
    assert pair_of(result, "a1", "b1")["band"] == "match"
    clusters = cluster_of(result)
    assert clusters["a1"] == clusters["b1"] == "a1"
    assert clusters["c1"] == "c1"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Dupont SARL", "Dupont S.A.R.L."),
        ("ABC Informatique", "A.B.C. Informatique"),
        ("Dupont & Fils", "Dupont et Fils"),
    ],
)
def test_name_variants_agree_exactly(left: str, right: str) -> None:
    records = [
        record("1", left, postcode="69003", city="Lyon", phone="04 72 00 00 01"),
        record("2", right, postcode="69003", city="Lyon 3e", phone="0472000001"),
        record("3", "Zèbre Logiciels", postcode="69003", city="Lyon"),
    ]
    row = pair_of(deduplicate(records), "1", "2")
    assert row["name_level"] == "nom identique"
    assert row["band"] == "match"


def test_webmail_domains_are_not_evidence() -> None:
    records = [
        record("1", "Boulangerie Martin", email="martin.paul@gmail.com", postcode="26000", city="Valence"),
        record("2", "Cabinet Durand", email="durand.anne@gmail.com", postcode="26000", city="Valence"),
    ]
    result = deduplicate(records, settings=LinkageSettings(keep_threshold=0.0))
    for row in result.pairs.to_pylist():
        assert row["domain_level"] != "même domaine (site ou e-mail)"
        assert row["band"] == "non_match"


def test_conflicting_sirens_are_strong_evidence_against() -> None:
    records = [
        record("1", "Kaliop", siren="732829320", postcode="42000", city="Saint-Étienne"),
        record("2", "Kaliop", siren="542085352", postcode="42000", city="Saint-Étienne"),
    ]
    result = deduplicate(records, settings=LinkageSettings(keep_threshold=0.0))
    row = pair_of(result, "1", "2")
    assert row["identifier_rule"] == "siren_conflict"
    assert row["identifiers_weight"] < -6
    assert row["band"] != "match"
    assert cluster_of(result)["1"] != cluster_of(result)["2"]


def test_same_siren_different_sirets_is_one_organisation_with_two_establishments() -> None:
    records = [
        record("roanne", "Numélink", siret="73282932000074", postcode="42300", city="Roanne"),
        record("valence", "Numelink SAS", siret="73282932000082", postcode="26000", city="Valence"),
    ]
    result = deduplicate(records)
    row = pair_of(result, "roanne", "valence")
    assert row["identifier_rule"] == "siren_equal"
    assert row["same_establishment"] is False
    assert row["band"] == "match"
    clusters = cluster_of(result)
    assert clusters["roanne"] == clusters["valence"]
    assert result.establishment_pairs.num_rows == 1


def test_equal_siret_is_the_same_establishment() -> None:
    records = [
        record("1", "Numélink", siret="73282932000074"),
        record("2", "Association Numelink", siret="732 829 320 00074"),
    ]
    row = pair_of(deduplicate(records), "1", "2")
    assert (row["identifier_rule"], row["same_establishment"], row["band"]) == ("siret_equal", True, "match")


def test_same_siren_groups_even_when_the_block_is_capped() -> None:
    # One company with more establishments than max_block_size: no pairs from the SIREN block, one cluster.
    records = [record(f"e{i}", f"Etablissement {i}", siren="732829320") for i in range(30)]
    result = deduplicate(records, settings=LinkageSettings(max_block_size=10))
    assert set(cluster_of(result).values()) == {"e0"}


def test_thresholds_are_parameters(kaliop_pair) -> None:
    strict = deduplicate(
        kaliop_pair, settings=LinkageSettings(match_threshold=0.999999999, review_threshold=0.5)
    )
    probability = pair_of(strict, "a1", "b1")["match_probability"]
    assert probability > 0.5
    assert pair_of(strict, "a1", "b1")["band"] == ("match" if probability >= 0.999999999 else "review")
    loose = deduplicate(kaliop_pair, settings=LinkageSettings(match_threshold=0.6, review_threshold=0.5))
    assert pair_of(loose, "a1", "b1")["band"] == "match"


def test_decisions_are_respected(kaliop_pair) -> None:
    decisions = [{"left_id": "b1", "right_id": "a1", "decision": "non_match"}]
    result = deduplicate(kaliop_pair, decisions=decisions)
    row = pair_of(result, "a1", "b1")
    assert (row["band"], row["decision"]) == ("non_match", "non_match")
    clusters = cluster_of(result)
    assert clusters["a1"] != clusters["b1"]


def test_three_hundred_rows_with_fixed_parameters() -> None:
    generator = pytest.importorskip("grappe.demo.generator")
    sample = generator.generate_registry(300, seed=7, duplicate_rate=0.3)
    result = deduplicate(sample.table)
    assert result.stats["estimated_u"] is False
    truth = dict(
        zip(
            map(str, sample.table["record_id"].to_pylist()),
            sample.table["entity_id"].to_pylist(),
            strict=True,
        )
    )
    clusters = cluster_of(result)
    same_truth = {(a, b) for a in truth for b in truth if a < b and truth[a] == truth[b]}
    same_found = {(a, b) for a in clusters for b in clusters if a < b and clusters[a] == clusters[b]}
    true_positives = len(same_truth & same_found)
    precision, recall = true_positives / len(same_found), true_positives / len(same_truth)
    assert precision > 0.95 and recall > 0.95
    bands = set(pc.unique(result.pairs["band"]).to_pylist())
    assert bands <= {"match", "review", "non_match"}
