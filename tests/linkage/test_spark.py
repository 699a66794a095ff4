"""The same settings on Spark give the same pairs as on DuckDB (local Spark, run in CI)."""

from __future__ import annotations

import pytest

from grappe.linkage import deduplicate, link
from grappe.linkage.engines.spark import SparkEngine

# No importorskip: PySpark is a test dependency (`.[dev]`) and CI must run these tests, so a missing PySpark
# or Java fails them rather than skipping them.
pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark_engine():
    engine = SparkEngine(master="local[2]")
    yield engine
    engine.spark.stop()


def pairs(result) -> list[tuple]:
    return sorted(
        (row["left_id"], row["right_id"], round(row["match_weight"], 6), row["band"])
        for row in result.pairs.to_pylist()
    )


def test_same_pairs_on_duckdb_and_spark(spark_engine) -> None:
    generator = pytest.importorskip("grappe.demo.generator")
    records = generator.generate_registry(200, seed=11).table
    on_spark, on_duckdb = deduplicate(records, engine=spark_engine), deduplicate(records, engine="duckdb")
    assert pairs(on_spark) == pairs(on_duckdb)
    assert on_spark.clusters.sort_by("record_id").equals(on_duckdb.clusters.sort_by("record_id"))


def test_incremental_link_on_spark(spark_engine, kaliop_pair) -> None:
    registry, new = kaliop_pair[:1] + kaliop_pair[2:], kaliop_pair[1:2]
    assert pairs(link(new, registry, engine=spark_engine)) == pairs(link(new, registry))


def test_copies_are_scored_alike_on_spark(spark_engine, kaliop_pair) -> None:
    copies = [{**kaliop_pair[0], "record_id": f"a1-copy-{i}"} for i in range(3)]
    records = [*kaliop_pair, *copies]
    on_spark, on_duckdb = deduplicate(records, engine=spark_engine), deduplicate(records, engine="duckdb")
    assert on_duckdb.stats["copies"] == 3
    assert pairs(on_spark) == pairs(on_duckdb)


def test_learning_from_decisions_and_foreign_records_alike_on_spark(spark_engine) -> None:
    """The decided pairs are scored by the engine and the shifts applied after it: both engines learn alike;
    the countries, local phones and the street without a place compare alike too."""
    generator = pytest.importorskip("grappe.demo.generator")
    rows = [
        {**row, "record_id": str(row["record_id"])} for row in generator.real_exports_records(300, seed=2)
    ]
    truth = {row["record_id"]: row["entity_id"] for row in rows}
    records = [{k: v for k, v in row.items() if k not in ("entity_id", "siren", "siret")} for row in rows]
    asked = deduplicate(records).questions(limit=15)
    decisions = [
        {"left_id": a, "right_id": b, "decision": "match" if truth[a] == truth[b] else "non_match"}
        for a, b in asked
    ]
    on_spark = deduplicate(records, engine=spark_engine, decisions=decisions)
    on_duckdb = deduplicate(records, engine="duckdb", decisions=decisions)
    assert on_spark.settings.learned_weights == on_duckdb.settings.learned_weights
    assert pairs(on_spark) == pairs(on_duckdb)
