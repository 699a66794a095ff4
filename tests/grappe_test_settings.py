"""The settings of the test suite: the project's own, plus a test app standing in for the apps to come."""

from grappe.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "core.dependent_app"]  # noqa: F405

# Queued steps run as they are queued, in the request: tests stay deterministic without a worker. The tests of the
# queue itself (tests/jobs) switch to the database backend and run a worker loop.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
GRAPPE_TASKS_RETRY_DELAY = 0
# The commands and worker loops the tests run stay at the test process's priority (tests/intake/test_priority.py
# lowers it in a process of its own).
GRAPPE_BACKGROUND_NICE = 0

# Each test process (each xdist worker) stores its uploads and progress files apart: a progress file is keyed by
# an object's id, and two workers' databases both hold a merger n° 1.
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="grappe-test-media-"))

# PostgreSQL: a test's commits need not wait for the disk. Every test that commits (the live server's, the
# workers', the imports') waited for a WAL flush at each commit; what a transaction sees and keeps is unchanged,
# only a crash of the server could lose the last commits.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=off".strip()
