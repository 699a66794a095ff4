"""Planning a merger from the web: the export's column mapping when its headers need a person, the plan run in
the background with a progress page that lands on the plan, a failure located that changes nothing, and a plan
interrupted by a restart started again.

Most tests run the plan in the request (``GRAPPE_MERGERS_PLAN_IN_BACKGROUND = False``: the same steps, the same
progress file); the ones marked ``transaction=True`` run it in its thread, as the server does.
"""

from __future__ import annotations

import csv
import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from grappe.intake.services import import_file, save_mapping
from grappe.mergers import planning, selectors, services
from grappe.mergers.models import Merger, PlanJob
from grappe.mergers.snapshot import registry_checksum
from grappe.registry.models import Membership, SourceFile, SourceRecord

from . import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GRAPPE_MERGERS_PLAN_IN_BACKGROUND = False
    return settings.MEDIA_ROOT


@pytest.fixture
def world(tmp_path: Path) -> scenario.Scenario:
    """Numélink imported; Auvergne TIC's export written, not imported: the plan imports it."""
    return scenario.build(tmp_path, import_absorbed=False)


def ask_for_plan(client: Client, world: scenario.Scenario, export: Path | None = None, **extra: str):
    data = {
        "absorbed": world.auvergne_tic.pk,
        "absorbing": world.numelink.pk,
        "kind": "absorption",
        "effective_on": "2016-03-31",
        "keep_name_as_brand": "on",
        **extra,
    }
    if export is None:
        return client.post(reverse("mergers:list"), data)
    with export.open("rb") as stream:
        return client.post(reverse("mergers:list"), {**data, "file": stream})


def job_url(name: str, job: PlanJob) -> str:
    return reverse(f"mergers:{name}", kwargs={"job_id": job.pk})


def with_extra_column(tmp_path: Path) -> Path:
    """Auvergne TIC's export with a column no header rule recognises."""
    path = tmp_path / "auvergne-avec-code.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([*scenario.HEADERS, "Code interne"])
        writer.writerows([*row, f"AT-{n:03d}"] for n, row in enumerate(scenario.AUVERGNE_ROWS))
    return path


# -- the plan, run through its job ----------------------------------------------------------------------------


def test_without_a_file_the_plan_runs_and_lands_on_the_plan(manager_client, world, manager):
    import_file(path=world.auvergne_export, association=world.auvergne_tic)

    response = ask_for_plan(manager_client, world)

    job = PlanJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job_url("plan_job", job)
    landed = manager_client.get(response["Location"])
    merger = Merger.objects.get()
    assert landed.status_code == 302 and landed["Location"] == reverse("mergers:detail", args=[merger.pk])
    assert job.status == PlanJob.Status.PLANNED and job.merger == merger
    assert (
        merger.status == Merger.Status.PLANNED and merger.created_by == manager and merger.keep_name_as_brand
    )
    page = manager_client.get(landed["Location"]).content.decode()
    assert "Plan prêt : vérifiez-le avant de l&#x27;appliquer." in page


def test_with_the_export_recognised_the_plan_imports_it_and_says_how_its_columns_were_read(
    manager_client, world
):
    response = ask_for_plan(manager_client, world, world.auvergne_export)

    job = PlanJob.objects.get()
    assert response["Location"] == job_url("plan_job", job)  # no mapping step: every header recognised
    assert job.mapping_source == PlanJob.MappingSource.RECOGNISED and job.status == PlanJob.Status.PLANNED
    merger = job.merger
    assert merger.source_file.original_name == "auvergne-tic.csv"
    assert merger.summary["counts"]["absorbed_members"] == 6
    assert Membership.objects.filter(association=world.auvergne_tic).count() == 6


def test_the_absorbed_association_s_saved_mapping_is_used_and_named(manager_client, world, tmp_path):
    status = scenario.HEADERS.index("Statut d'adhérent")
    saved = {
        index: name for index, name in enumerate(["name", "siren", "siret", "street", "postcode", "city"])
    }
    save_mapping(
        association=world.auvergne_tic,
        name="Export CRM",
        headers=tuple(scenario.HEADERS),
        mapping={**saved, status: "college"},
    )

    ask_for_plan(manager_client, world, world.auvergne_export, review_mapping="on")

    job = PlanJob.objects.get()
    assert job.status == PlanJob.Status.MAPPING
    assert job.mapping_source == PlanJob.MappingSource.SAVED and job.mapping_name == "Export CRM"
    assert job.column_mapping[status] == "college"
    page = manager_client.get(job_url("plan_mapping", job)).content.decode()
    assert "corrigé par la correspondance enregistrée « Export CRM »" in page
    assert "ATELIER FOREZIEN" in page  # sample values beside each column


def test_a_column_not_recognised_opens_the_mapping_step_then_the_plan_runs(manager_client, world, tmp_path):
    export = with_extra_column(tmp_path)

    response = ask_for_plan(manager_client, world, export)

    job = PlanJob.objects.get()
    assert response["Location"] == job_url("plan_mapping", job)
    assert not Merger.objects.exists() and not SourceFile.objects.filter(association=world.auvergne_tic)
    page = manager_client.get(response["Location"])
    assert page.status_code == 200 and "Code interne" in page.content.decode()
    data = {f"column_{index}": name for index, name in job.column_mapping.items()}
    planned = manager_client.post(
        job_url("plan_mapping", job), {**data, "save_as": "Export Auvergne", "plan": "1"}
    )
    assert planned["Location"] == job_url("plan_job", job)
    job.refresh_from_db()
    assert job.status == PlanJob.Status.PLANNED and job.mapping_source == PlanJob.MappingSource.SAVED
    assert world.auvergne_tic.saved_mappings.filter(name="Export Auvergne").exists()
    assert job.merger.source_file.original_name == "auvergne-avec-code.csv"


def test_a_mapping_without_a_company_name_is_refused_on_its_page(manager_client, world, tmp_path):
    ask_for_plan(manager_client, world, world.auvergne_export, review_mapping="on")
    job = PlanJob.objects.get()
    data = {f"column_{index}": name for index, name in job.column_mapping.items() if name != "name"}

    response = manager_client.post(job_url("plan_mapping", job), {**data, "plan": "1"})

    assert response.status_code == 400 and "Raison sociale" in response.content.decode()
    job.refresh_from_db()
    assert job.status == PlanJob.Status.MAPPING and not Merger.objects.exists()


# -- failures: located, nothing changed, started again ----------------------------------------------------------


def test_a_bad_export_fails_with_its_validation_report_and_changes_nothing(manager_client, world, tmp_path):
    bad = tmp_path / "auvergne-abime.csv"
    rows = [list(row) for row in scenario.AUVERGNE_ROWS]
    rows[1][0] = ""  # line 3: a row without a company name cannot be imported
    scenario.write_csv(bad, rows)
    before, files = registry_checksum(), SourceFile.objects.count()

    response = ask_for_plan(manager_client, world, bad)

    job = PlanJob.objects.get()
    assert response["Location"] == job_url("plan_job", job)
    assert job.status == PlanJob.Status.FAILED
    assert job.failure["summary"] == {
        "rows": 6,
        "valid_rows": 5,
        "invalid_rows": 1,
        "errors": 1,
        "warnings": 0,
    }
    assert [issue["line"] for issue in job.failure["issues"]] == [3]
    assert not Merger.objects.exists()
    assert registry_checksum() == before and SourceFile.objects.count() == files
    page = manager_client.get(response["Location"]).content.decode()
    assert "La fusion n'a pas pu être préparée." in page and "Rien n&#x27;a été modifié." in page
    assert "1 ligne(s) en erreur sur 6 ; 5 ligne(s) valide(s)." in page
    assert "Préparer en n'important que les 5 lignes valides" in page
    assert job_url("plan_mapping", job) in page

    manager_client.post(job_url("plan_restart", job), {"skip_invalid": "on"})

    job.refresh_from_db()
    assert job.status == PlanJob.Status.PLANNED and job.skip_invalid
    rejected = SourceRecord.objects.filter(
        source_file=job.merger.source_file, status=SourceRecord.Status.REJECTED
    )
    assert list(rejected.values_list("line_number", flat=True)) == [3]


def test_an_unreadable_export_is_refused_at_once_and_not_kept(manager_client, world, tmp_path, media_root):
    broken = tmp_path / "adherents.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")

    response = ask_for_plan(manager_client, world, broken)

    assert response.status_code == 400
    page = response.content.decode()
    assert "La fusion n'a pas pu être préparée." in page and "Où :" in page and "adherents.xlsx" in page
    assert not PlanJob.objects.exists() and not Merger.objects.exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]


def test_an_absorbed_association_already_in_a_merger_is_refused_before_anything_is_stored(
    manager_client, world
):
    import_file(path=world.auvergne_export, association=world.auvergne_tic)
    services.plan_merger(
        absorbing=world.numelink, absorbed=world.auvergne_tic, effective_on=scenario.EFFECTIVE
    )

    response = ask_for_plan(manager_client, world)

    assert response.status_code == 400 and "ne peut pas être absorbée deux fois" in response.content.decode()
    assert not PlanJob.objects.exists()


def _dead_pid() -> int:
    return int(
        subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True).stdout
    )


def new_job(world: scenario.Scenario) -> PlanJob:
    """A plan without a file, asked for by the command line's user (None)."""
    return planning.create_plan_job(
        absorbing=world.numelink, absorbed=world.auvergne_tic, effective_on=scenario.EFFECTIVE, user=None
    )


def running_job(world: scenario.Scenario, **progress: object) -> tuple[PlanJob, Path]:
    """A job marked running, with the progress file a step writes (``progress``: its stage, owner…)."""
    job = new_job(world)
    PlanJob.objects.filter(pk=job.pk).update(status=PlanJob.Status.RUNNING)
    path = selectors.plan_progress_file(job).path
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"stage": "linkage:scoring", "done": 0, "total": None, **progress}))
    return job, path


def test_a_plan_interrupted_by_a_restart_is_shown_as_such_and_started_again(manager_client, world):
    # What a server killed mid-plan leaves: the job marked running, its progress file naming a dead process.
    job, _path = running_job(world, host=socket.gethostname(), pid=_dead_pid(), thread="grappe-plan-1")

    page = manager_client.get(job_url("plan_job", job)).content.decode()

    assert "La préparation a été interrompue" in page and "rien n'a été modifié. Relancez-la." in page
    assert job_url("plan_restart", job) in page and "hx-get" not in page
    manager_client.post(job_url("plan_restart", job))
    job.refresh_from_db()
    assert job.status == PlanJob.Status.PLANNED and Merger.objects.get() == job.merger


def test_a_running_plan_page_polls_its_progress_and_reloads_when_it_ends(manager_client, world):
    job, progress = running_job(world)  # no owner named: taken as live

    page = manager_client.get(job_url("plan_job", job))

    html = page.content.decode()
    assert f'hx-get="{job_url("plan_progress", job)}"' in html
    assert "Rapprochement — comparaison des paires" in html
    assert [step.state for step in page.context["steps"]] == ["done", "current", "todo"]
    fragment = manager_client.get(job_url("plan_progress", job))
    assert fragment.status_code == 200 and "HX-Refresh" not in fragment
    progress.write_text(json.dumps({"stage": "pairs", "done": 50, "total": 200}))
    assert 'class="w-25"' in manager_client.get(job_url("plan_progress", job)).content.decode()
    with pytest.raises(planning.UserError, match="en cours"):
        planning.start_plan_job(job=job, user=None)

    progress.unlink()
    assert manager_client.get(job_url("plan_progress", job))["HX-Refresh"] == "true"


def test_the_list_shows_plans_not_ready_yet(manager_client, world, tmp_path):
    ask_for_plan(manager_client, world, with_extra_column(tmp_path))

    page = manager_client.get(reverse("mergers:list")).content.decode()

    assert "Plans en préparation" in page and "correspondance des colonnes à vérifier" in page
    assert job_url("plan_job", PlanJob.objects.get()) in page


def test_plans_are_only_for_those_who_manage_mergers(client, django_user_model, world):
    job = new_job(world)
    assert client.get(job_url("plan_job", job)).status_code == 302  # to the login page
    client.force_login(django_user_model.objects.create_user("stagiaire", is_staff=True))
    for name in ("plan_job", "plan_mapping", "plan_progress"):
        assert client.get(job_url(name, job)).status_code == 404
    assert client.post(job_url("plan_restart", job)).status_code == 404
    with pytest.raises(services.MergerForbidden):
        planning.create_plan_job(
            absorbing=world.numelink,
            absorbed=world.auvergne_tic,
            effective_on=scenario.EFFECTIVE,
            user=django_user_model.objects.get(username="stagiaire"),
        )


# -- a registry's own duplicates, searched from the web ----------------------------------------------------------


def ask_for_deduplication(client: Client, data: dict[str, object]):
    return client.post(reverse("mergers:deduplicate"), data)


def test_a_registry_s_duplicates_are_searched_from_the_web_and_land_on_the_plan(
    manager_client, world, manager
):
    import_file(path=world.auvergne_export, association=world.auvergne_tic)
    form_page = manager_client.get(
        reverse("mergers:list"), {"registre": world.auvergne_tic.pk}
    ).content.decode()
    assert "Chercher les doublons d'un registre" in form_page
    assert f'<option value="{world.auvergne_tic.pk}" selected>' in form_page

    response = ask_for_deduplication(manager_client, {"association": world.auvergne_tic.pk})

    job = PlanJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job_url("plan_job", job)
    merger = Merger.objects.get()
    assert job.merger == merger and merger.kind == Merger.Kind.DEDUPLICATION and merger.created_by == manager
    assert merger.absorbed == merger.absorbing == world.auvergne_tic
    assert merger.summary["counts"]["internal_duplicates"] == 1
    assert "Dédoublonnage de Auvergne TIC" in manager_client.get(reverse("mergers:list")).content.decode()


def test_a_merger_s_plan_says_the_absorber_s_own_duplicates_are_not_searched(manager_client, world):
    import_file(path=world.auvergne_export, association=world.auvergne_tic)
    ask_for_plan(manager_client, world)
    merger = Merger.objects.get()

    page = manager_client.get(reverse("mergers:detail", args=[merger.pk])).content.decode()

    assert "il ne cherche pas les doublons déjà présents dans le registre de Numélink" in page
    assert f"{reverse('mergers:list')}?registre={world.numelink.pk}#doublons" in page


def test_a_second_deduplication_is_refused_on_the_list_until_the_first_is_abandoned(manager_client, world):
    ask_for_deduplication(manager_client, {"association": world.numelink.pk})
    first = Merger.objects.get()

    refused = ask_for_deduplication(manager_client, {"association": world.numelink.pk})

    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Le dédoublonnage n'a pas pu être préparé." in page
    assert f"Le dédoublonnage n° {first.pk} de « Numélink » est déjà préparé" in page
    assert PlanJob.objects.count() == 1 and Merger.objects.count() == 1

    detail = manager_client.get(reverse("mergers:detail", args=[first.pk])).content.decode()
    assert reverse("mergers:abandon", args=[first.pk]) in detail
    abandoned = manager_client.post(reverse("mergers:abandon", args=[first.pk]))
    assert abandoned.status_code == 302 and abandoned["Location"] == reverse(
        "mergers:detail", args=[first.pk]
    )
    first.refresh_from_db()
    assert first.status == Merger.Status.ABANDONED
    detail = manager_client.get(abandoned["Location"]).content.decode()
    assert "Plan abandonné le" in detail and reverse("mergers:abandon", args=[first.pk]) not in detail

    assert ask_for_deduplication(manager_client, {"association": world.numelink.pk}).status_code == 302
    assert Merger.objects.filter(status=Merger.Status.PLANNED, kind=Merger.Kind.DEDUPLICATION).count() == 1


def test_a_deduplication_asked_for_while_the_same_one_runs_is_refused(manager_client, manager, world):
    job = planning.create_plan_job(
        absorbing=world.numelink,
        absorbed=world.numelink,
        kind=Merger.Kind.DEDUPLICATION,
        effective_on=scenario.EFFECTIVE,
        user=manager,
    )
    selectors.plan_progress_file(job).claim("records")  # its plan runs, in this thread as far as anyone knows

    refused = ask_for_deduplication(manager_client, {"association": world.numelink.pk})

    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Le dédoublonnage de « Numélink » est déjà en préparation." in page
    assert f"préparation n° {job.pk}" in page
    assert PlanJob.objects.count() == 1
    # Another registry's is not held up.
    assert ask_for_deduplication(manager_client, {"association": world.auvergne_tic.pk}).status_code == 302


def test_a_deduplication_names_its_registry_and_is_for_those_who_manage_mergers(
    manager_client, client, django_user_model, world
):
    missing = ask_for_deduplication(manager_client, {})
    assert missing.status_code == 400 and "Ce champ est obligatoire." in missing.content.decode()
    client.force_login(django_user_model.objects.create_user("stagiaire", is_staff=True))
    assert ask_for_deduplication(client, {"association": world.numelink.pk}).status_code == 403
    assert client.post(reverse("mergers:abandon", args=[1])).status_code in (403, 404)
    assert not PlanJob.objects.exists() and not Merger.objects.exists()


def test_the_import_s_page_points_whole_network_staff_to_the_registry_s_duplicates(
    manager_client, manager, client, django_user_model, world
):
    """An import matches rows to organisations by SIREN or SIRET only: its page says so, and leads whole-network
    staff holding the merger right to the search for the registry's duplicates, its registry chosen."""
    from django.contrib.auth.models import Permission

    from grappe.intake.models import ImportJob

    importing = Permission.objects.get(codename="add_importjob", content_type__app_label="intake")
    manager.user_permissions.add(importing)
    job = ImportJob.objects.create(
        association=world.numelink,
        original_name="adherents.csv",
        sha256="0" * 64,
        size=1,
        file_format="csv",
        status=ImportJob.Status.IMPORTED,
        options={"organisations_created": 3},
    )
    link = f"{reverse('mergers:list')}?registre={world.numelink.pk}#doublons"
    assert link in manager_client.get(reverse("intake:job", args=[job.pk])).content.decode()

    clerk = django_user_model.objects.create_user("saisie", is_staff=True)
    clerk.user_permissions.add(importing)
    client.force_login(clerk)
    page = client.get(reverse("intake:job", args=[job.pk])).content.decode()
    assert "Import terminé" in page and link not in page


# -- in the background, as the server runs it ----------------------------------------------------------------


def wait_for_the_plan(job: PlanJob) -> None:
    for thread in threading.enumerate():
        if thread.name == f"grappe-plan-{job.pk}":
            thread.join(timeout=120)


@pytest.mark.django_db(transaction=True)
def test_in_the_background_the_plan_runs_in_its_thread_and_the_page_lands_on_it(
    manager_client, world, settings
):
    settings.GRAPPE_MERGERS_PLAN_IN_BACKGROUND = True

    response = ask_for_plan(manager_client, world, world.auvergne_export)

    job = PlanJob.objects.get()
    assert response["Location"] == job_url("plan_job", job)
    wait_for_the_plan(job)
    assert manager_client.get(job_url("plan_progress", job))["HX-Refresh"] == "true"
    landed = manager_client.get(job_url("plan_job", job))
    job.refresh_from_db()
    assert job.status == PlanJob.Status.PLANNED
    assert landed["Location"] == reverse("mergers:detail", args=[job.merger_id])
    assert job.merger.created_by.username == "direction"


@pytest.mark.django_db(transaction=True)
def test_an_unexpected_failure_in_the_background_is_recorded_and_changes_nothing(
    manager_client, world, settings, monkeypatch
):
    settings.GRAPPE_MERGERS_PLAN_IN_BACKGROUND = True
    before, files = registry_checksum(), SourceFile.objects.count()

    def broken_linkage(*args, **kwargs):
        raise RuntimeError("moteur de rapprochement en panne")

    monkeypatch.setattr("grappe.mergers.plan.link", broken_linkage)
    ask_for_plan(manager_client, world, world.auvergne_export)
    job = PlanJob.objects.get()
    wait_for_the_plan(job)

    job.refresh_from_db()
    assert job.status == PlanJob.Status.FAILED
    assert "erreur inattendue" in job.failure["message"] and "en panne" in job.failure["message"]
    assert not Merger.objects.exists()
    assert registry_checksum() == before and SourceFile.objects.count() == files
    page = manager_client.get(job_url("plan_job", job)).content.decode()
    assert "Relancer la préparation" in page
