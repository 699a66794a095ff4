"""Background steps and their progress file (``grappe.jobs``): one step at a time, errors heard, transient
failures retried with back-off, user errors never, and a step whose owner is gone recognised as stale so that it
can be started again.

The suite's task backend runs a queued step as it is queued, in the request (``grappe_test_settings``); the
queue's database backend and its worker are tested in ``test_worker.py``."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading

import pytest
from django.db import OperationalError

from grappe import jobs
from grappe.errors import UserError
from grappe.jobs import queue

HEARD: list[Exception] = []
RUNS: list[int] = []


@pytest.fixture
def progress_file(settings, tmp_path) -> jobs.ProgressFile:
    settings.MEDIA_ROOT = tmp_path
    HEARD.clear()
    RUNS.clear()
    return jobs.ProgressFile.of("essais", 7)


def hear(error: Exception, **arguments: object) -> None:
    HEARD.append(error)


def refused_step(*, progress: jobs.ProgressCallback) -> None:
    raise UserError("ligne 3 : SIREN invalide")


def broken_step(*, progress: jobs.ProgressCallback) -> None:
    raise RuntimeError("disque plein")


def step_locked_twice(*, progress: jobs.ProgressCallback, failures: int = 2) -> None:
    RUNS.append(len(RUNS) + 1)
    if len(RUNS) <= failures:
        raise OperationalError("database is locked")


def step_with_too_many_variables(*, progress: jobs.ProgressCallback) -> None:
    RUNS.append(len(RUNS) + 1)
    raise OperationalError("too many SQL variables")


def test_the_file_lives_under_media_root_and_exists_while_the_step_runs(progress_file, tmp_path):
    seen = []

    def step(progress):
        progress("lecture", 3, 10)
        seen.append(progress_file.read())

    assert not jobs.start_step(progress_file, step, stage="lecture", background=False)

    assert progress_file.path == tmp_path / "essais" / "progress" / "7.json"
    assert [(s["stage"], s["done"], s["total"]) for s in seen] == [("lecture", 3, 10)]
    assert not progress_file.path.exists() and progress_file.read() == {}


def test_a_second_step_is_refused_while_one_runs(progress_file):
    def step(progress):
        with pytest.raises(jobs.JobBusy, match="déjà en cours"):
            jobs.start_step(progress_file, lambda progress: None, stage="b", background=False)

    jobs.start_step(progress_file, step, stage="a", background=False)


def test_an_error_now_reaches_the_caller_and_releases_the_file(progress_file):
    def step(progress):
        raise UserError("fichier illisible")

    with pytest.raises(UserError, match="fichier illisible"):
        jobs.start_step(progress_file, step, stage="a", background=False)
    assert not progress_file.path.exists()


def test_a_queued_step_hands_its_error_to_on_error(progress_file):
    assert jobs.start_step(progress_file, refused_step, stage="a", background=True, on_error=hear)

    assert [str(error) for error in HEARD] == ["ligne 3 : SIREN invalide"]
    assert not progress_file.is_running()


def test_an_unexpected_error_of_a_queued_step_is_logged(progress_file, caplog):
    jobs.start_step(progress_file, broken_step, stage="a", background=True, on_error=hear)

    assert isinstance(HEARD[0], RuntimeError)
    assert "test_jobs.broken_step" in caplog.text


def test_a_queued_step_must_be_a_module_level_function(progress_file):
    with pytest.raises(Exception, match="module level"):
        jobs.start_step(progress_file, lambda progress: None, stage="a", background=True)
    assert not progress_file.path.exists()


# -- retries -------------------------------------------------------------------------------------------------


def test_a_transient_failure_is_retried_until_the_step_passes(progress_file, settings):
    settings.GRAPPE_TASKS_RETRIES = 3

    jobs.start_step(progress_file, step_locked_twice, stage="a", background=True, on_error=hear)

    assert RUNS == [1, 2, 3] and HEARD == []
    assert not progress_file.path.exists()


def test_retries_stop_after_the_configured_number_and_the_error_is_heard(progress_file, settings):
    settings.GRAPPE_TASKS_RETRIES = 1

    jobs.start_step(progress_file, step_locked_twice, stage="a", background=True, on_error=hear)

    assert RUNS == [1, 2] and [str(error) for error in HEARD] == ["database is locked"]
    assert not progress_file.path.exists()


def test_user_errors_and_lasting_database_errors_are_not_retried(progress_file):
    jobs.start_step(progress_file, refused_step, stage="a", background=True, on_error=hear)
    jobs.start_step(progress_file, step_with_too_many_variables, stage="a", background=True, on_error=hear)

    assert RUNS == [1] and len(HEARD) == 2


def test_a_step_run_now_is_never_retried(progress_file):
    with pytest.raises(OperationalError):
        jobs.start_step(progress_file, step_locked_twice, stage="a", background=False)
    assert RUNS == [1]


def test_transient_failures_are_told_from_lasting_ones():
    assert jobs.is_transient(OperationalError("database is locked"))
    assert jobs.is_transient(OperationalError("deadlock detected"))
    wrapped = RuntimeError("écriture")
    wrapped.__cause__ = OperationalError("could not serialize access due to concurrent update")
    assert jobs.is_transient(wrapped)
    assert not jobs.is_transient(OperationalError("too many SQL variables"))
    assert not jobs.is_transient(OperationalError("no such table: registry_organisation"))
    assert not jobs.is_transient(UserError("ligne 3"))


def test_the_delay_between_attempts_doubles(settings):
    settings.GRAPPE_TASKS_RETRY_DELAY = 5
    assert [queue.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]


# -- stale files ---------------------------------------------------------------------------------------------


def _write(progress_file: jobs.ProgressFile, **data: object) -> None:
    progress_file.path.parent.mkdir(parents=True, exist_ok=True)
    progress_file.path.write_text(json.dumps({"stage": "import", "done": 5, "total": 9, **data}))


def dead_pid() -> int:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(dead.stdout)


def test_a_file_left_by_a_dead_process_is_stale_and_can_be_claimed_again(progress_file):
    _write(progress_file, host=socket.gethostname(), pid=dead_pid(), thread="MainThread")

    assert progress_file.read() == {} and not progress_file.is_running()
    jobs.start_step(progress_file, lambda progress: None, stage="a", background=False)


def test_a_file_of_this_process_whose_thread_ended_is_stale(progress_file):
    import os

    _write(progress_file, host=socket.gethostname(), pid=os.getpid(), thread="grappe-fini-depuis")
    assert not progress_file.is_running()
    _write(progress_file, host=socket.gethostname(), pid=os.getpid(), thread=threading.current_thread().name)
    assert progress_file.read()["done"] == 5


def test_a_file_without_an_owner_or_from_another_host_is_taken_as_live(progress_file):
    _write(progress_file)
    assert progress_file.is_running()
    _write(progress_file, host="autre-serveur", pid=1, thread="x")
    assert progress_file.is_running()
    with pytest.raises(jobs.JobBusy):
        jobs.start_step(progress_file, lambda progress: None, stage="a", background=False)


def test_a_worker_named_otherwise_or_elsewhere_is_taken_as_alive():
    assert not queue.worker_is_gone("a1b2c3d4e5")  # db_worker's own random ids
    assert not queue.worker_is_gone(f"autre-serveur:{dead_pid()}")
    assert queue.worker_is_gone(f"{socket.gethostname()[:48]}:{dead_pid()}")
