"""``grappe stats``: today's networks first, absorbed ones with their date and absorber, JSON for scripts."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from grappe import cli
from grappe.registry.stats import member_count

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    cli._register_commands()
    return CliRunner()


def test_stats_lists_active_networks_first_and_says_when_and_into_what_the_others_were_absorbed(
    registry, runner
):
    result = runner.invoke(cli.app, ["stats"])

    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert text.index("Numélink :") < text.index("RhoneAlley (absorbée le 01/06/2016 par Numélink)")
    assert f"Numélink : {member_count(registry.numelink)} adhérents" in text
    assert "Département" in text and "42 Loire" in text


def test_stats_json_gives_counts_by_departement_and_the_absorption(registry, runner):
    result = runner.invoke(cli.app, ["stats", "--json"])

    assert result.exit_code == 0, result.output
    by_name = {item["association"]: item for item in json.loads(result.output)}
    assert by_name["Numélink"]["status"] == "active" and by_name["Numélink"]["absorbed_into"] is None
    assert by_name["RhoneAlley"]["absorbed_into"] == "Numélink"
    assert by_name["RhoneAlley"]["absorbed_on"] == "2016-06-01"
    loire = next(d for d in by_name["Numélink"]["by_departement"] if d["code"] == "42")
    assert loire["name"] == "Loire" and loire["members"] >= 1


def test_stats_on_an_empty_registry_says_how_to_fill_it(db, runner):
    result = runner.invoke(cli.app, ["stats"])

    assert result.exit_code == 0
    assert "grappe import" in result.output and "grappe demo" in result.output


def test_stats_counts_members_outside_france_apart_never_in_a_french_departement(registry, runner):
    from grappe.registry.models import Establishment

    site = Establishment.objects.filter(organisation=registry.drome_logiciels).first()
    Establishment.objects.filter(pk=site.pk).update(
        country="CH", postcode="1201", city="Genève", departement_code="", commune_code=""
    )

    text = " ".join(runner.invoke(cli.app, ["stats"]).output.split())
    data = json.loads(runner.invoke(cli.app, ["stats", "--json"]).output)

    assert "Hors de France" in text and "CH Suisse 1" in text
    abroad = {item["association"]: item["abroad"] for item in data}
    assert [{"country": "CH", "name": "Suisse", "members": 1}] in abroad.values()


def test_stats_counts_the_network_apart_from_an_association_in_negotiation(registry, runner):
    from grappe.mergers.models import Merger

    before = runner.invoke(cli.app, ["stats"]).output
    assert "Réseau : 4 adhérents" in " ".join(before.split())
    Merger.objects.create(
        absorbing=registry.numelink,
        absorbed=registry.auvergne_tic,
        status="planned",
        effective_on="2027-01-01",
    )

    result = runner.invoke(cli.app, ["stats"])

    text = " ".join(result.output.split())
    assert "Réseau : 3 adhérents" in text
    assert text.index("Numélink :") < text.index("En négociation") < text.index("Auvergne TIC : 1 adhérents")
    by_name = {
        item["association"]: item for item in json.loads(runner.invoke(cli.app, ["stats", "--json"]).output)
    }
    assert by_name["Auvergne TIC"]["in_negotiation"] is True
    assert by_name["Numélink"]["in_negotiation"] is False
