"""Clustering under constraints: decisions and registry organisations are never overridden."""

from __future__ import annotations

import random

import pytest

from grappe.linkage.clustering import ConstrainedUnionFind, cluster


def test_chain_does_not_join_records_kept_apart() -> None:
    result = cluster(["a", "b", "c"], [("a", "c"), ("c", "b")], cannot_link=[("a", "b")])
    assert result["a"] == result["c"] == "a"
    assert result["b"] == "b"


def test_registry_organisations_never_merge() -> None:
    anchors = {"r1": "ORG-1", "r2": "ORG-2"}
    result = cluster(["n1", "r1", "r2"], [("n1", "r1"), ("n1", "r2")], anchors=anchors)
    assert result == {"n1": "ORG-1", "r1": "ORG-1", "r2": "ORG-2"}


def test_cluster_id_is_the_smallest_member() -> None:
    assert cluster(["z", "m", "a"], [("z", "m"), ("m", "a")]) == {"z": "a", "m": "a", "a": "a"}


def _greedy(nodes, edges, cannot_link, anchors):
    """The reference: every edge through one ConstrainedUnionFind, in order."""
    forest = ConstrainedUnionFind(anchors)
    for node in nodes:
        forest.find(node)
    for a, b in cannot_link:
        forest.forbid(a, b)
    for a, b in edges:
        forest.union(a, b)
    smallest: dict[str, str] = {}
    for node in nodes:
        root = forest.find(node)
        smallest[root] = min(smallest.get(root, node), node)
    return {node: forest.anchor_of(node) or smallest[forest.find(node)] for node in nodes}


@pytest.mark.parametrize("seed", range(40))
def test_two_pass_clustering_equals_the_greedy_union(seed: int) -> None:
    # The fast path (plain components, constrained greedy only where a constraint bites) must give exactly
    # what one greedy pass over every edge gives.
    rng = random.Random(seed)
    nodes = [f"n{i:02d}" for i in range(rng.randint(2, 40))]
    edges = [tuple(rng.sample(nodes, 2)) for _ in range(rng.randint(0, 60))]
    cannot = [tuple(rng.sample(nodes, 2)) for _ in range(rng.randint(0, 6))]
    anchors = {
        node: f"ORG-{rng.randint(1, 4)}" for node in rng.sample(nodes, rng.randint(0, len(nodes) // 3))
    }
    assert cluster(nodes, edges, cannot_link=cannot, anchors=anchors) == _greedy(
        nodes, edges, cannot, anchors
    )
