"""Check a workbook against the read limits before any spreadsheet library opens it.

python-calamine builds each sheet as one dense block from its first to its last cell: one cell at XFD1048576
makes it allocate 17 billion cells and abort the process (no exception to catch), one value at Z1000000 costs
26 million cells, an ODS row repeated 200,000 times becomes 200,000 rows and a 500 MB cell is held whole. So a
workbook is first streamed through here, never held whole and never expanded:

- the zip: one entry per name (a duplicate could be read differently by another reader), the uncompressed sizes
  its parts declare (total and ratio, against zip bombs), then the bytes they really inflate to, counted while
  streaming (a forged size is caught);
- XLSX sheets: the declared ``<dimension>``, every cell position (cells without a reference continue from the
  previous one, as spreadsheet readers do);
- ODS content: rows and cells with their ``number-rows-repeated`` / ``number-columns-repeated`` counts (empty
  repeated rows and cells, which LibreOffice writes down to row 1,048,576, take no room and are only counted
  for the positions after them), and ``<text:s text:c="…">`` runs of spaces;
- in both, the run of bytes between two tags (a cell's value, a shared string, a tag's attributes) against the
  cell length limit, before any of it is decoded; a DTD or an entity declaration is refused.

Sheets and ODS content are read with byte searches on the form spreadsheet tools write (a few seconds for a
200,000-row sheet); anything else (other prefixes, cells without a plain reference) is read again with expat,
defused (no DTD, no entities), one element at a time. A workbook that passes is handed to calamine, whose memory
is then bounded by the limits; the exact checks on what it reads (a cell's characters) are the reader's. The
verdict is cached per file state, because a table is opened several times (sheets, header search, rows).
"""

from __future__ import annotations

import copy
import posixpath
import re
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol
from xml.parsers import expat

from .base import ReadError, column_letter, read_error
from .limits import ReadLimits, count

CHUNK_SIZE = 1 << 20
_MIB = 1024 * 1024
# Parts read only for their few names and references (workbook, relationships): small in any real file.
_SMALL_PART_BYTES = 16 * _MIB
_RATIO_CHECKED_ABOVE = _MIB  # tiny parts compress at any ratio without harm
_CELL_REFERENCE = re.compile(r"\$?([A-Za-z]{1,4})\$?([0-9]{1,9})")
_WORKSHEET_TYPE = "/worksheet"
_SHARED_STRINGS_TYPE = "/sharedStrings"
_CACHE_SIZE = 64

_RESAVE = "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le de nouveau."
_TRIM = (
    "Supprimez les lignes, colonnes ou cellules isolées en dehors de la liste des adhérents "
    "(Ctrl+Fin montre la dernière cellule utilisée), ou découpez le fichier en plusieurs imports."
)


def check_workbook(path: Path, *, file_name: str, limits: ReadLimits) -> None:
    """Raise a located ReadError when the workbook at ``path`` (XLSX or ODS) exceeds ``limits``."""
    try:
        status = path.stat()
    except OSError:
        return  # the reader reports a missing file in its own words
    key = (str(path), status.st_size, status.st_mtime_ns, limits)
    if key in _passed:
        _passed.move_to_end(key)
        return
    with _opened_zip(path, file_name) as archive:
        _Workbook(archive, file_name, limits).check()
    _passed[key] = None
    if len(_passed) > _CACHE_SIZE:
        _passed.popitem(last=False)


_passed: OrderedDict[tuple[object, ...], None] = OrderedDict()


def _opened_zip(path: Path, file_name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise read_error(
            "ce classeur (archive ZIP) est tronqué ou abîmé.",
            file=file_name,
            code="corrupt_workbook",
            hint=_RESAVE,
        ) from error


class _Workbook:
    def __init__(self, archive: zipfile.ZipFile, file_name: str, limits: ReadLimits) -> None:
        self.archive = archive
        self.file_name = file_name
        self.limits = limits
        self.names = {info.filename: info for info in archive.infolist()}
        self.inflated = 0  # bytes really inflated so far, all parts together

    def check(self) -> None:
        self._check_declared_sizes()
        if any(name.endswith(".bin") and name.startswith("xl/worksheets/") for name in self.names):
            # Binary sheets (.xlsb) cannot be checked here, and calamine trusts them as much as XML ones.
            raise self.error(
                "ce classeur est au format binaire d'Excel (.xlsb), que Grappe ne lit pas.",
                code="legacy_excel",
                hint="Ouvrez-le dans Excel et enregistrez-le au format « Classeur Excel (.xlsx) ».",
            )
        # Both kinds are checked when both are present: the reader might take the file for either.
        if "content.xml" in self.names:
            self.scan("content.xml", _FastOds(self))
        sheet_names = self._xlsx_sheet_parts()
        for part, sheet in sheet_names.items():
            self.scan(part, _FastSheet(self, sheet))
        for part in self._xlsx_shared_strings():
            self.scan(part, _TextOnly(self, sheet=""))

    def error(
        self,
        message: str,
        *,
        code: str,
        sheet: str = "",
        line: int | None = None,
        column: str = "",
        hint: str = "",
    ) -> ReadError:
        return read_error(
            message, file=self.file_name, code=code, sheet=sheet, line=line, column=column, hint=hint
        )

    def _check_declared_sizes(self) -> None:
        if len(self.names) != len(self.archive.infolist()):
            raise self.error(
                "ce classeur contient deux fois la même partie : l'archive a été falsifiée ou abîmée.",
                code="corrupt_workbook",
                hint=_RESAVE,
            )
        declared = sum(info.file_size for info in self.names.values())
        if declared > self.limits.max_decompressed_bytes:
            raise self._too_big(declared)
        for info in self.names.values():
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > _RATIO_CHECKED_ABOVE and ratio > self.limits.max_compression_ratio:
                raise self.error(
                    f"la partie « {info.filename} » de ce classeur est compressée {count(int(ratio))} fois "
                    f"(au plus {count(self.limits.max_compression_ratio)}) : c'est la marque d'une « bombe "
                    f"ZIP », pas d'un export.",
                    code="zip_bomb",
                    hint=_RESAVE,
                )

    def _too_big(self, size: int) -> ReadError:
        return self.error(
            f"décompressé, ce classeur ferait plus de {count(size // _MIB)} Mo, au-delà de la limite de "
            f"{count(self.limits.max_decompressed_bytes // _MIB)} Mo.",
            code="decompressed_size",
            hint=_TRIM,
        )

    def _xlsx_sheet_parts(self) -> dict[str, str]:
        """Every worksheet part → its sheet's name (the part's name when the workbook does not say)."""
        ids = _Collect(self, "sheet", ("name", "id"))
        if "xl/workbook.xml" in self.names:
            self.scan("xl/workbook.xml", ids, limit=_SMALL_PART_BYTES)
        relations = self._relations("xl/_rels/workbook.xml.rels")
        by_id = {attributes.get("id", ""): attributes.get("name", "") for attributes in ids.found}
        parts = {
            target: by_id.get(relation_id, "") or target
            for relation_id, (kind, target) in relations.items()
            if kind.endswith(_WORKSHEET_TYPE)
        }
        # Parts calamine may find by name even if the relationships forget them.
        for name in self.names:
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                parts.setdefault(name, posixpath.basename(name))
        return {part: sheet for part, sheet in parts.items() if part in self.names}

    def _xlsx_shared_strings(self) -> list[str]:
        relations = self._relations("xl/_rels/workbook.xml.rels")
        parts = {target for kind, target in relations.values() if kind.endswith(_SHARED_STRINGS_TYPE)}
        parts.add("xl/sharedStrings.xml")
        return sorted(part for part in parts if part in self.names)

    def _relations(self, part: str) -> dict[str, tuple[str, str]]:
        if part not in self.names:
            return {}
        collected = _Collect(self, "Relationship", ("Id", "Type", "Target"))
        self.scan(part, collected, limit=_SMALL_PART_BYTES)
        base = posixpath.dirname(posixpath.dirname(part))  # xl/_rels/workbook.xml.rels → xl
        relations = {}
        for attributes in collected.found:
            target = attributes.get("Target", "")
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
            relations[attributes.get("Id", "")] = (attributes.get("Type", ""), posixpath.normpath(resolved))
        return relations

    def scan(self, part: str, scanner: _Scanner, *, limit: int | None = None) -> None:
        """Stream ``part`` through ``scanner``, counting the bytes it really inflates to."""
        try:
            self._scan(part, scanner, limit=limit)
        except _NeedsExactScan:
            assert isinstance(scanner, _FastSheet | _FastOds)
            self._scan(part, scanner.exact(), limit=limit)

    def _scan(self, part: str, scanner: _Scanner, *, limit: int | None) -> None:
        info = copy.copy(self.names[part])
        declared = info.file_size
        # zipfile stops at the declared size; lift it so that a part inflating beyond it is seen (the CRC is
        # still checked at the real end of the part).
        budget = self.limits.max_decompressed_bytes - self.inflated
        if limit is not None:
            budget = min(budget, limit)
        info.file_size = budget + 1
        real = 0
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(CHUNK_SIZE):
                    real += len(chunk)
                    if real > budget:
                        raise self._too_big(self.inflated + real)
                    scanner.feed(chunk)
                scanner.close()
        except expat.ExpatError as error:
            raise self.error(
                f"la partie « {part} » de ce classeur n'est pas du XML valide (ligne {error.lineno} de la "
                f"partie) : le classeur est abîmé.",
                code="corrupt_workbook",
                sheet=scanner.sheet,
                hint=_RESAVE,
            ) from error
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            RuntimeError,
            EOFError,
            ValueError,
        ) as error:
            # RuntimeError: an encrypted part; the others: a damaged deflate stream or a wrong CRC.
            raise self.error(
                f"la partie « {part} » de ce classeur est illisible ({error}).",
                code="corrupt_workbook",
                sheet=scanner.sheet,
                hint=_RESAVE,
            ) from error
        if real != declared:
            raise self.error(
                f"la partie « {part} » de ce classeur annonce {count(declared)} octets mais en contient "
                f"{count(real)} : l'archive a été falsifiée ou abîmée.",
                code="corrupt_workbook",
                sheet=scanner.sheet,
                hint=_RESAVE,
            )
        self.inflated += real


class _Scanner(Protocol):
    sheet: str

    def feed(self, chunk: bytes) -> None: ...

    def close(self) -> None: ...


class _NeedsExactScan(Exception):
    """The fast sheet scan met a form it does not read (prefixed names, cells without a plain reference)."""


def _too_long(workbook: _Workbook, *, sheet: str, line: int | None, column: str) -> ReadError:
    return workbook.error(
        f"cette cellule contient plus de {count(workbook.limits.max_cell_chars)} caractères : ce n'est pas "
        f"une donnée d'adhérent.",
        code="cell_too_long",
        sheet=sheet,
        line=line,
        column=column,
        hint="Raccourcissez cette cellule (ou videz-la) et enregistrez de nouveau le classeur.",
    )


def _forbidden(workbook: _Workbook, sheet: str) -> ReadError:
    return workbook.error(
        "ce classeur contient une déclaration de type de document ou d'entité XML, qu'aucun tableur "
        "n'écrit : il est refusé.",
        code="corrupt_workbook",
        sheet=sheet,
        hint=_RESAVE,
    )


class _Handler:
    """An expat scan of one part (defused: no DTD, no entities). The distance between two element starts
    bounds the text between them, so a cell's length is checked in bytes before any of it is decoded."""

    def __init__(self, workbook: _Workbook, sheet: str) -> None:
        self.workbook = workbook
        self.limits = workbook.limits
        self.sheet = sheet
        self.max_gap = workbook.limits.max_cell_bytes
        self.last_start = 0
        self.fed = 0
        self.line: int | None = None
        self.column = ""
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = self.start
        parser.StartDoctypeDeclHandler = self.forbidden
        parser.EntityDeclHandler = self.forbidden
        parser.ExternalEntityRefHandler = self.forbidden_reference
        self.parser = parser

    def feed(self, chunk: bytes) -> None:
        self.parser.Parse(chunk, False)
        self.fed += len(chunk)
        self.check_gap(self.fed)

    def close(self) -> None:
        self.parser.Parse(b"", True)
        self.check_gap(self.fed)
        self.finish()

    def start(self, name: str, attributes: dict[str, str]) -> None:
        position = self.parser.CurrentByteIndex
        if position - self.last_start > self.max_gap:
            raise self.cell_too_long()
        self.last_start = position
        self.element(name.rpartition(":")[2], attributes)

    def element(self, name: str, attributes: dict[str, str]) -> None:
        pass

    def finish(self) -> None:
        pass

    def check_gap(self, position: int) -> None:
        if position - self.last_start > self.max_gap:
            raise self.cell_too_long()

    def cell_too_long(self) -> ReadError:
        return _too_long(self.workbook, sheet=self.sheet, line=self.line, column=self.column)

    def forbidden(self, *arguments: object) -> None:
        raise _forbidden(self.workbook, self.sheet)

    def forbidden_reference(self, *arguments: object) -> int:
        raise _forbidden(self.workbook, self.sheet)


class _TextOnly(_Handler):
    """Shared strings: only the length of each text."""


class _Collect(_Handler):
    """The attributes (local names) of every element called ``wanted``."""

    def __init__(self, workbook: _Workbook, wanted: str, keys: tuple[str, ...]) -> None:
        super().__init__(workbook, sheet="")
        self.wanted = wanted
        self.keys = keys
        self.found: list[dict[str, str]] = []

    def element(self, name: str, attributes: dict[str, str]) -> None:
        if name == self.wanted:
            local = {key.rpartition(":")[2]: value for key, value in attributes.items()}
            self.found.append({key: local.get(key, "") for key in self.keys})


@dataclass
class _Extent:
    """The used area of a sheet: first and last row and column (1-based), as a spreadsheet reader keeps it."""

    handler: _Handler
    first_row: int = 0
    last_row: int = 0
    first_column: int = 0
    last_column: int = 0
    bounds: list[int] = field(default_factory=list)

    def add(
        self, row: int, column: int, *, last_row: int | None = None, last_column: int | None = None
    ) -> None:
        """A cell (or a block of repeated cells) with content from (row, column) to (last_row, last_column)."""
        last_row = last_row or row
        last_column = last_column or column
        limits = self.handler.limits
        if last_row > limits.max_rows:
            raise _too_many_rows(self.handler, last_row, column)
        if last_column > limits.max_columns:
            raise _too_many_columns(self.handler, row, last_column)
        self.first_row = min(self.first_row or row, row)
        self.first_column = min(self.first_column or column, column)
        self.last_row = max(self.last_row, last_row)
        self.last_column = max(self.last_column, last_column)
        cells = (self.last_row - self.first_row + 1) * (self.last_column - self.first_column + 1)
        if cells > limits.max_cells:
            raise _too_many_cells(
                self.handler, self.first_row, self.first_column, self.last_row, self.last_column
            )


def _too_many_rows(handler: _Handler | _FastSheet | _FastOds, row: int, column: int) -> ReadError:
    return handler.workbook.error(
        f"cette feuille a des données jusqu'à la ligne {count(row)} : Grappe lit au plus "
        f"{count(handler.limits.max_rows)} lignes par fichier.",
        code="too_many_rows",
        sheet=handler.sheet,
        line=row,
        column=column_letter(column - 1) if column else "",
        hint=_TRIM,
    )


def _too_many_columns(handler: _Handler | _FastSheet | _FastOds, row: int, column: int) -> ReadError:
    return handler.workbook.error(
        f"cette feuille a des données jusqu'à la colonne {column_letter(column - 1)} (la {count(column)}e) : "
        f"Grappe lit au plus {count(handler.limits.max_columns)} colonnes.",
        code="too_many_columns",
        sheet=handler.sheet,
        line=row or None,
        column=column_letter(column - 1),
        hint=_TRIM,
    )


def _reference(text: str) -> tuple[int, int] | None:
    """(row, column), 1-based, of a cell reference like "B12" or "$XFD$1048576"; None when it is not one."""
    match = _CELL_REFERENCE.fullmatch(text.strip())
    if not match:
        return None
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(match.group(2)), column


class _XlsxSheet(_Handler):
    def __init__(self, workbook: _Workbook, sheet: str) -> None:
        super().__init__(workbook, sheet)
        self.extent = _Extent(self)
        self.row = 0
        self.cell_column = 0

    def element(self, name: str, attributes: dict[str, str]) -> None:
        if name == "c":
            self._cell(attributes.get("r", ""))
        elif name == "row":
            reference = attributes.get("r", "")
            self.row = int(reference) if reference.isdigit() and len(reference) < 10 else self.row + 1
            self.cell_column = 0
            self.line, self.column = self.row, ""
            if self.row > self.limits.max_rows:
                raise _too_many_rows(self, self.row, 0)
        elif name == "dimension":
            _check_dimension(self, attributes.get("ref", ""))

    def _cell(self, reference: str) -> None:
        position = _reference(reference)
        if position is None:
            row, column = max(self.row, 1), self.cell_column + 1
        else:
            row, column = position
        self.cell_column = column
        self.line, self.column = row, column_letter(column - 1)
        self.extent.add(row, column)


class _FastSheet:
    """The same checks as ``_XlsxSheet`` on the form every spreadsheet tool writes (``<c r="B12" …>``), with
    byte searches instead of one Python call per element: a 200,000-row sheet is checked in a few seconds, not
    a minute. Anything else (prefixed names, cells without a plain reference) goes to the exact scan."""

    def __init__(self, workbook: _Workbook, sheet: str) -> None:
        self.workbook = workbook
        self.limits = workbook.limits
        self.sheet = sheet
        self.carry = b""
        self.last_row = 0  # the exact last row and column of the cells seen so far
        self.last_column = 0
        self.in_data = False

    def exact(self) -> _Handler:
        return _XlsxSheet(self.workbook, self.sheet)

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk
        cut = data.rfind(b">") + 1
        data, self.carry = data[:cut], data[cut:]
        if len(self.carry) > self.limits.max_cell_bytes:
            raise self._too_long_at(data, len(data))
        if not data:
            return
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise _forbidden(self.workbook, self.sheet)
        if _ODD_CELL.search(data) or _PREFIXED_CELL.search(data):
            raise _NeedsExactScan
        if not self.in_data:
            head = data.split(b"sheetData", 1)
            self.in_data = len(head) > 1
            if dimension := _DIMENSION.search(head[0]):
                _check_dimension(self, dimension.group(1).decode("ascii", "replace"))
        self._check_text(data)
        self._check_positions(data)

    def close(self) -> None:
        if self.carry.strip():
            raise _NeedsExactScan  # text after the last tag: not a sheet a tool wrote; let expat say why

    def _check_positions(self, data: bytes) -> None:
        last = data.rfind(b'<c r="')
        if last < 0:
            return
        tail = _REFERENCE.match(data, last)
        if tail:  # in a sorted sheet the last cell has the highest row: nothing below needs looking at
            self.last_row = max(self.last_row, int(tail.group(2)))
        if _far_cells(self.last_column, self.last_row).search(data):
            for letters, digits in _REFERENCE.findall(data):
                self.last_row = max(self.last_row, int(digits))
                self.last_column = max(self.last_column, _column_number(letters))
        limits = self.limits
        if self.last_row > limits.max_rows:
            raise _too_many_rows(self, self.last_row, 0)
        if self.last_column > limits.max_columns:
            raise _too_many_columns(self, 0, self.last_column)
        if self.last_row * self.last_column > limits.max_cells:
            raise _too_many_cells(self, 1, 1, self.last_row, self.last_column)

    def _check_text(self, data: bytes) -> None:
        if (begin := _long_text_run(data, self.limits.max_cell_bytes)) is not None:
            raise self._too_long_at(data, begin)

    def _too_long_at(self, data: bytes, position: int) -> ReadError:
        cell = _REFERENCE.match(data, max(data.rfind(b'<c r="', 0, position), 0))
        line, column = (int(cell.group(2)), cell.group(1).decode()) if cell else (None, "")
        return _too_long(self.workbook, sheet=self.sheet, line=line, column=column)


_ODD_CELL = re.compile(rb'<c(?=[\s/>])(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}")')
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_REFERENCE = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?ref\s*=\s*[\"']([^\"']*)")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


@lru_cache(maxsize=256)
def _far_cells(last_column: int, last_row: int) -> re.Pattern[bytes]:
    """Cells beyond column ``last_column`` or row ``last_row``: a search, not a loop, finds there are none."""
    letters = column_letter(last_column - 1) if last_column else ""
    columns = _greater(letters, "A", "Z")
    rows = _greater(str(last_row), "0", "9")
    return re.compile(rb'<c r="(?:' + columns + rb"[0-9]|[A-Z]+" + rows + rb'")')


def _greater(text: str, low: str, high: str) -> bytes:
    """A pattern for the strings of characters ``low``-``high`` that sort after ``text`` as numbers do (a longer
    one is greater; spreadsheets write no leading zeros, and such a reference counts as longer)."""
    any_char = f"[{low}-{high}]"
    alternatives = [f"{any_char}{{{len(text) + 1},}}"]
    for index, char in enumerate(text):
        if char != high:
            rest = len(text) - index - 1
            tail = f"{any_char}{{{rest}}}" if rest else ""
            alternatives.append(f"{text[:index]}[{chr(ord(char) + 1)}-{high}]{tail}")
    return ("(?:" + "|".join(alternatives) + ")").encode()


def _too_many_cells(
    handler: _Handler | _FastSheet | _FastOds,
    first_row: int,
    first_column: int,
    last_row: int,
    last_column: int,
) -> ReadError:
    cells = (last_row - first_row + 1) * (last_column - first_column + 1)
    return handler.workbook.error(
        f"la zone utilisée de cette feuille, de {column_letter(first_column - 1)}{first_row} à "
        f"{column_letter(last_column - 1)}{last_row}, compte {count(cells)} cellules : Grappe en lit au plus "
        f"{count(handler.limits.max_cells)}.",
        code="too_many_cells",
        sheet=handler.sheet,
        line=last_row,
        column=column_letter(last_column - 1),
        hint=_TRIM,
    )


def _check_dimension(handler: _Handler | _FastSheet | _FastOds, reference: str) -> None:
    corners = [_reference(part) for part in reference.split(":")]
    positions = [corner for corner in corners if corner]
    if not positions or len(positions) != len(corners):
        return  # calamine ignores a dimension it cannot read
    rows = [corner[0] for corner in positions]
    columns = [corner[1] for corner in positions]
    last_row, last_column = max(rows), max(columns)
    limits = handler.limits
    cells = (last_row - min(rows) + 1) * (last_column - min(columns) + 1)
    if last_row > limits.max_rows or last_column > limits.max_columns or cells > limits.max_cells:
        raise handler.workbook.error(
            f"cette feuille déclare des dimensions {reference} ({count(last_row)} lignes, "
            f"{count(last_column)} colonnes) : Grappe lit au plus {count(limits.max_rows)} lignes, "
            f"{count(limits.max_columns)} colonnes et {count(limits.max_cells)} cellules.",
            code="dimension",
            sheet=handler.sheet,
            hint=_TRIM,
        )


class _FastOds:
    """The checks of ``_OdsContent`` row by row with byte searches, on content written with the usual prefixes
    (``table:``, ``office:``, ``text:``), as LibreOffice and every other tool write it; a row's cells are only
    looked at one by one when the row repeats some of them. Other prefixes go to the exact scan."""

    def __init__(self, workbook: _Workbook) -> None:
        self.workbook = workbook
        self.limits = workbook.limits
        self.sheet = ""
        self.carry = b""
        self.next_row = 1
        self.last_row = 0  # last row and widest row with content, in the current sheet
        self.last_column = 0

    def exact(self) -> _Handler:
        return _OdsContent(self.workbook)

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk
        cut = data.rfind(_ODS_ROW)  # whole rows only; 0: the buffer is one unfinished row
        if cut < 0:
            cut = data.rfind(b">") + 1
        data, self.carry = data[:cut], data[cut:]
        if len(self.carry) > _ODS_ROW_BYTES:
            raise _NeedsExactScan  # one row of many megabytes: the exact scan streams it
        if not data:
            return
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise _forbidden(self.workbook, self.sheet)
        if b"xmlns" in data and not _usual_prefixes(data):
            raise _NeedsExactScan
        self._process(data)

    def close(self) -> None:
        data, self.carry = self.carry, b""
        self._process(data)

    def _process(self, data: bytes) -> None:
        if _long_text_run(data, self.limits.max_cell_bytes) is not None:
            raise _too_long(self.workbook, sheet=self.sheet, line=self.next_row, column="")
        for segment in data.split(_ODS_ROW):
            if segment.startswith((b" ", b">", b"/")):  # not table-row-group, table-rows
                self._row(segment)
            if b"<table:table " in segment or b"<table:table>" in segment:
                self._new_sheet(segment)

    def _new_sheet(self, segment: bytes) -> None:
        name = _ODS_TABLE_NAME.findall(segment)
        self.sheet = name[-1].decode("utf-8", "replace") if name else self.sheet
        self.next_row, self.last_row, self.last_column = 1, 0, 0

    def _row(self, segment: bytes) -> None:
        tag_end = segment.find(b">")
        repeat = _repeat_value(_ODS_ROWS_REPEATED.search(segment, 0, tag_end))
        row = self.next_row
        self.next_row += repeat
        if b"text:c=" in segment:
            for spaces in _ODS_SPACES.findall(segment):
                if len(spaces) > 9 or int(spaces) > self.limits.max_cell_chars:
                    raise _too_long(self.workbook, sheet=self.sheet, line=row, column="")
        if b"office:value-type" not in segment and b"<text:" not in segment:
            return  # an empty row (LibreOffice writes a million of them at the end): it only moves the next ones
        width = self._width(segment, row)
        if not width:
            return
        if repeat > self.limits.max_repeated:
            raise _repeated_error(self, "cette ligne est répétée", repeat, "number-rows-repeated", row, "")
        last_row = row + repeat - 1
        if last_row > self.limits.max_rows:
            raise _too_many_rows(self, last_row, 0)
        if width > self.limits.max_columns:
            raise _too_many_columns(self, row, width)
        self.last_row = last_row
        self.last_column = max(self.last_column, width)
        if self.last_row * self.last_column > self.limits.max_cells:
            raise _too_many_cells(self, 1, 1, self.last_row, self.last_column)

    def _width(self, segment: bytes, row: int) -> int:
        """The column of the row's last cell with content (conservatively: its last cell but trailing empty ones)."""
        if b"columns-repeated" not in segment:
            return segment.count(b"<table:table-cell") + segment.count(b"<table:covered-table-cell")
        column = width = 0
        for cell in _ODS_CELL.finditer(segment):
            repeat = _repeat_value(_ODS_COLUMNS_REPEATED.search(cell.group(1)))
            filled = not cell.group(2) or b"office:value-type" in cell.group(1)
            if filled and repeat > self.limits.max_repeated:
                raise _repeated_error(
                    self,
                    "cette cellule est répétée",
                    repeat,
                    "number-columns-repeated",
                    row,
                    column_letter(min(column, 16_383)),
                )
            column += repeat
            if filled:
                width = column
        return width


_ODS_ROW = b"<table:table-row"
_ODS_ROW_BYTES = 16 * _MIB
_ODS_NAMESPACES = {
    b"table": b"urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    b"office": b"urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    b"text": b"urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}
_XMLNS = re.compile(rb"xmlns(?::([\w.-]+))?\s*=\s*[\"']([^\"']*)[\"']")


def _usual_prefixes(data: bytes) -> bool:
    """Whether the content's namespaces are bound to their usual prefixes only (what the byte searches expect)."""
    for prefix, namespace in _XMLNS.findall(data):
        if namespace in _ODS_NAMESPACES.values() and _ODS_NAMESPACES.get(prefix) != namespace:
            return False
        if prefix in _ODS_NAMESPACES and _ODS_NAMESPACES[prefix] != namespace:
            return False
    return True


_ODS_TABLE_NAME = re.compile(rb"<table:table\s[^>]*?table:name\s*=\s*[\"']([^\"']*)")
_ODS_ROWS_REPEATED = re.compile(rb"table:number-rows-repeated\s*=\s*[\"']\s*([0-9]*)")
_ODS_COLUMNS_REPEATED = re.compile(rb"table:number-columns-repeated\s*=\s*[\"']\s*([0-9]*)")
_ODS_CELL = re.compile(rb"<table:(?:covered-)?table-cell\b([^>]*?)(/?)>")
_ODS_SPACES = re.compile(rb"text:c\s*=\s*[\"']\s*([0-9]*)")


def _repeat_value(match: re.Match[bytes] | None) -> int:
    if not match:
        return 1
    digits = match.group(1)
    # Far beyond any sheet: the positions it pushes the next rows or cells to are refused by the limits.
    return int(digits) if digits and len(digits) < 10 else 1_000_000_000


def _long_text_run(data: bytes, gap: int) -> int | None:
    """Where a run of more than ``gap`` bytes without "<" (a text or a tag) starts, None when there is none."""
    step = max(gap // 2, 1)
    # Such a run covers one of these aligned blocks whole.
    for start in range(0, len(data), step):
        if data.find(b"<", start, start + step) < 0:
            begin = data.rfind(b"<", 0, start) + 1
            end = data.find(b"<", start)
            end = len(data) if end < 0 else end
            if end - begin > gap:
                return begin
    return None


def _repeated_error(
    handler: _Handler | _FastOds, what: str, times: int, attribute: str, line: int, column: str
) -> ReadError:
    return handler.workbook.error(
        f"{what} {count(times)} fois (attribut « table:{attribute} ») : Grappe accepte au plus "
        f"{count(handler.limits.max_repeated)} copies identiques à la suite.",
        code="repeated",
        sheet=handler.sheet,
        line=line,
        column=column,
        hint="Supprimez les copies en trop dans LibreOffice et enregistrez de nouveau le classeur.",
    )


# ODS elements that hold rows and cells rather than a cell's content.
_ODS_STRUCTURE = frozenset(
    {
        "table-row",
        "table-cell",
        "covered-table-cell",
        "table-rows",
        "table-header-rows",
        "table-row-group",
        "table-column",
        "table-columns",
        "table-header-columns",
        "table-column-group",
    }
)


class _OdsContent(_Handler):
    def __init__(self, workbook: _Workbook, sheet: str = "") -> None:
        super().__init__(workbook, sheet)
        self.extent = _Extent(self)
        self.next_row = 1  # row number the next row element starts at
        self.row_start = 0
        self.row_repeat = 0
        self.row_last_column = 0  # last column with content in the current row (0: none yet)
        self.next_column = 1
        self.cell_start = 0
        self.cell_repeat = 0
        self.cell_content = True  # no open cell to give content to

    def element(self, name: str, attributes: dict[str, str]) -> None:
        if name == "table":
            self._end_row()
            self.sheet = _attribute(attributes, "name") or self.sheet
            self.extent = _Extent(self)
            self.next_row, self.row_repeat = 1, 0
        elif name == "table-row":
            self._end_row()
            self.row_start, self.row_repeat = self.next_row, self._repeat(attributes, "number-rows-repeated")
            self.next_row += self.row_repeat
            self.row_last_column, self.next_column, self.cell_content = 0, 1, True
            self.line, self.column = self.row_start, ""
        elif name in ("table-cell", "covered-table-cell"):
            self.cell_start = self.next_column
            self.cell_repeat = self._repeat(attributes, "number-columns-repeated")
            self.next_column += self.cell_repeat
            self.line, self.column = self.row_start, column_letter(self.cell_start - 1)
            self.cell_content = False
            if _attribute(attributes, "value-type"):
                self._content()
        elif name not in _ODS_STRUCTURE:
            if name == "s" and int(_attribute(attributes, "c") or "1") > self.limits.max_cell_chars:
                raise self.cell_too_long()
            if self.row_repeat:
                self._content()

    def finish(self) -> None:
        self._end_row()

    def _repeat(self, attributes: dict[str, str], name: str) -> int:
        text = _attribute(attributes, name) or "1"
        # Far beyond any sheet: the positions it pushes the next rows or cells to are refused by the limits.
        return int(text) if text.isdigit() and len(text) < 10 else 1_000_000_000

    def _content(self) -> None:
        if self.cell_content:
            return
        self.cell_content = True
        if self.cell_repeat > self.limits.max_repeated:
            raise self._repeated("cette cellule est répétée", self.cell_repeat, "number-columns-repeated")
        self.row_last_column = self.cell_start + self.cell_repeat - 1
        if self.row_last_column > self.limits.max_columns:
            raise _too_many_columns(self, self.row_start, self.row_last_column)

    def _end_row(self) -> None:
        if not self.row_repeat or not self.row_last_column:
            return
        if self.row_repeat > self.limits.max_repeated:
            raise self._repeated("cette ligne est répétée", self.row_repeat, "number-rows-repeated")
        self.extent.add(
            self.row_start,
            1,
            last_row=self.row_start + self.row_repeat - 1,
            last_column=self.row_last_column,
        )
        self.row_repeat = 0

    def _repeated(self, what: str, times: int, attribute: str) -> ReadError:
        return self.workbook.error(
            f"{what} {count(times)} fois (attribut « table:{attribute} ») : Grappe accepte au plus "
            f"{count(self.limits.max_repeated)} copies identiques à la suite.",
            code="repeated",
            sheet=self.sheet,
            line=self.row_start,
            column=self.column,
            hint="Supprimez les copies en trop dans LibreOffice et enregistrez de nouveau le classeur.",
        )


def _attribute(attributes: dict[str, str], local: str) -> str:
    for key, value in attributes.items():
        if key.rpartition(":")[2] == local:
            return value
    return ""
