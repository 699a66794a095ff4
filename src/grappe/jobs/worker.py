"""The worker process (``grappe worker``): runs the queued tasks of the database backend, one at a time.

It is django-tasks-db's worker loop with three things of Grappe's around it: it names itself ``host:pid`` (so
that a page can tell a task whose worker died from one still running), it marks the tasks a killed worker left
running as failed when it starts (their step rolled back; the job is started again from its page), and it keeps
the daily housekeeping task scheduled.
"""

from __future__ import annotations

import datetime
import os
import socket

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, task

from grappe.errors import UserError
from grappe.jobs.priority import yield_to_requests
from grappe.jobs.queue import schedule, worker_is_gone

HOUSEKEEPING_EVERY = datetime.timedelta(days=1)


class WorkerDied(Exception):
    """Recorded on a task whose worker was killed while running it."""


def worker_id() -> str:
    return f"{socket.gethostname()[:48]}:{os.getpid()}"


def run_worker(
    *, batch: bool = False, max_tasks: int | None = None, interval: float = 1.0, verbosity: int = 1
) -> None:
    """Run queued tasks until stopped (SIGTERM or Ctrl+C lets the running task finish), or, with ``batch``,
    until none is ready."""
    check_database_queue()
    yield_to_requests()
    recover_interrupted_tasks()
    ensure_housekeeping()
    call_command(
        "db_worker",
        worker_id=worker_id(),
        queue_name="*",
        batch=batch,
        max_tasks=max_tasks,
        interval=interval,
        reload=False,
        startup_delay=False,
        verbosity=verbosity,
    )


def check_database_queue() -> None:
    """A worker has something to run only when tasks are queued in the database."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db import DatabaseBackend

    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if not isinstance(backend, DatabaseBackend):
        raise UserError(
            _(
                "Les tâches ne sont pas mises en file dans la base (TASKS utilise %(backend)s) : il n'y a rien à "
                "exécuter. Retirez GRAPPE_TASKS_BACKEND de l'environnement pour utiliser la file en base."
            )
            % {"backend": type(backend).__name__}
        )


def recover_interrupted_tasks() -> int:
    """Mark as failed the tasks left running by a worker of this host that died; their number."""
    from django_tasks_db.models import DBTaskResult

    recovered = 0
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        if result.worker_ids and worker_is_gone(result.worker_ids[-1]):
            result.set_failed(WorkerDied(f"worker {result.worker_ids[-1]} died while running this task"))
            recovered += 1
    return recovered


@task()
def prune_finished_tasks() -> int:
    """Housekeeping, every day: delete the finished tasks older than ``GRAPPE_TASKS_KEEP_DAYS``, then schedule
    the next run. Returns how many were deleted."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - datetime.timedelta(days=settings.GRAPPE_TASKS_KEEP_DAYS)
    finished = DBTaskResult.objects.filter(status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED])
    deleted, _by_model = finished.filter(finished_at__lt=cutoff).delete()
    schedule(prune_finished_tasks, after=HOUSEKEEPING_EVERY)
    return deleted


def ensure_housekeeping() -> None:
    """Schedule the housekeeping task now unless a run of it is already waiting."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=prune_finished_tasks.module_path, status=TaskResultStatus.READY
    )
    if not waiting.exists():
        schedule(prune_finished_tasks, after=datetime.timedelta(0))
