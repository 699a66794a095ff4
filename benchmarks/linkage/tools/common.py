"""Small helpers the peers share: text standardisation as their docs ask, and clusters from match edges."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pyarrow as pa

_PUNCT = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def standardise(value: object) -> str | None:
    """Lower case, accents and punctuation removed, spaces collapsed: the pre-processing every peer's
    documentation tells its users to do before linking (Splink's README, dedupe's csv_example, recordlinkage's
    ``preprocessing.clean``)."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().lower()
    text = _SPACES.sub(" ", _PUNCT.sub(" ", text)).strip()
    return text or None


def place_column(kind: str) -> str:
    """The location field: the postcode for the French registries, the coordinates for PATSTAT."""
    return "location" if kind == "patstat" else "postcode"


def connected_components(ids: Iterable[str], edges: Iterable[tuple[str, str]]) -> pa.Table:
    """record_id → cluster_id (the smallest id of its component): what a tool without clustering gets."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        root = node
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(node, node) != root:
            parent[node], node = root, parent[node]
        return root

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    ids = list(ids)
    return pa.table({"record_id": ids, "cluster_id": [find(i) for i in ids]})
