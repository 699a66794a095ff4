"""The settings of the test suite: the project's own, plus a test app standing in for the apps to come."""

from grappe.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "core.dependent_app"]  # noqa: F405
