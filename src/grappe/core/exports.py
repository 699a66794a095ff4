"""Every CSV the platform writes goes through here: safe to open in a spreadsheet, and readable by French Excel.

Formula injection (OWASP « CSV Injection »): a member's name such as ``=HYPERLINK("http://…")`` or
``@SUM(1)``, written as it is, becomes a live formula when the export is opened in Excel or LibreOffice. A text
cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is therefore written behind a single
quote, which spreadsheets show as text and hide. Numbers the platform computed (Python ``int``, ``float``,
``Decimal``) cannot carry a formula and are written as numbers; a text ``-2`` is prefixed like any other text,
as OWASP asks, since it may come from a file.

The format is French Excel's: UTF-8 with a byte-order mark (without it Excel reads UTF-8 as Windows-1252 and
« Numélink » becomes « NumÃ©link ») and ``;`` between cells (French Excel's list separator, the comma being the
decimal one). Decimal numbers (``float``, ``Decimal``) are written with the decimal separator of the language
the writer is made in: a comma in French (« 12,5 », which French Excel reads as a number and would take
« 12.5 » for text or a date), a dot in English. Whole numbers and text are written as they are. Readers of
files the platform wrote (``read_rows``) accept ``;`` and ``,`` and take the quote off.
"""

from __future__ import annotations

import csv
import decimal
import math
from collections.abc import Iterable, Iterator
from typing import Any, Protocol, TextIO

from django.utils import translation

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# The triggers as single characters, for a set lookup on a cell's first one ("" is not among them).
_TRIGGER_CHARACTERS = frozenset(FORMULA_TRIGGERS)
BOM = "\ufeff"
DELIMITER = ";"


class _Writable(Protocol):
    def write(self, value: str, /) -> Any: ...


def _needs_quote(text: str) -> bool:
    """Starts like a formula, or with quotes before one (so that ``restore`` gives back exactly what it got)."""
    return text.lstrip(QUOTE).startswith(FORMULA_TRIGGERS)


def neutralise(value: object) -> object:
    """The cell as it is safe to write: numbers unchanged, text starting like a formula behind a quote."""
    if value is None:
        return ""
    if isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return QUOTE + text if _needs_quote(text) else text


def restore(text: str) -> str:
    """What ``neutralise`` wrote, read back: the quote it added taken off (a quote before other text stays)."""
    return text[1:] if text.startswith(QUOTE) and _needs_quote(text[1:]) else text


def decimal_separator(language: str | None = None) -> str:
    """The decimal separator of a CSV in ``language`` (the active one by default): a comma in French, else a
    dot."""
    language = language or translation.get_language() or ""
    return "," if language.split("-")[0].lower() == "fr" else "."


def _decimal_text(value: float | decimal.Decimal, separator: str) -> str:
    """A decimal number as text with ``separator``, never in exponent notation (« 1e-05 » is text to Excel)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    text = repr(value) if isinstance(value, float) else format(value, "f")
    if "e" in text.lower():
        text = format(decimal.Decimal(text), "f")
    return text.replace(".", separator)


def localised(value: object, separator: str) -> object:
    """A neutralised cell with its decimal number (``float``, ``Decimal``) written with ``separator``."""
    if isinstance(value, float | decimal.Decimal):
        return _decimal_text(value, separator)
    return value


class _Bommed:
    """Puts the byte-order mark in front of the first line; returns what the stream's ``write`` returned."""

    def __init__(self, stream: _Writable) -> None:
        self.stream, self.started = stream, False

    def write(self, value: str) -> Any:
        if not self.started:
            self.started, value = True, BOM + value
        return self.stream.write(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


class SafeWriter:
    """``csv.writer`` in the platform's format, every cell neutralised, decimals with the separator of the
    language active when the writer is made (``decimal_separator``). ``writerow`` returns what the stream's
    ``write`` returned, so a streaming response can yield it (``streaming_writer``)."""

    def __init__(self, stream: _Writable, *, language: str | None = None) -> None:
        self._writer = csv.writer(_Bommed(stream), delimiter=DELIMITER, lineterminator="\r\n")
        self._separator = decimal_separator(language)

    def cell(self, value: object) -> object:
        """``localised(neutralise(value))``, with a shortcut for text, nearly every cell of an export (a
        quarter of a 10,000-organisation export's time went to the general path)."""
        if type(value) is str:
            first = value[:1]
            if first in _TRIGGER_CHARACTERS or (first == QUOTE and _needs_quote(value)):
                return QUOTE + value
            return value
        return localised(neutralise(value), self._separator)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([self.cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def streaming_writer(*, language: str | None = None) -> SafeWriter:
    """A writer whose ``writerow`` returns the line's text (the byte-order mark first), for streaming."""
    return SafeWriter(_Echo(), language=language)


def sniff_delimiter(header: str) -> str:
    """``;`` or ``,``: whichever the header line uses more (column names hold neither)."""
    return ";" if header.count(";") > header.count(",") else ","


def dict_reader(handle: TextIO) -> csv.DictReader[str]:
    """A ``csv.DictReader`` over a CSV the platform wrote and a person may have edited and saved again, with
    ``;`` or ``,``. Values still carry the formula quote: pass the ones used through ``restore``."""
    header = handle.readline().removeprefix(BOM)
    return csv.DictReader(_chain(header, handle), delimiter=sniff_delimiter(header))


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest
