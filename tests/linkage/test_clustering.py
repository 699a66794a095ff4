"""Clustering under constraints: decisions and registry organisations are never overridden."""

from __future__ import annotations

from grappe.linkage.clustering import cluster


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
