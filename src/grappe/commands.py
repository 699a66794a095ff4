"""Registers every app's CLI commands on the ``grappe`` app (imported by ``grappe.cli.main``)."""

from grappe.demo import cli as demo_cli  # noqa: F401
from grappe.finance import cli as finance_cli  # noqa: F401  (finance: grappe dues …)
from grappe.governance import cli as governance_cli  # noqa: F401  (issue 11)
from grappe.intake import cli as intake_cli  # noqa: F401
from grappe.mergers import cli as mergers_cli  # noqa: F401
from grappe.registry import cli as registry_cli  # noqa: F401
from grappe.startups import cli as startups_cli  # noqa: F401  (issue 12: grappe startups …)
