"""Load benchmark: the production server (``grappe serve``) on PostgreSQL under 50 clients browsing the demo story.

    .venv/bin/python benchmarks/load/run.py [--scenarios browse,busy] [--workers 2] [--threads 4]
        [--clients 50] [--seconds 60] [--pace 3] [--label after] [--rebuild]

Each scenario is a run: a PostgreSQL database copied from a template (the demo story, 608 organisations, built
once by ``grappe migrate`` and ``grappe demo --no-serve``, its demo accounts closed and a director account of
its own created, as a production database must be), ``grappe serve`` started on it with ``GRAPPE_ENV=production``
settings, the director logged in once, then ``locust --headless`` (``locustfile.py``) for ``--seconds``.

- ``browse``: the clients alone.
- ``busy``: the same clients while a 100,000-row ``grappe import`` (``../intake/export.py`` builds the file) and
  the ``grappe merge apply`` of a 10,000-member absorption (planned beforehand in the template from
  ``../intake/export.py``'s 10,000-row export) run beside the server, started a few seconds before the clients.

The runner records requests/s, p50/p95/p99, errors, the server's worker processes and threads, and the machine's
load average before and after, then rewrites the results section of README.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "intake"))  # export.py builds the import's and the merger's files
sys.path.insert(0, str(HERE.parent / "linkage"))  # the shared measure.py, and the README rewriter

import export  # noqa: E402
import measure  # noqa: E402
from report import rewrite_readme  # noqa: E402

OUT = HERE / "out"
BIN = Path(sys.executable).parent
GRAPPE = BIN / "grappe"
SCENARIOS = ("browse", "busy")
PREFIX = "grappe_bench_load"  # --database-prefix: another prefix lets two checkouts share a PostgreSQL server
SUFFIX = {"browse": "demo", "busy": "busy"}
TEMPLATE = {scenario: f"{PREFIX}_{suffix}" for scenario, suffix in SUFFIX.items()}
RUN_DATABASE = f"{PREFIX}_run"  # copied from the scenario's template for each run, dropped after it
IMPORT_ROWS, MERGER_ROWS = 100_000, 10_000
ABSORBED = "Grappe absorbée (banc d'essai)"
ABSORBING = "Numélink Clust'R"
TARGET = {"rps": 150.0, "p95_ms": 150.0, "errors": 0}
# How the clients ask for the organisation list (locustfile.py, LOAD_MIX), as the table shows it.
MIXES = {"browser": "list as the pages ask", "full-pages": "list as whole pages"}


# --------------------------------------------------------------------------------------------------------
# The databases


def _postgres(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def _database_url(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def _exists(url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        return (
            connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
        )


SOURCE = ROOT / "src"  # the code the server runs: --source names another checkout's src/ (a "before" run)


def _environment(database_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(SOURCE), "DATABASE_URL": database_url, **extra}
    env["GRAPPE_DATA_DIR"] = str(OUT / "var")
    env.pop("GRAPPE_ENV", None)
    return env


def _step(command: list[str], env: dict[str, str], log: Path) -> str:
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(command)}\n")
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        out.write(done.stdout + done.stderr)
    if done.returncode:
        raise RuntimeError(
            f"{' '.join(command[:3])} failed ({done.returncode}): {done.stderr.strip()[-800:]}"
        )
    return done.stdout


def _database_script(env: dict[str, str], log: Path, *arguments: str) -> dict[str, Any]:
    output = _step([sys.executable, str(HERE / "database.py"), *arguments], env, log)
    return json.loads(output.strip().splitlines()[-1])


def build_template(scenario: str, postgres_url: str) -> None:
    """The demo story in a database of its own; for ``busy`` also the import's association and a planned merger."""
    name = TEMPLATE[scenario]
    log = OUT / f"template-{scenario}.log"
    log.unlink(missing_ok=True)
    _postgres(postgres_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
    env = _environment(_database_url(postgres_url, name))
    print(f"→ template {name}: migrate, demo …", file=sys.stderr, flush=True)
    _step([str(GRAPPE), "migrate"], env, log)
    _step([str(GRAPPE), "demo", "--no-serve"], env, log)
    if scenario == "busy":
        _database_script(env, log, "association", export.ASSOCIATION)
        _database_script(env, log, "association", ABSORBED)
        print(f"→ template {name}: plan a {MERGER_ROWS:,}-member merger …", file=sys.stderr, flush=True)
        command = [str(GRAPPE), "merge", "plan", str(export.ensure(MERGER_ROWS))]
        _step([*command, "--absorbed", ABSORBED, "--into", ABSORBING], env, log)


def _merger_id(env: dict[str, str]) -> int:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'grappe.settings'); django.setup();"
        "from grappe.mergers.models import Merger;"
        f"print(Merger.objects.filter(absorbed__name={ABSORBED!r}).latest('pk').pk)"
    )
    return int(subprocess.check_output([sys.executable, "-c", code], env=env, text=True).split()[-1])


# --------------------------------------------------------------------------------------------------------
# The server and the clients


def _production(database_url: str) -> dict[str, str]:
    """What deploy/grappe.env.example sets, for a server behind a TLS proxy on this machine."""
    return _environment(
        database_url,
        GRAPPE_ENV="production",
        GRAPPE_SECRET_KEY=secrets.token_urlsafe(48),
        GRAPPE_ALLOWED_HOSTS="127.0.0.1,localhost",
        GRAPPE_PROXY_SSL_HEADER="X-Forwarded-Proto",
    )


def log_in(base: str, username: str, password: str) -> str:
    """The director's session, as one Cookie header. The cookies are carried by hand: they are Secure, and a
    cookie jar sends those to https URLs only, while the runner talks plain HTTP, as the proxy would."""
    import requests

    headers = {"X-Forwarded-Proto": "https", "Referer": base.replace("http:", "https:") + "/connexion/"}
    page = requests.get(base + "/connexion/", headers=headers)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if token is None or "csrftoken" not in page.cookies:
        raise RuntimeError(f"no login form at {base}/connexion/ ({page.status_code})")
    cookies = dict(page.cookies)
    answer = requests.post(
        base + "/connexion/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
        headers={**headers, "Cookie": f"csrftoken={cookies['csrftoken']}"},
        allow_redirects=False,
    )
    cookies.update(answer.cookies)
    if answer.status_code != 302 or "sessionid" not in cookies:
        said = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.text))
        raise RuntimeError(f"the director could not log in: HTTP {answer.status_code}: {said[-600:]}")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def _wait_for(base: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"grappe serve exited with {process.returncode}: see {OUT / 'server.log'}")
        try:
            request = urllib.request.Request(base + "/connexion/", headers={"X-Forwarded-Proto": "https"})
            with urllib.request.urlopen(request, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("grappe serve did not answer in time")


class _Process(NamedTuple):
    """What ``/proc/PID/stat`` says of a process (proc(5)): its command, parent and CPU clock ticks."""

    command: str
    parent: int
    own_ticks: int  # utime + stime
    reaped_children_ticks: int  # cutime + cstime: children that ended and were waited for


def _processes() -> dict[int, _Process]:
    """Every process of the machine, one read of its ``stat`` each."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
            fields = text.rsplit(")", 1)[1].split()  # after the command, which may hold spaces and ")"
            found[int(entry.name)] = _Process(
                command=text[text.index("(") + 1 : text.rindex(")")],
                parent=int(fields[1]),
                own_ticks=int(fields[11]) + int(fields[12]),
                reaped_children_ticks=int(fields[13]) + int(fields[14]),
            )
        except (OSError, IndexError, ValueError):
            continue  # ended while the directory was read
    return found


def _children(pid: int) -> list[int]:
    return [child for child, process in _processes().items() if process.parent == pid]


_TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu(pid: int) -> float:
    """The server's CPU seconds: the master (with the workers that ended) and its live workers."""
    processes = _processes()
    ticks = sum(
        process.own_ticks + (process.reaped_children_ticks if child == pid else 0)
        for child, process in processes.items()
        if child == pid or process.parent == pid
    )
    return ticks / _TICKS


def postgresql_cpu() -> float:
    """PostgreSQL's CPU seconds: every server process, the postmaster counting the backends that ended."""
    processes = {pid: p for pid, p in _processes().items() if p.command.startswith("postgres")}
    ticks = sum(
        process.own_ticks + (process.reaped_children_ticks if process.parent not in processes else 0)
        for process in processes.values()
    )
    return ticks / _TICKS


def _threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def locust_stats(prefix: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The aggregated row and the per-request rows of locust's ``_stats.csv``."""
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    def read(row: dict[str, str]) -> dict[str, Any]:
        return {
            "name": row["Name"],
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "rps": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
        }

    total = next(read(row) for row in rows if row["Name"] == "Aggregated")
    return total, [read(row) for row in rows if row["Name"] != "Aggregated"]


def _background(env: dict[str, str], run_out: Path, nice: int) -> dict[str, subprocess.Popen]:
    """The 100,000-row import and the 10,000-member merger's apply, each in its own process group."""
    merger = _merger_id(env)
    commands = {
        "import": [
            str(GRAPPE),
            "import",
            str(export.ensure(IMPORT_ROWS)),
            "--association",
            export.ASSOCIATION,
        ],
        "merger": [str(GRAPPE), "merge", "apply", str(merger), "--accept-auto-only"],
    }
    started = {}
    for name, command in commands.items():
        log = (run_out / f"{name}.log").open("w", encoding="utf-8")
        started[name] = subprocess.Popen(
            ["nice", "-n", str(nice), *command],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return started


def run_scenario(scenario: str, args: argparse.Namespace) -> dict[str, Any]:
    run_out = OUT / f"{args.label}-{scenario}"
    run_out.mkdir(parents=True, exist_ok=True)
    if args.rebuild or not _exists(args.postgres_url, TEMPLATE[scenario]):
        build_template(scenario, args.postgres_url)
    _postgres(
        args.postgres_url,
        f"DROP DATABASE IF EXISTS {RUN_DATABASE} WITH (FORCE)",
        f"CREATE DATABASE {RUN_DATABASE} TEMPLATE {TEMPLATE[scenario]}",
    )
    database_url = _database_url(args.postgres_url, RUN_DATABASE)
    log = run_out / "prepare.log"
    log.unlink(missing_ok=True)
    env = _environment(database_url)
    _step([str(GRAPPE), "migrate"], env, log)  # the template may predate the code's migrations (new indexes)
    director = _database_script(env, log, "accounts")
    targets = _database_script(env, log, "targets")
    registry = _database_script(env, log, "inspect")
    server_env = _production(database_url)
    command = [str(GRAPPE), "serve", "--port", str(args.port), "--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    base = f"http://127.0.0.1:{args.port}"
    print(f"→ {args.label} {scenario}: {' '.join(command[1:])} …", file=sys.stderr, flush=True)
    server_log = (OUT / "server.log").open("w", encoding="utf-8")
    server = subprocess.Popen(
        command, env=server_env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True
    )
    background: dict[str, subprocess.Popen] = {}
    row: dict[str, Any] = {
        "label": args.label,
        "scenario": scenario,
        "started": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
        "clients": args.clients,
        "seconds": args.seconds,
        "pace": args.pace,
        "mix": args.mix,
        "organisations": registry["counts"]["Organisation"],
        "postgresql": registry["postgresql"],
        "commit": measure_commit(),
    }
    try:
        _wait_for(base, server)
        targets["cookie"] = log_in(base, director["username"], director["password"])
        (run_out / "targets.json").write_text(json.dumps(targets), encoding="utf-8")
        workers = _children(server.pid)
        row["workers"] = len(workers)
        row["threads"] = args.threads or "default"  # grappe serve's own default (4 today)
        if scenario == "busy":
            background = _background(_production(database_url), run_out, args.background_nice)
            time.sleep(args.head_start)  # past their start-up: reading the file, planning the apply
        row["load_before"] = [round(value, 2) for value in os.getloadavg()]
        cpu_before = {"server": server_cpu(server.pid), "postgresql": postgresql_cpu()}
        clients_before = os.times()
        prefix = run_out / "locust"
        locust = [
            str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless", "--only-summary",
            "-u", str(args.clients), "-r", str(args.clients), "-t", f"{args.seconds}s", "-H", base,
            "--csv", str(prefix), "--loglevel", "WARNING",
        ]  # fmt: skip
        client_env = {
            **os.environ,
            "LOAD_TARGETS": str(run_out / "targets.json"),
            "LOAD_PACE": str(args.pace),
            "LOAD_MIX": args.mix,
        }
        with (run_out / "locust.log").open("w", encoding="utf-8") as out:
            subprocess.run(locust, env=client_env, stdout=out, stderr=subprocess.STDOUT, check=False)
        clients_after = os.times()
        row["load_after"] = [round(value, 2) for value in os.getloadavg()]
        row["total"], row["requests"] = locust_stats(prefix)
        # Where the two cores went, in ms of CPU per answered request: the server (granian's master and
        # workers), PostgreSQL (every server process) and the clients (locust, a child of this runner).
        used = {
            "server": server_cpu(server.pid) - cpu_before["server"],
            "postgresql": postgresql_cpu() - cpu_before["postgresql"],
            "clients": (clients_after.children_user + clients_after.children_system)
            - (clients_before.children_user + clients_before.children_system),
        }
        answered = max(1, row["total"]["requests"])
        row["cpu_ms_per_request"] = {
            name: round(1000 * seconds / answered, 1) for name, seconds in used.items()
        }
        row["background"] = {
            name: (
                "still running" if process.poll() is None else f"ended ({process.returncode}) during the run"
            )
            for name, process in background.items()
        }
    finally:
        for process in background.values():
            _stop(process)
        _stop(server)
        server_log.close()
        _postgres(args.postgres_url, f"DROP DATABASE IF EXISTS {RUN_DATABASE} WITH (FORCE)")
    total = row["total"]
    print(
        f"   {total['rps']} req/s, p50 {total['p50_ms']:.0f} ms, p95 {total['p95_ms']:.0f} ms, "
        f"p99 {total['p99_ms']:.0f} ms, {total['failures']} errors / {total['requests']}; "
        f"CPU ms per request: {_cpu_cell(row)}",
        file=sys.stderr,
    )
    return row


def _cpu_cell(row: dict[str, Any]) -> str:
    cpu = row.get("cpu_ms_per_request")
    if not cpu:
        return "–"  # runs recorded before the runner measured it
    return f"{cpu['server']:g} / {cpu['postgresql']:g} / {cpu['clients']:g}"


def measure_commit() -> str:
    if SOURCE != ROOT / "src":
        return f"{SOURCE} (another checkout)"
    try:
        commit = subprocess.check_output(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], text=True
        ).strip()
        dirty = subprocess.check_output(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"], text=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" + uncommitted changes" if dirty.strip() else "")


# --------------------------------------------------------------------------------------------------------
# The tables


def _met(row: dict[str, Any]) -> str:
    total = row["total"]
    misses = []
    if total["rps"] < TARGET["rps"]:
        misses.append("req/s")
    if total["p95_ms"] > TARGET["p95_ms"]:
        misses.append("p95")
    if total["failures"] > TARGET["errors"]:
        misses.append("errors")
    return "yes" if not misses else "**no** (" + ", ".join(misses) + ")"


def main_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| run | scenario | started (UTC) | workers × threads | clients, pace | req/s | p50 ms | p95 ms | p99 ms "
        "| errors / requests | CPU ms a request: server / PostgreSQL / clients "
        "| load avg before → after (1, 5, 15 min) | beside the server | target met | code |",
        "|---|---|---|---:|---|---:|---:|---:|---:|---:|---|---|---|---|---|",
    ]
    for row in rows:
        total = row["total"]
        pace = f"{row['pace']:g} req/s each" if row["pace"] else "no wait"
        pace += ", " + MIXES[row.get("mix", "full-pages")]  # runs before 2026-12-07 asked for whole pages
        beside = ", ".join(f"{name} {state}" for name, state in row.get("background", {}).items()) or "–"
        lines.append(
            f"| {row['label']} | {row['scenario']} | {row['started']} | {row['workers']} × {row['threads']} "
            f"| {row['clients']}, {pace} | {total['rps']:.1f} | {total['p50_ms']:.0f} | {total['p95_ms']:.0f} "
            f"| {total['p99_ms']:.0f} | {total['failures']} / {total['requests']} | {_cpu_cell(row)} "
            f"| {', '.join(map(str, row['load_before']))} → {', '.join(map(str, row['load_after']))} "
            f"| {beside} | {_met(row)} | {row['commit']} |"
        )
    return "\n".join(lines)


def pages_table(row: dict[str, Any]) -> str:
    lines = [
        f"Per request, run `{row['label']}`, scenario `{row['scenario']}`:",
        "",
        "| request | count | errors | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for found in sorted(row["requests"], key=lambda found: -found["requests"]):
        lines.append(
            f"| `{found['name']}` | {found['requests']} | {found['failures']} | {found['p50_ms']:.0f} "
            f"| {found['p95_ms']:.0f} | {found['p99_ms']:.0f} |"
        )
    return "\n".join(lines)


def load_results() -> dict[str, dict[str, Any]]:
    path = OUT / "results.json"
    return json.loads(path.read_text()) if path.exists() else {}


def save_results(results: dict[str, dict[str, Any]]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--label", default="run", help="the run's name in the table (a new label adds rows)")
    parser.add_argument("--workers", type=int, default=2, help="grappe serve --workers")
    parser.add_argument("--threads", type=int, default=0, help="grappe serve --threads (0: its default)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--pace", type=float, default=3, help="requests/s each client asks for; 0: no wait")
    parser.add_argument(
        "--mix",
        choices=sorted(MIXES),
        default="browser",
        help="how the organisation list is asked for (locustfile.py): as the pages ask, or whole pages only",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--head-start", type=float, default=5, help="busy: seconds the jobs run before the clients"
    )
    parser.add_argument(
        "--background-nice", type=int, default=0, help="busy: niceness of the import and merger"
    )
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--source", type=Path, default=ROOT / "src", help="the src/ directory the server runs"
    )
    parser.add_argument(
        "--database-prefix", default=PREFIX, help="names of the template and run databases (PREFIX_demo, …)"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the template databases")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    global RUN_DATABASE, SOURCE
    TEMPLATE.update({scenario: f"{args.database_prefix}_{name}" for scenario, name in SUFFIX.items()})
    RUN_DATABASE = f"{args.database_prefix}_run"
    SOURCE = args.source.resolve()
    scenarios = [name for name in args.scenarios.split(",") if name]
    if set(scenarios) - set(SCENARIOS):
        parser.error(f"scenarios among {', '.join(SCENARIOS)}")

    results = load_results()
    if not args.report_only:
        for scenario in scenarios:
            results[f"{args.label}|{scenario}"] = run_scenario(scenario, args)
            save_results(results)
    rows = sorted(results.values(), key=lambda row: row["started"])
    info = measure.machine()
    header = (
        f"{info['nproc']} cores ({info['cpu']}), {info['ram_gib']} GiB RAM, **shared with other work while "
        f"measured** (see the load average of each run); PostgreSQL {rows[-1]['postgresql'] if rows else '?'} on "
        f"the same machine; locust on the same machine too. Target: ≥ {TARGET['rps']:.0f} req/s, "
        f"p95 ≤ {TARGET['p95_ms']:.0f} ms, {TARGET['errors']} errors."
    )
    latest = {row["scenario"]: row for row in rows}
    body = "\n\n".join([header, main_table(rows), *(pages_table(row) for row in latest.values())])
    print(body)
    if not args.no_readme:
        rewrite_readme(HERE / "README.md", body)


if __name__ == "__main__":
    main()
