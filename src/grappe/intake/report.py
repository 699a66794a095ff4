"""The validation report as rows: one per issue, with where it is, what was read and what was expected.

The same columns serve the CSV download, ``grappe import --report`` and the report page. The CSV uses ``;``
and a UTF-8 byte order mark, which is what a French spreadsheet opens correctly with a double click.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Protocol

from django.utils.translation import gettext as _

from grappe.intake.validation import ERROR, Issue


class IssueLike(Protocol):
    line: int
    column: str
    value: str
    expected: str
    message: str
    code: str
    severity: str


def report_headers() -> list[str]:
    return [
        _("fichier"),
        _("feuille"),
        _("ligne"),
        _("colonne"),
        _("valeur"),
        _("attendu"),
        _("anomalie"),
        _("gravité"),
        _("code"),
    ]


def severity_label(severity: str) -> str:
    return _("erreur") if severity == ERROR else _("avertissement")


def report_row(issue: IssueLike, *, file_name: str, sheet: str) -> list[str]:
    return [
        file_name,
        sheet,
        str(issue.line),
        issue.column,
        issue.value,
        str(issue.expected),
        issue.message,
        severity_label(issue.severity),
        issue.code,
    ]


class _Echo:
    """A file-like object whose ``write`` returns what it was given, for streaming responses."""

    def write(self, value: str) -> str:
        return value


def iter_report_csv(issues: Iterable[IssueLike], *, file_name: str, sheet: str) -> Iterator[str]:
    """The report as CSV text chunks, one per line, without holding the issues in memory."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(report_headers())
    for issue in issues:
        yield writer.writerow(report_row(issue, file_name=file_name, sheet=sheet))


@dataclass
class ReportCollector:
    """Receives issues one by one (``on_issue``): writes them all to CSV, keeps the first few and counts."""

    file_name: str
    sheet: str = ""
    stream: IO[str] | None = None
    keep: int = 20
    first: list[Issue] = field(default_factory=list)
    by_severity: Counter[str] = field(default_factory=Counter)
    by_column: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._writer = csv.writer(self.stream, delimiter=";") if self.stream else None
        if self._writer and self.stream:
            self.stream.write("\ufeff")
            self._writer.writerow(report_headers())

    def __call__(self, issue: Issue) -> None:
        self.by_severity[issue.severity] += 1
        self.by_column[issue.column or _("(ligne entière)")] += 1
        if len(self.first) < self.keep:
            self.first.append(issue)
        if self._writer:
            self._writer.writerow(report_row(issue, file_name=self.file_name, sheet=self.sheet))

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())
