"""Open a members' registry export (CSV, XLSX, ODS) as a table: its header row and a stream of rows.

`open_table` does everything that can be known before the import starts: the real format (by content), the
encoding and delimiter of a CSV, the sheet of a workbook, the header row (not always the first: exports often
start with a title, a date or a logo row) and the presence of at least one data row. `Table.rows()` then
re-reads the file from disk on each call, so a 200,000-row file is never held in memory, and raises a located
`ReadError` when it meets a bad row.

Every cell is text, verbatim: the csv module's reading of a CSV cell, or a spreadsheet cell rendered as
described in `formats.spreadsheet`. Normalising values is the importer's job; keeping them intact is ours.

Pure Python: no Django.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from pathlib import Path

from grappe.errors import Location

from .formats import delimited, spreadsheet
from .formats.base import ReadError, Record, column_label, read_error
from .formats.detect import detect_format
from .formats.limits import ReadLimits, current_limits
from .formats.text import FileScan, choose_encoding, decoded_head, scan_file
from .headers import FIELDS, header_key, header_score, missing_required, normalise_header, suggest_mapping

__all__ = ["HEADER_SEARCH_ROWS", "ReadError", "ReadLimits", "Row", "Table", "open_table"]

HEADER_SEARCH_ROWS = 30  # non-blank rows searched for the header row
_SHOWN_CELL_CHARS = 40


@dataclass(frozen=True)
class Row:
    line: int  # 1-based physical line (CSV) or row number (XLSX/ODS) where the row starts
    cells: tuple[str, ...]  # verbatim text, one per header column


@dataclass(frozen=True)
class Table:
    path: Path
    file_name: str  # the name the user knows the file by (an upload's original name), used in messages
    file_format: str  # "csv" | "xlsx" | "ods", from the content, whatever the file's extension
    sha256: str
    size: int
    encoding: str  # "utf-8", "utf-8-sig" (with BOM), "utf-16", "utf-32", "cp1252", "latin-1", "mac-roman"; "" for spreadsheets
    delimiter: str  # ";", "," or "\t"; "" for spreadsheets
    sheet: str  # "" for CSV
    sheets: tuple[str, ...]  # every sheet of the workbook, in order; () for CSV
    header_line: int
    headers: tuple[str, ...]  # verbatim header cells, trailing empty ones dropped
    first_column: int = (
        0  # 0-based spreadsheet column of headers[0] (calamine starts at the first used column)
    )
    limits: ReadLimits = field(
        default_factory=ReadLimits
    )  # checked on every read of the file, the header search's and the rows'

    def rows(self) -> Iterator[Row]:
        """The data rows below the header, blank ones skipped, streamed from disk; raises ReadError mid-way."""
        self._check_unchanged()
        with closing(_records(self, expected_width=len(self.headers))) as records:
            for record in records:
                if record.line > self.header_line and not record.is_blank:
                    yield _row(record, self)

    def column_label(self, index: int) -> str:
        """A column as users see it: « C (Raison sociale) »."""
        header = self.headers[index] if index < len(self.headers) else ""
        return column_label(self.first_column + index, header)

    def location(self, line: int | None = None, column: int | None = None) -> Location:
        """Where a problem is, for the importer's own errors about a cell of this table."""
        label = self.column_label(column) if column is not None else ""
        return Location(file=self.file_name, sheet=self.sheet, line=line, column=label)

    def _check_unchanged(self) -> None:
        try:
            size = self.path.stat().st_size
        except OSError as error:
            raise read_error(
                "ce fichier n'est plus lisible.", file=self.file_name, code="missing", sheet=self.sheet
            ) from error
        if size != self.size:
            raise read_error(
                "ce fichier a changé depuis son ouverture.",
                file=self.file_name,
                sheet=self.sheet,
                code="changed",
                hint="Relancez l'import pour le relire.",
            )


def open_table(
    path: str | os.PathLike[str],
    *,
    file_name: str | None = None,
    sheet: str | None = None,
    header_line: int | None = None,
    limits: ReadLimits | None = None,
) -> Table:
    """Open a registry export and find its header; raises ReadError with a located message when it cannot.

    ``sheet`` picks a workbook's sheet (default: the first visible one) and is ignored for CSV files.
    ``header_line`` forces the header row (1-based) when the automatic search picks the wrong one or none.
    ``limits`` bound what is read (default: the configured ones, see ``formats.limits``); a file beyond them
    is refused before anything is allocated for it.
    """
    path = Path(path)
    name = file_name or path.name
    limits = limits or current_limits()
    draft = _describe(path, name, sheet, limits)
    try:
        return _open_described(draft, header_line)
    except ReadError as error:
        if sheet is not None or len(draft.table.sheets) < 2 or error.code not in _NOT_A_MEMBER_SHEET:
            raise
        # No sheet was named and the first one holds no member list (a summary, a cover page): the members are
        # on another sheet, so take the first one that reads, and say which in the table.
        for other in draft.table.sheets:
            if other == draft.table.sheet:
                continue
            try:
                return _open_described(_describe(path, name, other, limits), header_line)
            except ReadError:
                continue
        raise


_NOT_A_MEMBER_SHEET = {f"intake.{code}" for code in ("no_header", "no_name_column", "empty", "no_data")}


def _open_described(draft: _Draft, header_line: int | None) -> Table:
    with closing(_records(draft.table, expected_width=draft.headers_hint)) as records:
        header, first_data = _find_header(records, draft.table, header_line)
    table = replace(draft.table, header_line=header.line, headers=_header_cells(header))
    _check_headers(table)
    if first_data is None:
        raise _error(
            table,
            f"aucune ligne de données sous l'en-tête (ligne {header.line}).",
            code="no_data",
            line=header.line,
            hint="Vérifiez que c'est le bon fichier (ou la bonne feuille) et qu'il contient des adhérents.",
        )
    return table


@dataclass(frozen=True)
class _Draft:
    table: Table  # without header yet
    headers_hint: int  # expected number of columns before the header is known (CSV only)


def _describe(path: Path, file_name: str, sheet: str | None, limits: ReadLimits) -> _Draft:
    scan = _scan(path, file_name)
    file_format = detect_format(path, scan.head, file_name=file_name)
    if file_format == "csv":
        return _describe_csv(path, file_name, scan, limits)
    return _describe_workbook(path, file_name, scan, file_format, sheet, limits)


def _describe_csv(path: Path, file_name: str, scan: FileScan, limits: ReadLimits) -> _Draft:
    encoding = choose_encoding(path, scan, file_name=file_name)
    delimiter, width = delimited.detect_delimiter(decoded_head(scan, encoding))
    table = Table(
        path=path,
        file_name=file_name,
        file_format="csv",
        sha256=scan.sha256,
        size=scan.size,
        encoding=encoding,
        delimiter=delimiter,
        sheet="",
        sheets=(),
        header_line=0,
        headers=(),
        limits=limits,
    )
    return _Draft(table, width)


def _describe_workbook(
    path: Path, file_name: str, scan: FileScan, file_format: str, sheet: str | None, limits: ReadLimits
) -> _Draft:
    with spreadsheet.opened_workbook(path, file_name=file_name, limits=limits) as workbook:
        chosen = spreadsheet.choose_sheet(workbook, sheet, file_name=file_name)
        sheets = tuple(workbook.sheet_names)
        first_column = spreadsheet.first_column(spreadsheet.load_sheet(workbook, chosen, file_name=file_name))
    if error := spreadsheet.empty_sheet_error(path, sheet=chosen, file_name=file_name, limits=limits):
        raise error
    table = Table(
        path=path,
        file_name=file_name,
        file_format=file_format,
        sha256=scan.sha256,
        size=scan.size,
        encoding="",
        delimiter="",
        sheet=chosen,
        sheets=sheets,
        header_line=0,
        headers=(),
        first_column=first_column,
        limits=limits,
    )
    return _Draft(table, 0)


def _scan(path: Path, file_name: str) -> FileScan:
    try:
        scan = scan_file(path)
    except OSError as error:
        raise read_error(
            f"ce fichier est introuvable ou illisible ({error.strerror}).", file=file_name, code="missing"
        ) from error
    if scan.size == 0:
        raise read_error(
            "ce fichier est vide (0 octet).",
            file=file_name,
            code="empty",
            hint="L'export s'est peut-être mal terminé : exportez de nouveau la liste des adhérents.",
        )
    return scan


def _records(table: Table, *, expected_width: int) -> Iterator[Record]:
    if table.file_format == "csv":
        return delimited.read_records(
            table.path,
            encoding=table.encoding,
            delimiter=table.delimiter,
            file_name=table.file_name,
            expected_width=expected_width,
            limits=table.limits,
        )
    return spreadsheet.read_records(
        table.path, sheet=table.sheet, file_name=table.file_name, limits=table.limits
    )


def _find_header(records: Iterator[Record], table: Table, forced: int | None) -> tuple[Record, Record | None]:
    """The header record and the first data record after it (None when there is none)."""
    if forced is not None:
        header = _forced_header(records, table, forced)
        following: Iterable[Record] = records
    else:
        candidates = list(islice((record for record in records if not record.is_blank), HEADER_SEARCH_ROWS))
        header = _best_header(candidates, table)
        following = chain(candidates, records)
    first_data = next(
        (record for record in following if record.line > header.line and not record.is_blank), None
    )
    return header, first_data


def _forced_header(records: Iterator[Record], table: Table, forced: int) -> Record:
    for record in records:
        if record.line == forced and not record.is_blank:
            return record
        if record.line >= forced:
            break
    raise _error(
        table,
        "la ligne d'en-tête indiquée est vide ou n'existe pas dans ce fichier.",
        code="no_header",
        line=forced,
        hint="Indiquez le numéro de la ligne qui contient les titres des colonnes.",
    )


def _best_header(candidates: list[Record], table: Table) -> Record:
    if not candidates:
        raise _error(
            table,
            "ce fichier ne contient que des lignes vides.",
            code="empty",
            hint="Exportez de nouveau la liste des adhérents.",
        )
    scores = [header_score(record.cells) for record in candidates]
    best = max(range(len(candidates)), key=lambda index: (scores[index], -index))
    header = candidates[best]
    if scores[best] == 0:
        raise _error(
            table,
            f"aucune ligne d'en-tête reconnue parmi les {HEADER_SEARCH_ROWS} premières lignes : Grappe attend "
            f"une ligne de titres de colonnes, dont au moins {_name_examples()}.",
            code="no_header",
            hint="Ajoutez une ligne de titres au-dessus des données, ou indiquez le numéro de la ligne d'en-tête.",
        )
    if missing_required(suggest_mapping(header.cells)):
        found = ", ".join(f"« {cell.strip()} »" for cell in header.cells if cell.strip())
        raise _error(
            table,
            f"l'en-tête trouvé à cette ligne ({found}) n'a pas de colonne pour le nom de l'entreprise : "
            f"Grappe attend {_name_examples()}.",
            code="no_name_column",
            line=header.line,
            hint="Renommez la colonne du nom de l'entreprise, ou indiquez le numéro de la ligne d'en-tête.",
        )
    return header


def _name_examples() -> str:
    label = FIELDS["name"].label
    return f"une colonne « {label} » (ou « Nom », « Société », « Entreprise », « Dénomination »)"


def _header_cells(header: Record) -> tuple[str, ...]:
    cells = list(header.cells)
    while cells and not cells[-1].strip():
        cells.pop()  # exports often end every line with a delimiter, or format empty columns in a sheet
    return tuple(cells)


def _check_headers(table: Table) -> None:
    seen: dict[tuple[str, ...], int] = {}
    for index, header in enumerate(table.headers):
        if "\x00" in header:
            raise _nul_error(table, table.header_line, index)
        # « N° SIRET » and « SIRET », « E-mail » and « Email » name the same thing: one would be lost.
        key = header_key(header) or (normalise_header(header),)
        if key in seen and key[0]:
            raise _error(
                table,
                f"les colonnes {table.column_label(seen[key])} et {table.column_label(index)} ont le même "
                f"titre : Grappe ne saurait pas laquelle lire.",
                code="duplicate_column",
                line=table.header_line,
                column=table.column_label(index),
                hint="Renommez l'une des deux (par exemple « E-mail contact ») ou supprimez celle en trop.",
            )
        seen[key] = index


def _row(record: Record, table: Table) -> Row:
    width = len(table.headers)
    cells = record.cells
    for index in range(width, len(cells)):
        if cells[index].strip():
            raise _extra_cell_error(table, record.line, index, cells[index])
    for index, cell in enumerate(cells[:width]):
        if "\x00" in cell:
            raise _nul_error(table, record.line, index)
    return Row(record.line, tuple(cells[:width]) + ("",) * (width - len(cells)))


def _extra_cell_error(table: Table, line: int, index: int, value: str) -> ReadError:
    shown = value.strip()
    shown = shown if len(shown) <= _SHOWN_CELL_CHARS else shown[: _SHOWN_CELL_CHARS - 1] + "…"
    return _error(
        table,
        f"cette ligne a une valeur (« {shown} ») au-delà des {len(table.headers)} colonnes de l'en-tête.",
        code="extra_cell",
        line=line,
        column=table.column_label(index),
        hint="Donnez un titre à cette colonne dans l'en-tête, ou remettez la valeur dans sa colonne "
        "(un séparateur dans une cellule sans guillemets décale les colonnes suivantes).",
    )


def _nul_error(table: Table, line: int, index: int) -> ReadError:
    return _error(
        table,
        "cette cellule contient un caractère nul (octet 0), qui n'existe pas dans un texte : le fichier "
        "est probablement abîmé.",
        code="nul_byte",
        line=line,
        column=table.column_label(index),
        hint="Exportez de nouveau la liste, ou corrigez cette cellule dans un tableur.",
    )


def _error(
    table: Table, message: str, *, code: str, line: int | None = None, column: str = "", hint: str = ""
):
    return read_error(
        message, file=table.file_name, sheet=table.sheet, line=line, column=column, code=code, hint=hint
    )
