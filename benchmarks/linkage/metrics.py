"""Scores of predicted clusters against true entities, by counting, never by listing pairs.

The counting rule (pairwise precision/recall from the contingency table, focus on the new records of a linkage
run, exact-cluster figures) is ``grappe.linkage.scoring``, shared with the merger benchmark and the demo. Here
DuckDB builds the contingency table's cells from a million records (a join and one GROUP BY, done out of
Python's memory) and streams them to it. Two lists whose truth is a list of cross-list pairs (restaurants)
are scored on those pairs (``score_cross``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from grappe.linkage.scoring import Scores, score_cells

__all__ = ["Scores", "score", "score_cross", "score_dataset"]


def score(predicted: pa.Table, truth: pa.Table, focus: pa.Table | None = None) -> Scores:
    """``predicted``: record_id, cluster_id; ``truth``: record_id, entity_id; ``focus``: record_id.

    Every truth record is scored: one the tool did not return is a singleton of its own.
    """
    # An explicit spill directory: the default ".tmp" in the working directory is shared with whatever else runs
    # there (and was once removed under a run).
    spill = Path(__file__).resolve().parent / "out" / "duckdb-tmp"
    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"temp_directory": str(spill)})
    try:
        con.register("predicted", predicted.select(["record_id", "cluster_id"]))
        con.register("truth", truth.select(["record_id", "entity_id"]))
        if focus is not None:
            con.register("focus", focus.select(["record_id"]))
            focused = "(f.record_id IS NOT NULL)::INT"
            focus_join = "LEFT JOIN (SELECT DISTINCT CAST(record_id AS VARCHAR) AS record_id FROM focus) f ON f.record_id = t.record_id"
        else:
            focused, focus_join = "1", ""
        con.execute(f"""
            CREATE TEMP TABLE joined AS
            SELECT t.record_id,
                   CAST(t.entity_id AS VARCHAR) AS e,
                   coalesce(CAST(p.cluster_id AS VARCHAR), '__single:' || t.record_id) AS c,
                   {focused} AS is_focus
            FROM (SELECT CAST(record_id AS VARCHAR) AS record_id, entity_id FROM truth) t
            LEFT JOIN (SELECT CAST(record_id AS VARCHAR) AS record_id, any_value(cluster_id) AS cluster_id
                       FROM predicted GROUP BY 1) p ON p.record_id = t.record_id
            {focus_join}
        """)
        # Materialised before reading: one statement with CTEs referenced several times blew up DuckDB's memory
        # at 1M.
        con.execute(
            "CREATE TEMP TABLE cells AS SELECT c, e, count(*)::BIGINT AS n, sum(is_focus)::BIGINT AS f "
            "FROM joined GROUP BY c, e"
        )
        con.execute("DROP TABLE joined")
        return score_cells(_rows(con.execute("SELECT c, e, n, f FROM cells")))
    finally:
        con.close()


def _rows(cursor: duckdb.DuckDBPyConnection, batch: int = 100_000) -> Iterator[tuple[str, str, int, int]]:
    while rows := cursor.fetchmany(batch):
        yield from rows


def score_cross(
    predicted: pa.Table, truth_pairs: pa.Table, sides: tuple[str, str]
) -> dict[str, float | int | None]:
    """Two lists de-duplicated as one set, scored on the pairs across them: a predicted pair is one record of
    each list (record ids prefixed ``sides[0]`` and ``sides[1]``) in one predicted cluster; the truth is a list
    of such pairs (``left_id``, ``right_id``). Pairs within one list are not scored — the truth does not know
    them — and neither are clusters (an entity's within-list duplicates are unknown, so "exactly one entity"
    cannot be checked): those figures are None."""
    left, right = sides
    cluster_of = dict(
        zip(
            predicted["record_id"].cast(pa.string()).to_pylist(),
            predicted["cluster_id"].cast(pa.string()).to_pylist(),
            strict=True,
        )
    )
    per_cluster: dict[str, list[int]] = {}
    for record_id, cluster in cluster_of.items():
        counts = per_cluster.setdefault(cluster, [0, 0])
        if record_id.startswith(left):
            counts[0] += 1
        elif record_id.startswith(right):
            counts[1] += 1
    predicted_pairs = sum(a * b for a, b in per_cluster.values())
    pairs = list(zip(truth_pairs["left_id"].to_pylist(), truth_pairs["right_id"].to_pylist(), strict=True))
    hits = sum(1 for a, b in pairs if a in cluster_of and cluster_of.get(a) == cluster_of.get(b))
    precision = hits / predicted_pairs if predicted_pairs else 1.0
    recall = hits / len(pairs) if pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "cluster_precision": None,
        "cluster_recall": None,
        "true_pairs": len(pairs),
        "predicted_pairs": predicted_pairs,
        "true_positive_pairs": hits,
        "predicted_clusters": len(per_cluster),
        "true_clusters": None,
    }


def score_dataset(predicted: pa.Table, data: Path, focus: pa.Table | None = None) -> dict[str, Any]:
    """The scores a data set asks for: cross-list pairs where its truth is a list of pairs, else entities."""
    pairs = data / "truth_pairs.parquet"
    if pairs.exists():
        sides = json.loads((data / "meta.json").read_text()).get("sides", ["f", "z"])
        return score_cross(predicted, pq.read_table(pairs), (sides[0], sides[1]))
    return score(predicted, pq.read_table(data / "truth.parquet"), focus).as_dict()
