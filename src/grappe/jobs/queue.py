"""Steps on the task queue: start one (now, or queued for the worker), its retries, and scheduled tasks.

The queue is django-tasks (its database backend, ``django_tasks_db``, in production and the demo: a row per task,
on SQLite and PostgreSQL alike; ``grappe worker`` runs them). A step is a module-level function
``step(*, progress, **arguments)`` whose arguments are JSON values (ids, flags), so that a worker in another
process can run it: it reads its objects again through its own connection.

Retries are for transient failures only (a locked SQLite database, a deadlock or a dropped connection on
PostgreSQL): the step is one transaction, so it rolled back and is simply run again, after a delay that doubles
each time. A user error (a located message) is never retried: the step records it and the page shows it.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskContext, TaskResult, TaskResultStatus, task
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks.utils import get_module_path

from grappe.core import dberrors
from grappe.errors import UserError
from grappe.jobs.progress import ProgressFile, process_is_alive

logger = logging.getLogger(__name__)

Step = Callable[..., None]
OnError = Callable[..., None]

# The attempt of the step running in this context (1 for the first run); unset outside a queued step.
_attempt: ContextVar[int | None] = ContextVar("grappe_step_attempt", default=None)


def start_step(
    progress_file: ProgressFile,
    step: Step,
    *,
    stage: str,
    background: bool,
    arguments: dict[str, Any] | None = None,
    on_error: OnError | None = None,
) -> bool:
    """Run ``step(progress=…, **arguments)`` now, or queue it for the worker when ``background``; True when
    queued. ``JobBusy`` when a step holds ``progress_file``. Now, its errors reach the caller; queued, they go to
    ``on_error(error, **arguments)`` (a module-level function; unexpected errors are logged too)."""
    arguments = arguments or {}
    if background:
        for function in (step, on_error):
            _check_module_level(function)
    report = progress_file.claim(stage)
    if not background:
        try:
            step(progress=report, **arguments)
        finally:
            progress_file.release()
        return False
    try:
        enqueue_step(
            progress_file,
            step=get_module_path(step),
            on_error=get_module_path(on_error) if on_error else "",
            arguments=arguments,
        )
    except BaseException:
        progress_file.release()
        raise
    return True


def _check_module_level(function: Callable[..., Any] | None) -> None:
    """A worker finds a queued step by its dotted path: refuse a closure or a lambda before queueing it."""
    if function is None:
        return
    path = get_module_path(function)
    try:
        found = import_string(path)
    except ImportError:
        found = None
    if found is not function:
        raise ValueError(f"{path}: a queued step must be a function defined at module level")


def enqueue_step(
    progress_file: ProgressFile,
    *,
    step: str,
    on_error: str,
    arguments: dict[str, Any],
    attempt: int = 1,
    run_after: datetime.datetime | None = None,
) -> TaskResult:
    """Queue ``run_step`` for a claimed progress file, which then names the task. The file is handed over in
    the transaction that queues the task, so a worker never sees the task before the file names it."""
    target = run_step if run_after is None else run_step.using(run_after=run_after)
    kwargs: dict[str, Any] = {
        "step": step,
        "on_error": on_error,
        "folder": progress_file.folder,
        "key": progress_file.key,
        "arguments": arguments,
        "attempt": attempt,
    }
    if runs_in_place(target):
        return target.enqueue(**kwargs)  # runs now, in this thread, which owns the file
    with transaction.atomic():
        result = target.enqueue(**kwargs)
        progress_file.hand_over(result.id)
    return result


def runs_in_place(target: Task) -> bool:
    """Whether the backend runs tasks as they are queued, in the caller's thread (the test suite's)."""
    return isinstance(target.get_backend(), ImmediateBackend)


@task(takes_context=True)
def run_step(
    context: TaskContext,
    *,
    step: str,
    on_error: str,
    folder: str,
    key: int,
    arguments: dict[str, Any],
    attempt: int = 1,
) -> None:
    """The task every queued step runs in: take the progress file over, run the step, retry it on a transient
    failure, hand a final error to ``on_error``, release the file."""
    progress_file = ProgressFile.of(folder, key)
    report = progress_file.take_over(context.task_result.id)
    if report is None:
        logger.warning("Step %s (%s %s) no longer holds its progress file: not run", step, folder, key)
        return
    retried = False
    token = _attempt.set(attempt)
    try:
        import_string(step)(progress=report, **arguments)
    except Exception as error:
        retried = will_retry(error) and _retry(progress_file, step, on_error, arguments, attempt, error)
        if not retried:
            _hear(error, on_error, arguments, step)
        raise
    finally:
        _attempt.reset(token)
        if not retried:
            progress_file.release()


def will_retry(error: BaseException) -> bool:
    """Whether the queued step running now will be run again after ``error``: a transient failure, with
    attempts left. A step leaves its job as it was (in progress) rather than record such an error as final."""
    attempt = _attempt.get()
    return attempt is not None and attempt <= settings.GRAPPE_TASKS_RETRIES and is_transient(error)


def is_transient(error: BaseException) -> bool:
    """A database failure that the same step, run again a little later, can get past (a lock, a lost
    connection); too many SQL variables or a missing table fail the same way every time (``core.dberrors``)."""
    return dberrors.is_transient(error)


def retry_delay(attempt: int) -> datetime.timedelta:
    """The wait before the run after ``attempt``: ``GRAPPE_TASKS_RETRY_DELAY`` seconds, doubled each time."""
    return datetime.timedelta(seconds=settings.GRAPPE_TASKS_RETRY_DELAY * 2 ** (attempt - 1))


def _retry(
    progress_file: ProgressFile,
    step: str,
    on_error: str,
    arguments: dict[str, Any],
    attempt: int,
    error: Exception,
) -> bool:
    delay = retry_delay(attempt)
    logger.warning("Step %s failed (%s): attempt %d in %s", step, error, attempt + 1, delay)
    try:
        if runs_in_place(run_step):
            time.sleep(delay.total_seconds())  # the backend cannot defer: wait here
            run_after = None
        else:
            run_after = timezone.now() + delay
        enqueue_step(
            progress_file,
            step=step,
            on_error=on_error,
            arguments=arguments,
            attempt=attempt + 1,
            run_after=run_after,
        )
    except Exception:
        logger.exception("Queueing attempt %d of step %s failed", attempt + 1, step)
        return False
    return True


def _hear(error: Exception, on_error: str, arguments: dict[str, Any], step: str) -> None:
    if not isinstance(error, UserError):
        logger.error("Background step %s failed", step, exc_info=error)
    if not on_error:
        return
    try:
        import_string(on_error)(error, **arguments)
    except Exception:
        logger.exception("Recording the failure of step %s failed", step)


def schedule(
    target: Task,
    *,
    at: datetime.datetime | None = None,
    after: datetime.timedelta | None = None,
    **kwargs: Any,
) -> TaskResult:
    """Queue ``target(**kwargs)`` to run at ``at`` or ``after`` a delay (convocation delays, dues reminders).
    The worker runs it at that time or, if it was stopped then, as soon as it runs again."""
    if (at is None) == (after is None):
        raise ValueError("schedule() takes exactly one of at= and after=")
    when = at if at is not None else timezone.now() + after  # type: ignore[operator]
    return target.using(run_after=when).enqueue(**kwargs)


def task_is_gone(task_id: str) -> bool:
    """Whether the queued task ``task_id`` will never run or finish its step: it ended, it no longer exists,
    or the worker that took it died. One that waits, or runs in a live worker, is not gone."""
    try:
        result = run_step.get_backend().get_result(task_id)
    except TaskResultDoesNotExist:
        return True
    except NotImplementedError:
        return False  # a backend that cannot tell
    if result.status == TaskResultStatus.READY:
        return False
    if result.status == TaskResultStatus.RUNNING:
        return bool(result.worker_ids) and worker_is_gone(result.worker_ids[-1])
    return True


def worker_is_gone(worker_id: str) -> bool:
    """Whether the worker named ``worker_id`` (``host:pid``, as ``grappe worker`` names itself) has died. A
    worker on another host, or named otherwise, is taken as alive."""
    import socket

    host, _sep, pid = worker_id.rpartition(":")
    if host != socket.gethostname()[:48] or not pid.isdigit():
        return False
    return not process_is_alive(int(pid))
