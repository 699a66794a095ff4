"""Long steps started from a web request (an import, a merger plan), run in a thread, followed by a progress file.

One mechanism for every app. A step is a function of a ``progress(stage, done, total)`` callback; ``start_step``
claims the step's progress file, then runs the step in the request (small work) or in a daemon thread (the page
then polls ``ProgressFile.read``). The file exists exactly while the step runs: it is how other requests know
the work is busy, and it is a file rather than a database row because the step's own transaction would hide a
row from the page polling it (and on SQLite hold the write lock the row would need).

A thread is the simplest thing that works on SQLite and PostgreSQL alike without a worker process. A step
interrupted by a restart has rolled back (each step is one transaction) and may be started again: its progress
file, left behind by the dead process, names that process and is recognised as stale.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils.translation import gettext as _

from grappe.errors import UserError

logger = logging.getLogger(__name__)

# (stage, done, total): the stage's name, units done, units in all (None while unknown).
ProgressCallback = Callable[[str, int, int | None], None]
Step = Callable[[ProgressCallback], None]


class JobBusy(UserError):
    code = "grappe.job_busy"


@dataclass(frozen=True)
class ProgressFile:
    """``MEDIA_ROOT/<folder>/progress/<key>.json``: ``{"stage", "done", "total"}`` and who runs the step."""

    path: Path

    @classmethod
    def of(cls, folder: str, key: int) -> ProgressFile:
        return cls(Path(settings.MEDIA_ROOT) / folder / "progress" / f"{key}.json")

    def read(self) -> dict[str, Any]:
        """The running step's progress; empty when no step runs (no file, or one a dead process left)."""
        data = self._load()
        return data if data is not None and not _stale(data) else {}

    def is_running(self) -> bool:
        return bool(self.read())

    def claim(self, stage: str, *, thread_name: str) -> ProgressCallback:
        """Create the file for a step about to run; ``JobBusy`` when a live step holds it. Returns the step's
        progress callback, which keeps the owner in the file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and not self.is_running():
            self.path.unlink(missing_ok=True)  # left behind by a process that died mid-step
        owner = {"host": socket.gethostname(), "pid": os.getpid(), "thread": thread_name}
        try:
            # Exclusive creation: of two requests starting the same step at once, one wins.
            with self.path.open("x", encoding="utf-8") as stream:
                json.dump({"stage": stage, "done": 0, "total": None, **owner}, stream)
        except FileExistsError:
            raise JobBusy(_("Ce traitement est déjà en cours : attendez qu'il se termine.")) from None

        def report(stage: str, done: int, total: int | None) -> None:
            # Written aside then renamed: a page polling never reads half a file.
            scratch = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp")
            scratch.write_text(json.dumps({"stage": stage, "done": done, "total": total, **owner}), "utf-8")
            os.replace(scratch, self.path)

        return report

    def release(self) -> None:
        self.path.unlink(missing_ok=True)

    def _load(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None


def _stale(data: dict[str, Any]) -> bool:
    """Whether the step that wrote ``data`` is gone: its process died, or, in this process, its thread ended.
    A file without an owner, or written on another host, is taken as live (nothing here can tell)."""
    pid = data.get("pid")
    if not isinstance(pid, int) or data.get("host") != socket.gethostname():
        return False
    if pid == os.getpid():
        return not any(thread.name == data.get("thread") for thread in threading.enumerate())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another account
    return False


def start_step(
    progress_file: ProgressFile,
    step: Step,
    *,
    stage: str,
    background: bool,
    thread_name: str,
    on_error: Callable[[Exception], None] | None = None,
) -> bool:
    """Run ``step`` now, or in a daemon thread called ``thread_name`` when ``background``; True when in the
    background. Now, its errors reach the caller; in the background they go to ``on_error`` (unexpected ones
    are logged too), since no one else is there to hear them."""
    name = thread_name if background else threading.current_thread().name
    report = progress_file.claim(stage, thread_name=name)
    if not background:
        _run(progress_file, step, report)
        return False
    thread = threading.Thread(
        target=_run_in_background,
        args=(progress_file, step, report, on_error),
        name=thread_name,
        daemon=True,
    )
    thread.start()
    return True


def _run(progress_file: ProgressFile, step: Step, report: ProgressCallback) -> None:
    try:
        step(report)
    finally:
        progress_file.release()


def _run_in_background(
    progress_file: ProgressFile,
    step: Step,
    report: ProgressCallback,
    on_error: Callable[[Exception], None] | None,
) -> None:
    close_old_connections()
    try:
        _run(progress_file, step, report)
    except Exception as error:
        if not isinstance(error, UserError):
            logger.exception("Background step %s failed", threading.current_thread().name)
        if on_error is not None:
            try:
                on_error(error)
            except Exception:
                logger.exception("Recording the failure of %s failed", threading.current_thread().name)
    finally:
        # This thread's connections die with it: close them rather than leave sessions open on the server.
        connections.close_all()
