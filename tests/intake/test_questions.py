"""What an import asks when the file cannot say, the report's corrections in place, the done page's links,
the association preselected and the mapping page skipped when every column was recognised."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from grappe.core.audit import AuditEvent
from grappe.intake.models import ImportIssue, ImportJob
from grappe.registry.models import (
    Association,
    Membership,
    MembershipType,
    Organisation,
    SourceRecord,
    StaffMember,
)

from .conftest import HEADERS, member_row

pytestmark = pytest.mark.django_db

# An export that says who the members are, but neither since when, nor their type, nor their standing.
BARE = [h for h in HEADERS if h not in {"Date d'adhésion", "Statut"}]


def bare_row(n: int, **overrides: str) -> list[str]:
    full = dict(zip(HEADERS, member_row(n, **overrides), strict=True))
    return [full[header] for header in BARE]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff_client(client, importer):
    client.force_login(importer)
    return client


def upload(client, association, path):
    with path.open("rb") as stream:
        return client.post(reverse("intake:upload"), {"association": association.pk, "file": stream})


def test_a_file_without_dates_or_statuses_asks_and_unknown_stays_unknown(
    staff_client, association, write_csv, counts
):
    upload(staff_client, association, write_csv([bare_row(1), bare_row(2)], headers=BARE))
    job = ImportJob.objects.get()
    report = staff_client.get(reverse("intake:report", args=[job.pk])).content.decode()
    assert "Adhérents depuis le" in report and "Date d&#x27;adhésion inconnue" in report
    assert "Statut des nouveaux adhérents" in report
    before = counts()

    unanswered = staff_client.post(reverse("intake:run", args=[job.pk]))

    assert unanswered.status_code == 400
    assert "Indiquez depuis quand ces membres adhèrent" in unanswered.content.decode()
    assert counts() == before  # nothing written, nothing recorded

    staff_client.post(reverse("intake:run", args=[job.pk]), {"starts_unknown": "on", "status": "unknown"})

    memberships = Membership.objects.filter(association=association)
    assert memberships.count() == 2
    # « inconnue » is stored as no date (never today), and nobody became « à jour » by default.
    assert set(memberships.values_list("starts_on", "status")) == {(None, "unknown")}
    event = AuditEvent.objects.get(action="import")
    assert event.details["answered_starts_on"] == "inconnue"
    assert event.details["answered_status"] == "statut inconnu"


def test_answers_fill_only_new_memberships_with_lineage_and_a_row_s_own_value_wins(
    staff_client, association, write_csv
):
    kind = MembershipType.objects.create(association=association, name="Entreprise")
    # Company 1 is already a member: the answers must not touch it.
    upload(staff_client, association, write_csv([member_row(1)], name="avant.csv"))
    first = ImportJob.objects.get()
    staff_client.post(reverse("intake:run", args=[first.pk]), {"membership_type": ""})
    existing = Membership.objects.get()
    assert existing.status == "active" and existing.starts_on == datetime.date(2016, 3, 12)

    headers = [*BARE, "Statut"]
    rows = [[*bare_row(1), ""], [*bare_row(2), "en attente"], [*bare_row(3), ""]]
    upload(staff_client, association, write_csv(rows, headers=headers, name="apres.csv"))
    job = ImportJob.objects.latest("pk")
    page = staff_client.get(reverse("intake:report", args=[job.pk])).content.decode()
    assert "Statut des nouveaux adhérents" not in page  # the file has a « Statut » column
    assert "Type d&#x27;adhésion des nouveaux adhérents" in page

    response = staff_client.post(
        reverse("intake:run", args=[job.pk]),
        {"starts_on": "2024-09-01", "membership_type": kind.pk},
    )

    assert response.status_code == 302
    existing.refresh_from_db()
    assert (existing.starts_on, existing.membership_type, existing.status) == (
        datetime.date(2016, 3, 12),
        None,
        "active",
    )
    second = Membership.objects.get(organisation__name="Entreprise 2 SAS")
    third = Membership.objects.get(organisation__name="Entreprise 3 SAS")
    assert (second.starts_on, second.membership_type, second.status) == (
        datetime.date(2024, 9, 1),
        kind,
        "pending",  # the row said so
    )
    assert (third.starts_on, third.status) == (datetime.date(2024, 9, 1), "active")
    from grappe.registry.models import Lineage

    answered = Lineage.objects.filter(object_id=third.pk, field="starts_on").get()
    assert answered.column == "réponse à l'import" and answered.value == "2024-09-01"


def test_an_answer_in_the_future_or_both_date_and_unknown_is_refused(staff_client, association, write_csv):
    upload(staff_client, association, write_csv([bare_row(1)], headers=BARE))
    job = ImportJob.objects.get()
    url = reverse("intake:run", args=[job.pk])

    both = staff_client.post(url, {"starts_on": "2020-01-01", "starts_unknown": "on", "status": "active"})
    future = staff_client.post(url, {"starts_on": "2999-01-01", "status": "active"}, follow=True)

    assert both.status_code == 400 and "pas les deux" in both.content.decode()
    assert "dans le futur" in future.content.decode()
    assert not Organisation.objects.exists()


def test_the_done_page_links_to_the_memberships_and_organisations_it_created(
    staff_client, association, write_csv
):
    upload(staff_client, association, write_csv([member_row(1), member_row(2)]))
    job = ImportJob.objects.get()
    staff_client.post(reverse("intake:run", args=[job.pk]))

    page = staff_client.get(reverse("intake:job", args=[job.pk])).content.decode()

    assert "Adhésions créées par cet import" in page
    for membership in Membership.objects.all():
        assert reverse("registry:organisation_detail", args=[membership.organisation_id]) in page
        assert reverse("registry:membership_edit", args=[membership.pk]) in page


def test_a_second_import_lists_only_what_it_created(staff_client, association, write_csv):
    upload(staff_client, association, write_csv([member_row(1)], name="a.csv"))
    staff_client.post(reverse("intake:run", args=[ImportJob.objects.get().pk]))
    upload(staff_client, association, write_csv([member_row(1), member_row(2)], name="b.csv"))
    job = ImportJob.objects.latest("pk")
    staff_client.post(reverse("intake:run", args=[job.pk]))

    created = staff_client.get(reverse("intake:job", args=[job.pk])).context["created"]

    assert [m.organisation.name for m in created.object_list] == ["Entreprise 2 SAS"]


def test_each_anomaly_names_its_company_and_is_corrected_in_place_before_anything_is_written(
    staff_client, association, write_csv, counts, importer
):
    upload(staff_client, association, write_csv([member_row(1), member_row(2, **{"E-mail": "pas-un-mail"})]))
    job = ImportJob.objects.get()
    issue = ImportIssue.objects.get(job=job, field="email")
    assert issue.company == "Entreprise 2 SAS"
    report = staff_client.get(reverse("intake:report", args=[job.pk])).content.decode()
    assert "Entreprise 2 SAS" in report and 'action="' + reverse("intake:correct", args=[job.pk]) in report
    before = counts()

    response = staff_client.post(
        reverse("intake:correct", args=[job.pk]),
        {"line": issue.line, "field": "email", "value": "contact@entreprise2.fr"},
    )

    assert response.status_code == 302 and response["Location"] == reverse("intake:report", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "validated" and job.warning_count == 0
    assert not ImportIssue.objects.filter(job=job).exists()
    after = counts()
    assert {k: v for k, v in after.items() if k != "intake.ImportIssue"} == {
        k: v for k, v in before.items() if k != "intake.ImportIssue"
    }  # the registry is untouched until the import is started
    assert AuditEvent.objects.filter(action="import.correct").count() == 1

    staff_client.post(reverse("intake:run", args=[job.pk]))

    assert Organisation.objects.get(name="Entreprise 2 SAS").email == "contact@entreprise2.fr"
    record = SourceRecord.objects.get(line_number=issue.line)
    assert "pas-un-mail" in record.values  # the row as the file gave it, verbatim
    assert any(item["code"] == "cell.corrected" for item in record.issues)


def test_a_correction_is_refused_on_a_cell_without_anomaly_and_after_the_import(
    staff_client, association, write_csv
):
    upload(staff_client, association, write_csv([member_row(1)]))
    job = ImportJob.objects.get()
    url = reverse("intake:correct", args=[job.pk])

    refused = staff_client.post(url, {"line": 2, "field": "email", "value": "x@y.fr"}, follow=True)

    assert "n'a pas d'anomalie" in refused.content.decode().replace("&#x27;", "'")
    job.refresh_from_db()
    assert "corrections" not in job.options

    staff_client.post(reverse("intake:run", args=[job.pk]))
    late = staff_client.post(url, {"line": 2, "field": "email", "value": "x@y.fr"}, follow=True)
    assert "ne peuvent plus" in late.content.decode()


@pytest.mark.parametrize("failing", ["save", "audit"])
def test_a_correction_whose_write_or_audit_fails_leaves_nothing(
    staff_client, association, write_csv, importer, monkeypatch, failing
):
    from django.db import DatabaseError

    from grappe.intake import services

    upload(staff_client, association, write_csv([member_row(1), member_row(2, **{"E-mail": "pas-un-mail"})]))
    job = ImportJob.objects.get()
    issue = ImportIssue.objects.get(job=job, field="email")
    events = AuditEvent.objects.count()

    def broken(*args, **kwargs):
        raise DatabaseError("base injoignable")

    if failing == "audit":
        monkeypatch.setattr(services, "record_event", broken)
    else:
        real_save = ImportJob.save

        def save_then_fail(self, *args, **kwargs):
            real_save(self, *args, **kwargs)
            if kwargs.get("update_fields") == ["options"]:
                raise DatabaseError("écriture interrompue")

        monkeypatch.setattr(ImportJob, "save", save_then_fail)

    with pytest.raises(DatabaseError):
        services.correct_job_cell(
            job=job, line=issue.line, field_name="email", value="contact@entreprise2.fr", user=importer
        )

    job.refresh_from_db()
    assert "corrections" not in job.options
    assert AuditEvent.objects.count() == events


def test_the_mapping_page_opens_when_a_column_is_not_recognised(staff_client, association, write_csv):
    headers = [*HEADERS, "Colonne mystère"]
    upload_response = upload(staff_client, association, write_csv([[*member_row(1), "?"]], headers=headers))

    job = ImportJob.objects.get()
    assert upload_response["Location"] == reverse("intake:mapping", args=[job.pk])
    assert job.status == "uploaded"


def test_the_association_is_preselected_when_there_is_one_or_it_is_the_user_s_own(
    staff_client, association, importer
):
    def preselected() -> object:
        return staff_client.get(reverse("intake:upload")).context["form"]["association"].value()

    assert preselected() is None  # two open associations, and no staff record says which
    StaffMember.objects.create(association=association, user=importer, first_name="Claire", last_name="M")
    assert preselected() == association.pk
    StaffMember.objects.all().delete()
    Association.objects.exclude(pk=association.pk).update(status=Association.Status.DISSOLVED)
    assert preselected() == association.pk
