"""Members outside France: the « Pays » column, the import's default country, phones and postcodes read by the
row's country, and the values that could not be read counted per column (issue 14, point 3)."""

from __future__ import annotations

import csv

import pytest
from django.urls import reverse
from typer.testing import CliRunner

from grappe import cli
from grappe.errors import UserError
from grappe.intake.models import ImportJob
from grappe.intake.services import import_file
from grappe.registry.models import Establishment, Lineage, Organisation
from grappe.registry.stats import association_counts, counts_as_json

pytestmark = pytest.mark.django_db

US_HEADERS = ["Company", "Address", "City", "Zip", "Phone"]
WORLD_HEADERS = ["Raison sociale", "Code postal", "Ville", "Pays", "Téléphone"]


def us_rows() -> list[list[str]]:
    return [
        ["Acme Widgets", "1 N State St", "Chicago", "60610", "3865286"],
        ["Lakeside Labs", "2 W Erie St", "Chicago", "60610", "(773) 251-1196"],
        ["Loop Software", "3 E Ohio St", "Chicago", "60611", "7732511196"],
    ]


def site(name: str) -> Establishment:
    return Establishment.objects.select_related("organisation").get(organisation__name=name)


def test_us_phones_in_three_forms_are_kept_with_country_us(association, write_csv):
    path = write_csv(us_rows(), headers=US_HEADERS)
    issues = []

    result = import_file(path=path, association=association, country="US", on_issue=issues.append)

    assert result.imported_rows == 3 and result.summary.warnings == 0
    phones = {org.name: org.phone for org in Organisation.objects.all()}
    assert phones == {
        "Acme Widgets": "3865286",
        "Lakeside Labs": "+17732511196",
        "Loop Software": "+17732511196",
    }
    assert {item.country for item in Establishment.objects.all()} == {"US"}
    local = [issue for issue in issues if issue.code == "phone.local"]
    assert (
        len(local) == 1 and local[0].line == 2 and local[0].column == "Phone" and local[0].severity == "info"
    )
    assert result.summary.kept_local == {"phone": 1} and result.source_file.local_values == {"phone": 1}
    assert result.source_file.default_country == "US"


def test_a_us_zip_with_country_us_never_becomes_the_oise(association, write_csv):
    # Said active: a row saying neither status nor start date is not counted as a member.
    rows = [[*row, "active"] for row in us_rows()]
    import_file(path=write_csv(rows, headers=[*US_HEADERS, "Status"]), association=association, country="US")

    acme = site("Acme Widgets")
    assert (acme.postcode, acme.city, acme.departement_code, acme.commune_code) == (
        "60610",
        "Chicago",
        "",
        "",
    )
    counts = association_counts(association)
    assert counts.by_departement == {} and counts.abroad == {"US": 3} and counts.members == 3
    assert counts_as_json([counts])[0]["abroad"] == [{"country": "US", "name": "Etats-Unis", "members": 3}]


def test_without_a_country_the_us_export_is_french_and_its_phones_are_counted_unread(association, write_csv):
    result = import_file(path=write_csv(us_rows(), headers=US_HEADERS), association=association)

    assert result.summary.unread["phone"] == 3 and result.source_file.unread_values["phone"] == 3
    assert not Organisation.objects.exclude(phone="").exists()


def test_a_swiss_row_keeps_its_country_and_gets_no_departement(association, write_csv):
    rows = [["Léman Digital SA", "1201", "Genève", "CH", "+41 22 310 22 55"]]

    import_file(path=write_csv(rows, headers=WORLD_HEADERS), association=association)

    geneva = site("Léman Digital SA")
    assert (geneva.country, geneva.postcode, geneva.city) == ("CH", "1201", "Genève")
    assert geneva.departement_code == "" and geneva.commune_code == ""
    assert geneva.organisation.phone == "+41223102255"
    lineage = Lineage.objects.get(field="country")
    assert (lineage.column, lineage.value, lineage.retained) == ("Pays", "CH", True)


def test_the_row_country_wins_over_the_default_and_a_belgian_6000_is_not_nice(association, write_csv):
    rows = [
        ["Azur Web", "6000", "Nice", "", "04 93 12 34 56"],
        ["Sambre IT", "6000", "Charleroi", "Belgique", "071 12 34 56"],
    ]

    import_file(path=write_csv(rows, headers=WORLD_HEADERS), association=association, country="FR")

    nice, charleroi = site("Azur Web"), site("Sambre IT")
    assert (nice.country, nice.postcode, nice.departement_code, nice.city) == ("FR", "06000", "06", "Nice")
    assert (charleroi.country, charleroi.postcode, charleroi.departement_code) == ("BE", "6000", "")
    assert charleroi.organisation.phone == "+3271123456"


def test_an_unreadable_country_is_a_located_warning_and_nothing_is_guessed(association, write_csv):
    rows = [["Nowhere Ltd", "60610", "Chicago", "Atlantide", "0477123456", "à jour"]]
    issues = []

    result = import_file(
        path=write_csv(rows, headers=[*WORLD_HEADERS, "Statut"]),
        association=association,
        on_issue=issues.append,
    )

    country = next(issue for issue in issues if issue.field == "country")
    assert (country.line, country.column, country.value, country.code) == (
        2,
        "Pays",
        "Atlantide",
        "country.unknown",
    )
    assert country.severity == "warning" and "Atlantide" in country.message
    nowhere = site("Nowhere Ltd")
    assert (nowhere.country, nowhere.postcode, nowhere.departement_code) == ("", "60610", "")
    assert nowhere.organisation.phone == ""  # a national number needs its country
    assert result.summary.unread == {"country": 1, "phone": 1}
    assert association_counts(association).abroad == {"": 1}


def test_an_unknown_default_country_refuses_the_import(association, write_csv):
    from grappe.intake.services import read_default_country

    assert read_default_country("Suisse") == "CH" and read_default_country(None) == "FR"
    with pytest.raises(UserError, match="Atlantide"):
        read_default_country("Atlantide")


# -- the command line -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    cli._register_commands()
    return CliRunner()


def test_grappe_import_country_reads_the_rows_by_that_country_and_counts_in_the_terminal_and_csv(
    runner, association, write_csv, tmp_path
):
    rows = [*us_rows(), ["Bad Phone Inc", "4 S Wells St", "Chicago", "60606", "12"]]
    report = tmp_path / "rapport.csv"

    result = runner.invoke(
        cli.app,
        ["import", str(write_csv(rows, headers=US_HEADERS)), "--association", "Auvergne TIC", "--country", "US",
         "--report", str(report), "--start-date", "inconnue", "--status", "active"],
    )  # fmt: skip

    text = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "« Phone » (Téléphone de l'entreprise) : 1 valeur illisible" in text
    assert "ne sert pas au rapprochement" in text and "1 numéro local sans indicatif de zone" in text
    assert {item.country for item in Establishment.objects.all()} == {"US"}
    with report.open(encoding="utf-8-sig", newline="") as stream:
        lines = list(csv.DictReader(stream, delimiter=";"))
    summary = {line["code"]: line for line in lines if line["gravité"] == "synthèse"}
    assert set(summary) == {"summary.unread", "summary.kept_local"}
    assert summary["summary.unread"]["colonne"] == "Phone"


def test_grappe_import_refuses_an_unknown_country(runner, association, write_csv):
    result = runner.invoke(
        cli.app,
        ["import", str(write_csv(us_rows(), headers=US_HEADERS)), "--association", "Auvergne TIC", "--country", "Mars"],
    )  # fmt: skip

    assert result.exit_code == 2 and "Mars" in result.output and Organisation.objects.count() == 0


# -- the import page ----------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, importer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(importer)
    return client


def test_the_import_page_preselects_france_and_imports_with_the_chosen_default_country(
    staff_client, association, write_csv
):
    page = staff_client.get(reverse("intake:upload"))
    assert page.context["form"]["country"].value() == "FR"
    assert '<option value="FR" selected>France</option>' in page.content.decode()

    with write_csv(us_rows(), headers=US_HEADERS).open("rb") as stream:
        staff_client.post(
            reverse("intake:upload"), {"association": association.pk, "file": stream, "country": "US"}
        )
    job = ImportJob.objects.get()
    assert job.options["country"] == "US"
    data = {f"column_{index}": name for index, name in job.column_mapping.items()} | {"validate": "1"}
    staff_client.post(reverse("intake:mapping", args=[job.pk]), data)
    report = staff_client.get(reverse("intake:report", args=[job.pk]))
    assert [count.code for count in report.context["reading_counts"]] == ["summary.kept_local"]
    # The file says neither since when nor in which standing: the import asks, « inconnue » is an answer.
    staff_client.post(reverse("intake:run", args=[job.pk]), {"starts_unknown": "on", "status": "unknown"})

    assert {item.country for item in Establishment.objects.all()} == {"US"}
    assert Organisation.objects.get(name="Lakeside Labs").phone == "+17732511196"
