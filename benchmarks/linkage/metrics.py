"""Scores of predicted clusters against true entities, by counting, never by listing pairs.

Pairwise figures come from the contingency table of (predicted cluster, true entity): a group of n records
holds n(n-1)/2 pairs, so true positives are Σ C(n_ij, 2) over its cells, predicted pairs Σ C(n_i·, 2) and true
pairs Σ C(n_·j, 2). A cluster of 100 000 records costs one row, not five billion pairs.

With ``focus`` (the new records of a linkage run), only pairs with at least one focus record count: in a group
of n records of which f are new, that is C(n, 2) - C(n - f, 2). Registry-only pairs say nothing about the run.

Cluster-level figures are exact matches: a predicted cluster is right when it holds exactly the records of one
true entity. Precision is the share of predicted clusters that are right, recall the share of true entities
recovered exactly (singletons included, on both sides; with ``focus``, only clusters holding a focus record).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pyarrow as pa


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    cluster_precision: float
    cluster_recall: float
    true_pairs: int
    predicted_pairs: int
    true_positive_pairs: int
    predicted_clusters: int
    true_clusters: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def score(predicted: pa.Table, truth: pa.Table, focus: pa.Table | None = None) -> Scores:
    """``predicted``: record_id, cluster_id; ``truth``: record_id, entity_id; ``focus``: record_id.

    Every truth record is scored: one the tool did not return is a singleton of its own.
    """
    # An explicit spill directory: the default ".tmp" in the working directory is shared with whatever else runs
    # there (and was once removed under a run).
    spill = Path(__file__).resolve().parent / "out" / "duckdb-tmp"
    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"temp_directory": str(spill)})
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
    # pairs touching a focus record in a group of n with f focus records
    pairs = "(n * (n - 1) // 2 - (n - f) * (n - f - 1) // 2)"
    # Materialised step by step: one statement with CTEs referenced several times blew up DuckDB's memory at 1M.
    con.execute(
        "CREATE TEMP TABLE cells AS SELECT c, e, count(*)::BIGINT AS n, sum(is_focus)::BIGINT AS f FROM joined GROUP BY c, e"
    )
    con.execute(
        "CREATE TEMP TABLE pc AS SELECT c, sum(n)::BIGINT AS n, sum(f)::BIGINT AS f FROM cells GROUP BY c"
    )
    con.execute(
        "CREATE TEMP TABLE te AS SELECT e, sum(n)::BIGINT AS n, sum(f)::BIGINT AS f FROM cells GROUP BY e"
    )

    def one(sql: str) -> int:
        return int(con.execute(sql).fetchall()[0][0] or 0)

    row = (
        one(f"SELECT sum({pairs})::HUGEINT FROM cells"),
        one(f"SELECT sum({pairs})::HUGEINT FROM pc"),
        one(f"SELECT sum({pairs})::HUGEINT FROM te"),
        one(
            "SELECT count(*) FROM cells JOIN pc ON pc.c = cells.c JOIN te ON te.e = cells.e "
            "WHERE cells.n = pc.n AND cells.n = te.n AND cells.f > 0"
        ),
        one("SELECT count(*) FROM pc WHERE f > 0"),
        one("SELECT count(*) FROM te WHERE f > 0"),
    )
    con.close()
    tp, predicted_pairs, true_pairs, exact, n_pred, n_true = (int(v or 0) for v in row)
    precision = tp / predicted_pairs if predicted_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(
        precision=precision,
        recall=recall,
        f1=f1,
        cluster_precision=exact / n_pred if n_pred else 1.0,
        cluster_recall=exact / n_true if n_true else 1.0,
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        true_positive_pairs=tp,
        predicted_clusters=n_pred,
        true_clusters=n_true,
    )
