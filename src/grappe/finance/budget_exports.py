"""A budget's overview as CSV (``grappe.core.exports``, the platform's safe writer) and as XLSX (openpyxl).

Both write ``budgets.export_rows``: the same rows, the same header. In the workbook, amounts are numbers with
a euro format and every text cell goes through ``exports.neutralise``: openpyxl stores a string starting with
``=`` as a formula, so a label typed as ``=HYPERLINK(…)`` would otherwise run when the file is opened.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal

from grappe.core import exports
from grappe.finance.budgets import EXPORT_HEADER, Overview, export_rows

EURO_FORMAT = '#,##0.00 "€"'


def budget_csv(overview: Overview) -> Iterator[str]:
    writer = exports.streaming_writer()
    yield writer.writerow(EXPORT_HEADER)
    for row in export_rows(overview):
        yield writer.writerow(row)


def budget_xlsx(overview: Overview) -> bytes:
    # Imported here: openpyxl (and NumPy, which it loads when present) would otherwise be in every web
    # worker from its start, for the rare budget workbook.
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=f"Budget {overview.budget.year}")
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["C"].width = 38
    header = []
    for title in EXPORT_HEADER:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in export_rows(overview):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=exports.neutralise(value))
            if isinstance(value, Decimal):
                cell.number_format = EURO_FORMAT
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
