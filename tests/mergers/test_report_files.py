"""A merger's report files (CSV and PDF) prepared on the task queue, as production runs it: « Préparer le
rapport » queues the job at once, its progress page follows it, the files are then downloaded from the report's
page and kept until the merger changes; a second preparation while one waits is refused, and so is an apply;
a failure is shown on the job's page and leaves no file behind. A small merger's files are built in the request
that downloads them, by the same job.

``transaction=True``: the queue's rows are written when the request's transaction commits, as on a server.
"""

from __future__ import annotations

import csv
import io
import time

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from grappe.mergers import report, report_files, selectors, services
from grappe.mergers.models import Merger, MergerJob

from .test_views import confirm_types, url

pytestmark = pytest.mark.django_db(transaction=True)

APPLY = {"confirm": "on", "accept_auto_only": "on"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the progress files and the kept reports


@pytest.fixture
def large(settings) -> None:
    """Every merger counts as large: its report is prepared by the worker."""
    settings.GRAPPE_MERGERS_REPORT_DIRECT_MAX_ROWS = 0


def job_url(name: str, job: MergerJob) -> str:
    return reverse(f"mergers:{name}", args=[job.pk])


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))


def test_a_large_report_is_prepared_by_the_worker_then_downloaded(
    manager_client: Client, merger: Merger, large, database_queue
):
    page = manager_client.get(url("report", merger)).content.decode()
    assert "Préparer le rapport" in page and url("report_prepare", merger) in page
    assert url("report_csv", merger) not in page  # nothing to download yet
    # A download asked for before the files exist leads to where they are prepared.
    early = manager_client.get(url("report_csv", merger))
    assert early.status_code == 302 and early["Location"] == url("report", merger) + "#fichiers"

    started = time.monotonic()
    response = manager_client.post(url("report_prepare", merger))
    assert time.monotonic() - started < 5
    job = MergerJob.objects.get()
    assert job.action == MergerJob.Action.REPORT and job.status == MergerJob.Status.QUEUED
    assert response.status_code == 302 and response["Location"] == job_url("action_job", job)
    page = manager_client.get(job_url("action_job", job)).content.decode()
    assert "Préparation du rapport" in page and f'hx-get="{job_url("action_progress", job)}"' in page
    assert "Chiffres et listes du rapport" in page and "Document PDF" in page
    assert job_url("action_job", job) in manager_client.get(url("detail", merger)).content.decode()
    assert not report_files.merger_folder(merger.pk).exists()

    database_queue()

    job.refresh_from_db()
    assert job.status == MergerJob.Status.DONE
    landed = manager_client.get(job_url("action_job", job), follow=True)
    assert landed.redirect_chain[-1][0] == url("report", merger) + "#fichiers"
    page = landed.content.decode()
    assert "Rapport prêt" in page and "Préparé le" in page
    assert url("report_csv", merger) in page and url("report_pdf", merger) in page

    rows = csv_rows(manager_client.get(url("report_csv", merger)))
    assert rows[0][:2] == ["fusion", str(merger.pk)] and ["section", "clé", "avant", "après"] in rows
    pdf = manager_client.get(url("report_pdf", merger))
    assert pdf["Content-Type"] == "application/pdf" and pdf.getvalue().startswith(b"%PDF")
    assert pdf["Content-Disposition"] == (
        f'attachment; filename="fusion-{merger.pk}-auvergne-tic-numelink-rapport.pdf"'
    )
    # The kept files are what is served: no second job.
    assert MergerJob.objects.count() == 1


def test_a_report_prepared_in_english_is_written_in_english(
    manager_client: Client, merger: Merger, large, database_queue
):
    manager_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    manager_client.post(url("report_prepare", merger))
    database_queue()  # the worker has no language of its own: the job keeps the asker's
    rows = csv_rows(manager_client.get(url("report_csv", merger)))
    assert rows[0][0] == "merger" and ["section", "key", "before", "after"] in rows
    # A French reader has no French file yet: it is prepared for them.
    manager_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert manager_client.get(url("report_csv", merger)).status_code == 302


def test_a_second_preparation_or_an_apply_while_the_report_waits_is_refused(
    manager_client: Client, merger: Merger, large, database_queue
):
    confirm_types(manager_client, merger)
    assert manager_client.post(url("report_prepare", merger)).status_code == 302

    again = manager_client.post(url("report_prepare", merger))
    applied = manager_client.post(url("apply", merger), APPLY)

    assert again.status_code == 409 and applied.status_code == 409
    assert "est en préparation" in again.content.decode()
    assert "est en préparation" in applied.content.decode()
    assert MergerJob.objects.count() == 1
    merger.refresh_from_db()
    assert merger.status == Merger.Status.PLANNED
    database_queue()
    assert manager_client.post(url("apply", merger), APPLY).status_code == 302


def test_the_kept_report_is_not_served_once_the_merger_changes(
    manager_client: Client, merger: Merger, large, database_queue
):
    confirm_types(manager_client, merger)
    manager_client.post(url("report_prepare", merger))
    database_queue()
    planned = csv_rows(manager_client.get(url("report_csv", merger)))
    assert planned[0][3] == "planifiée"

    manager_client.post(url("apply", merger), APPLY)
    database_queue()
    merger.refresh_from_db()
    assert merger.status == Merger.Status.APPLIED
    assert not any(report_files.merger_folder(merger.pk).glob("*"))  # apply forgot the kept files
    assert manager_client.get(url("report_csv", merger)).status_code == 302

    manager_client.post(url("report_prepare", merger))
    database_queue()
    assert csv_rows(manager_client.get(url("report_csv", merger)))[0][3] == "appliquée"
    # A decision-free change of the merger's log also makes the files stale: only current ones are served.
    services.audit(merger, None, "mapping")
    assert manager_client.get(url("report_pdf", merger)).status_code == 302


def test_a_failed_preparation_says_why_and_leaves_no_file(
    manager_client: Client, merger: Merger, large, database_queue, monkeypatch
):
    def broken(_report):
        raise RuntimeError("police de caractères introuvable")

    monkeypatch.setattr(report, "render_report_pdf", broken)
    manager_client.post(url("report_prepare", merger))
    database_queue()

    job = MergerJob.objects.get()
    assert job.status == MergerJob.Status.FAILED
    page = manager_client.get(job_url("action_job", job)).content.decode()
    assert "Le rapport n&#x27;a pas été préparé." in page
    assert "La préparation du rapport a échoué sur une erreur inattendue" in page
    assert "police de caractères introuvable" in page
    assert "Relancer la préparation" in page and url("report_prepare", merger) in page
    assert not any(report_files.merger_folder(merger.pk).glob("*"))  # not even the CSV: all or nothing
    assert not selectors.action_progress_file(merger.pk).is_running()
    assert manager_client.get(url("report_csv", merger)).status_code == 302


def test_a_small_report_is_built_in_the_request_by_the_same_job(manager_client: Client, merger: Merger):
    assert report_files.report_size(merger) <= django_settings.GRAPPE_MERGERS_REPORT_DIRECT_MAX_ROWS
    page = manager_client.get(url("report", merger)).content.decode()
    assert url("report_csv", merger) in page and "Préparer le rapport" not in page

    response = manager_client.get(url("report_csv", merger))

    assert response.status_code == 200 and csv_rows(response)[0][:2] == ["fusion", str(merger.pk)]
    job = MergerJob.objects.get()
    assert job.action == MergerJob.Action.REPORT and job.status == MergerJob.Status.DONE


def test_a_small_report_s_csv_is_downloaded_without_rendering_the_pdf(
    manager_client: Client, merger: Merger, monkeypatch
):
    def not_asked(_report):
        raise AssertionError("the PDF was rendered for a CSV download")

    monkeypatch.setattr(report, "render_report_pdf", not_asked)

    response = manager_client.get(url("report_csv", merger))

    assert response.status_code == 200 and csv_rows(response)[0][:2] == ["fusion", str(merger.pk)]
    assert MergerJob.objects.get().status == MergerJob.Status.DONE


def test_both_files_of_a_build_carry_one_version_even_if_the_merger_changes_meanwhile(
    merger: Merger, monkeypatch
):
    """An apply or a decision landing while the files are built: they still belong to one version (the one read
    at the start), and a later download finds them stale rather than a CSV and a PDF of two states."""
    read = report_files.report_version

    def then_changed(merger_now: Merger) -> str:
        version = read(merger_now)
        services.audit(merger_now, None, "mapping")  # someone else's change, just after the read
        return version

    monkeypatch.setattr(report_files, "report_version", then_changed)

    with translation.override("fr"):
        files = report_files.build_report_files(merger=merger, language="fr")

    assert files["csv"].version == files["pdf"].version
    assert files["csv"].exists() and files["pdf"].exists()
