"""Errors of the linkage engine: things a caller can fix (bad records, bad settings)."""

from __future__ import annotations

from grappe.errors import UserError


class LinkageInputError(UserError):
    code = "linkage.input"


class LinkageSettingsError(UserError):
    code = "linkage.settings"
