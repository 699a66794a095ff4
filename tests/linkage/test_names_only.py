"""Exact copies and names with nothing else: one record stands for its copies."""

from __future__ import annotations

import math

import duckdb
import pyarrow as pa

from grappe.linkage import LinkageSettings, deduplicate, link
from grappe.linkage.pipeline import _stand_in_for_representatives

from .conftest import record


def _cluster_of(clusters: pa.Table) -> dict[str, str]:
    return dict(zip(clusters["record_id"].to_pylist(), clusters["cluster_id"].to_pylist(), strict=True))


def test_exact_copies_beyond_the_block_cap_are_one_organisation() -> None:
    # 60 copies of one row share every blocking key; the cap (50) used to drop all those blocks, so the copies
    # were never compared. One of them now stands for the others, which are each compared to it.
    row = {"name": "Kaliop SARL", "postcode": "42000", "city": "Saint-Étienne", "phone": "04 77 12 34 56"}
    records = [record(f"c{i:02d}", **row) for i in range(60)] + [record("other", "Zèbre Logiciels")]
    result = deduplicate(records)
    clusters = _cluster_of(result.clusters)
    assert {clusters[f"c{i:02d}"] for i in range(60)} == {"c00"}
    assert clusters["other"] == "other"
    assert result.stats["copies"] == 59
    assert result.pairs.num_rows == 59  # each copy against c00, not 1 770 pairs
    explanation = result.explain("c17", "c00")
    assert explanation.band == "match"


def test_a_copy_its_representative_does_not_match_still_gets_the_representative_s_pairs() -> None:
    scored = pa.table(
        {
            "record_id_l": ["r", "r", "x"],
            "record_id_r": ["c", "x", "y"],
            "match_probability": [0.3, 0.99, 0.2],
            "gamma_identifiers": pa.array([None, None, None], pa.int32()),
        }
    )
    features = pa.table({"record_id": ["r", "c", "x", "y"], "representative": ["r", "r", "x", "y"]})
    with duckdb.connect() as con:
        pairs = _stand_in_for_representatives(con, scored, features, LinkageSettings()).to_pylist()
    found = {(row["record_id_l"], row["record_id_r"]): row["match_probability"] for row in pairs}
    assert found == {("r", "c"): 0.3, ("r", "x"): 0.99, ("x", "y"): 0.2, ("c", "x"): 0.99}


def _scored_pair(result, a: str, b: str) -> dict | None:
    for row in result.pairs.to_pylist():
        if {row["left_id"], row["right_id"]} == {a, b}:
            return row
    return None


def test_an_import_finds_a_registry_company_written_with_a_foreign_legal_form() -> None:
    registry = [
        record("r1", "Akzo Nobel N.V.", organisation_id="ORG-1", postcode="42000", city="Saint-Étienne")
    ]
    incoming = [record("n1", "* AKZO NOBEL NV, Arnhem", postcode="42000", city="St-Étienne")]
    result = link(incoming, registry)
    assert _cluster_of(result.clusters)["n1"] == "ORG-1"


def test_a_company_s_shared_domain_keeps_its_fixed_weight_in_a_small_registry() -> None:
    # In 300 rows, a domain held by two sites of one company is held by 2 of 300 records, which says nothing
    # about how common it is: its frequency is not used below min_records_for_estimation.
    records = [record("a", "Kaliop", website="kaliop.fr", postcode="42000"),
               record("b", "Kaliop", website="www.kaliop.fr", postcode="26000")]  # fmt: skip
    result = deduplicate(records, settings=LinkageSettings(keep_threshold=0.0))
    m, u = LinkageSettings().parameters["domain"]["même domaine (site ou e-mail)"]
    assert math.isclose(_scored_pair(result, "a", "b")["domain_weight"], math.log2(m / u))
