"""The import report (web download and ``grappe import --report``) neutralises formula-like values."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from typer.testing import CliRunner

from grappe import cli
from grappe.core.exports import FORMULA_TRIGGERS
from grappe.intake.models import ImportJob

from .conftest import member_row

pytestmark = pytest.mark.django_db
HOSTILE = '=HYPERLINK("x")'
ROWS = [
    member_row(1, **{"E-mail": HOSTILE}),
    member_row(2, **{"Téléphone": "@SUM(1)"}),
    member_row(3, **{"E-mail": "-2+3"}),
]


def assert_neutralised(text: str) -> list[list[str]]:
    """Every cell of a platform CSV is safe: none starts like a formula; the hostile values are behind a quote."""
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_TRIGGERS)]
    cells = {cell for row in rows for cell in row}
    assert {"'" + HOSTILE, "'@SUM(1)", "'-2+3"} <= cells
    return rows


def test_the_cli_report_neutralises_formulas(association, write_csv, tmp_path) -> None:
    cli._register_commands()
    report = tmp_path / "rapport.csv"
    result = CliRunner().invoke(
        cli.app, ["import", str(write_csv(ROWS)), "-a", "Numélink", "--report", str(report), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert_neutralised(report.read_text(encoding="utf-8"))


def test_the_report_download_neutralises_formulas(
    client, importer, association, write_csv, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(importer)
    with write_csv(ROWS).open("rb") as stream:
        client.post(reverse("intake:upload"), {"association": association.pk, "file": stream})
    job = ImportJob.objects.get()
    mapping = {f"column_{index}": field for index, field in job.column_mapping.items()}
    client.post(reverse("intake:mapping", args=[job.pk]), {**mapping, "validate": "1"})
    download = client.get(reverse("intake:report_csv", args=[job.pk]))
    assert download.status_code == 200
    assert_neutralised(b"".join(download.streaming_content).decode("utf-8"))
