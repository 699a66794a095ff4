"""A killed process in the middle of apply, the ``grappe merge`` commands, and the report as CSV and PDF."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grappe import cli
from grappe.mergers import services
from grappe.mergers.models import AuditEntry, Merger
from grappe.mergers.report import merger_report, render_report_pdf, write_report_csv

from . import scenario

TESTS_DIR = Path(__file__).resolve().parents[1]

_SETUP = """
import os, sys
sys.path.insert(0, {tests!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "grappe.settings"
import django
django.setup()
from grappe.mergers import services
from grappe.mergers.models import Merger
from grappe.mergers.snapshot import registry_checksum
"""


def _run(tmp_path: Path, database_url: str, body: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "GRAPPE_DATA_DIR": str(tmp_path)}
    code = _SETUP.format(tests=str(TESTS_DIR)) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=240)


def test_a_killed_process_in_the_middle_of_apply_leaves_the_registry_unchanged(tmp_path, shared_database):
    prepared = _run(
        tmp_path,
        shared_database,
        f"""
        from pathlib import Path
        from mergers import scenario
        world = scenario.build(Path({str(tmp_path)!r}))
        merger = services.plan_merger(absorbing=world.numelink, absorbed=world.auvergne_tic,
                                      effective_on=scenario.EFFECTIVE)
        services.set_membership_type_mapping(merger=merger, mapping={{}}, user=None)
        print(merger.pk, registry_checksum())
        """,
    )
    assert prepared.returncode == 0, prepared.stderr
    merger_id, before = prepared.stdout.split()[-2:]

    killed = _run(
        tmp_path,
        shared_database,
        f"""
        def die(point, index):
            if point == "associations":
                os._exit(1)  # the process dies with the transaction open
        from grappe.mergers import apply
        apply.FAULT_HOOK = die
        services.apply_merger(merger=Merger.objects.get(pk={merger_id}), accept_auto_only=True)
        print("not reached")
        """,
    )
    assert killed.returncode == 1 and "not reached" not in killed.stdout

    after = _run(
        tmp_path, shared_database, f"print(Merger.objects.get(pk={merger_id}).status, registry_checksum())"
    )
    assert after.returncode == 0, after.stderr
    assert after.stdout.split() == ["planned", before]


@pytest.fixture
def runner():
    cli._register_commands()
    return CliRunner()


@pytest.mark.django_db
def test_cli_plan_decide_apply_report_and_undo(tmp_path, runner):
    world = scenario.build(tmp_path, import_absorbed=False)

    planned = runner.invoke(
        cli.app,
        [
            "merge",
            "plan",
            str(world.auvergne_export),
            "--absorbed",
            "Auvergne TIC",
            "--into",
            "Numélink",
            "--effective",
            "2016-03-31",
            "--keep-brand",
        ],
    )
    assert planned.exit_code == 0, planned.output
    assert "Rapprochements sûrs" in planned.output and "Paires à vérifier" in planned.output
    merger = Merger.objects.get()
    assert str(merger.effective_on) == "2016-03-31"

    refused = runner.invoke(cli.app, ["merge", "apply", str(merger.pk)])
    assert refused.exit_code == 2 and "sans décision" in refused.output

    exported = tmp_path / "decisions.csv"
    assert (
        runner.invoke(cli.app, ["merge", "decisions", "export", str(merger.pk), str(exported)]).exit_code == 0
    )
    rows = list(csv.DictReader(exported.open(encoding="utf-8-sig"), delimiter=";"))
    # The columns under their French headers, as a person filling the file in reads them.
    column = {code: str(label) for code, label in services.DECISION_HEADERS.items()}
    decision, name = column["decision"], column["absorbed_name"]
    for row in rows:
        row[decision] = "non" if "Web Roanne Studio" in row[name] else row[decision]
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([*rows[:1], {**rows[0], decision: "peut-être"}])
    wrong = runner.invoke(cli.app, ["merge", "decisions", "import", str(merger.pk), str(bad)])
    assert wrong.exit_code == 2 and "bad.csv" in wrong.output and "ligne 3" in wrong.output
    assert merger.pairs.exclude(decision="pending").count() == 0
    with exported.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    imported = runner.invoke(cli.app, ["merge", "decisions", "import", str(merger.pk), str(exported)])
    assert imported.exit_code == 0, imported.output
    assert merger.pairs.get(decision="rejected").decided_by_label == services.COMMAND_LINE

    unconfirmed = runner.invoke(cli.app, ["merge", "apply", str(merger.pk)])
    assert unconfirmed.exit_code == 2 and "types d'adhésion" in unconfirmed.output
    assert f"grappe merge mapping {merger.pk} --confirm" in " ".join(unconfirmed.output.split())
    shown = runner.invoke(cli.app, ["merge", "mapping", str(merger.pk)])
    assert "Membre actif → Membre actif" in shown.output and "non confirmée" in shown.output
    confirmed = runner.invoke(
        cli.app, ["merge", "mapping", str(merger.pk), "Membre actif=Entreprise", "--confirm"]
    )
    assert confirmed.exit_code == 0 and "Membre actif → Entreprise" in confirmed.output
    assert "Confirmée." in confirmed.output

    applied = runner.invoke(cli.app, ["merge", "apply", str(merger.pk)])
    assert applied.exit_code == 0, applied.output
    assert "appliquée" in applied.output

    csv_path, pdf_path = tmp_path / "rapport.csv", tmp_path / "rapport.pdf"
    reported = runner.invoke(
        cli.app, ["merge", "report", str(merger.pk), "--csv", str(csv_path), "--pdf", str(pdf_path)]
    )
    assert reported.exit_code == 0, reported.output
    assert "adhérents" in csv_path.read_text(encoding="utf-8")
    assert pdf_path.read_bytes().startswith(b"%PDF")

    listed = runner.invoke(cli.app, ["merge", "list"])
    assert "Auvergne TIC → Numélink" in listed.output
    undone = runner.invoke(cli.app, ["merge", "undo", str(merger.pk)])
    assert undone.exit_code == 0, undone.output
    again = runner.invoke(cli.app, ["merge", "undo", str(merger.pk)])
    assert again.exit_code == 2 and "annulée" in again.output
    actions = set(AuditEntry.objects.filter(merger=merger).values_list("action", flat=True))
    assert actions >= {"plan", "import_decisions", "apply", "report", "undo"}
    assert set(AuditEntry.objects.values_list("actor", flat=True)) == {services.COMMAND_LINE}


@pytest.mark.django_db
def test_cli_dedup_is_one_at_a_time_and_abandon_drops_a_plan(tmp_path, runner):
    scenario.build(tmp_path)
    assert runner.invoke(cli.app, ["merge", "dedup", "Auvergne TIC"]).exit_code == 0
    first = Merger.objects.get()

    second = runner.invoke(cli.app, ["merge", "dedup", "Auvergne TIC"])
    assert second.exit_code == 2 and f"Le dédoublonnage n° {first.pk}" in second.output
    assert f"grappe merge abandon {first.pk}" in second.output

    dropped = runner.invoke(cli.app, ["merge", "abandon", str(first.pk)])
    assert dropped.exit_code == 0, dropped.output
    assert f"Plan de la fusion n° {first.pk} (Dédoublonnage de Auvergne TIC) abandonné" in dropped.output
    again = runner.invoke(cli.app, ["merge", "abandon", str(first.pk)])
    assert again.exit_code == 2 and "Impossible d'abandonner le plan de la fusion" in again.output
    assert runner.invoke(cli.app, ["merge", "dedup", "Auvergne TIC"]).exit_code == 0
    assert list(Merger.objects.order_by("pk").values_list("status", flat=True)) == ["abandoned", "planned"]
    assert "abandonnée" in runner.invoke(cli.app, ["merge", "list"]).output


@pytest.mark.django_db
def test_report_csv_and_pdf_hold_the_counts(tmp_path):
    world = scenario.build(tmp_path)
    merger = services.plan_merger(
        absorbing=world.numelink, absorbed=world.auvergne_tic, effective_on=scenario.EFFECTIVE
    )
    services.set_membership_type_mapping(merger=merger, mapping={}, user=None)
    merger = services.apply_merger(merger=merger, accept_auto_only=True)
    report = merger_report(merger)
    stream = io.StringIO()
    write_report_csv(report, stream)
    rows = list(csv.reader(io.StringIO(stream.getvalue().removeprefix("\ufeff")), delimiter=";"))
    assert ["adhérents", "Numélink + Auvergne TIC", "9", "6"] in rows or any(
        row[:1] == ["adhérents"] and row[-1] == "6" for row in rows
    )
    assert any(row[:2] == ["département", "63"] for row in rows)
    pdf = render_report_pdf(report)
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
