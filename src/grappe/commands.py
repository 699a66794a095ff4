"""Registers every app's CLI commands on the ``grappe`` app (imported by ``grappe.cli.main``)."""

from grappe.registry import cli as registry_cli  # noqa: F401
