"""How big a file the readers accept, checked before anything is allocated for it.

A 5 KB workbook can declare a cell at XFD1048576 or repeat one row a million times; a spreadsheet library
trusts such a file and allocates for it (hundreds of GiB: the process aborts, no exception is raised). Every
reader therefore checks these limits on what the file declares (zip sizes, sheet dimensions, cell positions,
repeated rows) before handing it over, and on what it reads (cells, rows, columns) while streaming.

Pure Python: the Django app installs a provider that builds the limits from the ``GRAPPE_IMPORT_*`` settings
(see ``grappe.intake.apps``); without Django the defaults apply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Excel's own limit on a cell's text: any cell a spreadsheet can hold passes.
DEFAULT_MAX_CELL_CHARS = 32_767


@dataclass(frozen=True)
class ReadLimits:
    # Rows of a sheet or records of a CSV, header and title rows included: 200,000 members must pass.
    max_rows: int = 300_000
    # Columns of a row; beyond a few hundred it is not a registry and the mapping page would be unusable.
    max_columns: int = 500
    # Rows × columns of a sheet's used area: what a spreadsheet library allocates a cell for.
    max_cells: int = 20_000_000
    max_cell_chars: int = DEFAULT_MAX_CELL_CHARS
    # Sum of the uncompressed sizes of a workbook's parts (a 200,000-row sheet is under 1 GB of XML).
    max_decompressed_bytes: int = 2 * 1024**3
    # Uncompressed size over compressed size of one part; XML compresses 10 to 30 times, zip bombs thousands.
    max_compression_ratio: int = 1_000
    # Times an ODS row (or cell) with content may be repeated: identical consecutive members do not number in
    # the thousands, while a 12 KB file repeating one row 200,000 times is 200,000 rows of one member.
    max_repeated: int = 1_000

    @property
    def max_cell_bytes(self) -> int:
        """A cell's text as stored in XML: up to 4 bytes a character, and « &amp; » or « &#x1F600; » for one."""
        return self.max_cell_chars * 10 + 4096


_provider: Callable[[], ReadLimits] = ReadLimits


def set_limits_provider(provider: Callable[[], ReadLimits]) -> None:
    """Where ``current_limits`` takes the limits from (the Django settings, once the app is ready)."""
    global _provider
    _provider = provider


def current_limits() -> ReadLimits:
    return _provider()


def count(number: int) -> str:
    """A count as French text writes it: 1 048 576."""
    return f"{number:,}".replace(",", "\u202f")
