"""The settings of the test suite: the project's own, plus a test app standing in for the apps to come."""

from grappe.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "core.dependent_app"]  # noqa: F405

# Queued steps run as they are queued, in the request: tests stay deterministic without a worker. The tests of the
# queue itself (tests/jobs) switch to the database backend and run a worker loop.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
GRAPPE_TASKS_RETRY_DELAY = 0
