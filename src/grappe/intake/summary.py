"""The counts of a file's validation: rows, rows with errors, errors and warnings by column, values not read."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from grappe.intake.validation import INFO, RowResult


@dataclass
class ValidationSummary:
    """Counts of pass 1; issues themselves go to the ``on_issue`` callback so that memory stays bounded."""

    file_name: str
    sheet: str
    rows: int = 0
    invalid_rows: int = 0
    errors: int = 0
    warnings: int = 0
    by_column: Counter[str] = field(default_factory=Counter)
    # Field name → values that could not be read (a WARNING refused them: not stored, not used to match)…
    unread: Counter[str] = field(default_factory=Counter)
    # …and values kept as written rather than normalised (an INFO: local phone numbers).
    kept_local: Counter[str] = field(default_factory=Counter)

    @property
    def valid_rows(self) -> int:
        return self.rows - self.invalid_rows

    @property
    def has_errors(self) -> bool:
        return self.invalid_rows > 0

    def add(self, result: RowResult) -> None:
        self.rows += 1
        if result.has_errors:
            self.invalid_rows += 1
        for issue in result.issues:
            if issue.severity == INFO:
                self.kept_local[issue.field] += 1
                continue
            if issue.is_error:
                self.errors += 1
            else:
                self.warnings += 1
                self.unread[issue.field] += 1
            self.by_column[issue.column or _("(ligne entière)")] += 1

    def merge(self, other: ValidationSummary) -> None:
        """Add the counts of ``other`` (a later chunk of the same file's rows)."""
        self.rows += other.rows
        self.invalid_rows += other.invalid_rows
        self.errors += other.errors
        self.warnings += other.warnings
        self.by_column.update(other.by_column)
        self.unread.update(other.unread)
        self.kept_local.update(other.kept_local)
