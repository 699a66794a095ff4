"""The real data sets through the product, as a user runs it: ``grappe import``, ``grappe merge``, then the registry.

The engine's rows (``run.py``) measure ``grappe.linkage`` given the records. This measures what a network gets:
the lists imported as member exports (each row an organisation of its own, as an import makes it), then

- **Restaurants**: Fodors and Zagat as two networks, Zagat's members absorbed into Fodors' (``grappe merge plan``
  with ``--country US``, the type mapping confirmed, ``grappe merge apply --accept-auto-only``: the sure bands
  only, nobody reviewing). Scored as the engine's rows are: a Fodors line and a Zagat line in one organisation
  after the merger is a predicted pair, against the 112 true pairs.
- **PATSTAT**: the 2 379 applicant names as one network's export (a column « Raison sociale » and the line's
  id), de-duplicated (``grappe merge dedup``, then apply with the sure bands only). Scored pairwise over every
  pair of lines, against ``leuven_id``.

Each line's organisation is read from its lineage (the ``SourceRecord`` of the line, the organisation its
values went to, followed through the merger). One fresh SQLite data folder per set; the commands run in the
project's ``.venv``, timed. Prints the table and rewrites the section between the ``product`` markers of
README.md (``--no-readme``: print only).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import datasets  # noqa: E402
import measure  # noqa: E402
import metrics  # noqa: E402
import report  # noqa: E402

GRAPPE = HERE.parents[1] / ".venv" / "bin" / "grappe"
START, END = "<!-- product:start -->", "<!-- product:end -->"

# Run inside the data folder's Django (grappe manage shell): each imported line (its file, its first cell) → the
# organisation its values went to, as JSON.
LINE_ORGANISATIONS = """
from django.contrib.contenttypes.models import ContentType
from grappe.registry.models import Lineage, Organisation, SourceRecord
kind = ContentType.objects.get_for_model(Organisation)
found = []
for line in SourceRecord.objects.select_related("source_file").order_by("pk"):
    organisations = set(
        Lineage.objects.filter(source_record=line, content_type=kind).values_list("object_id", flat=True)
    )
    assert len(organisations) == 1, (line.pk, organisations)
    found.append([line.source_file.original_name, line.values[0], organisations.pop()])
answer(found)
"""


def grappe(data: Path, *arguments: str) -> tuple[str, float]:
    """One ``grappe`` command in the data folder, as a user types it; its output and wall time."""
    environment = {**os.environ, "GRAPPE_DATA_DIR": str(data)}
    environment.pop("DATABASE_URL", None)
    started = time.perf_counter()
    done = subprocess.run(
        [str(GRAPPE), *arguments], env=environment, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"grappe {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout, seconds


def shell(data: Path, script: str) -> Any:
    """What ``script``, run by ``grappe manage shell`` in the data folder, passes to ``answer(…)``."""
    prefix = "ANSWER "
    preamble = f"import json\ndef answer(value): print({prefix!r} + json.dumps(value))\n"
    output, _ = grappe(data, "manage", "shell", "-c", preamble + script)
    return json.loads(next(row for row in output.splitlines() if row.startswith(prefix)).removeprefix(prefix))


def new_network(data: Path, *names: str) -> None:
    grappe(data, "migrate")
    shell(
        data,
        f"from grappe.registry.models import Association\nanswer([Association.objects.create(name=n).pk for n in {list(names)!r}])",
    )


def apply_sure_only(data: Path, plan_output: str, seconds: dict[str, float]) -> dict[str, int]:
    """The plan's counts, then its type mapping confirmed and its sure bands applied (timed)."""
    merger = plan_output.split("Fusion n° ", 1)[1].split(" ", 1)[0]  # « Fusion n° 1 : … — planifiée »
    counts = shell(
        data,
        f"from grappe.mergers.models import Merger\nanswer(Merger.objects.get(pk={merger}).summary['counts'])",
    )
    grappe(data, "merge", "mapping", merger, "--confirm")
    _, seconds["merge apply"] = grappe(data, "merge", "apply", merger, "--accept-auto-only")
    return counts


def scored(data: Path, name: str, record_id: Any, **facts: Any) -> dict[str, Any]:
    """The data set's own scores (``metrics.score_dataset``, as the engine's rows), each line standing for the
    record ``record_id(file, first cell)`` of the data set, in the cluster of its organisation."""
    lines = shell(data, LINE_ORGANISATIONS)
    predicted = pa.table(
        {
            "record_id": [record_id(file, cell) for file, cell, _ in lines],
            "cluster_id": [str(organisation) for _, _, organisation in lines],
        }
    )
    scores = metrics.score_dataset(predicted, datasets.ensure(name))
    return {
        **scores,
        "lines": len(lines),
        "organisations": len({organisation for *_, organisation in lines}),
        **facts,
    }


def restaurants(data: Path) -> dict[str, Any]:
    new_network(data, "Fodors", "Zagat")
    seconds: dict[str, float] = {}
    for file, network in (("fodors.csv", "Fodors"), ("zagats.csv", "Zagat")):
        _, seconds[f"import {network}"] = grappe(
            data, "import", str(datasets.RESTAURANTS / file), "--association", network, "--country", "US",
            "--start-date", "inconnue", "--status", "active",
        )  # fmt: skip
    output, seconds["merge plan"] = grappe(
        data, "merge", "plan", "--absorbed", "Zagat", "--into", "Fodors", "--country", "US"
    )
    counts = apply_sure_only(data, output, seconds)
    # The data set's ids: the list's initial and its own id ("f534", "z219").
    return scored(
        data, "restaurants", lambda file, cell: f"{file[0]}{cell}",
        dataset="Restaurants (Fodors–Zagat, real)", counts=counts, seconds=seconds,
    )  # fmt: skip


def patstat(data: Path) -> dict[str, Any]:
    export = data / "brevets.csv"
    with open(datasets.PATSTAT / "patstat_reference.csv", newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    data.mkdir(parents=True, exist_ok=True)
    with open(export, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Identifiant", "Raison sociale"])
        writer.writerows([row["person_id"], row["person_name"]] for row in rows)
    new_network(data, "Déposants PATSTAT")
    seconds: dict[str, float] = {}
    _, seconds["import"] = grappe(
        data, "import", str(export), "--association", "Déposants PATSTAT",
        "--start-date", "inconnue", "--status", "active",
    )  # fmt: skip
    output, seconds["merge dedup"] = grappe(data, "merge", "dedup", "Déposants PATSTAT")
    counts = apply_sure_only(data, output, seconds)
    return scored(
        data, "patstat", lambda file, cell: cell,
        dataset="PATSTAT (real names)", counts=counts, seconds=seconds,
    )  # fmt: skip


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| data set | path through the product | lines → organisations | sure pairs / to review | "
        "pairwise P | pairwise R | pairwise F1 | seconds (each command) |",
        "|---|---|---|---|---:|---:|---:|---|",
    ]
    for row in rows:
        counts = row["counts"]
        sure = counts["sure_matches"] + counts["internal_duplicates"]
        steps = ", ".join(f"{name} {value:.1f}" for name, value in row["seconds"].items())
        path = (
            "import both lists (`--country US`), `merge plan` Zagat into Fodors, `merge apply --accept-auto-only`"
            if row["dataset"].startswith("Restaurants")
            else "import the names, `merge dedup`, `merge apply --accept-auto-only`"
        )
        lines.append(
            f"| {row['dataset']} | {path} | {row['lines']} → {row['organisations']} | "
            f"{sure} / {counts['to_review']} | {row['precision']:.3f} | {row['recall']:.3f} | "
            f"**{row['f1']:.3f}** | {steps} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-readme", action="store_true", help="print only; leave README.md as it is")
    arguments = parser.parse_args()
    rows = []
    for run in (restaurants, patstat):
        with tempfile.TemporaryDirectory(prefix="grappe-product-") as folder:
            rows.append(run(Path(folder)))
    machine = measure.machine()
    commit = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    header = (
        f"Run {datetime.date.today().isoformat()} on {machine['nproc']} cores ({machine['cpu']}), SQLite (the "
        f"embedded default), grappe {commit}: `.venv/bin/python benchmarks/linkage/product.py`."
    )
    body = f"{header}\n\n{table(rows)}"
    print(body)
    if not arguments.no_readme:
        report.rewrite_readme(HERE / "README.md", body, start=START, end=END)


if __name__ == "__main__":
    main()
