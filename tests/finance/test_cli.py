"""``grappe dues generate --year 2026``: issues the year's dues, says how many, refuses by name."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from grappe import cli
from grappe.finance.models import Due
from grappe.registry.models import Association

from .conftest import member, schedule_for


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    cli._register_commands()
    return CliRunner()


def test_generate_issues_the_years_dues_then_nothing_more(network, runner):
    first = runner.invoke(cli.app, ["dues", "generate", "--year", "2026"])
    assert first.exit_code == 0, first.output
    text = " ".join(first.output.split())
    assert (
        "Barème 2026 de Numélink : 4 cotisation(s) émise(s) pour 500,00 €, 0 adhérent(s) l'avaient déjà."
        in text
    )

    again = runner.invoke(cli.app, ["dues", "generate", "--year", "2026"])
    assert "0 cotisation(s) émise(s) pour 0,00 €, 4 adhérent(s) l'avaient déjà." in " ".join(
        again.output.split()
    )
    assert Due.objects.count() == 4


def test_generate_refuses_a_missing_or_ambiguous_schedule(network, runner):
    missing = runner.invoke(cli.app, ["dues", "generate", "--year", "2031"])
    assert missing.exit_code == 2
    assert "Aucun barème de cotisation 2031" in " ".join(missing.output.split())

    schedule_for(Association.objects.create(name="Auvergne TIC"))
    ambiguous = runner.invoke(cli.app, ["dues", "generate", "--year", "2026"])
    assert ambiguous.exit_code == 2
    assert "Plusieurs associations ont un barème 2026" in " ".join(ambiguous.output.split())
    chosen = runner.invoke(cli.app, ["dues", "generate", "--year", "2026", "--association", "numélink"])
    assert chosen.exit_code == 0, chosen.output


def test_generate_names_the_members_it_cannot_price(network, runner):
    member(network.numelink, "Sans Effectif", network.company_type)
    result = runner.invoke(cli.app, ["dues", "generate", "--year", "2026"])
    assert result.exit_code == 2
    assert "« Sans Effectif » : tranche d'effectif inconnue" in " ".join(result.output.split())
    assert not Due.objects.exists()
