"""CSV formula injection (issue 13, point 5) and French Excel's format, in the one module every CSV uses."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.core import exports

HOSTILE = ['=HYPERLINK("x")', "@SUM(1)", "+cmd|' /C calc'!A0", "-2+3", "\t=1", "\r=1", "-2"]


@pytest.mark.parametrize("value", HOSTILE)
def test_text_starting_like_a_formula_is_written_behind_a_quote(value: str) -> None:
    assert exports.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Numélink", "", "2+3", "a=b", "O'Neil", 12, -2, 0.5, -0.25])
def test_ordinary_text_and_computed_numbers_are_left_alone(value: object) -> None:
    assert exports.neutralise(value) == value


def test_none_is_an_empty_cell() -> None:
    assert exports.neutralise(None) == ""


@given(st.text())
def test_restore_gives_back_exactly_what_was_neutralised(text: str) -> None:
    assert exports.restore(str(exports.neutralise(text))) == text
    assert not str(exports.neutralise(text)).startswith(exports.FORMULA_TRIGGERS)


def test_the_writer_writes_french_excel_csv_with_every_cell_neutralised() -> None:
    stream = io.StringIO()
    writer = exports.SafeWriter(stream)
    writer.writerow(["nom", "montant"])
    writer.writerows([['=HYPERLINK("x")', -2], ["Numélink; Roanne", 3]])
    text = stream.getvalue()
    assert text.startswith("\ufeffnom;montant\r\n") and text.count("\ufeff") == 1
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";")) == [
        ["nom", "montant"],
        ['\'=HYPERLINK("x")', "-2"],
        ["Numélink; Roanne", "3"],
    ]


def test_the_streaming_writer_returns_each_line_the_first_with_the_mark() -> None:
    writer = exports.streaming_writer()
    assert writer.writerow(["a", "@b"]) == "\ufeffa;'@b\r\n"
    assert writer.writerow(["c"]) == "c\r\n"


@pytest.mark.parametrize("delimiter", [";", ","])
def test_the_reader_accepts_either_delimiter_and_the_mark(delimiter: str) -> None:
    text = f"\ufeffpair_id{delimiter}decision\r\n12{delimiter}'=oui\r\n"
    reader = exports.dict_reader(io.StringIO(text))
    rows = list(reader)
    assert reader.fieldnames == ["pair_id", "decision"]
    assert [exports.restore(rows[0]["decision"])] == ["=oui"] and rows[0]["pair_id"] == "12"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ["12,5", "1200,50", "-0,25", "3", "1.5 km", "2026-04-01"]),
        ("en", ["12.5", "1200.50", "-0.25", "3", "1.5 km", "2026-04-01"]),
    ],
)
def test_decimals_are_written_with_the_language_s_decimal_separator(
    language: str, expected: list[str]
) -> None:
    """French Excel reads « 12,5 » as a number and « 12.5 » as text (or a date); English Excel the other way.
    Whole numbers and text are left as they are."""
    from decimal import Decimal

    from django.utils import translation

    stream = io.StringIO()
    with translation.override(language):
        writer = exports.SafeWriter(stream)
    writer.writerow([12.5, Decimal("1200.50"), -0.25, 3, "1.5 km", "2026-04-01"])
    text = stream.getvalue().removeprefix("\ufeff")
    assert next(csv.reader(io.StringIO(text), delimiter=";")) == expected


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4))
def test_a_french_decimal_reads_back_as_the_same_number(value) -> None:
    from decimal import Decimal

    from django.utils import translation

    with translation.override("fr"):
        line = exports.streaming_writer().writerow(["x", value])
    cell = next(csv.reader(io.StringIO(line.removeprefix("\ufeff")), delimiter=";"))[1]
    assert "." not in cell and Decimal(cell.replace(",", ".")) == value


CELLS = st.one_of(
    st.text(),
    st.text(alphabet="'=+-@\t\r a1").map(lambda text: text[:6]),  # quotes before a trigger, or not
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False),
)


@given(CELLS, st.sampled_from(["fr", "en"]))
def test_the_writer_s_text_shortcut_writes_what_the_general_rule_writes(value: object, language: str) -> None:
    writer = exports.streaming_writer(language=language)
    expected = exports.localised(exports.neutralise(value), exports.decimal_separator(language))
    assert writer.cell(value) == expected
