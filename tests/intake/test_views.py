"""The import pages: upload → mapping → report → import, permissions, and errors shown, never a 500."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils.html import escape

from grappe.intake import views
from grappe.intake.models import ImportJob, SavedMapping
from grappe.registry.models import Membership, Organisation, SourceRecord

from .conftest import HEADERS, member_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def staff_client(client, importer):
    client.force_login(importer)
    return client


def upload(client, association, path, **extra):
    with path.open("rb") as stream:
        return client.post(reverse("intake:upload"), {"association": association.pk, "file": stream, **extra})


def mapping_post(job: ImportJob, **overrides: str) -> dict[str, str]:
    data = {f"column_{index}": field for index, field in job.column_mapping.items()}
    data.update(overrides)
    data["validate"] = "1"
    return data


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(reverse("intake:upload"))

    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize(("is_staff", "with_permission"), [(False, True), (True, False), (False, False)])
def test_only_staff_with_the_import_permission_may_import(
    client, django_user_model, is_staff, with_permission
):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("membre", is_staff=is_staff)
    if with_permission:
        user.user_permissions.add(Permission.objects.get(codename="add_importjob"))
    client.force_login(user)

    assert client.get(reverse("intake:upload")).status_code == 403
    assert client.get(reverse("intake:report", args=[1])).status_code == 403


def test_superusers_may_import(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", email="", password=None))

    assert client.get(reverse("intake:upload")).status_code == 200


def test_upload_mapping_report_and_import(staff_client, association, write_csv, importer):
    path = write_csv([member_row(1), member_row(2, SIRET="4,12345E+13"), member_row(3)])

    response = upload(staff_client, association, path)

    job = ImportJob.objects.get()
    # Every column recognised: validated at once, the mapping page a link away.
    assert response.status_code == 302 and response["Location"] == reverse("intake:report", args=[job.pk])
    assert job.file.name.startswith("imports/") and job.created_by == importer
    job.refresh_from_db()
    assert job.status == "validated" and job.headers == HEADERS and job.row_count == 3

    page = staff_client.get(reverse("intake:mapping", args=[job.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="column_0"' in content and '<option value="name" selected>' in content
    assert "Entreprise 1 SAS" in content  # sample values beside each column

    statut = HEADERS.index("Statut")
    response = staff_client.post(
        reverse("intake:mapping", args=[job.pk]),
        mapping_post(job, **{f"column_{statut}": "", "save_as": "Export CRM"}),
    )
    assert response.status_code == 302 and response["Location"] == reverse("intake:report", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "validated" and statut not in job.column_mapping
    assert (job.row_count, job.valid_row_count, job.warning_count) == (3, 3, 1)
    assert SavedMapping.objects.get(association=association).name == "Export CRM"

    report = staff_client.get(reverse("intake:report", args=[job.pk]))
    assert report.status_code == 200
    assert "4,12345E+13" in report.content.decode() and "Importer les 3 lignes" in report.content.decode()

    # The « Statut » column is now ignored: the import asks the new members' status, and waits for it.
    unanswered = staff_client.post(reverse("intake:run", args=[job.pk]))
    assert unanswered.status_code == 400 and "Statut des nouveaux adhérents" in unanswered.content.decode()
    assert Organisation.objects.count() == 0

    response = staff_client.post(reverse("intake:run", args=[job.pk]), {"status": "pending"})
    assert response.status_code == 302 and response["Location"] == reverse("intake:job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "imported" and job.imported_count == 3 and job.source_file is not None
    assert set(Membership.objects.values_list("status", flat=True)) == {"pending"}
    assert job.source_file.imported_by == importer
    assert (
        Organisation.objects.count() == 3 and Membership.objects.filter(association=association).count() == 3
    )
    assert staff_client.get(reverse("intake:job", args=[job.pk])).status_code == 200


def test_the_report_filters_paginates_and_downloads_as_csv(staff_client, association, write_csv, monkeypatch):
    monkeypatch.setattr(views, "ISSUES_PER_PAGE", 5)
    rows = [member_row(n, **{"E-mail": "faux", "Téléphone": "123"}) for n in range(1, 7)]
    upload(staff_client, association, write_csv(rows))
    job = ImportJob.objects.get()
    staff_client.post(reverse("intake:mapping", args=[job.pk]), mapping_post(job))
    url = reverse("intake:report", args=[job.pk])

    first = staff_client.get(url)
    assert first.context["page"].paginator.count == 12 and len(first.context["page"].object_list) == 5
    by_column = staff_client.get(url, {"column": "E-mail", "page": 2})
    assert by_column.context["page"].paginator.count == 6
    assert {issue.column for issue in by_column.context["page"].object_list} == {"E-mail"}
    assert staff_client.get(url, {"severity": "error"}).context["page"].paginator.count == 0

    download = staff_client.get(reverse("intake:report_csv", args=[job.pk]))
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert download["Content-Type"].startswith("text/csv") and len(lines) == 12 + 2  # + a count per column
    assert lines[0]["fichier"] == "membres.csv" and lines[0]["ligne"] == "2"
    counts = {line["colonne"]: line["anomalie"] for line in lines if line["code"] == "summary.unread"}
    assert set(counts) == {"E-mail", "Téléphone"}
    assert (
        "6 valeurs illisibles" in counts["Téléphone"]
        and "ne servent pas au rapprochement" in counts["Téléphone"]
    )
    shown = [count.message for count in first.context["reading_counts"]]
    assert counts["Téléphone"] in shown and escape(counts["Téléphone"]) in first.content.decode()


def test_rows_with_errors_need_the_explicit_choice_to_import_the_valid_ones(
    staff_client, association, write_csv, counts
):
    upload(staff_client, association, write_csv([member_row(1), member_row(2, **{"Raison sociale": ""})]))
    job = ImportJob.objects.get()
    staff_client.post(reverse("intake:mapping", args=[job.pk]), mapping_post(job))
    assert (
        "Importer la ligne valide"
        in staff_client.get(reverse("intake:report", args=[job.pk])).content.decode()
    )
    before = counts()

    refused = staff_client.post(reverse("intake:run", args=[job.pk]), follow=True)

    assert "Import refusé" in refused.content.decode()
    assert counts() == before

    staff_client.post(reverse("intake:run", args=[job.pk]), {"skip_invalid": "on"})

    job.refresh_from_db()
    assert (job.status, job.imported_count, job.rejected_count) == ("imported", 1, 1)
    assert SourceRecord.objects.get(status="rejected").line_number == 3
    page = staff_client.get(reverse("intake:job", args=[job.pk])).content.decode()
    assert "Lignes rejetées" in page and "Raison sociale absente" in page


def test_an_unreadable_upload_is_shown_with_its_location_and_not_kept(
    staff_client, association, tmp_path, media_root, counts
):
    path = tmp_path / "adherents.csv"
    path.write_bytes(b'Raison sociale;Ville\nAlpha;Lyon\nBeta;"Paris\nGamma;Nice\n')
    before = counts()

    response = upload(staff_client, association, path)

    assert response.status_code == 400
    content = response.content.decode()
    assert "adherents.csv, ligne 3" in content and "guillemet" in content
    assert counts() == before
    assert not list((media_root / "imports").rglob("*.csv"))


def test_a_file_already_imported_is_refused_at_upload(staff_client, association, write_csv):
    path = write_csv([member_row(1)])
    upload(staff_client, association, path)
    job = ImportJob.objects.get()
    staff_client.post(reverse("intake:mapping", args=[job.pk]), mapping_post(job))
    staff_client.post(reverse("intake:run", args=[job.pk]))

    response = upload(staff_client, association, path)

    assert response.status_code == 400
    assert "déjà été importé" in response.content.decode() and "claire" in response.content.decode()
    assert ImportJob.objects.count() == 1


def test_a_mapping_without_the_company_name_is_explained_on_the_page(staff_client, association, write_csv):
    upload(staff_client, association, write_csv([member_row(1)]))
    job = ImportJob.objects.get()
    before = (job.status, job.mapping)

    response = staff_client.post(reverse("intake:mapping", args=[job.pk]), mapping_post(job, column_0=""))

    assert response.status_code == 400
    assert "Raison sociale" in response.content.decode() and "Aucune colonne" in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.mapping) == before


def test_a_saved_mapping_can_be_applied(staff_client, association, write_csv, importer):
    SavedMapping.objects.create(association=association, name="Ancien CRM", mapping={"statut": "college"})
    upload(staff_client, association, write_csv([member_row(1)]))
    job = ImportJob.objects.get()
    saved = SavedMapping.objects.get()

    response = staff_client.post(
        reverse("intake:mapping", args=[job.pk]), {"saved": saved.pk, "apply_saved": "1"}
    )

    assert response.status_code == 200
    statut = HEADERS.index("Statut")
    assert response.context["form"][f"column_{statut}"].value() == "college"


@pytest.mark.django_db(transaction=True)
def test_large_files_are_validated_and_imported_in_the_background(
    client, importer, association, write_csv, settings
):
    import threading

    settings.GRAPPE_INTAKE_SYNC_MAX_BYTES = 0  # every file counts as large
    client.force_login(importer)
    upload(client, association, write_csv([member_row(n) for n in range(1, 6)]))
    job = ImportJob.objects.get()

    def wait_for_the_thread() -> None:
        for thread in threading.enumerate():
            if thread.name == f"grappe-import-{job.pk}":
                thread.join(timeout=30)

    response = client.post(reverse("intake:mapping", args=[job.pk]), mapping_post(job))
    assert response["Location"] == reverse("intake:job", args=[job.pk])
    wait_for_the_thread()
    job.refresh_from_db()
    assert job.status == "validated" and job.row_count == 5

    client.post(reverse("intake:run", args=[job.pk]))
    wait_for_the_thread()
    job.refresh_from_db()
    assert job.status == "imported" and Organisation.objects.count() == 5
    progress = client.get(reverse("intake:progress", args=[job.pk]))
    assert progress.status_code == 200 and progress["HX-Refresh"] == "true"


def test_a_running_job_page_polls_its_progress(staff_client, association, write_csv, media_root):
    upload(staff_client, association, write_csv([member_row(1)]))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)
    progress_file = media_root / "imports" / "progress" / f"{job.pk}.json"
    progress_file.parent.mkdir(parents=True, exist_ok=True)  # the upload's own validation made it
    progress_file.write_text('{"stage": "import", "done": 500, "total": 2000}')

    page = staff_client.get(reverse("intake:job", args=[job.pk])).content.decode()

    assert f'hx-get="{reverse("intake:progress", args=[job.pk])}"' in page
    assert "500 lignes traitées" in page and 'class="w-25"' in page


def test_a_read_error_far_down_the_file_is_shown_on_the_mapping_page(
    staff_client, association, tmp_path, counts
):
    path = tmp_path / "adherents.csv"
    lines = "".join(f"Membre {n};Lyon\n" for n in range(60))
    path.write_bytes(f'Raison sociale;Ville\n{lines}Beta;"Paris\nGamma;Nice\n'.encode())
    upload(staff_client, association, path)
    job = ImportJob.objects.get()
    before = counts()

    response = staff_client.post(reverse("intake:mapping", args=[job.pk]), mapping_post(job))

    assert response.status_code == 400
    assert "adherents.csv, ligne 62" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "failed" and "ligne 62" in job.failure
    assert {label: n for label, n in counts().items() if label != "intake.ImportJob"} == {
        label: n for label, n in before.items() if label != "intake.ImportJob"
    }
