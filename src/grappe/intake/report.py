"""The validation report as rows: one per issue, with where it is, what was read and what was expected.

The same columns serve the CSV download, ``grappe import --report`` and the report page. The CSV uses ``;``
and a UTF-8 byte order mark, which is what a French spreadsheet opens correctly with a double click.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Protocol

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grappe.core import exports
from grappe.intake.headers import FIELDS
from grappe.intake.validation import ERROR, INFO, WARNING, Issue


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
    if severity == INFO:
        return _("remarque")
    return _("erreur") if severity == ERROR else _("avertissement")


# --------------------------------------------------------------------------------------------------------
# Values not read, counted per column: what the report, the terminal and a merger plan say about them


UNREAD = "summary.unread"
KEPT_LOCAL = "summary.kept_local"


@dataclass(frozen=True)
class ReadingCount:
    """How many values of one column could not be read (``UNREAD``) or were kept as written (``KEPT_LOCAL``)."""

    code: str
    field: str
    column: str
    count: int

    @property
    def message(self) -> str:
        params = {
            "count": number_format(self.count, force_grouping=True),
            "column": self.column,
            "field": str(FIELDS[self.field].label) if self.field in FIELDS else self.field,
        }
        if self.code == KEPT_LOCAL:
            return (
                ngettext(
                    "« %(column)s » (%(field)s) : %(count)s numéro local sans indicatif de zone, gardé tel quel "
                    "avec le pays de sa ligne.",
                    "« %(column)s » (%(field)s) : %(count)s numéros locaux sans indicatif de zone, gardés tels "
                    "quels avec le pays de leur ligne.",
                    self.count,
                )
                % params
            )
        return (
            ngettext(
                "« %(column)s » (%(field)s) : %(count)s valeur illisible, non enregistrée : elle ne sert pas au "
                "rapprochement.",
                "« %(column)s » (%(field)s) : %(count)s valeurs illisibles, non enregistrées : elles ne servent "
                "pas au rapprochement.",
                self.count,
            )
            % params
        )


def reading_counts(
    *, unread: Mapping[str, int], kept_local: Mapping[str, int], columns: Mapping[str, str]
) -> list[ReadingCount]:
    """The counts per field, most first; ``columns`` names each field's column (field → header)."""
    counts = [
        ReadingCount(code, name, columns.get(name) or name, count)
        for code, by_field in ((UNREAD, unread), (KEPT_LOCAL, kept_local))
        for name, count in by_field.items()
        if count and name
    ]
    return sorted(counts, key=lambda item: (item.code != UNREAD, -item.count, item.column))


def source_file_counts(source_file: object) -> list[ReadingCount]:
    """The counts an imported file keeps (``SourceFile.unread_values`` and ``local_values``)."""
    if source_file is None:
        return []
    mapping = getattr(source_file, "mapping", {}) or {}
    return reading_counts(
        unread=source_file.unread_values,  # type: ignore[attr-defined]
        kept_local=source_file.local_values,  # type: ignore[attr-defined]
        columns={name: header for header, name in mapping.items()},
    )


def columns_of(headers: Iterable[str], mapping: Mapping[int, str]) -> dict[str, str]:
    """Field → header, from a column mapping (column index → field)."""
    headers = list(headers)
    return {name: headers[index] for index, name in mapping.items() if index < len(headers)}


def summary_row(count: ReadingCount, *, file_name: str, sheet: str) -> list[str]:
    """A count as a line of the CSV report, after the issues (no line number: it sums a column)."""
    return [file_name, sheet, "", count.column, "", "", count.message, _("synthèse"), count.code]


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


def iter_report_csv(
    issues: Iterable[IssueLike], *, file_name: str, sheet: str, counts: Iterable[ReadingCount] = ()
) -> Iterator[str]:
    """The report as CSV text chunks, one per line, without holding the issues in memory; then the counts."""
    writer = exports.streaming_writer()
    yield writer.writerow(report_headers())
    for issue in issues:
        yield writer.writerow(report_row(issue, file_name=file_name, sheet=sheet))
    for count in counts:
        yield writer.writerow(summary_row(count, file_name=file_name, sheet=sheet))


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
    unread: Counter[str] = field(default_factory=Counter)  # field → values refused
    kept_local: Counter[str] = field(default_factory=Counter)  # field → values kept as written

    def __post_init__(self) -> None:
        self._writer = exports.SafeWriter(self.stream) if self.stream else None
        if self._writer:
            self._writer.writerow(report_headers())

    def __call__(self, issue: Issue) -> None:
        self.by_severity[issue.severity] += 1
        if issue.severity == WARNING:
            self.unread[issue.field] += 1
        elif issue.severity == INFO:
            self.kept_local[issue.field] += 1
        if issue.severity != INFO:
            self.by_column[issue.column or _("(ligne entière)")] += 1
        if len(self.first) < self.keep:
            self.first.append(issue)
        if self._writer:
            self._writer.writerow(report_row(issue, file_name=self.file_name, sheet=self.sheet))

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())

    def counts(self, columns: Mapping[str, str]) -> list[ReadingCount]:
        return reading_counts(unread=self.unread, kept_local=self.kept_local, columns=columns)

    def write_counts(self, columns: Mapping[str, str]) -> list[ReadingCount]:
        """Close the CSV with the per-column counts (once every issue is in); returns them."""
        counts = self.counts(columns)
        if self._writer:
            for count in counts:
                self._writer.writerow(summary_row(count, file_name=self.file_name, sheet=self.sheet))
        return counts
