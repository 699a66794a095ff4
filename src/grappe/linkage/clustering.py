"""Clusters from match edges, under constraints: greedy union-find, strongest evidence first.

Plain connected components would let a chain of likely matches join two records a person said were different
companies. Here edges are applied in order (human "same company" decisions, then identifiers, then pairs by
decreasing probability) and an edge is skipped when it would put together two records someone kept apart, or
two registry organisations: linking new records never merges organisations that already exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class ConstrainedUnionFind:
    def __init__(self, anchors: Mapping[str, str] | None = None) -> None:
        self._parent: dict[str, str] = {}
        # root → the registry organisation its component belongs to (at most one)
        self._anchor: dict[str, str] = {}
        # root → roots it may never join (from "not the same company" decisions)
        self._forbidden: dict[str, set[str]] = {}
        self._node_anchor = dict(anchors or {})

    def find(self, node: str) -> str:
        parent = self._parent
        if node not in parent:
            parent[node] = node
            anchor = self._node_anchor.get(node)
            if anchor is not None:
                self._anchor[node] = anchor
            return node
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    def forbid(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self._forbidden.setdefault(root_a, set()).add(root_b)
            self._forbidden.setdefault(root_b, set()).add(root_a)

    def union(self, a: str, b: str) -> bool:
        """Join the components of a and b unless a constraint forbids it; True when they are joined."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return True
        anchor_a, anchor_b = self._anchor.get(root_a), self._anchor.get(root_b)
        if anchor_a is not None and anchor_b is not None and anchor_a != anchor_b:
            return False
        if root_b in self._forbidden.get(root_a, ()):
            return False
        self._parent[root_b] = root_a
        if anchor_b is not None:
            self._anchor[root_a] = anchor_b
        moved = self._forbidden.pop(root_b, set())
        if moved:
            self._forbidden.setdefault(root_a, set()).update(moved)
            for other in moved:
                partners = self._forbidden[other]
                partners.discard(root_b)
                partners.add(root_a)
        return True

    def anchor_of(self, node: str) -> str | None:
        return self._anchor.get(self.find(node))


def cluster(
    nodes: Iterable[str],
    edges: Iterable[tuple[str, str]],
    *,
    cannot_link: Iterable[tuple[str, str]] = (),
    anchors: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """node → cluster id. ``edges`` must come strongest first. A component holding a registry record
    (``anchors``: node → organisation id) takes that organisation's id; any other takes its smallest node id.
    """
    forest = ConstrainedUnionFind(anchors)
    node_list = list(nodes)
    for node in node_list:
        forest.find(node)
    for a, b in cannot_link:
        forest.forbid(a, b)
    for a, b in edges:
        forest.union(a, b)
    smallest: dict[str, str] = {}
    for node in node_list:
        root = forest.find(node)
        if root not in smallest or node < smallest[root]:
            smallest[root] = node
    result = {}
    for node in node_list:
        root = forest.find(node)
        anchor = forest.anchor_of(node)
        result[node] = anchor if anchor is not None else smallest[root]
    return result
