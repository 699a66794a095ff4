"""Clusters from match edges, under constraints: greedy union-find, strongest evidence first.

Plain connected components would let a chain of likely matches join two records a person said were different
companies. Here edges are applied in order (human "same company" decisions, then identifiers, then pairs by
decreasing probability) and an edge is skipped when it would put together two records someone kept apart, or
two registry organisations: linking new records never merges organisations that already exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


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
    node_list = list(nodes)
    left, right = [], []
    for a, b in edges:
        left.append(a)
        right.append(b)
    labels = cluster_labels(left, right, cannot_link=cannot_link, anchors=anchors)
    anchors = anchors or {}
    return {node: labels.get(node) or anchors.get(node, node) for node in node_list}


def cluster_labels(
    left: Sequence[str],
    right: Sequence[str],
    *,
    cannot_link: Iterable[tuple[str, str]] = (),
    anchors: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Cluster id of every node of an edge (``left[i]`` – ``right[i]``, strongest first); a node on no edge
    is a cluster of its own (or of its anchor's organisation), which the caller fills in.

    Same result as applying every edge in order to a ``ConstrainedUnionFind``, in two passes that keep the
    slow, careful one for the few components that need it: plain connected components first (a greedy
    union with no constraint in reach is exactly that), then the constrained greedy union only inside the
    components that hold a "kept apart" pair or two registry organisations. Edges of two different plain
    components never meet, so each component can be redone on its own, in the original edge order.
    """
    anchors = anchors or {}
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        root = parent.setdefault(node, node)
        while parent[root] != root:
            parent[root] = parent[parent[root]]  # path halving
            root = parent[root]
        return root

    for a, b in zip(left, right, strict=True):
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[root_b] = root_a
    # Components where the constraints may bite.
    constrained: set[str] = set()
    cannot = [(a, b) for a, b in cannot_link if a in parent and b in parent]
    for a, b in cannot:
        root = find(a)
        if root == find(b):
            constrained.add(root)
    component_anchor: dict[str, str] = {}
    for node, anchor in anchors.items():
        if node not in parent:
            continue
        root = find(node)
        seen = component_anchor.setdefault(root, anchor)
        if seen != anchor:
            constrained.add(root)
    group_of: dict[str, str] = {node: find(node) for node in parent}
    if constrained:
        forest = ConstrainedUnionFind(
            {node: anchor for node, anchor in anchors.items() if group_of.get(node) in constrained}
        )
        for node, root in group_of.items():
            if root in constrained:
                forest.find(node)
        for a, b in cannot:
            if group_of[a] in constrained and group_of[a] == group_of[b]:
                forest.forbid(a, b)
        for a, b in zip(left, right, strict=True):
            if group_of[a] in constrained:
                forest.union(a, b)
        for node, root in group_of.items():
            if root in constrained:
                group_of[node] = "\x00" + forest.find(node)  # apart from the plain roots' names
    label: dict[str, str] = {}
    for node, group in group_of.items():
        organisation = anchors.get(node)
        if organisation is not None:
            label[group] = "\x01" + organisation  # an organisation's id wins over any record id
        elif group not in label or (not label[group].startswith("\x01") and node < label[group]):
            label[group] = node
    return {node: label[group].removeprefix("\x01") for node, group in group_of.items()}
