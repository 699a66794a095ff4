"""Intake benchmark: a large member export through the whole ``grappe import``, on SQLite and on PostgreSQL.

    nice -n 10 .venv/bin/python benchmarks/intake/run.py [--sizes 50000,200000]
        [--databases sqlite,postgresql] [--passes import,dry-run]

Every database × pass × size is a job: a fresh database (a new SQLite file, or a throwaway PostgreSQL database
created for the job and dropped after it), migrated and given the association in processes of their own, then
one measured ``grappe import FILE --association NAME`` (``--dry-run`` for the validation-only pass), run by
``../linkage/measure.py`` in its own process group under a pseudo-terminal, as a user at a console runs it:
wall time, peak memory (PSS sampled, and the kernel's RSS high-water mark) and how it ended. The terminal's
output is the job's log, in which the runner finds the progress bar of each stage. A last process counts what
the import left. Prints the table and rewrites the results section of README.md.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "linkage"))  # the shared measure.py, and the README rewriter

import export  # noqa: E402
import measure  # noqa: E402
from report import rewrite_readme  # noqa: E402

OUT = HERE / "out"
GRAPPE = Path(sys.executable).with_name("grappe")
DATABASES = ("sqlite", "postgresql")
PASSES = ("import", "dry-run")
# Created for each job and dropped after it; --postgres-database names another (two runs side by side on one
# server need one each).
POSTGRES_DATABASE = "grappe_bench_intake"
MIB = 1024**2
# The goal this benchmark checks: the import's peak memory does not depend on the number of rows.
MEMORY_BOUND_MIB = 256
STAGES = {"validation": "Validation des lignes", "import": "Écriture dans le registre"}  # the CLI's labels
IMPORTED = ("SourceFile", "SourceRecord", "Lineage", "Organisation", "Establishment", "Membership", "Person")
# What ``grappe import`` runs, besides Django: a change there changes the figures.
IMPORT_CODE = (
    "src/grappe/intake/",
    "src/grappe/registry/",
    "src/grappe/france/",
    "src/grappe/jobs.py",
    "src/grappe/cli.py",
    "src/grappe/settings.py",
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _key(database: str, stage_pass: str, size: int) -> str:
    return f"{database}|{stage_pass}|{size}"


def _job_environment(database: str, out: Path, postgres_url: str) -> dict[str, str]:
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(ROOT / "src")}
    env.pop("DATABASE_URL", None)
    env["GRAPPE_DATA_DIR"] = str(out / "var")  # SQLite's file, or with PostgreSQL only uploads and the like
    if database == "postgresql":
        env["DATABASE_URL"] = postgres_url.rsplit("/", 1)[0] + "/" + POSTGRES_DATABASE
    return env


def _postgres(postgres_url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def _fresh_database(database: str, out: Path, postgres_url: str) -> None:
    shutil.rmtree(out / "var", ignore_errors=True)
    if database == "postgresql":
        _postgres(
            postgres_url,
            f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)",
            f"CREATE DATABASE {POSTGRES_DATABASE}",
        )


def _drop_database(database: str, out: Path, postgres_url: str) -> None:
    shutil.rmtree(out / "var", ignore_errors=True)
    if database == "postgresql":
        _postgres(postgres_url, f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")


def _database_script(command: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(HERE / "database.py"), command], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"database.py {command} failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def progress_frames(log: str) -> dict[str, dict[str, Any]]:
    """Each stage's progress bar as the terminal showed it: how many times it was drawn, its first and last state."""
    text = _ANSI.sub("", log)
    seen: dict[str, dict[str, Any]] = {}
    for stage, label in STAGES.items():
        frames = re.findall(re.escape(label) + r"[^0-9\n\r]*?(\d+)/(\d+|\?)", text)
        if frames:
            seen[stage] = {"frames": len(frames), "first": "/".join(frames[0]), "last": "/".join(frames[-1])}
    return seen


def run_job(
    database: str,
    stage_pass: str,
    size: int,
    *,
    postgres_url: str,
    timeout: float,
    memory_gib: float,
    nice: int,
) -> dict[str, Any]:
    # Built (or found) once for the whole run by main(): every job of a run reads the same file.
    data = export.path_for(size)
    facts = export.facts(size)
    out = OUT / f"{database}-{stage_pass}-{size}"
    out.mkdir(parents=True, exist_ok=True)
    row: dict[str, Any] = {
        "database": database,
        "pass": stage_pass,
        "rows": size,
        "file_bytes": facts["bytes"],
        "data_generator": facts.get("generator", ""),
        "date": datetime.date.today().isoformat(),
        "grappe": code_version(),
    }
    env = _job_environment(database, out, postgres_url)
    print(f"→ {database:10} {stage_pass:7} {size:>8} rows …", end="", flush=True, file=sys.stderr)
    _fresh_database(database, out, postgres_url)
    try:
        row["server"] = _database_script("prepare", env)
        command = [str(GRAPPE), "import", str(data), "--association", export.ASSOCIATION]
        outcome = measure.run(
            command + (["--dry-run"] if stage_pass == "dry-run" else []),
            timeout=timeout,
            memory_cap_bytes=int(memory_gib * measure.GIB),
            log=out / "log.txt",
            env=env,
            nice=nice,
            terminal=True,
        )
        row.update(
            finished=outcome.finished,
            reason=outcome.reason,
            wall_seconds=round(outcome.wall_seconds, 2),
            peak_rss_bytes=outcome.peak_rss_bytes,
            peak_pss_bytes=outcome.peak_pss_bytes,
            max_rss_bytes=outcome.max_rss_bytes,
            progress=progress_frames((out / "log.txt").read_text(encoding="utf-8", errors="replace")),
        )
        if outcome.finished:
            row.update(_database_script("inspect", env))
    finally:
        _drop_database(database, out, postgres_url)
    if row["finished"]:
        row["rows_per_second"] = round(size / row["wall_seconds"])
        print(
            f" {row['wall_seconds']:.1f} s, {row['rows_per_second']} rows/s, "
            f"peak {row['peak_rss_bytes'] / MIB:.0f} MiB",
            file=sys.stderr,
        )
    else:
        print(f" did not finish: {row['reason']}", file=sys.stderr)
    return row


# --------------------------------------------------------------------------------------------------------
# The tables


def _f(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}".replace(",", " ")


def _promises(row: dict[str, Any]) -> str:
    """Whether the import did what it promises, from the counts it left behind."""
    counts = row.get("counts") or {}
    if row["pass"] == "dry-run":
        written = {name: counts.get(name) for name in IMPORTED if counts.get(name)}
        return f"**wrote {written}**" if written else "nothing written"
    if counts.get("SourceRecord") != row["rows"] or counts.get("SourceFile") != 1:
        return f"**{counts.get('SourceRecord')} source records for {row['rows']} rows**"
    return (
        f"{_f(counts['SourceRecord'], 0)} source records, {_f(counts['Lineage'], 0)} lineage rows, "
        f"{_f(counts['Organisation'], 0)} organisations"
    )


def _progress(row: dict[str, Any]) -> str:
    stages = ("validation",) if row["pass"] == "dry-run" else ("validation", "import")
    seen = row.get("progress") or {}
    shown = [
        f"{stage} ({seen[stage]['frames']} frames, {seen[stage].get('first', '?')} → {seen[stage]['last']})"
        for stage in stages
        if stage in seen
    ]
    missing = [stage for stage in stages if stage not in seen]
    return ", ".join(shown) + (f"; **no bar for {', '.join(missing)}**" if missing else "")


def main_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| database | pass | rows | file MB | wall s | rows/s | peak RSS MiB | peak PSS MiB | database MB after "
        "| what it left | progress bar drawn |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        start = f"| {row['database']} | {row['pass']} | {_f(row['rows'], 0)} | {_f(row['file_bytes'] / 1e6)} "
        if not row.get("finished"):
            lines.append(start + f"| – | – | – | – | – | **did not finish**: {row.get('reason', '')} | – |")
            continue
        lines.append(
            start + f"| {_f(row['wall_seconds'])} | {_f(row['rows_per_second'], 0)} "
            f"| {_f(row['max_rss_bytes'] / MIB, 0)} | {_f(row['peak_pss_bytes'] / MIB, 0)} "
            f"| {_f(row.get('database_bytes', 0) / 1e6, 0)} | {_promises(row)} | {_progress(row)} |"
        )
    return "\n".join(lines)


def memory_table(rows: list[dict[str, Any]]) -> str:
    """Peak memory at the smallest and the largest size, per database and pass: the bounded-memory check."""
    lines = [
        f"| database | pass | peak at the fewest rows | peak at the most rows | growth | peak ≤ {MEMORY_BOUND_MIB} MiB "
        "at every size |",
        "|---|---|---:|---:|---:|---|",
    ]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("finished"):
            groups.setdefault((row["database"], row["pass"]), []).append(row)
    for (database, stage_pass), found in groups.items():
        found.sort(key=lambda row: row["rows"])
        low, high = found[0], found[-1]
        peaks = [row["peak_rss_bytes"] / MIB for row in found]
        growth = "–" if low is high else f"{high['peak_rss_bytes'] / low['peak_rss_bytes'] - 1:+.0%}"
        lines.append(
            f"| {database} | {stage_pass} | {_f(low['peak_rss_bytes'] / MIB, 0)} MiB ({_f(low['rows'], 0)} rows) "
            f"| {_f(high['peak_rss_bytes'] / MIB, 0)} MiB ({_f(high['rows'], 0)} rows) | {growth} "
            f"| {'yes' if max(peaks) <= MEMORY_BOUND_MIB else '**no**'} |"
        )
    return "\n".join(lines)


def code_version() -> dict[str, Any]:
    """The commit the job runs, and the uncommitted changes to the code an import runs.

    The tree is shared with other work in progress: changes elsewhere (the linkage engine, the mergers…) do not
    run in ``grappe import`` and are only counted.
    """
    try:
        commit = subprocess.check_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], text=True)
        changed = subprocess.check_output(
            ["git", "-C", str(ROOT), "diff", "--name-only", "HEAD", "--", "src"], text=True
        ).split()
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unknown", "import_code_changes": [], "other_changes": 0}
    ours = [path for path in changed if path.startswith(IMPORT_CODE)]
    return {"commit": commit.strip(), "import_code_changes": ours, "other_changes": len(changed) - len(ours)}


def code_summary(rows: list[dict[str, Any]]) -> str:
    """Which code the jobs ran: their commits in order, and whether the import's code differed between them."""
    states = [row["grappe"] for row in rows if "grappe" in row]
    commits = list(dict.fromkeys(state["commit"] for state in states))
    if not commits:
        return "unknown"
    uncommitted = sorted({path for state in states for path in state["import_code_changes"]})
    text = " → ".join(commits)
    if len(commits) > 1:  # other work was committed during the run: did it touch the import?
        moved = subprocess.run(
            ["git", "-C", str(ROOT), "diff", "--name-only", commits[0], commits[-1], "--", *IMPORT_CODE],
            capture_output=True,
            text=True,
        ).stdout.split()
        text += (
            f" (the import's code changed between them: {', '.join(moved)})"
            if moved
            else (" (other work committed during the run; the import's code is the same in all)")
        )
    text += (
        f", uncommitted changes to the import's code: {', '.join(uncommitted)}"
        if uncommitted
        else (", no uncommitted change to the import's code")
    )
    return text


def versions(rows: list[dict[str, Any]]) -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("Django", "psycopg", "rich"):
        found[package] = importlib.metadata.version(package)
    for row in rows:
        found.update(row.get("server") or {})
    found["grappe"] = code_summary(rows)
    # The exports are rebuilt when the demo's code changes (export.generator_fingerprint): which ones ran.
    found["export generator"] = ", ".join(dict.fromkeys(row.get("data_generator") or "?" for row in rows))
    return found


def ordered(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        results.values(),
        key=lambda row: (DATABASES.index(row["database"]), PASSES.index(row["pass"]), row["rows"]),
    )


def load_results() -> dict[str, dict[str, Any]]:
    path = OUT / "results.json"
    return json.loads(path.read_text()) if path.exists() else {}


def save_results(results: dict[str, dict[str, Any]]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    global POSTGRES_DATABASE
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="50000,200000", help="rows of the exports, comma-separated")
    parser.add_argument("--databases", default=",".join(DATABASES))
    parser.add_argument("--passes", default=",".join(PASSES), help="import (the whole import), dry-run")
    parser.add_argument(
        "--postgres-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="a maintenance database of the server, where the throwaway database is created and dropped",
    )
    parser.add_argument(
        "--postgres-database",
        default=POSTGRES_DATABASE,
        help="the throwaway database's name (dropped and created again for each job)",
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per job")
    parser.add_argument("--memory-gib", type=float, default=8, help="memory cap per job")
    parser.add_argument("--nice", type=int, default=10, help="niceness of the jobs (the machine is shared)")
    parser.add_argument("--no-readme", action="store_true", help="print only; leave README.md as it is")
    parser.add_argument("--fresh", action="store_true", help="forget results recorded by earlier runs")
    parser.add_argument(
        "--report-only", action="store_true", help="run nothing: print and record out/results.json"
    )
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.postgres_database):
        parser.error("--postgres-database: lower-case letters, digits and _ (it is written into SQL)")
    POSTGRES_DATABASE = args.postgres_database
    sizes = sorted(int(size) for size in args.sizes.split(",") if size)
    databases = [name for name in args.databases.split(",") if name]
    passes = [name for name in args.passes.split(",") if name]
    if set(databases) - set(DATABASES) or set(passes) - set(PASSES):
        parser.error(f"databases among {', '.join(DATABASES)}; passes among {', '.join(PASSES)}")

    results = {} if args.fresh else load_results()
    started = time.perf_counter()
    if not args.report_only:
        for size in sizes:  # the exports first, so that building them is not mistaken for a slow job
            export.ensure(size)
        for database in databases:
            for stage_pass in passes:
                for size in sizes:
                    results[_key(database, stage_pass, size)] = run_job(
                        database,
                        stage_pass,
                        size,
                        postgres_url=args.postgres_url,
                        timeout=args.timeout,
                        memory_gib=args.memory_gib,
                        nice=args.nice,
                    )
                    save_results(results)

    rows = ordered(results)
    info = measure.machine()
    header = (
        f"Run {', '.join(sorted({row['date'] for row in rows}))} on {info['nproc']} cores ({info['cpu']}), "
        f"{info['ram_gib']} GiB RAM, shared with other work, jobs at nice {args.nice}. Versions: "
        + ", ".join(f"{name} {version}" for name, version in versions(list(results.values())).items())
        + "."
        + ("" if args.report_only else f" This run took {(time.perf_counter() - started) / 60:.1f} min.")
    )
    body = f"{header}\n\n{main_table(rows)}\n\nBounded memory:\n\n{memory_table(rows)}"
    print(body)
    if not args.no_readme:
        rewrite_readme(HERE / "README.md", body)


if __name__ == "__main__":
    main()
