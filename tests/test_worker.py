"""The task queue as production runs it: django-tasks' database backend and the worker loop of ``grappe worker``.
Scheduled tasks wait for their time, transient failures are queued again with back-off, a task a killed worker
left running is marked failed, and the daily housekeeping prunes old tasks.

The killed worker in the middle of an import is in ``intake/test_worker.py``."""

from __future__ import annotations

import datetime
import os
import signal
import socket
import subprocess
import sys

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult, get_date_max
from typer.testing import CliRunner

from grappe import cli, jobs
from grappe.jobs import worker

# The worker loop checks its connections as a server does: outside a test's transaction (PostgreSQL closes one
# whose autocommit differs from its settings).
pytestmark = pytest.mark.django_db(transaction=True)

NOTES: list[str] = []
RUNS: list[int] = []


@task()
def remember(note: str) -> None:
    """An example of a scheduled task (a convocation delay, a dues reminder): it keeps a note."""
    NOTES.append(note)


def step_locked_once(*, progress: jobs.ProgressCallback) -> None:
    from django.db import OperationalError

    RUNS.append(len(RUNS) + 1)
    if len(RUNS) == 1:
        raise OperationalError("database is locked")


@pytest.fixture(autouse=True)
def fresh_notes(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    NOTES.clear()
    RUNS.clear()


def statuses() -> list[str]:
    return list(DBTaskResult.objects.order_by("enqueued_at").values_list("status", flat=True))


def test_a_scheduled_task_waits_for_its_time(database_queue):
    later = jobs.schedule(remember, after=datetime.timedelta(hours=1), note="rappel de cotisation")
    due = jobs.schedule(remember, at=timezone.now() - datetime.timedelta(seconds=1), note="convocation")

    database_queue()

    assert NOTES == ["convocation"]
    later.refresh()
    assert later.status == TaskResultStatus.READY and later.task.run_after > timezone.now()
    due.refresh()
    assert due.status == TaskResultStatus.SUCCESSFUL


def test_schedule_takes_a_time_or_a_delay(database_queue):
    with pytest.raises(ValueError):
        jobs.schedule(remember, note="x")
    with pytest.raises(ValueError):
        jobs.schedule(remember, at=timezone.now(), after=datetime.timedelta(1), note="x")


def test_a_transient_failure_is_queued_again_and_the_worker_runs_it(database_queue, settings):
    settings.GRAPPE_TASKS_RETRY_DELAY = 0
    progress_file = jobs.ProgressFile.of("essais", 3)

    assert jobs.start_step(progress_file, step_locked_once, stage="lecture", background=True)
    queued = progress_file.read()
    assert queued["stage"] == "lecture" and "task" in queued and "pid" not in queued
    with pytest.raises(jobs.JobBusy):  # waiting in the queue counts as running
        jobs.start_step(progress_file, step_locked_once, stage="lecture", background=True)

    database_queue()

    assert RUNS == [1, 2]
    steps = DBTaskResult.objects.filter(task_path="grappe.jobs.queue.run_step").order_by("enqueued_at")
    assert [(t.status, t.args_kwargs["kwargs"]["attempt"]) for t in steps] == [
        ("FAILED", 1),
        ("SUCCESSFUL", 2),
    ]
    assert not progress_file.path.exists()


def test_a_retry_waits_its_delay(database_queue, settings):
    settings.GRAPPE_TASKS_RETRY_DELAY = 60
    progress_file = jobs.ProgressFile.of("essais", 4)
    jobs.start_step(progress_file, step_locked_once, stage="lecture", background=True)

    database_queue()

    retry = DBTaskResult.objects.filter(status="READY", task_path="grappe.jobs.queue.run_step").get()
    assert retry.run_after > timezone.now() + datetime.timedelta(seconds=50)
    assert progress_file.read()["task"] == str(retry.id)  # the job still shows as in progress


def test_a_task_left_running_by_a_dead_worker_is_marked_failed_and_its_file_stale(database_queue):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    host = socket.gethostname()[:48]
    progress_file = jobs.ProgressFile.of("essais", 5)
    jobs.start_step(progress_file, step_locked_once, stage="lecture", background=True)
    orphan = DBTaskResult.objects.get()
    orphan.claim(f"{host}:{int(dead.stdout)}")
    alive = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {"note": "x"}},
        task_path=remember.module_path,
        backend_name="default",
        run_after=get_date_max(),
    )
    alive.claim(f"{host}:{os.getpid()}")

    assert progress_file.read() == {}  # the worker named in the queue is dead: the step can start again
    assert worker.recover_interrupted_tasks() == 1
    orphan.refresh_from_db()
    alive.refresh_from_db()
    assert orphan.status == "FAILED" and "WorkerDied" in orphan.exception_class_path
    assert alive.status == "RUNNING"


def test_housekeeping_prunes_old_tasks_and_comes_back_the_next_day(database_queue, settings):
    settings.GRAPPE_TASKS_KEEP_DAYS = 30
    jobs.schedule(remember, at=timezone.now(), note="ancienne")
    jobs.schedule(remember, at=timezone.now(), note="récente")
    database_queue()  # runs both, and the housekeeping scheduled when the worker starts
    old = DBTaskResult.objects.get(args_kwargs__kwargs__note="ancienne")
    DBTaskResult.objects.filter(pk=old.pk).update(finished_at=timezone.now() - datetime.timedelta(days=31))

    assert worker.prune_finished_tasks.call() == 1

    assert not DBTaskResult.objects.filter(pk=old.pk).exists()
    assert DBTaskResult.objects.filter(args_kwargs__kwargs__note="récente").exists()
    waiting = DBTaskResult.objects.filter(task_path=worker.prune_finished_tasks.module_path, status="READY")
    assert waiting.count() == 2  # the worker's next run, and the one this call scheduled
    assert all(row.run_after > timezone.now() + datetime.timedelta(hours=23) for row in waiting)
    worker.ensure_housekeeping()
    assert waiting.count() == 2


def test_grappe_worker_runs_the_queue(database_queue):
    jobs.schedule(remember, at=timezone.now(), note="depuis la commande")
    cli._register_commands()

    handlers = {
        number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
    }
    try:
        result = CliRunner().invoke(cli.app, ["worker", "--batch"])
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)

    assert result.exit_code == 0, result.output
    assert NOTES == ["depuis la commande"]


def test_grappe_worker_refuses_a_backend_without_a_queue():
    cli._register_commands()  # the suite's settings: the immediate backend

    result = CliRunner().invoke(cli.app, ["worker", "--batch"])

    assert result.exit_code == 2 and "GRAPPE_TASKS_BACKEND" in result.output
