"""Builders of hostile spreadsheets, written byte by byte the way an attacker (or a broken tool) would.

Each starts from a small genuine workbook (openpyxl for XLSX; a hand-written ``content.xml`` for ODS, which is
what LibreOffice writes) and changes one thing: a cell far away, a forged ``<dimension>``, a row repeated, a
huge cell, a part whose declared size lies. Shared by the hostile-file tests and the fuzz tests.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

HEADER = ["Raison sociale", "SIRET", "Ville"]
MEMBER = ["Alpha SAS", "41234567800012", "Lyon"]
SHEET = "xl/worksheets/sheet1.xml"


def xlsx_parts(rows: Sequence[Sequence[str]] = (HEADER, MEMBER)) -> dict[str, bytes]:
    """The parts of a genuine workbook with ``rows`` on its sheet « Adhérents »."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Adhérents"
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(path: Path, parts: dict[str, bytes], *, stored: Sequence[str] = ("mimetype",)) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data, zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
    return path


def edit_sheet(parts: dict[str, bytes], change: Callable[[bytes], bytes]) -> dict[str, bytes]:
    return {**parts, SHEET: change(parts[SHEET])}


def set_dimension(reference: str | None) -> Callable[[bytes], bytes]:
    """Declare ``reference`` as the sheet's dimension (None: remove the element)."""

    def change(sheet: bytes) -> bytes:
        replacement = b"" if reference is None else b'<dimension ref="%s"/>' % reference.encode()
        return re.sub(rb"<dimension [^>]*/>", replacement, sheet)

    return change


def add_rows(rows_xml: str) -> Callable[[bytes], bytes]:
    """Append raw ``<row>`` elements at the end of the sheet's data."""
    return lambda sheet: sheet.replace(b"</sheetData>", rows_xml.encode() + b"</sheetData>")


def inline_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def far_cell_xlsx(path: Path, reference: str = "XFD1048576", *, dimension: str | None = "keep") -> Path:
    """A genuine workbook plus one cell at ``reference``; its dimension honest ("keep"), forged, or absent."""
    row = int(re.sub(r"[A-Z]", "", reference))
    parts = edit_sheet(xlsx_parts(), add_rows(f'<row r="{row}">{inline_cell(reference, "x")}</row>'))
    return write_zip(
        path, edit_sheet(parts, set_dimension(f"A1:{reference}" if dimension == "keep" else dimension))
    )


def long_cell_xlsx(path: Path, length: int, *, shared: bool = False) -> Path:
    """A workbook whose member has a name of ``length`` characters (inline, or in the shared strings)."""
    text = "A" * length
    if not shared:
        return write_zip(
            path, edit_sheet(xlsx_parts(), add_rows(f'<row r="3">{inline_cell("A3", text)}</row>'))
        )
    parts = xlsx_parts()
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        f'2006/main" count="1" uniqueCount="1"><si><t>{text}</t></si></sst>'
    ).encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    parts = edit_sheet(parts, add_rows('<row r="3"><c r="A3" t="s"><v>0</v></c></row>'))
    return write_zip(path, parts)


def forge_declared_size(path: Path, part: str, size: int) -> Path:
    """Rewrite the uncompressed size the zip's central directory declares for ``part`` (the data is kept)."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    position = 0
    while (position := data.find(b"PK\x01\x02", position)) >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + name_length]) == name:
            struct.pack_into("<I", data, position + 24, size)
        position += 4
    path.write_bytes(bytes(data))
    return path


ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
    'xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type='
    '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
    'manifest:media-type="text/xml"/></manifest:manifest>'
)


def ods_cell(text: str = "", *, repeat: int = 1) -> str:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat != 1 else ""
    if not text:
        return f"<table:table-cell{repeated}/>"
    return f'<table:table-cell{repeated} office:value-type="string"><text:p>{escape(text)}</text:p></table:table-cell>'


def ods_row(cells: Sequence[str] | str, *, repeat: int = 1) -> str:
    repeated = f' table:number-rows-repeated="{repeat}"' if repeat != 1 else ""
    inner = cells if isinstance(cells, str) else "".join(ods_cell(text) for text in cells)
    return f"<table:table-row{repeated}>{inner}</table:table-row>"


def write_ods(path: Path, rows_xml: str, *, sheet: str = "Adhérents") -> Path:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NAMESPACES} office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{sheet}">{rows_xml}</table:table>'
        f"</office:spreadsheet></office:body></office:document-content>"
    )
    parts = {
        "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
        "content.xml": content.encode(),
        "META-INF/manifest.xml": ODS_MANIFEST.encode(),
    }
    return write_zip(path, parts)


def genuine_ods_rows() -> str:
    return ods_row(HEADER) + ods_row(MEMBER)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_RAW_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PACKAGE}"><Relationship Id="rId1" '
        f'Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><sheets>'
        '<sheet name="Adhérents" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PACKAGE}"><Relationship Id="rId1" '
        f'Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def raw_xlsx(
    path: Path,
    rows: Sequence[tuple[int | None, Sequence[tuple[str | None, str]]]],
    *,
    dimension: str | None = None,
    prefix: str = "",
    extra_parts: dict[str, bytes] | None = None,
) -> Path:
    """A workbook written without any library: ``rows`` are (row number or None, [(reference or None, text)]),
    so that rows and cells without references, prefixed element names and any dimension can be written."""
    p = f"{prefix}:" if prefix else ""
    declaration = f' xmlns:{prefix}="{_MAIN}"' if prefix else f' xmlns="{_MAIN}"'
    body = []
    for number, cells in rows:
        attribute = f' r="{number}"' if number is not None else ""
        inner = "".join(
            f'<{p}c{f" r={chr(34)}{reference}{chr(34)}" if reference else ""} t="inlineStr"><{p}is><{p}t>'
            f"{escape(text)}</{p}t></{p}is></{p}c>"
            for reference, text in cells
        )
        body.append(f"<{p}row{attribute}>{inner}</{p}row>")
    dimension_xml = f'<{p}dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet{declaration}>{dimension_xml}<{p}sheetData>'
        f"{''.join(body)}</{p}sheetData></{p}worksheet>"
    )
    parts = {name: text.encode() for name, text in _RAW_PARTS.items()}
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    parts.update(extra_parts or {})
    return write_zip(path, parts)
