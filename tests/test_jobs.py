"""Background steps and their progress file (``grappe.jobs``): one step at a time, errors heard, a step left
behind by a dead process recognised as stale so that it can be started again."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from grappe import jobs
from grappe.errors import UserError


@pytest.fixture
def progress_file(settings, tmp_path) -> jobs.ProgressFile:
    settings.MEDIA_ROOT = tmp_path
    return jobs.ProgressFile.of("essais", 7)


def test_the_file_lives_under_media_root_and_exists_while_the_step_runs(progress_file, tmp_path):
    seen = []

    def step(progress):
        progress("lecture", 3, 10)
        seen.append(progress_file.read())

    assert not jobs.start_step(progress_file, step, stage="lecture", background=False, thread_name="x")

    assert progress_file.path == tmp_path / "essais" / "progress" / "7.json"
    assert [(s["stage"], s["done"], s["total"]) for s in seen] == [("lecture", 3, 10)]
    assert not progress_file.path.exists() and progress_file.read() == {}


def test_a_second_step_is_refused_while_one_runs(progress_file):
    def step(progress):
        with pytest.raises(jobs.JobBusy, match="déjà en cours"):
            jobs.start_step(progress_file, lambda p: None, stage="b", background=False, thread_name="y")

    jobs.start_step(progress_file, step, stage="a", background=False, thread_name="x")


def test_an_error_now_reaches_the_caller_and_releases_the_file(progress_file):
    def step(progress):
        raise UserError("fichier illisible")

    with pytest.raises(UserError, match="fichier illisible"):
        jobs.start_step(progress_file, step, stage="a", background=False, thread_name="x")
    assert not progress_file.path.exists()


def test_a_step_in_the_background_hands_its_error_to_on_error(progress_file):
    heard: list[Exception] = []
    started = threading.Event()

    def step(progress):
        started.wait(5)
        raise UserError("ligne 3 : SIREN invalide")

    assert jobs.start_step(
        progress_file, step, stage="a", background=True, thread_name="grappe-essai-7", on_error=heard.append
    )
    assert progress_file.is_running()  # claimed before the thread starts
    started.set()
    next(t for t in threading.enumerate() if t.name == "grappe-essai-7").join(10)
    assert [str(error) for error in heard] == ["ligne 3 : SIREN invalide"]
    assert not progress_file.is_running()


def test_an_unexpected_error_in_the_background_is_logged(progress_file, caplog):
    heard: list[Exception] = []

    def step(progress):
        raise RuntimeError("disque plein")

    jobs.start_step(
        progress_file, step, stage="a", background=True, thread_name="grappe-essai-8", on_error=heard.append
    )
    for thread in threading.enumerate():
        if thread.name == "grappe-essai-8":
            thread.join(10)
    assert isinstance(heard[0], RuntimeError)
    assert "grappe-essai-8" in caplog.text


def _write(progress_file: jobs.ProgressFile, **data: object) -> None:
    progress_file.path.parent.mkdir(parents=True, exist_ok=True)
    progress_file.path.write_text(json.dumps({"stage": "import", "done": 5, "total": 9, **data}))


def test_a_file_left_by_a_dead_process_is_stale_and_can_be_claimed_again(progress_file):
    import socket

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    _write(progress_file, host=socket.gethostname(), pid=int(dead.stdout), thread="MainThread")

    assert progress_file.read() == {} and not progress_file.is_running()
    jobs.start_step(progress_file, lambda p: None, stage="a", background=False, thread_name="x")


def test_a_file_of_this_process_whose_thread_ended_is_stale(progress_file):
    import os
    import socket

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
        jobs.start_step(progress_file, lambda p: None, stage="a", background=False, thread_name="x")
