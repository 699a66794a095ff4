"""One source for each figure of a merger: the plan page's tiles, the list, the terminal, the report and its
CSV files say the same numbers and the same words about the same pairs (issue 10)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from typer.testing import CliRunner

from grappe import cli
from grappe.core import exports
from grappe.mergers.models import CandidatePair, Merger
from grappe.mergers.views import compare_values

from .test_views import confirm_types, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def applied(manager_client: Client, merger: Merger) -> Merger:
    confirm_types(manager_client, merger)
    response = manager_client.post(url("apply", merger), {"confirm": "on", "accept_auto_only": "on"})
    assert response.status_code == 302
    merger.refresh_from_db()
    assert merger.status == Merger.Status.APPLIED
    return merger


def _plan_cli_count(label: str, merger: Merger) -> int:
    cli._register_commands()
    output = CliRunner().invoke(cli.app, ["merge", "show", str(merger.pk)]).output
    line = next(line for line in output.splitlines() if line.strip().startswith(label))
    return int(line.split()[-1])


def test_the_conflicts_tile_the_list_and_the_report_count_the_same_conflicts(manager_client, applied):
    assert applied.outcome["conflicts_resolved"], "the scenario's apply chose between values"
    tile = manager_client.get(url("detail", applied)).context["counts"]["conflicts"]
    report = manager_client.get(url("report", applied)).context["report"]
    (_merger, listed), *_ = manager_client.get(reverse("mergers:list")).context["mergers"]

    assert tile == len(report.conflicts) == listed["conflicts"] == _plan_cli_count("Conflits", applied)


def test_the_sure_pairs_are_counted_alike_by_the_list_the_terminal_and_the_plan(manager_client, applied):
    (_merger, listed), *_ = manager_client.get(reverse("mergers:list")).context["mergers"]
    sure = applied.pairs.filter(band=CandidatePair.Band.AUTO_MATCH, kind=CandidatePair.Kind.CROSS).count()

    assert sure >= 1
    assert listed["sure_matches"] == sure == _plan_cli_count("Rapprochements sûrs", applied)


def test_applied_sure_matches_read_merged_in_the_report_csv_and_decisions_csv(manager_client, applied):
    sure = applied.pairs.filter(band=CandidatePair.Band.AUTO_MATCH, decision="pending").first()
    assert sure is not None

    report = manager_client.get(url("report_csv", applied)).getvalue().decode()
    row = next(line for line in report.splitlines() if sure.left_label in line and sure.right_label in line)
    assert "fusionnées (rapprochement sûr)" in row and "en attente" not in row

    decisions = list(
        exports.dict_reader(io.StringIO(manager_client.get(url("decisions_csv", applied)).content.decode()))
    )
    exported = next(item for item in decisions if item["n° de paire"] == str(sure.pk))
    assert exported["bande"] == "rapprochement sûr"
    assert exported["résultat"] == "fusionnées (rapprochement sûr)"
    assert exported["décision"] == "en attente"


def test_a_name_the_engine_found_identical_is_not_said_different_beside_its_evidence():
    evidence = [
        {"kind": "field", "comparison": "name", "level": "nom identique", "status": "agree", "weight": 8.1},
        {"kind": "field", "comparison": "phone", "level": "téléphone différent", "status": "disagree"},
    ]
    rows = {
        row.field: row
        for row in compare_values(
            {"name": "Atelier Forézien SAS", "phone": "0477123456"},
            {"name": "ATELIER FOREZIEN", "phone": "0477654321"},
            evidence,
        )
    }

    assert (rows["name"].status, rows["name"].engine_level) == ("close", "nom identique")
    assert rows["phone"].status == "different"
