"""``grappe import``: exit codes, one-paragraph errors without tracebacks, the report and its CSV."""

from __future__ import annotations

import csv
import io
import re
import time

import pytest
from typer.testing import CliRunner

from grappe import cli
from grappe.registry.models import Organisation, SourceRecord

from .conftest import member_row, siret

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    cli._register_commands()
    return CliRunner()


def run(runner: CliRunner, *args: str):
    result = runner.invoke(cli.app, ["import", *map(str, args)])
    result.text = " ".join(result.output.split())  # rich wraps lines at the console width
    return result


def test_an_import_prints_what_it_did_and_exits_0(runner, association, write_csv):
    path = write_csv([member_row(1), member_row(2, SIRET="4,12345E+13")])

    result = run(runner, path, "--association", "Auvergne TIC")

    assert result.exit_code == 0, result.output
    assert "Import terminé" in result.text and "2 lignes importées" in result.text
    assert "siret.spreadsheet_mangled" not in result.text and "SIRET" in result.text  # the issue table
    assert "1 avertissement(s)" in result.text
    assert Organisation.objects.count() == 2


def test_an_unknown_association_exits_2_listing_the_known_ones(runner, association, write_csv):
    result = run(runner, write_csv([member_row(1)]), "--association", "Clust'R")

    assert result.exit_code == 2
    assert "Association « Clust'R » inconnue" in result.text and "« Auvergne TIC »" in result.text
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "adherents.csv : ce fichier est vide"),
        (bytes(range(256)) * 40, "adherents.csv"),
        (b"Raison sociale;E-mail;Email\nAlpha;a;b\n", "adherents.csv, ligne 1, colonne"),
        (b'Raison sociale;Ville\nAlpha;Lyon\nBeta;"Paris\nGamma;Nice\n', "adherents.csv, ligne 3"),
    ],
    ids=["empty", "binary", "duplicated-columns", "unbalanced-quote"],
)
def test_an_unreadable_file_exits_2_with_a_located_paragraph_and_changes_nothing(
    runner, association, tmp_path, counts, content, words
):
    path = tmp_path / "adherents.csv"
    path.write_bytes(content)
    before = counts()

    result = run(runner, path, "--association", "Auvergne TIC")

    assert result.exit_code == 2
    assert result.text.startswith("Erreur :") and words in result.text
    assert "Traceback" not in result.output
    assert counts() == before


def test_a_missing_file_exits_2(runner, association, tmp_path):
    result = run(runner, tmp_path / "absent.csv", "--association", "Auvergne TIC")

    assert result.exit_code == 2 and "introuvable" in result.text


def test_rows_with_errors_are_refused_unless_skip_invalid(runner, association, write_csv, counts):
    path = write_csv([member_row(1), member_row(2, **{"Raison sociale": ""})])
    before = counts()

    refused = run(runner, path, "--association", "Auvergne TIC")

    assert refused.exit_code == 2
    assert "Import refusé" in refused.text and "Raison sociale absente" in refused.text
    assert counts() == before

    accepted = run(runner, path, "--association", "Auvergne TIC", "--skip-invalid")

    assert accepted.exit_code == 0, accepted.output
    assert "1 lignes importées, 1 rejetées" in accepted.text and "Lignes rejetées" in accepted.text
    assert SourceRecord.objects.filter(status="rejected", line_number=3).exists()


def test_the_report_option_writes_every_issue_as_csv(runner, association, write_csv, tmp_path):
    rows = [member_row(n, **{"E-mail": "faux"}) for n in range(1, 31)]
    report = tmp_path / "rapport.csv"

    result = run(runner, write_csv(rows), "--association", "Auvergne TIC", "--report", report, "--dry-run")

    assert result.exit_code == 0, result.output
    assert "les 20 premières sur 30" in result.text and "Rien n'a été écrit" in result.text
    with report.open(encoding="utf-8-sig", newline="") as stream:
        lines = list(csv.DictReader(stream, delimiter=";"))
    assert len(lines) == 31  # every issue, then one count per column
    assert lines[0]["ligne"] == "2" and lines[0]["colonne"] == "E-mail" and lines[0]["valeur"] == "faux"
    assert lines[0]["gravité"] == "avertissement" and lines[0]["attendu"]
    assert lines[-1]["ligne"] == "" and lines[-1]["colonne"] == "E-mail"
    assert lines[-1]["gravité"] == "synthèse" and lines[-1]["code"] == "summary.unread"
    assert "30 valeurs illisibles" in lines[-1]["anomalie"] and "rapprochement" in lines[-1]["anomalie"]
    assert Organisation.objects.count() == 0


def test_a_dry_run_with_errors_exits_1(runner, association, write_csv, counts):
    before = counts()

    result = run(
        runner, write_csv([member_row(1, **{"Raison sociale": ""})]), "-a", "Auvergne TIC", "--dry-run"
    )

    assert result.exit_code == 1
    assert counts() == before


def test_the_same_file_twice_exits_2_naming_the_earlier_import(runner, association, write_csv):
    path = write_csv([member_row(1)])
    assert run(runner, path, "--association", "Auvergne TIC").exit_code == 0

    again = run(runner, path, "--association", "Auvergne TIC")

    assert again.exit_code == 2
    assert "déjà été importé" in again.text and "depuis la ligne de commande" in again.text


def test_a_json_mapping_and_a_sheet_can_be_given(runner, association, write_xlsx):
    path = write_xlsx([member_row(1)], sheet="Membres")

    result = run(
        runner,
        path,
        "-a",
        "Auvergne TIC",
        "--sheet",
        "Membres",
        "--header-line",
        "2",
        "--mapping",
        '{"SIRET": null}',
    )

    assert result.exit_code == 0, result.output
    assert Organisation.objects.get().siren == ""
    assert siret(1) not in Organisation.objects.values_list("siren", flat=True)


def test_on_a_terminal_both_stages_draw_a_progress_bar_with_an_end(
    runner, association, write_csv, monkeypatch
):
    from rich.console import Console

    from grappe.intake import cli as intake_cli
    from grappe.intake import services

    screen = io.StringIO()
    # CliRunner's output is not a terminal, where rich draws no bars: give the command one that is.
    monkeypatch.setattr(intake_cli, "out_console", Console(file=screen, force_terminal=True, width=120))
    # rich redraws ten times a second: slow the rows down so that the bars are drawn between them.
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)
    validate = services.RowValidator.validate

    def slow_validate(self, row):
        time.sleep(0.12)
        return validate(self, row)

    monkeypatch.setattr(services.RowValidator, "validate", slow_validate)
    # The write stage writes staged rows a batch at a time: one row a batch, each slowed down likewise.
    monkeypatch.setattr(services, "BATCH_SIZE", 1)
    write = services._BatchWriter.write

    def slow_write(self, batch):
        time.sleep(0.12)
        return write(self, batch)

    monkeypatch.setattr(services._BatchWriter, "write", slow_write)

    result = run(runner, write_csv([member_row(n) for n in range(1, 6)]), "--association", "Auvergne TIC")

    assert result.exit_code == 0, result.output
    drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert re.search(r"Validation des lignes\W+━+ [1-4]/5", drawn) and "/?" not in drawn
    assert re.search(r"Écriture dans le registre\W+━+ [1-4]/5", drawn)
    assert "Import terminé" in drawn
