"""Grappe's engine through its public API, default settings (nothing tuned to this benchmark).

The variant "curve" is the learning curve: a simulated reviewer answers, from the truth, the questions of
Grappe's review queue in the queue's own order (``result.questions()``), 25 at a time, and the engine runs
again with every decision so far (``deduplicate(records, decisions=labels)``). The clusters after 0, 25, 50,
100 and 200 decisions are ``extra_clusters``; one run to 200 passes through each smaller budget exactly as a
run to that budget would (batches of 25), so one job gives the whole curve.
"""

from __future__ import annotations

import time
from typing import Any

import pyarrow as pa

from .common import truth

CHECKPOINTS = (25, 50, 100, 200)
BATCH = 25


def _given(records: pa.Table) -> pa.Table:
    # The coordinates of PATSTAT's "coords" variant are the peers' extra: Grappe has no field for them.
    return records.drop_columns([c for c in ("location",) if c in records.column_names])


def deduplicate(records: pa.Table, *, kind: str, variant: str = "") -> tuple[pa.Table, dict[str, Any]]:
    from grappe.linkage import deduplicate as run

    records = _given(records)
    if variant == "curve":
        return _curve(records)
    result = run(records)
    return result.clusters.select(["record_id", "cluster_id"]), {"stats": result.stats}


def _curve(records: pa.Table) -> tuple[pa.Table, dict[str, Any]]:
    from grappe.linkage import deduplicate as run

    entity = truth()
    labels: list[dict[str, str]] = []
    result = run(records)
    if not hasattr(result, "questions"):
        # Kept short: the runner records a crash's last line, cut at 160 characters (measure.py).
        raise SystemExit("grappe.linkage: LinkageResult.questions() is missing (the review-queue API)")
    extra = {"decisions=0": result.clusters.select(["record_id", "cluster_id"])}
    asked_at: dict[int, int] = {0: 0}
    exhausted = False
    for target in CHECKPOINTS:
        while len(labels) < target and not exhausted:
            asked = [
                tuple(map(str, pair)) for pair in result.questions(limit=min(BATCH, target - len(labels)))
            ]
            decided = {(label["left_id"], label["right_id"]) for label in labels}
            fresh = [pair for pair in asked if pair not in decided and pair[::-1] not in decided]
            if not fresh:  # nothing left to ask (or only pairs already answered): the reviewer is done
                exhausted = True
                break
            for left, right in fresh:
                same = entity[left] == entity[right]
                labels.append(
                    {"left_id": left, "right_id": right, "decision": "match" if same else "non_match"}
                )
            result = run(records, decisions=labels)
        extra[f"decisions={target}"] = result.clusters.select(["record_id", "cluster_id"])
        asked_at[target] = len(labels)
    matches = sum(label["decision"] == "match" for label in labels)
    return extra[f"decisions={CHECKPOINTS[-1]}"], {
        "extra_clusters": extra,
        "asked_at": asked_at,  # budget → decisions actually given (fewer when the queue ran dry)
        "answers": {"match": matches, "non_match": len(labels) - matches},
        "stats": result.stats,
    }


def link(
    new: pa.Table, registry: pa.Table, *, kind: str, variant: str = ""
) -> tuple[pa.Table, dict[str, Any]]:
    """Both ways a caller links: against a registry normalised once (``prepare_registry``, as the platform
    keeps it) and straight from raw registry records (end to end)."""
    from grappe.linkage import link as run
    from grappe.linkage import prepare_registry

    started = time.perf_counter()
    prepared = prepare_registry(registry)
    prepare_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = run(new, prepared)
    link_prepared_seconds = time.perf_counter() - started
    started = time.perf_counter()
    raw = run(new, registry)
    end_to_end_seconds = time.perf_counter() - started
    clusters = raw.clusters.select(["record_id", "cluster_id"])
    same = clusters.sort_by("record_id").equals(
        result.clusters.select(["record_id", "cluster_id"]).sort_by("record_id")
    )
    return clusters, {
        "prepare_registry_seconds": round(prepare_seconds, 3),
        "link_prepared_seconds": round(link_prepared_seconds, 3),
        "link_end_to_end_seconds": round(end_to_end_seconds, 3),
        "prepared_and_raw_agree": same,
        "members_after": len(set(clusters["cluster_id"].to_pylist())),
        "stats": result.stats,
    }
