"""``grappe demo`` loads the story and prints its figures, measured on the ground truth, in French."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from grappe import cli
from grappe.demo.story import FUSION_NAME, NUMBERS

pytestmark = pytest.mark.django_db(transaction=False)


def test_demo_command_loads_without_serving_and_stats_reports_it(tmp_path, settings, monkeypatch):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(cli.out_console, "width", 220)  # the figures table in one line per merger
    cli._register_commands()
    runner = CliRunner()
    result = runner.invoke(cli.app, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "direction" in result.output and "grappe-demo" in result.output
    # The figures of the registry itself (pairs of exported rows), not of the candidate pairs alone.
    assert "Qualité du rapprochement sur la vérité terrain" in result.output
    assert "la démo a joué le relecteur" in result.output
    assert "P 1,000 R 1,000 F1 1,000" in result.output
    assert f"{NUMBERS.after_clustr} (attendu {NUMBERS.after_clustr})" in result.output
    assert "Registre final :" in result.output and "0 réunies à tort ; F1 1,000." in result.output

    stats = runner.invoke(cli.app, ["stats", "--json"])
    assert stats.exit_code == 0, stats.output
    counts = {item["association"]: item["members"] for item in json.loads(stats.output)}
    assert counts[FUSION_NAME] == NUMBERS.after_clustr
