"""A merger's export goes through the same intake: its default country, and the values it could not read
counted on the plan page and in ``grappe merge show`` (issue 14, point 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from typer.testing import CliRunner

from grappe import cli
from grappe.mergers.models import Merger, PlanJob
from grappe.mergers.records import organisation_records
from grappe.registry.models import Establishment

from . import scenario

pytestmark = pytest.mark.django_db

PHONE = scenario.HEADERS.index("Téléphone de l'entreprise")
POSTCODE = scenario.HEADERS.index("Code postal")
CITY = scenario.HEADERS.index("Ville")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GRAPPE_MERGERS_PLAN_IN_BACKGROUND = False


@pytest.fixture
def runner() -> CliRunner:
    cli._register_commands()
    return CliRunner()


@pytest.fixture
def world(tmp_path: Path) -> scenario.Scenario:
    return scenario.build(tmp_path, import_absorbed=False)


def export_with_us_phones(tmp_path: Path) -> Path:
    """Auvergne TIC's export, two of its phones written the US way (unreadable as French numbers)."""
    rows = [list(row) for row in scenario.AUVERGNE_ROWS]
    rows[0][PHONE], rows[1][PHONE] = "(773) 251-1196", "3865286"
    return scenario.write_csv(tmp_path / "auvergne-us.csv", rows)


def us_export(tmp_path: Path) -> Path:
    """The same members, all in Chicago."""
    rows = [list(row) for row in scenario.AUVERGNE_ROWS]
    for row in rows:
        row[POSTCODE], row[CITY], row[PHONE] = "60610", "Chicago", "3865286"
    return scenario.write_csv(tmp_path / "auvergne-chicago.csv", rows)


def plan(runner: CliRunner, export: Path, *extra: str):
    return runner.invoke(
        cli.app,
        ["merge", "plan", str(export), "--absorbed", "Auvergne TIC", "--into", "Numélink", "--effective",
         "2016-03-31", *extra],
    )  # fmt: skip


def test_merge_plan_and_show_count_the_export_phones_not_read(runner, world, tmp_path):
    planned = plan(runner, export_with_us_phones(tmp_path))

    assert planned.exit_code == 0, planned.output
    merger = Merger.objects.get()
    assert merger.source_file.unread_values == {"phone": 2}
    shown = runner.invoke(cli.app, ["merge", "show", str(merger.pk)])
    text = " ".join(shown.output.split())
    assert shown.exit_code == 0, shown.output
    assert "« Téléphone de l'entreprise » (Téléphone de l'entreprise) : 2 valeurs illisibles" in text
    assert "ne servent pas au rapprochement" in text


def test_merge_plan_country_reads_the_export_by_that_country_and_the_linkage_receives_it(
    runner, world, tmp_path
):
    planned = plan(runner, us_export(tmp_path), "--country", "US")

    assert planned.exit_code == 0, planned.output
    merger = Merger.objects.get()
    assert merger.source_file.default_country == "US" and merger.source_file.local_values == {
        "phone": len(scenario.AUVERGNE_ROWS)
    }
    chicago = Establishment.objects.filter(city="Chicago")
    assert chicago.exists() and {(site.country, site.departement_code) for site in chicago} == {("US", "")}
    assert not Establishment.objects.filter(departement_code="60").exists()
    records = organisation_records(site.organisation_id for site in chicago)
    assert {
        record["country"] for record in records if record["record_id"] in {f"e{s.pk}" for s in chicago}
    } == {"US"}
    assert {"US", "FR"} >= {record["country"] for record in records}
    assert any(record["phone"] == "3865286" and record["country"] == "US" for record in records)
    assert f"{len(scenario.AUVERGNE_ROWS)} numéros locaux" in " ".join(
        runner.invoke(cli.app, ["merge", "show", str(merger.pk)]).output.split()
    )


def test_the_plan_page_shows_the_counts_and_the_plan_form_takes_a_default_country(
    manager_client: Client, world, tmp_path
):
    form = manager_client.get(reverse("mergers:list"))
    assert form.context["form"]["country"].value() == "FR"
    with export_with_us_phones(tmp_path).open("rb") as stream:
        manager_client.post(
            reverse("mergers:list"),
            {"absorbed": world.auvergne_tic.pk, "absorbing": world.numelink.pk, "kind": "absorption",
             "effective_on": "2016-03-31", "country": "BE", "file": stream},
        )  # fmt: skip
    job = PlanJob.objects.get()
    assert job.country == "BE" and job.status == PlanJob.Status.PLANNED, job.failure
    assert job.merger.source_file.default_country == "BE"

    page = manager_client.get(reverse("mergers:detail", kwargs={"merger_id": job.merger.pk}))

    messages = [count.message for count in page.context["reading_counts"]]
    assert len(messages) == 1 and "valeurs illisibles" in messages[0]
    assert escape(messages[0]) in page.content.decode()


def test_french_sites_carry_fr_and_an_unreadable_country_is_zz_for_the_linkage(world):
    site = Establishment.objects.filter(departement_code="42").first()
    Establishment.objects.filter(pk=site.pk).update(country="")

    records = {
        record["record_id"]: record
        for record in organisation_records(Establishment.objects.values_list("organisation_id", flat=True))
    }

    assert records[f"e{site.pk}"]["country"] == "ZZ"
    assert {record["country"] for key, record in records.items() if key != f"e{site.pk}"} == {"FR"}
