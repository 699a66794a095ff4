"""The progress file of a step: what the pages poll, and how other requests know the step is busy.

``MEDIA_ROOT/<folder>/progress/<key>.json`` holds ``{"stage", "done", "total"}`` and who owns the step. It is a
file rather than a database row because the step's own transaction would hide a row from the page polling it
(and on SQLite hold the write lock the row would need). It exists exactly while the step is queued or runs.

Its owner is either a running thread (``host``, ``pid``, ``thread``: the request that runs a small step, or the
worker running a queued one) or, while the step waits in the queue, the queued task (``task``). A file whose owner
is gone is stale: the step was interrupted (it rolled back, being one transaction) and may be started again.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from grappe.errors import UserError

# (stage, done, total): the stage's name, units done, units in all (None while unknown).
ProgressCallback = Callable[[str, int, int | None], None]


class JobBusy(UserError):
    code = "grappe.job_busy"


def this_thread() -> dict[str, Any]:
    """The owner fields naming the current thread of this process on this host."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "thread": threading.current_thread().name}


@dataclass(frozen=True)
class ProgressFile:
    path: Path

    @classmethod
    def of(cls, folder: str, key: int) -> ProgressFile:
        return cls(Path(settings.MEDIA_ROOT) / folder / "progress" / f"{key}.json")

    @property
    def folder(self) -> str:
        return self.path.parent.parent.name

    @property
    def key(self) -> int:
        return int(self.path.stem)

    def read(self) -> dict[str, Any]:
        """The step's progress; empty when no step is queued or runs (no file, or one its owner left)."""
        data = self._load()
        return data if data is not None and not _stale(data) else {}

    def is_running(self) -> bool:
        return bool(self.read())

    def claim(self, stage: str) -> ProgressCallback:
        """Create the file for a step about to run in this thread; ``JobBusy`` when a live step holds it.
        Returns the step's progress callback, which keeps the owner in the file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and not self.is_running():
            self.path.unlink(missing_ok=True)  # left behind by a step whose owner is gone
        owner = this_thread()
        try:
            # Exclusive creation: of two requests starting the same step at once, one wins.
            with self.path.open("x", encoding="utf-8") as stream:
                json.dump({"stage": stage, "done": 0, "total": None, **owner}, stream)
        except FileExistsError:
            raise JobBusy(_("Ce traitement est déjà en cours : attendez qu'il se termine.")) from None
        return self._reporter(owner)

    def hand_over(self, task_id: str) -> None:
        """The step now waits in the queue as ``task_id``: the file names the task instead of a thread."""
        data = self._load() or {"stage": "", "done": 0, "total": None}
        progress = {name: data.get(name) for name in ("stage", "done", "total")}
        self._write({**progress, "task": task_id})

    def take_over(self, task_id: str) -> ProgressCallback | None:
        """For the task about to run the step: name this thread as the owner (keeping the task) and return the
        progress callback; None when the file no longer belongs to ``task_id`` (nor to this thread)."""
        data = self._load()
        if data is None or not (data.get("task") == task_id or _owned_by_this_thread(data)):
            return None
        owner = {**this_thread(), "task": task_id}
        progress = {name: data.get(name) for name in ("stage", "done", "total")}
        self._write({**progress, **owner})
        return self._reporter(owner)

    def release(self) -> None:
        self.path.unlink(missing_ok=True)

    def _reporter(self, owner: dict[str, Any]) -> ProgressCallback:
        def report(stage: str, done: int, total: int | None) -> None:
            self._write({"stage": stage, "done": done, "total": total, **owner})

        return report

    def _write(self, data: dict[str, Any]) -> None:
        # Written aside then renamed: a page polling never reads half a file.
        scratch = self.path.with_name(f"{self.path.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
        scratch.write_text(json.dumps(data), "utf-8")
        os.replace(scratch, self.path)

    def _load(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None


def polled_fragment(
    request: HttpRequest, template: str, context: dict[str, Any], *, running: bool
) -> HttpResponse:
    """The fragment a page polls (htmx) while its step runs; once the step stops, ``HX-Refresh`` has the whole
    page reload, to show the step's outcome rather than a progress bar."""
    response = render(request, template, context)
    if not running:
        response["HX-Refresh"] = "true"
    return response


def _owned_by_this_thread(data: dict[str, Any]) -> bool:
    owner = this_thread()
    return all(data.get(name) == owner[name] for name in ("host", "pid", "thread"))


def _stale(data: dict[str, Any]) -> bool:
    """Whether the owner of ``data`` is gone. A thread: its process died, or, in this process, the thread ended.
    A queued task: it finished or vanished, or the worker that took it died. A file without an owner, or whose
    owner runs on another host, is taken as live (nothing here can tell)."""
    if "pid" in data:
        return _thread_is_gone(data)
    if isinstance(data.get("task"), str):
        from grappe.jobs.queue import task_is_gone

        return task_is_gone(data["task"])
    return False


def _thread_is_gone(data: dict[str, Any]) -> bool:
    pid = data.get("pid")
    if not isinstance(pid, int) or data.get("host") != socket.gethostname():
        return False
    if pid == os.getpid():
        return not any(thread.name == data.get("thread") for thread in threading.enumerate())
    return not process_is_alive(pid)


def process_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, under another account
    return True
