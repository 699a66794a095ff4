"""Linkage benchmark: Grappe's engine against Splink, dedupe and recordlinkage, on the same data, one run.

    .venv/bin/python benchmarks/linkage/run.py [--sizes 1000,10000,100000,1000000]
        [--tools grappe,splink,dedupe,recordlinkage] [--timeout 1200] [--memory-gib 16] [--real-only]

The real data sets (Fodors–Zagat restaurants, PATSTAT applicants) come first, then the generated French
registries as the scale test.

Every tool × data set runs in a process of its own (worker.py), measured from outside (measure.py): a crash,
a timeout or a memory blow-up is recorded as "did not finish" with its reason, and the run goes on. Grappe and
Splink run in the project's environment; dedupe and recordlinkage in ``.venv-peers`` (see README). Scores are
computed here (metrics.py) from each tool's clusters and the ground truth. Prints the tables and rewrites the
results section of README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import datasets  # noqa: E402
import measure  # noqa: E402
import metrics  # noqa: E402
import report  # noqa: E402

OUT = HERE / "out"
PEERS_PYTHON = HERE / ".venv-peers" / "bin" / "python"
PEER_TOOLS = {"dedupe", "recordlinkage"}  # the tools that live in .venv-peers
ALL_TOOLS = ("grappe", "splink", "dedupe", "recordlinkage")


def python_for(tool: str) -> Path:
    return PEERS_PYTHON if tool in PEER_TOOLS else Path(sys.executable)


# dedupe's label budgets on the real sets (Grappe's decisions: tools/grappe_tool.py, CHECKPOINTS).
LABEL_BUDGETS = (25, 50, 100, 200)


def variants(tool: str, name: str) -> list[str]:
    """The runs of one tool on one data set. Real sets: Grappe's defaults and its learning curve, dedupe at each
    label budget, and on PATSTAT a labelled extra row per peer with the coordinates Grappe does not get.
    Generated registries: one run per tool, defaults (dedupe: 80 labels)."""
    if name not in datasets.REAL:
        return [""]
    coords = ["coords"] if name == "patstat" and tool != "grappe" else []
    if tool == "grappe":
        return ["", "curve"]
    if tool == "dedupe":
        return [f"labels={n}" for n in LABEL_BUDGETS] + coords
    return ["", *coords]


def jobs(
    sizes: list[int], tools: list[str], targets: bool, real: list[str], targets_only: bool = False
) -> list[tuple[str, str, str, str]]:
    """(tool, task, data set, variant): the real sets first, then the registries smallest first, so a peer that
    cannot finish is known early."""
    names = [*real, *(datasets.generated_name(size) for size in sorted(sizes))]
    planned = (
        []
        if targets_only
        else [
            (tool, "dedupe", name, variant)
            for name in names
            for tool in tools
            for variant in variants(tool, name)
        ]
    )
    if targets and "grappe" in tools:
        planned.append(("grappe", "link", "auvergne-tic", ""))
        if 1_000_000 in sizes:
            planned.append(("grappe", "link", datasets.link300_name(), ""))
    return planned


def job_key(tool: str, task: str, name: str, variant: str = "") -> str:
    return f"{tool}|{task}|{name}" + (f"|{variant}" if variant else "")


def run_job(
    tool: str, task: str, name: str, variant: str = "", *, timeout: float, memory_gib: float, nice: int
) -> dict[str, Any]:
    data = datasets.ensure(name)
    out = OUT / (f"{tool}-{task}-{name}" + (f"-{variant}" if variant else ""))
    for stale in [out / "clusters.parquet", out / "result.json", *out.glob("extra-*.parquet")]:
        stale.unlink(missing_ok=True)
    row: dict[str, Any] = {
        "tool": tool,
        "task": task,
        "dataset": name,
        "variant": variant,
        "date": datetime.date.today().isoformat(),
    }
    python = python_for(tool)
    if not python.exists():
        return {**row, "finished": False, "reason": f"{python} missing: create .venv-peers (README)"}
    env = {**os.environ, "PYTHONPATH": str(HERE.parents[1] / "src"), "OMP_NUM_THREADS": "2"}
    print(f"→ {tool:14} {task:6} {name} {variant} …", end="", flush=True, file=sys.stderr)
    outcome = measure.run(
        [str(python), str(HERE / "worker.py"), tool, task, str(data), str(out), variant],
        timeout=timeout,
        memory_cap_bytes=int(memory_gib * measure.GIB),
        log=out / "log.txt",
        env=env,
        address_space_limit=tool in PEER_TOOLS,
        nice=nice,
    )
    row.update(
        finished=outcome.finished,
        reason=outcome.reason,
        wall_seconds=round(outcome.wall_seconds, 2),
        peak_rss_bytes=outcome.peak_rss_bytes,
    )
    if outcome.finished:
        info = json.loads((out / "result.json").read_text())
        row["run_seconds"] = info.pop("seconds")
        row["info"] = info
        clusters = pq.read_table(out / "clusters.parquet")
        focus = pq.read_table(data / "new.parquet", columns=["record_id"]) if task == "link" else None
        try:
            row["scores"] = metrics.score_dataset(clusters, data, focus)
            # Splink over a grid of thresholds, Grappe after N decisions: scored alike, shown apart (report.py).
            row["extra_scores"] = {
                label: metrics.score_dataset(pq.read_table(out / f"extra-{label}.parquet"), data, focus)
                for label in info.get("extra", [])
            }
        except Exception as error:  # a scoring failure is ours, not the tool's: record it and go on
            row.update(finished=False, reason=f"scoring failed: {type(error).__name__}: {error}")
            print(f" scoring failed: {error}", file=sys.stderr)
            return row
        print(
            f" F1 {row['scores']['f1']:.3f}, {row['run_seconds']:.1f} s, "
            f"{outcome.peak_rss_bytes / measure.GIB:.2f} GiB",
            file=sys.stderr,
        )
    else:
        print(f" did not finish: {outcome.reason}", file=sys.stderr)
    return row


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    probe = "import importlib.metadata as m, json, sys; print(json.dumps({p: m.version(p) for p in sys.argv[1:]}))"
    for python, packages in (
        (Path(sys.executable), ["splink", "duckdb", "pyarrow"]),
        (PEERS_PYTHON, ["dedupe", "recordlinkage", "pandas", "BTrees"]),
    ):
        if python.exists():
            with contextlib.suppress(subprocess.CalledProcessError, json.JSONDecodeError):
                found.update(
                    json.loads(subprocess.check_output([str(python), "-c", probe, *packages], text=True))
                )
    try:
        commit = subprocess.check_output(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], text=True
        ).strip()
        dirty = subprocess.run(["git", "-C", str(HERE), "diff", "--quiet", "--", "../../src"]).returncode != 0
        found["grappe"] = commit + (" + uncommitted changes in src/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        pass
    return found


def load_results() -> dict[str, dict[str, Any]]:
    path = OUT / "results.json"
    return json.loads(path.read_text()) if path.exists() else {}


def save_results(results: dict[str, dict[str, Any]]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")


def ordered(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    def key(row: dict[str, Any]) -> tuple[int, int, int, int, str]:
        name = row["dataset"]
        size = int(name.split("-")[1]) if name.startswith("generated-") else 0
        real = datasets.REAL.index(name) if name in datasets.REAL else len(datasets.REAL)
        group = (
            real
            if name in datasets.REAL
            else len(datasets.REAL) + (0 if name.startswith("generated-") else 1)
        )
        tool = report.TOOLS.index(row["tool"]) if row["tool"] in report.TOOLS else 9
        variant = row.get("variant", "")
        # Within a tool: the default first, labels by budget, the extra "coords" row last.
        budget = int(variant.split("=")[1]) if variant.startswith("labels=") else 0
        return group, size, tool, budget + (10_000 if variant == "coords" else 0), variant

    return sorted(results.values(), key=key)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--tools", default=",".join(ALL_TOOLS))
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per tool × data set")
    parser.add_argument(
        "--memory-gib", type=float, default=16, help="resident-memory cap per tool × data set"
    )
    parser.add_argument("--nice", type=int, default=10, help="niceness of the jobs (the machine is shared)")
    parser.add_argument("--no-patstat", action="store_true")
    parser.add_argument(
        "--no-real", action="store_true", help="skip the real data sets (restaurants, PATSTAT)"
    )
    parser.add_argument(
        "--real-only", action="store_true", help="only the real data sets: no registry, no timing case"
    )
    parser.add_argument("--no-targets", action="store_true", help="skip Grappe's linkage timing cases")
    parser.add_argument("--targets-only", action="store_true", help="only Grappe's linkage timing cases")
    parser.add_argument("--no-readme", action="store_true", help="print only; leave README.md as it is")
    parser.add_argument("--fresh", action="store_true", help="forget results recorded by earlier runs")
    parser.add_argument(
        "--report-only", action="store_true", help="run nothing: print and record out/results.json"
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    tools = [tool for tool in args.tools.split(",") if tool]
    unknown = set(tools) - set(ALL_TOOLS)
    if unknown:
        parser.error(f"unknown tools: {', '.join(sorted(unknown))}")

    results = {} if args.fresh else load_results()
    gave_up: dict[str, int] = {}  # tool → size at which it did not finish on the generated registries
    started = time.perf_counter()
    real = [] if args.no_real else [n for n in datasets.REAL if not (n == "patstat" and args.no_patstat)]
    if args.real_only:
        sizes = []
    planned = (
        []
        if args.report_only
        else jobs(sizes, tools, not (args.no_targets or args.real_only), real, args.targets_only)
    )
    for tool, task, name, variant in planned:
        key = job_key(tool, task, name, variant)
        size = int(name.split("-")[1]) if name.startswith("generated-") else None
        if size is not None and tool in gave_up:
            results[key] = {
                "tool": tool,
                "task": task,
                "dataset": name,
                "variant": variant,
                "date": datetime.date.today().isoformat(),
                "finished": False,
                "reason": f"not attempted: did not finish at {gave_up[tool]:,} records".replace(",", " "),
            }
            continue
        row = run_job(
            tool, task, name, variant, timeout=args.timeout, memory_gib=args.memory_gib, nice=args.nice
        )
        results[key] = row
        if size is not None and not row["finished"] and "not attempted" not in row.get("reason", ""):
            gave_up[tool] = size
        save_results(results)
    save_results(results)

    rows = ordered(results)
    dates = sorted({row["date"] for row in rows})
    info = measure.machine()
    header = (
        f"Run {', '.join(dates)} on {info['nproc']} cores ({info['cpu']}), {info['ram_gib']} GiB RAM, shared with "
        f"other work, jobs at nice {args.nice}. Versions: "
        + ", ".join(f"{name} {version}" for name, version in versions().items())
        + f". Caps per job: {args.timeout / 60:g} min, {args.memory_gib:g} GiB."
        + ("" if args.report_only else f" This run took {(time.perf_counter() - started) / 60:.1f} min.")
    )
    body = report.section(rows, header)
    print(body)
    if not args.no_readme:
        report.rewrite_readme(HERE / "README.md", body)


if __name__ == "__main__":
    main()
