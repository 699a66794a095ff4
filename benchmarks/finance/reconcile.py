"""Reconciliation benchmark: how many payments of a noisy statement the matcher settles, how many wrongly.

    .venv/bin/python benchmarks/finance/reconcile.py [--sizes 1000,10000] [--seeds 1,2,3] [--no-readme]
        [--import-size 2000] [--databases sqlite,postgresql]

Statements come from ``tests/finance/noisy_statements.py`` (its docstring lists the noise). For each size
(members owing dues) × seed: the pure engine (``grappe.finance.matching.reconcile``) on the generated lines,
scored against the generator's truth. A payment line counts as **matched** when the engine allocated it
without asking, and as **right** when its allocations are exactly the true ones (same dues, same cents); a line
paying no due that the engine allocated is **wrong**. Then, unless ``--import-size 0``, the whole import path
(``reconciliation.import_statement``: read the CSV and the CAMT.053 file, store every line, match, write the
payments) on a fresh database, timed. Prints the tables and, unless ``--no-readme``, rewrites the
reconciliation section of README.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
POSTGRES_DATABASE = "grappe_bench_reconcile"
GOAL_MATCHED = 0.95
MARK_START, MARK_END = "<!-- reconciliation -->", "<!-- /reconciliation -->"


def score(size: int, seed: int) -> dict[str, object]:
    from finance import noisy_statements as noisy
    from grappe.finance import matching

    dues = noisy.open_dues(size, seed=seed)
    generated = noisy.statement(dues, seed=seed)
    credits = [(n, line) for n, line in enumerate(generated) if line.amount > 0]
    started = time.perf_counter()
    decisions = matching.reconcile(
        [matching.Line(n, line.amount, line.counterparty, line.remittance) for n, line in credits], dues
    )
    seconds = time.perf_counter() - started
    payments = matched = right = wrong = unrelated_matched = 0
    missed: Counter[str] = Counter()
    by_noise: Counter[str] = Counter()
    for (_n, line), decision in zip(credits, decisions, strict=True):
        allocated: dict[int, int] = {}
        for share in decision.shares:
            allocated[share.due_id] = allocated.get(share.due_id, 0) + share.cents
        if line.truth is None:
            unrelated_matched += decision.matched
            continue
        payments += 1
        if decision.matched:
            matched += 1
            if allocated == line.truth:
                right += 1
            else:
                wrong += 1
        else:
            for tag in line.noise:
                missed[tag] += 1
        for tag in line.noise:
            by_noise[tag] += 1
    return {
        "size": size,
        "seed": seed,
        "lines": len(generated),
        "payments": payments,
        "matched": matched,
        "right": right,
        "wrong": wrong + unrelated_matched,
        "seconds": seconds,
        "missed": dict(missed),
        "noise": dict(by_noise),
    }


def noisy_positions(file_format: str, lines: list[object]) -> list[object]:
    """The generated lines as the reader numbers them (their line in the file), to find each one's truth."""
    from finance import noisy_statements as noisy
    from grappe.finance.statements import read_camt, read_csv

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r"
        if file_format == "csv":
            path.write_bytes(noisy.as_csv(lines))  # type: ignore[arg-type]
            return list(read_csv(path, file_name="r").lines)
        return list(read_camt(noisy.as_camt(lines), file_name="r").lines)  # type: ignore[arg-type]


def _import_job(size: int, file_format: str) -> dict[str, object]:
    """Runs in its own process against DATABASE_URL: seed members and dues, then import two files."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from finance import noisy_statements as noisy
    from grappe.finance import matching
    from grappe.finance.models import BankLine, Due, FeeSchedule, Payment
    from grappe.finance.reconciliation import import_statement
    from grappe.registry.models import Association, Membership, MembershipType, Organisation

    association = Association.objects.create(name="Fédération")
    kind = MembershipType.objects.create(association=association, name="Entreprise", fee_category="company")
    schedule = FeeSchedule.objects.create(
        association=association,
        year=2026,
        voted_on=datetime.date(2025, 11, 20),
        due_on=datetime.date(2026, 3, 31),
    )
    facts = noisy.open_dues(size, seed=7)
    names = {due.organisation_id: due.organisation_name for due in facts}
    organisations = Organisation.objects.bulk_create(Organisation(name=name) for name in names.values())
    memberships = Membership.objects.bulk_create(
        Membership(organisation=org, association=association, membership_type=kind, status="active")
        for org in organisations
    )
    membership_of = dict(zip(names, memberships, strict=True))
    dues = Due.objects.bulk_create(
        Due(
            membership=membership_of[fact.organisation_id],
            schedule=schedule,
            year=2026,
            base_amount=Decimal(fact.outstanding) / 100,
            amount=Decimal(fact.outstanding) / 100,
            due_on=datetime.date(2026, 3, 31),
        )
        for fact in facts
    )
    # The generator writes references to the database's due ids (invoice numbers are left out: none issued).
    real = [
        matching.OpenDue(due.pk, fact.organisation_id, fact.organisation_name, 2026, fact.outstanding)
        for due, fact in zip(dues, facts, strict=True)
    ]
    lines = noisy.statement(real, seed=7)
    truth = {n: line.truth for n, line in enumerate(lines)}
    results: dict[str, object] = {"members": size, "lines": len(lines), "format": file_format}
    data = noisy.as_csv(lines) if file_format == "csv" else noisy.as_camt(lines)
    # The same lines again in another file (another export covering the same days): no line twice.
    again = (
        noisy.as_csv(lines, encoding="utf-8")
        if file_format == "csv"
        else noisy.as_camt(lines, statement_id="B")
    )
    with tempfile.TemporaryDirectory() as folder:
        for step, content in (("first", data), ("same file", data), ("overlapping export", again)):
            path = Path(folder) / f"releve-{step}.{file_format}"
            path.write_bytes(content)
            started = time.perf_counter()
            outcome = import_statement(association=association, path=path, file_name=path.name)
            results[step] = {
                "seconds": round(time.perf_counter() - started, 2),
                "new": outcome.new_lines,
                "matched": outcome.matched,
                "queued": outcome.queued,
            }
    wrong = 0
    positions = {line.position: n for n, line in enumerate(noisy_positions(file_format, lines))}
    for bank_line in BankLine.objects.filter(status="matched").prefetch_related("payments__allocations"):
        allocated = {
            allocation.due_id: round(allocation.amount * 100)
            for payment in bank_line.payments.all()
            for allocation in payment.allocations.all()
        }
        wrong += allocated != truth[positions[bank_line.position]]
    results["wrong"] = wrong
    results["payments"] = Payment.objects.count()
    results["bank_lines"] = BankLine.objects.count()
    return results


def _run_import(size: int, database: str, file_format: str) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT / 'tests'}")
    folder = tempfile.mkdtemp()
    if database == "postgresql":
        import psycopg

        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE}")
            connection.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")
        env["DATABASE_URL"] = f"{POSTGRES_SERVER}/{POSTGRES_DATABASE}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    env["GRAPPE_DATA_DIR"] = folder
    try:
        output = subprocess.run(
            [sys.executable, __file__, "--job", str(size), "--format", file_format],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        if database == "postgresql":
            import psycopg

            with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE}")
    return {"database": database, **json.loads(output.strip().splitlines()[-1])}


def _table(scores: list[dict[str, object]]) -> list[str]:
    rows = [
        "| members | seed | lines | payments | matched | matched right | wrong matches | queued | engine time (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scores:
        payments = int(s["payments"])  # type: ignore[call-overload]
        matched, right = int(s["matched"]), int(s["right"])  # type: ignore[call-overload]
        rows.append(
            f"| {s['size']:,} | {s['seed']} | {s['lines']:,} | {payments:,} | {matched / payments:.1%} | "
            f"{right / payments:.1%} | {s['wrong']} | {payments - matched:,} | {float(s['seconds']):.2f} |"  # type: ignore[arg-type]
        )
    return rows


def _missed(scores: list[dict[str, object]]) -> list[str]:
    noise: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for s in scores:
        noise.update(s["noise"])  # type: ignore[arg-type]
        missed.update(s["missed"])  # type: ignore[arg-type]
    rows = ["| noise on the payment | payments | queued | queued share |", "|---|---:|---:|---:|"]
    for tag, count in noise.most_common():
        rows.append(f"| {tag} | {count:,} | {missed[tag]:,} | {missed[tag] / count:.1%} |")
    return rows


def _imports(results: list[dict[str, object]]) -> list[str]:
    rows = [
        "| database | members | file | lines | matched | queued | wrong | import + matching (s) "
        "| same file again: new lines (s) | overlapping export: new lines (s) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        first, same, overlap = r["first"], r["same file"], r["overlapping export"]
        rows.append(
            f"| {r['database']} | {r['members']:,} | {'CSV' if r['format'] == 'csv' else 'CAMT.053'} | "  # type: ignore[index]
            f"{first['new']:,} | {first['matched']:,} | {first['queued']:,} | {r['wrong']} | {first['seconds']} | "  # type: ignore[index]
            f"{same['new']} ({same['seconds']}) | {overlap['new']} ({overlap['seconds']}) |"  # type: ignore[index]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--import-size", type=int, default=2000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--job", type=int)
    parser.add_argument("--format", default="csv")
    args = parser.parse_args()
    if args.job:
        print(json.dumps(_import_job(args.job, args.format)))
        return
    scores = [score(int(size), int(seed)) for size in args.sizes.split(",") for seed in args.seeds.split(",")]
    imports = (
        [
            _run_import(args.import_size, database, file_format)
            for database in args.databases.split(",")
            for file_format in ("csv", "camt053")
        ]
        if args.import_size
        else []
    )
    total = sum(int(s["payments"]) for s in scores)  # type: ignore[call-overload]
    matched = sum(int(s["matched"]) for s in scores)  # type: ignore[call-overload]
    load = os.getloadavg()[2]
    lines = [
        f"Measured on {datetime.date.today().isoformat()} ({platform.machine()}, {os.cpu_count()} CPUs, load "
        f"average {load:.1f}, Python {platform.python_version()}); goal: ≥ {GOAL_MATCHED:.0%} of payments "
        f"matched, wrong matches ~0. Overall: **{matched / total:.1%}** matched "
        f"({matched:,} of {total:,} payments), **{sum(int(s['wrong']) for s in scores)}** wrong.",  # type: ignore[call-overload]
        "",
        *_table(scores),
        "",
        "What the queued payments carried (a payment may carry several kinds of noise):",
        "",
        *_missed(scores),
    ]
    if imports:
        lines += [
            "",
            "The whole import path on a database (members' dues seeded, no invoice issued):",
            "",
            *_imports(imports),
        ]
    text = "\n".join(lines)
    print(text)
    if not args.no_readme:
        readme = HERE / "README.md"
        content = readme.read_text()
        start, end = content.index(MARK_START) + len(MARK_START), content.index(MARK_END)
        readme.write_text(content[:start] + "\n\n" + text + "\n\n" + content[end:])


if __name__ == "__main__":
    main()
