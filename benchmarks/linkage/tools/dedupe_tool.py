"""dedupe 3.0.3, set up as its csv_example: pre-processed fields, active learning, then ``partition``.

Nobody sits at the console here: the oracle that answers ``uncertain_pairs()`` is the ground truth, the way
benchmarks train dedupe. It starts, like ``console_label`` after a few answers, from 10 true duplicate pairs
and 10 distinct pairs drawn from the truth (``mark_pairs``), then answers up to 60 of dedupe's own questions
(uncertain pairs) — far more than the "at least 10 positive and 10 negative" the docs ask for.

Fields: name (String), street (String), postcode (ShortString), SIREN (Exact), all with missing values;
PATSTAT: name (String) and coordinates (LatLong), as dedupe's own patent example. ``num_cores=2``.
"""

from __future__ import annotations

import random
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from .common import standardise

SEED_PAIRS = 10
QUESTIONS = 60


def _truth(kind: str) -> dict[str, str]:
    import os
    from pathlib import Path

    data = Path(os.environ["BENCH_DATA_DIR"])
    table = pq.read_table(data / "truth.parquet")
    return dict(
        zip(
            table["record_id"].cast(pa.string()).to_pylist(),
            table["entity_id"].cast(pa.string()).to_pylist(),
            strict=True,
        )
    )


def deduplicate(records: pa.Table, *, kind: str) -> tuple[pa.Table, dict[str, Any]]:
    import dedupe
    from dedupe import variables

    rows = records.to_pylist()
    data: dict[str, dict[str, Any]] = {}
    for row in rows:
        if kind == "patstat":
            location = None
            if row.get("location"):
                lat, lng = row["location"].split(",")
                location = (float(lat), float(lng))
            data[str(row["record_id"])] = {
                "_id": str(row["record_id"]),
                "name": standardise(row["name"]),
                "location": location,
            }
        else:
            data[str(row["record_id"])] = {
                "_id": str(row["record_id"]),
                "name": standardise(row["name"]),
                "street": standardise(row["street"]),
                "postcode": standardise(row["postcode"]),
                "siren": standardise(row["siren"]),
            }
    if kind == "patstat":
        fields = [variables.String("name"), variables.LatLong("location", has_missing=True)]
    else:
        fields = [
            variables.String("name", has_missing=True),
            variables.String("street", has_missing=True),
            variables.ShortString("postcode", has_missing=True),
            variables.Exact("siren", has_missing=True),
        ]
    truth = _truth(kind)
    rng = random.Random(1)
    by_entity: dict[str, list[str]] = {}
    for record_id in data:
        by_entity.setdefault(truth[record_id], []).append(record_id)
    groups = [ids for ids in by_entity.values() if len(ids) > 1]
    matches = []
    for ids in rng.sample(groups, min(SEED_PAIRS, len(groups))):
        a, b = rng.sample(ids, 2)
        matches.append((data[a], data[b]))
    keys = list(data)
    distinct = []
    while len(distinct) < SEED_PAIRS:
        a, b = rng.sample(keys, 2)
        if truth[a] != truth[b]:
            distinct.append((data[a], data[b]))

    deduper = dedupe.Dedupe(fields, num_cores=2)
    deduper.mark_pairs({"match": matches, "distinct": distinct})
    deduper.prepare_training(data, sample_size=1500)
    answered = {"match": len(matches), "distinct": len(distinct)}
    for _ in range(QUESTIONS):
        pair = deduper.uncertain_pairs()
        if not pair:
            break
        left, right = pair[0]
        same = truth[left["_id"]] == truth[right["_id"]]
        label = "match" if same else "distinct"
        answered[label] += 1
        deduper.mark_pairs({"match": pair if same else [], "distinct": [] if same else pair})
    deduper.train()
    clustered = deduper.partition(data, threshold=0.5)
    ids, cluster_ids = [], []
    for number, (members, _scores) in enumerate(clustered):
        for record_id in members:
            ids.append(str(record_id))
            cluster_ids.append(str(number))
    return pa.table({"record_id": ids, "cluster_id": cluster_ids}), {"labels": answered}
