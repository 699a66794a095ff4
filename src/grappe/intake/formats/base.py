"""What every reader shares: the error they raise and the record they yield."""

from __future__ import annotations

from dataclasses import dataclass

from grappe.errors import Location, UserError


class ReadError(UserError):
    """A file that cannot be read as a table of members; the message says where and what was expected."""

    code = "intake.read"


@dataclass(frozen=True)
class Record:
    """One record as the file holds it: where it starts (1-based line or row) and its cells as text."""

    line: int
    cells: list[str]

    @property
    def is_blank(self) -> bool:
        return all(not cell.strip() for cell in self.cells)


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def column_label(index: int, header: str = "") -> str:
    """How a column is named to users: its letter, and its header when it has one (« C (Raison sociale) »)."""
    letter = column_letter(index)
    return f"{letter} ({header.strip()})" if header.strip() else letter


def read_error(
    message: str,
    *,
    file: str,
    code: str,
    sheet: str = "",
    line: int | None = None,
    column: str = "",
    hint: str = "",
) -> ReadError:
    return ReadError(
        message,
        location=Location(file=file, sheet=sheet, line=line, column=column),
        hint=hint,
        code=f"intake.{code}",
    )
