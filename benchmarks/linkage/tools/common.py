"""What the peers share: the columns each data set gives every tool, the pre-processing their documentation
asks for, the truth for the oracles that stand in for a human labeller, and clusters from match edges."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

_PUNCT = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"\D+")
_SCHEME = re.compile(r"^(https?://)?(www\.)?")

# The kind of each field, which each tool maps to the comparison its own documentation advises for it:
# "name" an organisation's name, "text" a longer free text (street), "short" a short word (city), "code" a
# short code compared whole (postcode, département, NAF, web domain), "id" an identifier or a number (SIREN,
# SIRET, phone), "email" an e-mail address, "latlong" coordinates.
FIELD_KINDS = {
    "name": "name", "street": "text", "city": "short", "postcode": "code", "departement": "code",
    "naf_code": "code", "website": "code", "siren": "id", "siret": "id", "phone": "id", "email": "email",
    "location": "latlong",
}  # fmt: skip

# The same columns for every tool on each data set (Grappe reads the same ones: the others are empty there).
# Restaurants: the lists' ``type`` (cuisine) is left out for everyone — it is not an organisation field Grappe
# knows, and the two guides word it differently. PATSTAT: the name only, since Grappe has no field for the
# coordinates; the variant "coords" gives the peers the coordinates too (a labelled extra row).
COLUMNS = {
    "generated": (
        "name", "siren", "siret", "street", "postcode", "city", "departement",
        "email", "website", "phone", "naf_code",
    ),
    "restaurants": ("name", "street", "city", "phone"),
    "patstat": ("name",),
}  # fmt: skip


def columns(kind: str, variant: str = "") -> tuple[str, ...]:
    return COLUMNS[kind] + (("location",) if kind == "patstat" and variant == "coords" else ())


def standardise(value: object) -> str | None:
    """Lower case, accents and punctuation removed, spaces collapsed: the pre-processing every peer's
    documentation tells its users to do before linking (Splink's README, dedupe's csv_example, recordlinkage's
    ``preprocessing.clean``)."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().lower()
    text = _SPACES.sub(" ", _PUNCT.sub(" ", text)).strip()
    return text or None


def clean(field: str, value: object) -> object:
    """One cell as every peer gets it: identifiers and phones as their digits (``310/246-1501`` and
    ``310-246-1501`` are one number), e-mails in lower case (Splink's EmailComparison reads the ``@``), web
    sites without scheme and ``www.``, the rest standardised."""
    if value is None or str(value).strip() == "":
        return None
    kind = FIELD_KINDS[field]
    if kind == "id":
        return _NOT_DIGIT.sub("", str(value)) or None
    if kind == "email":
        return str(value).strip().lower()
    if field == "website":
        return _SCHEME.sub("", str(value).strip().lower()).rstrip("/") or None
    return standardise(value)


def cleaned(records: pa.Table, kind: str, variant: str = "") -> dict[str, list[object]]:
    """record_id and this data set's columns, cleaned (coordinates stay text: a caller parses them)."""
    data: dict[str, list[object]] = {"record_id": records["record_id"].cast(pa.string()).to_pylist()}
    for field in columns(kind, variant):
        values = records[field].to_pylist()
        if field == "location":
            data[field] = [v or None for v in values]
        else:
            data[field] = [clean(field, v) for v in values]
    return data


def truth() -> dict[str, str]:
    """record_id → entity_id of the data set the worker runs on: what a labelling oracle answers from."""
    table = pq.read_table(Path(os.environ["BENCH_DATA_DIR"]) / "truth.parquet")
    return dict(
        zip(
            table["record_id"].cast(pa.string()).to_pylist(),
            table["entity_id"].cast(pa.string()).to_pylist(),
            strict=True,
        )
    )


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
