"""Writing exports to disk as CSV, XLSX and ODS files that are byte-identical for a given story.

Spreadsheet files are zip archives that normally carry the time they were written (in each zip entry and in
the document properties); both are pinned to the export's date so the same seed always gives the same bytes.
ODS is written with the standard library (a zip of a few XML parts): odfpy is only a development dependency,
and the `grappe demo` command must work on a production install.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from grappe.demo.model import Cell, Export

_DATE_FORMAT = "DD/MM/YYYY"


def write_export(export: Export, path: Path, *, written_on: datetime.date) -> None:
    if export.file_format == "csv":
        path.write_bytes(csv_bytes(export))
    elif export.file_format == "xlsx":
        path.write_bytes(_reproducible_zip(xlsx_bytes(export, written_on), written_on))
    elif export.file_format == "ods":
        path.write_bytes(_reproducible_zip(ods_bytes(export), written_on))
    else:
        raise ValueError(f"unknown export format {export.file_format!r}")


def csv_bytes(export: Export) -> bytes:
    buffer = io.StringIO(newline="")
    # CRLF and minimal quoting: what Excel and most French CRMs write.
    writer = csv.writer(buffer, delimiter=export.delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(export.headers)
    for row in export.rows:
        cells = ["" if cell is None else str(cell) for cell in row.cells]
        # A record must start on the line the truth says: no cell may hold a line break.
        if any("\n" in cell or "\r" in cell for cell in cells):
            raise ValueError(f"line break in a cell of {export.file_name} line {row.line}")
        writer.writerow(cells)
    return buffer.getvalue().encode(export.encoding or "utf-8")


def xlsx_bytes(export: Export, written_on: datetime.date) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = export.association
    workbook.properties.created = datetime.datetime.combine(written_on, datetime.time(9, 0))
    for name, table in export.extra_sheets:
        sheet = workbook.create_sheet(name)
        for cells in table:
            sheet.append(list(cells))
    sheet = workbook.create_sheet(export.sheet)
    # Keep the sheets in the order the export says (the member sheet is not always first).
    workbook._sheets.sort(key=lambda ws: export.sheets.index(ws.title))
    for title in export.title_rows:
        sheet.append([title])
    if export.title_rows:
        sheet.append([])
    sheet.append(list(export.headers))
    for row in export.rows:
        sheet.append(list(row.cells))
        for column, cell in enumerate(row.cells, start=1):
            if isinstance(cell, datetime.date):
                sheet.cell(row=row.line, column=column).number_format = _DATE_FORMAT
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _reproducible_zip(data: bytes, written_on: datetime.date) -> bytes:
    """The same archive with every entry dated ``written_on`` and document timestamps pinned to it."""
    stamp = f"{written_on.isoformat()}T09:00:00Z"
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rf"\g<1>{stamp}", text)
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=(*written_on.timetuple()[:3], 9, 0, 0))
            # ODS requires its "mimetype" entry first and stored uncompressed; keep each entry's method.
            entry.compress_type = info.compress_type
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return output.getvalue()


# --- ODS ---------------------------------------------------------------------------------------------------

_ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{_ODS_MIMETYPE}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:fo="urn:oasis:names:compatibility:xmlns:xsl-fo-compatible:1.0" office:version="1.2"'
)
_STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {_NAMESPACES}><office:styles/></office:document-styles>
"""
_META = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta {_NAMESPACES}><office:meta><meta:generator>Grappe demo</meta:generator></office:meta>
</office:document-meta>
"""
# A dd/mm/yyyy date style, so dates show the French way in LibreOffice.
_AUTOMATIC_STYLES = """<office:automatic-styles>
<number:date-style style:name="N1"><number:day number:style="long"/><number:text>/</number:text>\
<number:month number:style="long"/><number:text>/</number:text><number:year number:style="long"/>\
</number:date-style>
<style:style style:name="ce1" style:family="table-cell" style:parent-style-name="Default" \
style:data-style-name="N1"/>
</office:automatic-styles>"""


def ods_bytes(export: Export) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), _ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        for name, text in (
            ("META-INF/manifest.xml", _MANIFEST),
            ("content.xml", _ods_content(export)),
            ("styles.xml", _STYLES),
            ("meta.xml", _META),
        ):
            archive.writestr(zipfile.ZipInfo(name), text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
    return output.getvalue()


def _ods_content(export: Export) -> str:
    tables = [(name, list(table)) for name, table in export.extra_sheets]
    member_rows: list[tuple[Cell, ...]] = [(title,) for title in export.title_rows]
    if export.title_rows:
        member_rows.append(())
    member_rows.append(export.headers)
    member_rows += [row.cells for row in export.rows]
    tables.append((export.sheet, member_rows))
    tables.sort(key=lambda item: export.sheets.index(item[0]))
    body = "".join(_ods_table(name, rows) for name, rows in tables)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_NAMESPACES}>'
        f"{_AUTOMATIC_STYLES}<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>"
        "</office:document-content>\n"
    )


def _ods_table(name: str, rows: list[tuple[Cell, ...]]) -> str:
    parts = [f"<table:table table:name={quoteattr(name)}>"]
    for cells in rows:
        parts.append("<table:table-row>")
        parts.extend(_ods_cell(cell) for cell in cells)
        if not cells:
            parts.append("<table:table-cell/>")
        parts.append("</table:table-row>")
    parts.append("</table:table>")
    return "".join(parts)


def _ods_cell(cell: Cell) -> str:
    if cell is None or cell == "":
        return "<table:table-cell/>"
    if isinstance(cell, datetime.date):
        iso = cell.isoformat()
        shown = cell.strftime("%d/%m/%Y")
        return (
            f'<table:table-cell table:style-name="ce1" office:value-type="date" office:date-value="{iso}">'
            f"<text:p>{shown}</text:p></table:table-cell>"
        )
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        shown = f"{cell:g}" if isinstance(cell, float) else str(cell)
        return (
            f'<table:table-cell office:value-type="float" office:value="{cell}">'
            f"<text:p>{shown}</text:p></table:table-cell>"
        )
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(cell))}</text:p></table:table-cell>'
