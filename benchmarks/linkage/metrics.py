"""Scores of predicted clusters against true entities, by counting, never by listing pairs.

The counting rule (pairwise precision/recall from the contingency table, focus on the new records of a linkage
run, exact-cluster figures) is ``grappe.linkage.scoring``, shared with the merger benchmark and the demo. Here
DuckDB builds the contingency table's cells from a million records (a join and one GROUP BY, done out of
Python's memory) and streams them to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from grappe.linkage.scoring import Scores, score_cells

__all__ = ["Scores", "score"]


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
