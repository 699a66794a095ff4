"""Governance's refusals, each a ``UserError`` that names the statutes, the rule and the fix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from grappe.errors import UserError


class StatutesRefused(UserError):
    """A statutes document that cannot be recorded (its problems are listed, line by line). ``problems``: the
    schema's located problems (line, path, message), for a page to show as a table."""

    code = "grappe.governance.statutes_refused"

    def __init__(self, message: str, *, problems: Sequence[Any] = (), **kwargs: Any):
        super().__init__(message, **kwargs)
        self.problems = list(problems)


class NotSetByStatutes(UserError):
    """A service needed a rule the statutes in force do not set: refused, never guessed."""

    code = "grappe.governance.not_set"


class MandateRefused(UserError):
    code = "grappe.governance.mandate_refused"


class ApportionmentRefused(UserError):
    code = "grappe.governance.apportionment_refused"


class ProcedureRefused(UserError):
    """A merger procedure or one of its steps that cannot be recorded as given."""

    code = "grappe.governance.procedure_refused"
