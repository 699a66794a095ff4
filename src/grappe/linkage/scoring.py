"""Scores of predicted clusters against true entities, by counting, never by listing pairs.

Pairwise figures come from the contingency table of (predicted cluster, true entity): a group of n records
holds n(n-1)/2 pairs, so true positives are Σ C(n_ij, 2) over its cells, predicted pairs Σ C(n_i·, 2) and true
pairs Σ C(n_·j, 2). A cluster of 100 000 records costs one cell, not five billion pairs.

With a focus (the new records of a linkage run), only pairs with at least one focus record count: in a group
of n records of which f are in focus, that is C(n, 2) - C(n - f, 2). Pairs outside the focus say nothing about
the run.

Cluster-level figures are exact matches: a predicted cluster is right when it holds exactly the records of one
true entity. Precision is the share of predicted clusters that are right, recall the share of true entities
recovered exactly (singletons included, on both sides; with a focus, only clusters holding a focus record).

Used by the linkage benchmark (cells counted by DuckDB at a million records) and by the demo's measure of the
merged registry (a thousand rows), so both report the same figures by the same rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import asdict, dataclass


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


def pairs_in(n: int, focus: int | None = None) -> int:
    """Pairs among ``n`` records with at least one of the ``focus`` ones (all pairs when ``focus`` is None)."""
    rest = 0 if focus is None else n - focus
    return n * (n - 1) // 2 - rest * (rest - 1) // 2


def ratio(hits: int, total: int) -> float:
    """A share that is perfect when there was nothing to find (no pair predicted, no pair to recover)."""
    return hits / total if total else 1.0


def f1_of(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score_cells(cells: Iterable[tuple[Hashable, Hashable, int, int]]) -> Scores:
    """Scores from the contingency table: cells of (cluster, entity, records, focus records), each once.

    Without a focus, pass ``focus = records``. One pass; memory grows with clusters and entities, not pairs.
    """
    tp = 0
    # cluster → [records, focus, cells, entity of its (last) cell]; entity → [records, focus, cells]
    clusters: dict[Hashable, list] = {}
    entities: dict[Hashable, list[int]] = {}
    for cluster, entity, n, f in cells:
        tp += pairs_in(n, f)
        c = clusters.setdefault(cluster, [0, 0, 0, None])
        c[0], c[1], c[2], c[3] = c[0] + n, c[1] + f, c[2] + 1, entity
        e = entities.setdefault(entity, [0, 0, 0])
        e[0], e[1], e[2] = e[0] + n, e[1] + f, e[2] + 1
    predicted_pairs = sum(pairs_in(n, f) for n, f, _, _ in clusters.values())
    true_pairs = sum(pairs_in(n, f) for n, f, _ in entities.values())
    # A cluster is exactly an entity when it is that entity's only cell and the entity is its only cell.
    exact = sum(1 for _, f, k, entity in clusters.values() if f and k == 1 and entities[entity][2] == 1)
    focus_clusters = sum(1 for c in clusters.values() if c[1])
    focus_entities = sum(1 for e in entities.values() if e[1])
    precision, recall = ratio(tp, predicted_pairs), ratio(tp, true_pairs)
    return Scores(
        precision=precision,
        recall=recall,
        f1=f1_of(precision, recall),
        cluster_precision=ratio(exact, focus_clusters),
        cluster_recall=ratio(exact, focus_entities),
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        true_positive_pairs=tp,
        predicted_clusters=focus_clusters,
        true_clusters=focus_entities,
    )


def score_assignments(records: Iterable[tuple[Hashable, Hashable, bool]]) -> Scores:
    """Scores from one (cluster, entity, in focus) triple per record; small inputs (the whole table in memory)."""
    cells: Counter[tuple[Hashable, Hashable]] = Counter()
    focus: Counter[tuple[Hashable, Hashable]] = Counter()
    for cluster, entity, in_focus in records:
        cells[cluster, entity] += 1
        focus[cluster, entity] += bool(in_focus)
    return score_cells((c, e, n, focus[c, e]) for (c, e), n in cells.items())
