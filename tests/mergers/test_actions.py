"""Apply and undo from the web run on the task queue, as production runs them (django-tasks' database backend,
worked off here by ``grappe worker --batch``): the POST checks and queues, answering at once without touching the
registry; a second POST while one waits is refused; the worker applies or undoes; a failure inside the task is
shown on the job's page and changes nothing.

``transaction=True``: the queue's rows are written when the request's transaction commits, as on a server.
"""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from grappe.mergers import actions, apply, selectors
from grappe.mergers.models import AuditEntry, Merger, MergerJob
from grappe.mergers.snapshot import registry_checksum
from grappe.registry.models import Association

from .test_views import confirm_types, review_pairs, url

pytestmark = pytest.mark.django_db(transaction=True)

APPLY = {"confirm": "on", "accept_auto_only": "on"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the progress files


@pytest.fixture
def ready(manager_client: Client, merger: Merger) -> Merger:
    confirm_types(manager_client, merger)
    return merger


def job_url(name: str, job: MergerJob) -> str:
    return reverse(f"mergers:{name}", args=[job.pk])


def test_apply_is_queued_at_once_then_the_worker_applies_it(
    manager_client: Client, ready: Merger, manager, database_queue
):
    before = registry_checksum()
    started = time.monotonic()
    response = manager_client.post(url("apply", ready), APPLY)
    elapsed = time.monotonic() - started

    job = MergerJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job_url("action_job", job)
    assert elapsed < 5
    ready.refresh_from_db()
    assert ready.status == Merger.Status.PLANNED and registry_checksum() == before  # nothing applied yet
    page = manager_client.get(job_url("action_job", job)).content.decode()
    assert f'hx-get="{job_url("action_progress", job)}"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert "Vérifications" in page and "Regroupement des adhérents" in page
    # The merger's pages point at the job while it waits: the confirmation page leads to it.
    assert manager_client.get(url("apply", ready))["Location"] == job_url("action_job", job)
    assert job_url("action_job", job) in manager_client.get(url("detail", ready)).content.decode()

    database_queue()

    ready.refresh_from_db()
    job.refresh_from_db()
    assert ready.status == Merger.Status.APPLIED and ready.applied_by == manager
    assert job.status == MergerJob.Status.DONE and job.finished_at is not None
    assert manager_client.get(job_url("action_progress", job))["HX-Refresh"] == "true"
    landed = manager_client.get(job_url("action_job", job), follow=True)
    assert landed.redirect_chain[-1][0] == url("detail", ready)
    page = landed.content.decode()
    assert "Fusion appliquée au registre" in page and "Annuler la fusion…" in page


def test_a_second_apply_while_one_waits_is_refused_and_it_runs_once(
    manager_client: Client, ready: Merger, database_queue
):
    assert manager_client.post(url("apply", ready), APPLY).status_code == 302

    again = manager_client.post(url("apply", ready), APPLY)
    undo = manager_client.post(url("undo", ready), {"confirm": "on"})

    assert again.status_code == 409
    assert (
        "est déjà en cours" in again.content.decode()
        and "ne sera pas lancée deux fois" in again.content.decode()
    )
    assert undo.status_code in (400, 409)  # not applied yet, and busy: refused either way
    assert MergerJob.objects.count() == 1
    database_queue()
    ready.refresh_from_db()
    assert ready.status == Merger.Status.APPLIED
    assert AuditEntry.objects.filter(merger=ready, action=AuditEntry.Action.APPLY).count() == 1
    # Once applied, apply is refused for what it is: the merger is no longer planned.
    assert manager_client.post(url("apply", ready), APPLY).status_code == 400


def test_a_refusal_is_answered_at_once_and_queues_nothing(manager_client: Client, merger: Merger):
    response = manager_client.post(url("apply", merger), {"confirm": "on"})  # pairs still undecided

    assert response.status_code == 400
    assert "à vérifier sans décision" in response.content.decode()
    assert not MergerJob.objects.exists()
    assert not selectors.action_progress_file(merger.pk).path.exists()


def test_a_failure_inside_the_apply_is_shown_on_its_page_and_changes_nothing(
    manager_client: Client, ready: Merger, database_queue, monkeypatch
):
    before = registry_checksum()

    def crash(point: str, index: int) -> None:
        if point == "associations":
            raise RuntimeError("disque débranché")

    monkeypatch.setattr(apply, "FAULT_HOOK", crash)
    manager_client.post(url("apply", ready), APPLY)
    job = MergerJob.objects.get()
    database_queue()

    job.refresh_from_db()
    ready.refresh_from_db()
    assert job.status == MergerJob.Status.FAILED
    assert ready.status == Merger.Status.PLANNED and registry_checksum() == before
    page = manager_client.get(job_url("action_job", job)).content.decode()
    assert "La fusion n&#x27;a pas été appliquée." in page
    assert "erreur inattendue (RuntimeError: disque débranché)" in page
    assert "Rien n'a été modifié." in page and url("apply", ready) in page
    # Nothing holds the merger any more: it can be applied again.
    monkeypatch.setattr(apply, "FAULT_HOOK", None)
    assert manager_client.post(url("apply", ready), APPLY).status_code == 302
    database_queue()
    ready.refresh_from_db()
    assert ready.status == Merger.Status.APPLIED


def test_undo_is_queued_then_run_and_a_database_failure_is_told_in_french(
    manager_client: Client, ready: Merger, database_queue, monkeypatch
):
    manager_client.post(url("apply", ready), APPLY)
    database_queue()
    ready.refresh_from_db()
    applied = registry_checksum()

    def too_many(*args, **kwargs):
        raise OperationalError("too many SQL variables")

    monkeypatch.setattr("grappe.mergers.snapshot.restore_snapshot", too_many)
    response = manager_client.post(url("undo", ready), {"confirm": "on"})
    job = MergerJob.objects.get(action=MergerJob.Action.UNDO)
    assert response["Location"] == job_url("action_job", job)
    database_queue()

    job.refresh_from_db()
    ready.refresh_from_db()
    assert job.status == MergerJob.Status.FAILED
    assert ready.status == Merger.Status.APPLIED and registry_checksum() == applied
    page = manager_client.get(job_url("action_job", job)).content.decode()
    assert "La fusion n&#x27;a pas été annulée." in page
    assert "limite de variables de la base de données (too many SQL variables)" in page
    assert "migrate" not in page

    monkeypatch.undo()
    response = manager_client.post(url("undo", ready), {"confirm": "on"})
    retried = MergerJob.objects.filter(action=MergerJob.Action.UNDO).first()
    ready.refresh_from_db()
    assert ready.status == Merger.Status.APPLIED  # queued, not run
    database_queue()
    ready.refresh_from_db()
    retried.refresh_from_db()
    assert retried.status == MergerJob.Status.DONE and ready.status == Merger.Status.UNDONE
    assert registry_checksum() == ready.checksum_before
    landed = manager_client.get(job_url("action_job", retried), follow=True).content.decode()
    assert "Fusion annulée : le registre est revenu exactement à son état d&#x27;avant." in landed


def test_a_job_whose_worker_died_is_shown_interrupted(manager_client: Client, ready: Merger, manager):
    job = MergerJob.objects.create(
        merger=ready, action=MergerJob.Action.APPLY, status=MergerJob.Status.RUNNING, created_by=manager
    )  # no progress file: the process that ran it is gone, its transaction rolled back

    page = manager_client.get(job_url("action_job", job)).content.decode()

    assert "L'opération a été interrompue" in page and "Relancer l&#x27;application" in page
    assert selectors.running_action(ready) is None


def test_the_command_line_and_services_still_apply_in_the_foreground(ready: Merger):
    actions_before = MergerJob.objects.count()
    from grappe.mergers import services

    services.apply_merger(merger=ready, accept_auto_only=True)
    ready.refresh_from_db()
    assert ready.status == Merger.Status.APPLIED and MergerJob.objects.count() == actions_before
    assert actions.actions_in_background()


def test_apply_then_undo_through_the_pages(manager_client: Client, merger: Merger, manager, database_queue):
    for pair in review_pairs(merger):
        manager_client.post(url("decide", merger, pair_id=pair.pk), {"decision": "rejected"})
    confirm_types(manager_client, merger)
    detail = manager_client.get(url("detail", merger))
    assert not detail.context["apply_blocked"]
    members_before = Association.objects.get(pk=merger.absorbing_id).memberships.count()

    response = manager_client.post(url("apply", merger), {"confirm": "on"})
    assert response.status_code == 302
    merger.refresh_from_db()
    assert merger.status == Merger.Status.PLANNED  # queued: the worker applies it
    database_queue()
    page = manager_client.get(response["Location"], follow=True).content.decode()
    merger.refresh_from_db()
    assert merger.status == Merger.Status.APPLIED
    assert merger.applied_by == manager
    assert Association.objects.get(pk=merger.absorbing_id).memberships.count() > members_before
    assert "Annuler la fusion…" in page
    assert "Fusion appliquée au registre" in page

    assert manager_client.get(url("undo", merger)).status_code == 200
    response = manager_client.post(url("undo", merger), {"confirm": "on"})
    assert response.status_code == 302
    merger.refresh_from_db()
    assert merger.status == Merger.Status.APPLIED
    database_queue()
    page = manager_client.get(response["Location"], follow=True).content.decode()
    assert "Fusion annulée" in page
    merger.refresh_from_db()
    assert merger.status == Merger.Status.UNDONE
    assert merger.undone_by == manager
    assert Association.objects.get(pk=merger.absorbing_id).memberships.count() == members_before
    assert merger.checksum_before  # the services measured the registry; undo restored it exactly


def test_recomputing_the_plan_is_queued_decisions_wait_for_it_then_the_page_lands_on_the_new_plan(
    manager_client: Client, merger: Merger, manager, database_queue
):
    """« Recalculer avec mes décisions » runs the linkage again: about a minute on a large merger, so it is
    queued like apply, its page follows the plan's own steps, and a decision asked for meanwhile is refused
    (its pair is about to be replaced) instead of waiting on the plan's lock."""
    pair = review_pairs(merger)[0]
    manager_client.post(url("decide", merger, pair_id=pair.pk), {"decision": "accepted"})
    decided = (pair.left_org_id, pair.right_org_id)

    response = manager_client.post(url("recompute", merger))

    job = MergerJob.objects.get()
    assert job.action == MergerJob.Action.RECOMPUTE
    assert response.status_code == 302 and response["Location"] == job_url("action_job", job)
    page = manager_client.get(job_url("action_job", job)).content.decode()
    assert (
        "Nouveau calcul du plan" in page and "Lecture des deux registres" in page and "Rapprochement" in page
    )
    detail = manager_client.get(url("detail", merger)).content.decode()
    assert "Le plan de cette fusion est en cours de calcul." in detail
    assert "Recalculer avec mes décisions</button>" not in detail
    refused = manager_client.post(
        url("decide", merger, pair_id=pair.pk), {"decision": "rejected"}, follow=True
    )
    assert (
        "est en cours de calcul : les décisions reprennent dès qu&#x27;il est prêt"
        in refused.content.decode()
    )
    assert manager_client.post(url("apply", merger), APPLY).status_code == 409
    assert merger.audit.filter(action=AuditEntry.Action.PLAN).count() == 1

    database_queue()

    job.refresh_from_db()
    assert job.status == MergerJob.Status.DONE
    merger.refresh_from_db()
    assert merger.summary["linkage"]["parameters"]["decisions_learned"] >= 1
    assert merger.audit.filter(action=AuditEntry.Action.PLAN).count() == 2
    kept = merger.pairs.get(left_org_id=decided[0], right_org_id=decided[1])
    assert kept.decision == "accepted"
    landed = manager_client.get(job_url("action_job", job), follow=True)
    assert landed.redirect_chain[-1][0] == url("detail", merger)
    assert "Plan recalculé avec vos décisions." in landed.content.decode()
    # A decision on a pair the new plan replaced is refused, the reviewer sent back to the queue.
    gone = manager_client.post(url("decide", merger, pair_id=pair.pk), {"decision": "rejected"}, follow=True)
    assert "a été recalculé : cette paire n&#x27;y est plus" in gone.content.decode()
    panel = manager_client.post(
        url("decide", merger, pair_id=pair.pk), {"decision": "rejected"}, HTTP_HX_REQUEST="true"
    )
    assert panel.status_code == 400 and "cette paire n&#x27;y est plus" in panel.content.decode()
    assert merger.pairs.get(left_org_id=decided[0], right_org_id=decided[1]).decision == "accepted"
