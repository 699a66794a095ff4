"""dedupe 3.0.3, set up as its csv_example: pre-processed fields, active learning, then ``partition``.

Nobody sits at the console here: the oracle that answers is the ground truth, the way benchmarks train dedupe,
and it answers exactly ``labels=N`` questions in all (the variant; 80 by default). It starts, like
``console_label`` after a few answers, from true duplicate pairs and distinct pairs drawn from the truth
(``mark_pairs``; N // 8 of each, between 2 and 10 — these count in N), then answers dedupe's own questions
(``uncertain_pairs()``) until N labels are given. dedupe cannot run on 0 labels: ``train()`` needs examples of
both classes.

Fields by kind (tools/common.py), as its documentation's variable types advise: a name, a street, an e-mail and
a web domain ``String``; a city, a postcode, a département and a NAF code ``ShortString`` (short strings
compared whole, as its docs' zip codes); SIREN, SIRET and phone ``Exact``; coordinates ``LatLong`` (its patent
example); all ``has_missing``. ``partition(threshold=0.5)``, ``num_cores=2``.
"""

from __future__ import annotations

import random
from typing import Any

import pyarrow as pa

from .common import FIELD_KINDS, cleaned, columns, truth

DEFAULT_LABELS = 80


def _variable(field: str) -> Any:
    from dedupe import variables

    kind = FIELD_KINDS[field]
    if kind in ("name", "text", "email") or field == "website":
        return variables.String(field, has_missing=True)
    if kind in ("short", "code"):
        return variables.ShortString(field, has_missing=True)
    if kind == "latlong":
        return variables.LatLong(field, has_missing=True)
    return variables.Exact(field, has_missing=True)


def label_budget(variant: str) -> int:
    return int(variant.split("=", 1)[1]) if variant.startswith("labels=") else DEFAULT_LABELS


def deduplicate(records: pa.Table, *, kind: str, variant: str = "") -> tuple[pa.Table, dict[str, Any]]:
    import dedupe

    budget = label_budget(variant)
    fields = columns(kind, "coords" if "coords" in variant else "")
    table = cleaned(records, kind, "coords" if "coords" in variant else "")
    data: dict[str, dict[str, Any]] = {}
    for number, record_id in enumerate(table["record_id"]):
        row: dict[str, Any] = {"_id": record_id}
        for field in fields:
            value = table[field][number]
            if field == "location" and value:
                lat, lng = str(value).split(",")
                value = (float(lat), float(lng))
            row[field] = value
        data[str(record_id)] = row

    entity = truth()
    rng = random.Random(1)
    seeds = max(2, min(10, budget // 8))
    by_entity: dict[str, list[str]] = {}
    for record_id in data:
        by_entity.setdefault(entity[record_id], []).append(record_id)
    groups = [ids for ids in by_entity.values() if len(ids) > 1]
    matches = []
    for ids in rng.sample(groups, min(seeds, len(groups))):
        a, b = rng.sample(ids, 2)
        matches.append((data[a], data[b]))
    keys = list(data)
    distinct = []
    while len(distinct) < seeds:
        a, b = rng.sample(keys, 2)
        if entity[a] != entity[b]:
            distinct.append((data[a], data[b]))

    deduper = dedupe.Dedupe([_variable(field) for field in fields], num_cores=2)
    deduper.mark_pairs({"match": matches, "distinct": distinct})
    deduper.prepare_training(data, sample_size=1500)
    answered = {"match": len(matches), "distinct": len(distinct)}
    while sum(answered.values()) < budget:
        pair = deduper.uncertain_pairs()
        if not pair:
            break
        left, right = pair[0]
        same = entity[left["_id"]] == entity[right["_id"]]
        answered["match" if same else "distinct"] += 1
        deduper.mark_pairs({"match": pair if same else [], "distinct": [] if same else pair})
    deduper.train()
    clustered = deduper.partition(data, threshold=0.5)
    ids, cluster_ids = [], []
    for number, (members, _scores) in enumerate(clustered):
        for record_id in members:
            ids.append(str(record_id))
            cluster_ids.append(str(number))
    return pa.table({"record_id": ids, "cluster_id": cluster_ids}), {"labels": answered, "budget": budget}
