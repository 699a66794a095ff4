"""Merger benchmark: the demo story's mergers measured on its ground truth, for several seeds.

    .venv/bin/python benchmarks/mergers/run.py [--seeds 2016,1,2,3,4] [--no-readme]

For each seed the story (``grappe.demo.generator.generate_story(seed)``) is loaded twice into a throwaway SQLite
database (a temporary ``GRAPPE_DATA_DIR``, migrated once, each load rolled back afterwards): (a) the sure bands
alone, nobody reviewing (``apply_merger(accept_auto_only=True)``); (b) the demo playing the reviewer from the
truth. Every figure is over pairs of exported rows (``truth.csv``), counted by ``grappe.linkage.scoring``.
Prints the tables and rewrites the results section of README.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "linkage"))  # the shared measure.py (the machine, for the header)

import measure  # noqa: E402

START, END = "<!-- results:start -->", "<!-- results:end -->"
DEFAULT_SEEDS = (2016, 1, 2, 3, 4)
F1_TARGET = 0.98


def load(seed: int, *, review: bool, directory: Path) -> Any:
    """One load of the story, measured, then rolled back so that the next one starts from an empty registry."""
    from django.db import transaction

    from grappe.demo.loader import load_story

    with transaction.atomic():
        report = load_story(directory=directory, seed=seed, review=review)
        transaction.set_rollback(True)
    return report


def _f(value: float) -> str:
    return f"{value:.3f}"


def _members(figures: Any) -> str:
    mark = "" if figures.holds else " **≠**"
    return f"{figures.members} / {figures.expected_members}{mark}"


def merger_table(runs: dict[int, tuple[Any, Any]]) -> str:
    lines = [
        "| seed | merger | true row pairs | sure band pairs | band P | band R | review queue "
        "| (a) P | (a) R | (a) F1 | (a) members / expected | (b) P | (b) R | (b) F1 | (b) members / expected |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for seed, (auto, reviewed) in runs.items():
        for a, b in zip(auto.mergers, reviewed.mergers, strict=True):
            lines.append(
                f"| {seed} | {a.label} | {a.registry.true_pairs} | {a.auto_pairs} | {_f(a.auto_precision)} "
                f"| {_f(a.auto_recall)} | {a.review_queue} | {_f(a.registry.precision)} | {_f(a.registry.recall)} "
                f"| **{_f(a.registry.f1)}** | {_members(a)} | {_f(b.registry.precision)} "
                f"| {_f(b.registry.recall)} | **{_f(b.registry.f1)}** | {_members(b)} |"
            )
    return "\n".join(lines)


def targets_table(runs: dict[int, tuple[Any, Any]]) -> str:
    lines = [
        "| seed | (a) F1 ≥ 0.98 | (a) members exact at every merger | (b) F1 = 1 | (b) members exact |",
        "|---:|---|---|---|---|",
    ]

    def yes(ok: bool) -> str:
        return "yes" if ok else "**no**"

    for seed, (auto, reviewed) in runs.items():
        off = [f"{f.label} {f.members - f.expected_members:+d}" for f in auto.mergers if not f.holds]
        lines.append(
            f"| {seed} | {yes(auto.registry.f1 >= F1_TARGET)} ({_f(auto.registry.f1)}) "
            f"| {yes(not off)}{' (' + ', '.join(off) + ')' if off else ''} "
            f"| {yes(reviewed.registry.f1 == 1.0)} ({_f(reviewed.registry.f1)}) | {yes(reviewed.holds)} |"
        )
    return "\n".join(lines)


def header(seconds: float) -> str:
    import grappe

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, cwd=HERE, check=False
        ).stdout.strip()

    source = Path(grappe.__file__).resolve().parents[1]
    if source == HERE.parents[1] / "src":
        dirty = " + uncommitted changes in src/" if git("status", "--porcelain", "--", "src") else ""
        state = f"{git('rev-parse', '--short', 'HEAD')}{dirty}"
    else:  # PYTHONPATH pointed elsewhere (e.g. a `git archive` of a commit): say so rather than guess
        state = f"from {source}"
    box = measure.machine()
    return (
        f"Run {datetime.date.today().isoformat()} on {box['nproc']} cores ({box['cpu']}), {box['ram_gib']} GiB "
        f"RAM, shared with other work; python {platform.python_version()}, grappe {state}, SQLite; two loads "
        f"per seed, {seconds / 60:.1f} min in all."
    )


def write_readme(body: str) -> None:
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    readme.write_text(pattern.sub(lambda _: f"{START}\n{body}\n{END}", text), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seeds", default=",".join(map(str, DEFAULT_SEEDS)), help="story seeds, comma-separated"
    )
    parser.add_argument("--no-readme", action="store_true", help="print only; leave README.md as it is")
    args = parser.parse_args()
    seeds = [int(seed) for seed in args.seeds.split(",") if seed.strip()]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="grappe-merger-bench-") as scratch:
        # A throwaway SQLite database: never the user's registry, never DATABASE_URL's server.
        os.environ["GRAPPE_DATA_DIR"] = scratch
        os.environ.pop("DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "grappe.settings"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        runs: dict[int, tuple[Any, Any]] = {}
        for seed in seeds:
            print(f"→ seed {seed} …", end="", flush=True, file=sys.stderr)
            auto = load(seed, review=False, directory=Path(scratch) / f"{seed}-auto")
            reviewed = load(seed, review=True, directory=Path(scratch) / f"{seed}-reviewed")
            runs[seed] = (auto, reviewed)
            print(f" (a) F1 {_f(auto.registry.f1)}, (b) F1 {_f(reviewed.registry.f1)}", file=sys.stderr)
    body = "\n\n".join(
        (header(time.perf_counter() - started), merger_table(runs), "Targets:", targets_table(runs))
    )
    print(body)
    if not args.no_readme:
        write_readme(body)


if __name__ == "__main__":
    main()
