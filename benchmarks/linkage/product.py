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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import datasets  # noqa: E402
import measure  # noqa: E402
import report  # noqa: E402

GRAPPE = HERE.parents[1] / ".venv" / "bin" / "grappe"
START, END = "<!-- product:start -->", "<!-- product:end -->"

# Run inside the data folder's Django (grappe manage shell): each imported line → its organisation, as JSON.
LINE_ORGANISATIONS = """
import json
from django.contrib.contenttypes.models import ContentType
from grappe.registry.models import Lineage, Organisation, SourceRecord
kind = ContentType.objects.get_for_model(Organisation)
found = {}
for line in SourceRecord.objects.select_related("source_file").order_by("pk"):
    organisations = set(
        Lineage.objects.filter(source_record=line, content_type=kind).values_list("object_id", flat=True)
    )
    assert len(organisations) == 1, (line.pk, organisations)
    found[f"{line.source_file.original_name}:{line.values[0]}"] = organisations.pop()
print("LINES " + json.dumps(found))
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


def new_network(data: Path, *names: str) -> None:
    grappe(data, "migrate")
    script = "from grappe.registry.models import Association\n" + "".join(
        f"Association.objects.create(name={name!r})\n" for name in names
    )
    grappe(data, "manage", "shell", "-c", script)


def line_organisations(data: Path) -> dict[str, int]:
    output, _ = grappe(data, "manage", "shell", "-c", LINE_ORGANISATIONS)
    line = next(row for row in output.splitlines() if row.startswith("LINES "))
    return {key: int(value) for key, value in json.loads(line.removeprefix("LINES ")).items()}


def merger_number(plan_output: str) -> str:
    # « Fusion n° 1 : … — planifiée »
    return plan_output.split("Fusion n° ", 1)[1].split(" ", 1)[0]


def apply_sure_only(data: Path, merger: str) -> float:
    grappe(data, "merge", "mapping", merger, "--confirm")
    _, seconds = grappe(data, "merge", "apply", merger, "--accept-auto-only")
    return seconds


def plan_counts(data: Path, merger: str) -> dict[str, int]:
    script = (
        "import json\nfrom grappe.mergers.models import Merger\n"
        f"print('COUNTS ' + json.dumps(Merger.objects.get(pk={merger}).summary['counts']))"
    )
    output, _ = grappe(data, "manage", "shell", "-c", script)
    line = next(row for row in output.splitlines() if row.startswith("COUNTS "))
    return json.loads(line.removeprefix("COUNTS "))


def restaurants(data: Path) -> dict[str, Any]:
    source = datasets.RESTAURANTS
    new_network(data, "Fodors", "Zagat")
    seconds: dict[str, float] = {}
    for file, network in (("fodors.csv", "Fodors"), ("zagats.csv", "Zagat")):
        _, seconds[f"import {network}"] = grappe(
            data, "import", str(source / file), "--association", network, "--country", "US",
            "--start-date", "inconnue", "--status", "active",
        )  # fmt: skip
    output, seconds["merge plan"] = grappe(
        data, "merge", "plan", "--absorbed", "Zagat", "--into", "Fodors", "--country", "US"
    )
    merger = merger_number(output)
    counts = plan_counts(data, merger)
    seconds["merge apply"] = apply_sure_only(data, merger)
    organisation_of = line_organisations(data)
    with open(source / "matches_fodors_zagats.csv", newline="", encoding="utf-8") as handle:
        truth = {
            (f"fodors.csv:{r['fodors_id']}", f"zagats.csv:{r['zagats_id']}") for r in csv.DictReader(handle)
        }
    members: dict[int, list[str]] = {}
    for line, organisation in organisation_of.items():
        members.setdefault(organisation, []).append(line)
    predicted = {
        (a, b)
        for lines in members.values()
        for a in lines
        if a.startswith("fodors")
        for b in lines
        if b.startswith("zagats")
    }
    return _scored(
        "Restaurants (Fodors–Zagat, real)", len(truth & predicted), len(predicted), len(truth),
        organisations=len(members), lines=len(organisation_of), counts=counts, seconds=seconds,
    )  # fmt: skip


def patstat(data: Path) -> dict[str, Any]:
    export = data / "brevets.csv"
    truth: dict[str, str] = {}
    with open(datasets.PATSTAT / "patstat_reference.csv", newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    data.mkdir(parents=True, exist_ok=True)
    with open(export, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Identifiant", "Raison sociale"])
        for row in rows:
            writer.writerow([row["person_id"], row["person_name"]])
            truth[f"brevets.csv:{row['person_id']}"] = row["leuven_id"]
    new_network(data, "Déposants PATSTAT")
    seconds: dict[str, float] = {}
    _, seconds["import"] = grappe(
        data, "import", str(export), "--association", "Déposants PATSTAT",
        "--start-date", "inconnue", "--status", "active",
    )  # fmt: skip
    output, seconds["merge dedup"] = grappe(data, "merge", "dedup", "Déposants PATSTAT")
    merger = merger_number(output)
    counts = plan_counts(data, merger)
    seconds["merge apply"] = apply_sure_only(data, merger)
    organisation_of = line_organisations(data)
    pairs = lambda n: n * (n - 1) // 2  # noqa: E731
    together: dict[tuple[int, str], int] = {}
    for line, organisation in organisation_of.items():
        together[(organisation, truth[line])] = together.get((organisation, truth[line]), 0) + 1
    sizes: dict[int, int] = {}
    for organisation in organisation_of.values():
        sizes[organisation] = sizes.get(organisation, 0) + 1
    entities: dict[str, int] = {}
    for entity in truth.values():
        entities[entity] = entities.get(entity, 0) + 1
    return _scored(
        "PATSTAT (real names)",
        sum(pairs(n) for n in together.values()),
        sum(pairs(n) for n in sizes.values()),
        sum(pairs(n) for n in entities.values()),
        organisations=len(sizes), lines=len(organisation_of), counts=counts, seconds=seconds,
        entities=len(entities),
    )  # fmt: skip


def _scored(dataset: str, true_positives: int, predicted: int, true: int, **facts: Any) -> dict[str, Any]:
    precision = true_positives / predicted if predicted else 1.0
    recall = true_positives / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"dataset": dataset, "precision": precision, "recall": recall, "f1": f1, **facts}


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
