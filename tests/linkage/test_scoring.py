"""The counting rule of pairwise and cluster scores agrees with listing every pair, on any clustering."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given
from hypothesis import strategies as st

from grappe.linkage.scoring import pairs_in, score_assignments, score_cells

records = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.booleans()), min_size=0, max_size=40)


def _listed(rows: list[tuple[int, int, bool]]) -> tuple[int, int, int]:
    """True-positive, predicted and true pairs by listing them: the definition the counting must meet."""
    tp = predicted = true = 0
    for (c1, e1, f1), (c2, e2, f2) in combinations(rows, 2):
        if not (f1 or f2):
            continue
        predicted += c1 == c2
        true += e1 == e2
        tp += c1 == c2 and e1 == e2
    return tp, predicted, true


@given(records)
def test_counting_pairs_is_listing_pairs(rows):
    scores = score_assignments(rows)
    assert (scores.true_positive_pairs, scores.predicted_pairs, scores.true_pairs) == _listed(rows)


@given(records)
def test_a_cluster_is_exact_when_it_holds_exactly_one_entity_s_records(rows):
    clusters: dict[int, set[int]] = {}
    entities: dict[int, set[int]] = {}
    focus_clusters, focus_entities = set(), set()
    for index, (cluster, entity, focus) in enumerate(rows):
        clusters.setdefault(cluster, set()).add(index)
        entities.setdefault(entity, set()).add(index)
        if focus:
            focus_clusters.add(cluster)
            focus_entities.add(entity)
    exact = sum(1 for c in focus_clusters if clusters[c] in entities.values())
    scores = score_assignments(rows)
    assert scores.predicted_clusters == len(focus_clusters)
    assert scores.true_clusters == len(focus_entities)
    assert scores.cluster_precision == (exact / len(focus_clusters) if focus_clusters else 1.0)
    assert scores.cluster_recall == (exact / len(focus_entities) if focus_entities else 1.0)


def test_scores_of_a_small_case():
    # Three records of one company: two found together, one left alone; a fourth company alone.
    scores = score_cells([("a", "X", 2, 2), ("b", "X", 1, 1), ("c", "Y", 1, 1)])
    assert (scores.true_positive_pairs, scores.predicted_pairs, scores.true_pairs) == (1, 1, 3)
    assert scores.precision == 1.0 and scores.recall == 1 / 3 and scores.f1 == 0.5
    assert scores.cluster_precision == 1 / 3 and scores.cluster_recall == 1 / 2
    # Nothing predicted and nothing to find: perfect, not undefined.
    empty = score_cells([])
    assert (empty.precision, empty.recall, empty.cluster_precision) == (1.0, 1.0, 1.0)


def test_pairs_with_a_focus_record():
    assert pairs_in(5) == 10
    assert pairs_in(5, 5) == 10
    assert pairs_in(5, 1) == 4
    assert pairs_in(5, 0) == 0
