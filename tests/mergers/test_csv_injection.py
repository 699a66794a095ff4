"""The merger's CSV files (decisions, report; web and CLI) neutralise formula-like names, and decisions
written by the platform, edited and saved again with ";" or ",", come back without the added quote."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from typer.testing import CliRunner

from grappe import cli
from grappe.core.exports import FORMULA_TRIGGERS
from grappe.mergers import services
from grappe.mergers.models import CandidatePair, Merger
from grappe.registry.models import Organisation

HOSTILE = '=HYPERLINK("x")'
pytestmark = pytest.mark.django_db


def url(name: str, merger: Merger) -> str:
    return reverse(f"mergers:{name}", kwargs={"merger_id": merger.pk})


def cells_of(text: str) -> list[list[str]]:
    """The rows of a platform CSV, checked to be French Excel's (mark, ";") with no cell starting a formula."""
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_TRIGGERS)]
    return rows


def test_the_decisions_download_and_cli_export_neutralise_names(
    manager_client: Client, merger: Merger, tmp_path
) -> None:
    merger.pairs.update(left_label=HOSTILE, right_label="@SUM(1)")
    rows = cells_of(manager_client.get(url("decisions_csv", merger)).content.decode("utf-8"))
    assert rows[1][3:5] == ["'" + HOSTILE, "'@SUM(1)"]
    cli._register_commands()
    exported = tmp_path / "decisions.csv"
    result = CliRunner().invoke(cli.app, ["merge", "decisions", "export", str(merger.pk), str(exported)])
    assert result.exit_code == 0, result.output
    assert cells_of(exported.read_text(encoding="utf-8"))[1][3] == "'" + HOSTILE


def test_decisions_exported_then_saved_with_semicolons_or_commas_come_back(
    merger: Merger, manager, tmp_path
) -> None:
    merger.pairs.update(left_label=HOSTILE)
    stream = io.StringIO()
    services.export_decisions(merger=merger, stream=stream)
    exported = stream.getvalue()
    header, *rows = cells_of(exported)
    pair_id = int(rows[0][0])
    for delimiter in (";", ","):
        edited = [header, *([*row[:-1], "oui"] if int(row[0]) == pair_id else row for row in rows)]
        path = tmp_path / "decisions.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle, delimiter=delimiter).writerows(edited)
        assert services.import_decisions(merger=merger, path=path, user=manager) >= 1
        pair = CandidatePair.objects.get(pk=pair_id)
        assert pair.decision == CandidatePair.Decision.ACCEPTED
        pair.decision = CandidatePair.Decision.PENDING
        pair.save()


def test_the_report_download_and_cli_csv_neutralise_names(
    manager_client: Client, merger: Merger, world, tmp_path
) -> None:
    services.set_membership_type_mapping(merger=merger, mapping={}, user=None)
    merger = services.apply_merger(merger=merger, accept_auto_only=True)
    Organisation.objects.update(name=HOSTILE)
    merger.pairs.update(left_label=HOSTILE, right_label="-2+3")
    rows = cells_of(manager_client.get(url("report_csv", merger)).getvalue().decode("utf-8"))
    cells = {cell for row in rows for cell in row}
    assert {"'" + HOSTILE, "'-2+3"} <= cells
    cli._register_commands()
    written = tmp_path / "rapport.csv"
    result = CliRunner().invoke(cli.app, ["merge", "report", str(merger.pk), "--csv", str(written)])
    assert result.exit_code == 0, result.output
    assert "'" + HOSTILE in {cell for row in cells_of(written.read_text(encoding="utf-8")) for cell in row}
