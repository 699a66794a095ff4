"""Fuzzing the readers with spreadsheets built to be hostile: far cells, forged dimensions, cells and rows
without references, prefixed names, repeated rows and columns, long cells, runs of spaces, nested zips, wide
and long CSV files. Whatever hypothesis builds, the reader either reads within the limits or refuses with a
located ReadError, in bounded time and memory; nothing else (no other exception, no abort).

The limits are small here so that a file the checks let through by mistake shows up as rows beyond them (or
as memory), without the test allocating gigabytes. The whole module runs in well under a minute.
"""

from __future__ import annotations

import codecs
import resource
import tempfile
import time
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grappe.intake.formats.base import column_letter
from grappe.intake.formats.limits import ReadLimits
from grappe.intake.reading import ReadError, open_table

from .hostile import ods_cell, ods_row, raw_xlsx, write_ods

LIMITS = ReadLimits(
    max_rows=2_000,
    max_columns=40,
    max_cells=20_000,
    max_cell_chars=2_000,
    max_decompressed_bytes=8 * 1024 * 1024,
    max_compression_ratio=200,
    max_repeated=50,
)
SECONDS = 3.0
MEGABYTES = 150
FUZZ = settings(
    max_examples=100,
    deadline=None,  # time is asserted per example below, on the reading alone
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def read_or_refuse(path: Path) -> None:
    """Read ``path`` whole; a refusal must be a located ReadError, a success must be within the limits."""
    before, started = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.perf_counter()
    try:
        table = open_table(path, limits=LIMITS)
        rows = list(table.rows())
    except ReadError as error:
        assert error.location is not None and error.location.file == path.name
        assert error.code.startswith("intake.") and error.message
    else:
        assert len(table.headers) <= LIMITS.max_columns
        for row in rows:
            assert row.line <= LIMITS.max_rows
            assert all(len(cell) <= LIMITS.max_cell_chars for cell in row.cells)
    assert time.perf_counter() - started < SECONDS
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before < MEGABYTES


def reference(row: int, column: int) -> str:
    return f"{column_letter(column - 1)}{row}"


rows_far = st.integers(min_value=1, max_value=1_048_576)
columns_far = st.integers(min_value=1, max_value=16_384)
near = st.integers(min_value=1, max_value=60)
texts = st.one_of(
    st.text(alphabet="abcé <&>\"'", max_size=20),
    st.integers(min_value=0, max_value=300_000).map(lambda length: "x" * length),
)


@st.composite
def xlsx_rows(draw):
    """Rows of a sheet: a header, then cells near or far, with or without their references."""
    rows = [(1, [("A1", "Raison sociale"), ("B1", "Ville")])]
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        row = draw(st.one_of(near, rows_far))
        cells = []
        for _ in range(draw(st.integers(min_value=0, max_value=4))):
            column = draw(st.one_of(near, columns_far))
            cells.append((draw(st.sampled_from([reference(row, column), None])), draw(texts)))
        rows.append((draw(st.sampled_from([row, None])), cells))
    if draw(st.booleans()):  # a run of cells without references: columns counted by position
        rows.append((None, [(None, "y")] * draw(st.integers(min_value=1, max_value=200))))
    return rows


dimensions = st.one_of(
    st.none(),
    st.builds(lambda r, c: f"A1:{reference(r, c)}", rows_far, columns_far),
    st.builds(lambda r, c: f"A1:{reference(r, c)}", near, near),
    st.sampled_from(["A1", "garbage", "A0:B", "$A$1:$XFD$1048576"]),
)


@FUZZ
@given(
    rows=xlsx_rows(),
    dimension=dimensions,
    prefix=st.sampled_from(["", "x"]),
    nested=st.sampled_from([None, "zip", "bomb"]),
)
def test_hostile_xlsx_is_read_within_the_limits_or_refused(rows, dimension, prefix, nested):
    extra: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as folder:
        if nested:
            inner = Path(folder) / "inner.zip"
            with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("inner.xml", b" " * (10_000_000 if nested == "bomb" else 1_000))
            extra["xl/embeddings/inner.zip"] = inner.read_bytes()
            if nested == "bomb":
                extra["xl/media/padding.xml"] = b"<a>" + b"<b/>" * 3_000_000 + b"</a>"
        path = raw_xlsx(
            Path(folder) / "adherents.xlsx", rows, dimension=dimension, prefix=prefix, extra_parts=extra
        )
        read_or_refuse(path)


@st.composite
def ods_rows(draw):
    xml = [ods_row(["Raison sociale", "Ville"])]
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        cells = []
        for _ in range(draw(st.integers(min_value=0, max_value=4))):
            repeat = draw(
                st.one_of(st.integers(min_value=1, max_value=5), st.integers(min_value=1, max_value=20_000))
            )
            kind = draw(st.sampled_from(["empty", "text", "spaces"]))
            if kind == "spaces":
                count = draw(st.integers(min_value=1, max_value=1_000_000_000))
                cells.append(
                    f'<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="string">'
                    f'<text:p>a<text:s text:c="{count}"/></text:p></table:table-cell>'
                )
            else:
                cells.append(ods_cell(draw(texts) if kind == "text" else "", repeat=repeat))
        repeat = draw(
            st.one_of(st.integers(min_value=1, max_value=5), st.integers(min_value=1, max_value=1_048_576))
        )
        xml.append(ods_row("".join(cells), repeat=repeat))
    return "".join(xml)


@FUZZ
@given(rows=ods_rows())
def test_hostile_ods_is_read_within_the_limits_or_refused(rows):
    with tempfile.TemporaryDirectory() as folder:
        read_or_refuse(write_ods(Path(folder) / "adherents.ods", rows))


@st.composite
def csv_bytes(draw):
    """Up to a few megabytes: wide headers, long or quoted cells, lines repeated, an unclosed quote at the end."""
    width = draw(st.one_of(st.integers(min_value=1, max_value=5), st.integers(min_value=1, max_value=5_000)))
    lines = [";".join(["Raison sociale", "Ville", *(f"C{n}" for n in range(width))])]
    for _ in range(draw(st.integers(min_value=0, max_value=5))):
        cells = [draw(csv_texts) for _ in range(draw(st.integers(min_value=0, max_value=4)))]
        if draw(st.booleans()):
            cells = [f'"{cell}"' for cell in cells]
        line = ";".join(cells)
        lines.append(line * (draw(st.sampled_from([1, 1, 500])) if len(line) < 100 else 1))
    text = "\n".join(lines)
    text = "\n".join([text] * draw(st.sampled_from([1, 1, 1_000]))) if len(text) < 2_000 else text
    text += draw(st.sampled_from(["\n", "", '"']))
    codec, bom = draw(
        st.sampled_from(
            [
                ("utf-8", b""),
                ("utf-8", codecs.BOM_UTF8),
                ("utf-16-le", codecs.BOM_UTF16_LE),
                ("utf-32-le", codecs.BOM_UTF32_LE),
                ("utf-32-be", codecs.BOM_UTF32_BE),
            ]
        )
    )
    return bom + text.encode(codec)


csv_texts = st.one_of(
    st.text(alphabet="abcé <&>\"'", max_size=20),
    st.integers(min_value=0, max_value=5_000).map(lambda length: "x" * length),
)


@FUZZ
@given(content=csv_bytes())
def test_hostile_csv_is_read_within_the_limits_or_refused(content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "adherents.csv"
        path.write_bytes(content)
        read_or_refuse(path)
