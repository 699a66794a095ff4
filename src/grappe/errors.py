"""One error hierarchy for everything a user can get wrong.

A ``UserError`` carries a message that names the object, the problem and the fix, and optionally where in a
file the problem is. The CLI prints it as one paragraph and exits non-zero; pages show it; nothing is changed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where in a user's file a problem is. Lines are counted from 1, as a spreadsheet shows them."""

    file: str = ""
    sheet: str = ""
    line: int | None = None
    column: str = ""

    def __str__(self) -> str:
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"feuille « {self.sheet} »")
        if self.line is not None:
            parts.append(f"ligne {self.line}")
        if self.column:
            parts.append(f"colonne « {self.column} »")
        return ", ".join(parts)


class UserError(Exception):
    """Something the user can fix. ``code`` is stable for scripts; ``message`` is for people."""

    code = "grappe.error"

    def __init__(self, message: str, *, location: Location | None = None, hint: str = "", code: str = ""):
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint
        if code:
            self.code = code

    def __str__(self) -> str:
        text = f"{self.location} : {self.message}" if self.location and str(self.location) else self.message
        return f"{text} {self.hint}".strip()


class NotFound(UserError):
    code = "grappe.not_found"
