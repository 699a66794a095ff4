"""The demo story loads through the real importer, and the articles' figures hold afterwards."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from grappe import cli
from grappe.demo import loader
from grappe.demo.story import FUSION_NAME, NUMBERS
from grappe.errors import UserError
from grappe.registry.models import Association, Brand, Office, SourceRecord, StaffMember
from grappe.registry.stats import member_count, members_by_departement

pytestmark = pytest.mark.django_db(transaction=False)


def test_story_figures_hold_after_loading(tmp_path):
    report = loader.load_story(directory=tmp_path)

    assert [step.members for step in report.steps] == [
        NUMBERS.after_rhonealley,
        NUMBERS.after_auvergne_tic,
        NUMBERS.after_clustr,
    ]
    assert report.holds
    # 300 members in seven départements after Auvergne TIC, more than 600 after Clust'R Numérique.
    assert report.steps[1].departements == ("07", "26", "38", "42", "43", "63", "69")
    cluster = Association.objects.get(name=FUSION_NAME)
    assert member_count(cluster) == NUMBERS.after_clustr > 600
    assert "74" in members_by_departement(cluster)
    absorbed = Association.objects.filter(status=Association.Status.ABSORBED).values_list("name", flat=True)
    assert set(absorbed) == {"Numélink", "RhoneAlley", "Auvergne TIC", "Clust'R Numérique"}
    assert Brand.objects.filter(association=cluster, name="RhoneAlley").exists()
    # Numélink's seven employees, one of them newly hired in Clermont-Ferrand, all carried into the cluster.
    bureau = Office.objects.get(name="Bureau de Clermont-Ferrand")
    assert bureau.association == cluster and bureau.kind == Office.Kind.BUREAU
    assert StaffMember.objects.filter(office=bureau, left_on__isnull=True).count() == 1
    # Every exported row is kept verbatim.
    exported_rows = sum(
        1 for line in (tmp_path / "truth.csv").read_text(encoding="utf-8").splitlines()[1:] if line
    )
    assert SourceRecord.objects.count() == exported_rows


def test_loading_twice_is_refused(tmp_path):
    loader.load_story(directory=tmp_path)
    with pytest.raises(UserError, match="déjà chargée"):
        loader.load_story(directory=tmp_path / "again")


def test_demo_command_loads_without_serving_and_stats_reports_it(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    cli._register_commands()
    runner = CliRunner()
    result = runner.invoke(cli.app, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "direction" in result.output and "grappe-demo" in result.output

    stats = runner.invoke(cli.app, ["stats", "--json"])
    assert stats.exit_code == 0, stats.output
    counts = {item["association"]: item["members"] for item in json.loads(stats.output)}
    assert counts[FUSION_NAME] == NUMBERS.after_clustr
