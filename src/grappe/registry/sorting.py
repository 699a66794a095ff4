"""Sorting the staff lists by any column, in French order: ``?tri=nom`` ascending, ``?tri=-nom`` descending.

Text columns sort on their folded keys (``models.FoldedKeys``: lower case, no accents, no punctuation), so
« Afon » comes before « AJL » and « ANDRÉ » before « AUBERT ». The keys are compared byte by byte on every
database: SQLite compares them so already, and PostgreSQL is told to (collation "C"), so that a list reads in
the same order on both whatever the server's locale (a locale collation ignores spaces, SQLite does not).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Case, F, QuerySet, Value, When
from django.db.models.expressions import BaseExpression, OrderBy
from django.db.models.functions import Collate

PARAMETER = "tri"


@dataclass(frozen=True)
class Text:
    """A text field among a column's fields that are not (an amount, then the name for equal amounts): compared
    as a ``text`` column's fields are."""

    name: str


@dataclass(frozen=True)
class Column:
    """A sortable column: its word in the URL, and what it sorts on (fields or expressions, in order)."""

    key: str
    fields: tuple[str | BaseExpression | Text, ...]
    # Text compared byte by byte (a folded key, a code): collated "C" on PostgreSQL.
    text: bool = False


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool = False

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key


def read_sort(value: str | None, columns: Sequence[Column], default: Sort) -> Sort:
    """The sort a ``?tri=`` value asks for; an unknown column falls back to the list's own order."""
    text = (value or "").strip()
    descending = text.startswith("-")
    key = text.removeprefix("-")
    if any(column.key == key for column in columns):
        return Sort(key, descending)
    return default


def _expression(field: str | BaseExpression, text: bool) -> BaseExpression:
    expression = F(field) if isinstance(field, str) else field
    if text and connection.vendor == "postgresql":
        return Collate(expression, "C")
    return expression


def order(queryset: QuerySet[Any], sort: Sort, columns: Sequence[Column]) -> QuerySet[Any]:
    """``queryset`` ordered by ``sort``'s column, empty values last either way, then by id (a stable page)."""
    column = next(column for column in columns if column.key == sort.key)
    terms: list[OrderBy] = []
    for entry in column.fields:
        text = column.text or isinstance(entry, Text)
        field = entry.name if isinstance(entry, Text) else entry
        if text and isinstance(field, str):
            # An empty text (no SIREN, no city) is no value: last, ascending or descending.
            terms.append(Case(When(**{field: ""}, then=Value(1)), default=Value(0)).asc())
        expression = _expression(field, text)
        terms.append(expression.desc(nulls_last=True) if sort.descending else expression.asc(nulls_last=True))
    return queryset.order_by(*terms, "pk")


def sort_rows(rows: Iterable[Any], sort: Sort, keys: Mapping[str, Callable[[Any], Any]]) -> list[Any]:
    """Short lists whose columns are computed in Python (a count of members per territory): the same rules as
    ``order``. Give text keys folded (``france.text.fold``); empty values go last either way, and rows that
    compare equal keep their order (Python's sort is stable, reversed too)."""
    key = keys[sort.key]
    present, empty = [], []
    for row in rows:
        (empty if key(row) in (None, "") else present).append(row)
    return sorted(present, key=key, reverse=sort.descending) + empty
