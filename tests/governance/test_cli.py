"""``grappe statutes import|export|show`` and ``grappe seats``: thin shells over the services."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from governance.conftest import NUMELINK_2016
from grappe import cli
from grappe.governance import schema
from grappe.governance.models import Statutes

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    cli._register_commands()
    return CliRunner()


def test_import_then_export_and_show(registry, runner, tmp_path):
    source = tmp_path / "statuts.yaml"
    source.write_text(NUMELINK_2016, encoding="utf-8")
    result = runner.invoke(cli.app, ["statutes", "import", "Numélink", str(source)])
    assert result.exit_code == 0, result.output
    assert "Enregistré : Statuts de Numélink, version 1 (31/03/2016)." in result.output
    exported = runner.invoke(cli.app, ["statutes", "export", "Numélink", "--date", "2016-04-01"])
    assert exported.exit_code == 0, exported.output
    assert Statutes.objects.get().rules == schema.load(exported.output)
    shown = runner.invoke(cli.app, ["statutes", "show", "Numélink", "--date", "2016-04-01"])
    assert (
        "Bureau : renouvellement : non fixé par les statuts (organes.bureau.renouvellement)" in shown.output
    )


def test_a_bad_file_names_its_line_and_exits_2(registry, runner, tmp_path):
    source = tmp_path / "statuts.yaml"
    source.write_text(NUMELINK_2016.replace("mandat_ans: 3", "mandat_ans: trois"), encoding="utf-8")
    result = runner.invoke(cli.app, ["statutes", "import", "Numélink", str(source)])
    assert result.exit_code == 2
    assert "ligne 14, organes.conseil.mandat_ans : un nombre entier est attendu" in " ".join(
        result.output.split()
    )
    assert not Statutes.objects.exists()


def test_seats_without_a_rule_is_refused(registry, runner, tmp_path):
    source = tmp_path / "statuts.yaml"
    source.write_text(NUMELINK_2016, encoding="utf-8")
    runner.invoke(cli.app, ["statutes", "import", "Numélink", str(source)])
    result = runner.invoke(cli.app, ["seats", "Numélink", "--date", "2016-04-01"])
    assert result.exit_code == 2
    assert "repartition_territoriale : non fixé par les statuts" in " ".join(result.output.split())


def test_seats_from_todays_members(registry, runner, tmp_path):
    from governance.test_apportionment import FEDERAL

    source = tmp_path / "federaux.yaml"
    source.write_text(
        FEDERAL.format(method="sainte_lague").replace("sieges: 7", "sieges: 8"), encoding="utf-8"
    )
    assert runner.invoke(cli.app, ["statutes", "import", "Numélink", str(source)]).exit_code == 0
    result = runner.invoke(cli.app, ["seats", "Numélink", "--date", "2017-04-01"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert "8 sièges, méthode des Sainte-Laguë, 1 au minimum" in result.output
    assert ["Drôme-Ardèche", "2", "4"] in lines and ["Loire", "2", "4"] in lines
