"""XLSX and ODS workbooks through python-calamine, with every cell turned into the text a user expects.

Cell values become text so that spreadsheets and CSV files reach the importer in the same shape:
- whole numbers lose their float form: 41234567800012.0 → "41234567800012" (a SIRET must not become
  "4.1234567800012e13"); other numbers use the shortest exact decimal form, never an exponent: 1200.5 → "1200.5";
- dates are ISO: "2016-03-31"; a date-time at midnight is a date; other date-times are "2016-03-31 14:30:00";
  times are "14:30:00";
- booleans are "VRAI" / "FAUX", as French Excel and LibreOffice display them, so the verbatim record matches
  what the user saw (the start-up flag checker reads them like "oui" / "non");
- text is kept as is; empty cells are "".

Calamine loads one sheet into memory as one dense block from its first to its last cell, and trusts what the
file declares: a workbook is therefore checked against the read limits first (`guard.check_workbook`), and
calamine never sees one that exceeds them. Rows are then converted one at a time with `iter_rows`, each cell's
length checked against the limit.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook, SheetVisibleEnum

from .base import ReadError, Record, column_letter, read_error
from .guard import check_workbook
from .limits import ReadLimits, count

CellValue = int | float | str | bool | datetime.time | datetime.date | datetime.datetime | datetime.timedelta

TRUE_TEXT = "VRAI"
FALSE_TEXT = "FAUX"


def cell_text(value: CellValue | None) -> str:
    """The text of one spreadsheet cell, by the rules in the module docstring."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int
        return TRUE_TEXT if value else FALSE_TEXT
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _number_text(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value.is_integer():
        return str(int(value))
    # repr is the shortest text that reads back as the same float; Decimal spells it without an exponent.
    return format(Decimal(repr(value)), "f")


@contextmanager
def opened_workbook(path: Path, *, file_name: str, limits: ReadLimits) -> Iterator[CalamineWorkbook]:
    """The workbook, read from an open stream: calamine then picks XLSX or ODS by content, not by extension.

    Checked against ``limits`` first: calamine aborts the process on a workbook declaring a far cell."""
    check_workbook(path, file_name=file_name, limits=limits)
    try:
        stream = path.open("rb")
    except OSError as error:
        raise read_error(
            f"ce fichier est introuvable ou illisible ({error.strerror}).", file=file_name, code="missing"
        ) from error
    with stream:
        try:
            workbook = CalamineWorkbook.from_filelike(stream)
        except BaseException as error:
            if not _calamine_failure(error):
                raise
            raise read_error(
                f"ce classeur n'a pas pu être lu ({error}) : il est peut-être abîmé ou protégé.",
                file=file_name,
                code="corrupt_workbook",
                hint="Ouvrez-le dans Excel ou LibreOffice et enregistrez-le de nouveau.",
            ) from error
        try:
            yield workbook
        finally:
            workbook.close()


def _calamine_failure(error: BaseException) -> bool:
    """Whether calamine failed on the file: its errors, and a Rust panic it turns into pyo3's PanicException
    (a BaseException, so that ``except Exception`` misses it and the CLI would print a backtrace)."""
    return isinstance(error, CalamineError | OSError | ValueError) or type(error).__name__ == "PanicException"


def choose_sheet(workbook: CalamineWorkbook, requested: str | None, *, file_name: str) -> str:
    """The requested sheet (exact name, else the same name ignoring case and spaces), or the first visible one."""
    names = list(workbook.sheet_names)
    if not names:
        raise read_error(
            "ce classeur n'a aucune feuille.",
            file=file_name,
            code="empty",
            hint="Ouvrez-le dans Excel ou LibreOffice et enregistrez-le de nouveau.",
        )
    if requested is None:
        visible = [
            sheet.name for sheet in workbook.sheets_metadata if sheet.visible == SheetVisibleEnum.Visible
        ]
        return (visible or names)[0]
    if requested in names:
        return requested
    folded = [name for name in names if name.strip().casefold() == requested.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    listed = ", ".join(f"« {name} »" for name in names)
    raise read_error(
        f"ce classeur n'a pas de feuille nommée « {requested} ». Ses feuilles sont : {listed}.",
        file=file_name,
        code="unknown_sheet",
        hint="Choisissez l'une de ces feuilles.",
    )


def load_sheet(workbook: CalamineWorkbook, sheet: str, *, file_name: str) -> CalamineSheet:
    try:
        return workbook.get_sheet_by_name(sheet)
    except BaseException as error:
        if not _calamine_failure(error):
            raise
        raise read_error(
            f"la feuille n'a pas pu être lue ({error}).",
            file=file_name,
            sheet=sheet,
            code="corrupt_workbook",
            hint="Ouvrez le classeur dans Excel ou LibreOffice et enregistrez-le de nouveau.",
        ) from error


def first_column(sheet: CalamineSheet) -> int:
    """0-based index of the sheet's first used column: calamine's rows start there, not at column A."""
    return sheet.start[1] if sheet.start else 0


def read_records(path: Path, *, sheet: str, file_name: str, limits: ReadLimits) -> Iterator[Record]:
    """Every row of the sheet, numbered as the spreadsheet numbers them (row 1 is the first row)."""
    with opened_workbook(path, file_name=file_name, limits=limits) as workbook:
        loaded = load_sheet(workbook, sheet, file_name=file_name)
        offset = first_column(loaded)
        # iter_rows starts at the sheet's first row even when the data starts lower, so the count is the number.
        for number, values in enumerate(loaded.iter_rows(), start=1):
            cells = [cell_text(value) for value in values]
            if cells and max(map(len, cells)) > limits.max_cell_chars:
                index = next(index for index, cell in enumerate(cells) if len(cell) > limits.max_cell_chars)
                raise cell_too_long(
                    file_name,
                    sheet=sheet,
                    line=number,
                    column=column_letter(offset + index),
                    limits=limits,
                )
            yield Record(number, cells)


def cell_too_long(file_name: str, *, sheet: str, line: int, column: str, limits: ReadLimits) -> ReadError:
    return read_error(
        f"cette cellule contient plus de {count(limits.max_cell_chars)} caractères : ce n'est pas une donnée "
        f"d'adhérent.",
        file=file_name,
        sheet=sheet,
        line=line,
        column=column,
        code="cell_too_long",
        hint="Raccourcissez cette cellule (ou videz-la) et enregistrez de nouveau le fichier.",
    )


def empty_sheet_error(path: Path, *, sheet: str, file_name: str, limits: ReadLimits) -> ReadError | None:
    """None when the sheet has cells, else the error to raise (naming the sheets that do have data)."""
    with opened_workbook(path, file_name=file_name, limits=limits) as workbook:
        if load_sheet(workbook, sheet, file_name=file_name).start is not None:
            return None
        others = [
            name
            for name in workbook.sheet_names
            if name != sheet and load_sheet(workbook, name, file_name=file_name).start is not None
        ]
    hint = "Choisissez la feuille " + ", ".join(f"« {name} »" for name in others) + "." if others else ""
    return read_error("cette feuille est vide.", file=file_name, sheet=sheet, code="empty", hint=hint)
