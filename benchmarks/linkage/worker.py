"""One job in its own process: load a data set, run one tool on it, write the clusters and the timings.

    python worker.py TOOL TASK DATA_DIR OUT_DIR [VARIANT]

TASK is ``dedupe`` (records.parquet) or ``link`` (new.parquet into registry.parquet). VARIANT is the tool's own
(``labels=50`` for dedupe, ``coords``, ``curve`` for Grappe's learning curve). A tool may return
``extra_clusters`` (label → clusters: Splink over a grid of thresholds, Grappe after N decisions): they are
written as ``extra-<label>.parquet`` for the runner to score. The clock runs from the
records being in memory to the clusters being in memory: imports and Parquet reading are not the tool's work
(the process's whole wall time and peak memory are measured from outside, by run.py).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _clusters(table: pa.Table) -> pa.Table:
    return pa.table(
        {
            "record_id": table["record_id"].cast(pa.string()),
            "cluster_id": table["cluster_id"].cast(pa.string()),
        }
    )


def main(tool: str, task: str, data: Path, out: Path, variant: str = "") -> None:
    os.environ["BENCH_DATA_DIR"] = str(data)  # the labelling oracles read the truth from there
    module = importlib.import_module(f"tools.{tool}_tool")
    out.mkdir(parents=True, exist_ok=True)
    meta = json.loads((data / "meta.json").read_text()) if (data / "meta.json").exists() else {}
    kind = meta.get("kind") or ("patstat" if data.name == "patstat" else "generated")
    if task == "dedupe":
        records = pq.read_table(data / "records.parquet")
        started = time.perf_counter()
        clusters, info = module.deduplicate(records, kind=kind, variant=variant)
    elif task == "link":
        new = pq.read_table(data / "new.parquet")
        registry = pq.read_table(data / "registry.parquet")
        started = time.perf_counter()
        clusters, info = module.link(new, registry, kind=kind, variant=variant)
    else:
        raise SystemExit(f"unknown task {task!r}")
    seconds = time.perf_counter() - started
    pq.write_table(_clusters(clusters), out / "clusters.parquet")
    extra = info.pop("extra_clusters", {})
    for label, table in extra.items():
        pq.write_table(_clusters(table), out / f"extra-{label}.parquet")
    info["extra"] = list(extra)
    (out / "result.json").write_text(
        json.dumps({"seconds": round(seconds, 3), **info}, indent=2, default=str) + "\n"
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), *sys.argv[5:6])
