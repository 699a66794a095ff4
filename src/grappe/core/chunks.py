"""Cutting an unbounded set of ids into statements the database accepts.

SQLite refuses a statement with more bound variables than its limit: 32,766 on stock builds since 3.32, but
999 on older ones still shipped by some distributions (and this machine's build allows 250,000, so a test here
passes where a user's install fails: PITFALLS.md). ``DEFAULT_SIZE`` stays under the oldest limit with room to
spare for the statement's other parameters (a filter, the columns of an ``UPDATE``); a statement that binds
the chunk twice (``Q(a__in=chunk) | Q(b__in=chunk)``) passes a smaller size. PostgreSQL's limit (65,535) is
never the binding one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")
Q = TypeVar("Q")

DEFAULT_SIZE = 500


def chunked(iterable: Iterable[T], size: int = DEFAULT_SIZE) -> Iterator[list[T]]:
    """``iterable`` in consecutive lists of ``size`` items (the last one shorter), in order, read lazily."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def in_chunks(queryset: Q, field: str, values: Iterable[Any], size: int = DEFAULT_SIZE) -> Iterator[Q]:
    """``queryset`` filtered on ``field__in`` one chunk of ``values`` at a time (sorted, duplicates dropped),
    for a set of values nobody bounded: iterate each, or sum what each counts. An ordering applies within a
    chunk only."""
    for chunk in chunked(sorted(set(values)), size):
        yield queryset.filter(**{f"{field}__in": chunk})  # type: ignore[attr-defined]
