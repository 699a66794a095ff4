"""Staged rows come back as they went in: every value with its column, every issue, in order and by batch."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from grappe.intake.staging import StagedRows, pack_frame
from grappe.intake.validation import Issue, RowResult, Value

_text = st.text(max_size=12)
_stored = st.one_of(
    _text,
    st.integers(),
    st.booleans(),
    st.dates(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.lists(_text, max_size=3),
)
_issues = st.builds(
    Issue,
    line=st.integers(1, 10**6),
    column=_text,
    field=_text,
    value=_text,
    code=_text,
    message=_text,
    expected=_text,
    severity=st.sampled_from(["error", "warning", "info"]),
    company=_text,
)
_rows = st.builds(
    RowResult,
    line=st.integers(1, 10**6),
    cells=st.lists(_text, max_size=5).map(tuple),
    values=st.dictionaries(_text, st.builds(Value, value=_stored, column=_text), max_size=6),
    issues=st.lists(_issues, max_size=3),
    country=st.one_of(st.none(), st.sampled_from(["FR", "CH"])),
    company=_text,
    corrections=st.lists(st.tuples(_text, _text, _text), max_size=2),
)


@settings(max_examples=25, deadline=None)
@given(frames=st.lists(st.lists(_rows, min_size=1, max_size=4), max_size=4))
def test_rows_come_back_equal_in_order_frame_by_frame(frames):
    with StagedRows() as staged:
        for rows in frames:
            staged.add_frame(pack_frame(rows), len(rows))
        batches = list(staged.batches())

    assert batches == frames
    assert staged.rows == sum(len(rows) for rows in frames)


def test_a_stored_value_keeps_its_type_and_its_column():
    row = RowResult(
        line=3,
        cells=("Acme", "1 200,00 €", "31/03/2016"),
        values={
            "membership.annual_fee": Value(Decimal("1200.00"), "Cotisation"),
            "membership.starts_on": Value(datetime.date(2016, 3, 31), "Date d'adhésion"),
            "organisation.is_startup": Value(True, "Startup"),
        },
    )
    with StagedRows() as staged:
        staged.add_frame(pack_frame([row]), 1)
        (back,) = next(staged.batches())

    assert back.values == row.values
    assert [type(value.value) for value in back.values.values()] == [Decimal, datetime.date, bool]
    assert back.has_errors is False and back.country == "FR"
