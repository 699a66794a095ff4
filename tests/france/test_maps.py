"""The map of départements: every metropolitan département drawn, framed on those that hold members, classes
that grow with the count and a legend without gaps."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.france import geo, maps

METROPOLITAN = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]


def test_every_metropolitan_departement_has_its_outline_and_its_name():
    outlines = maps.outlines()
    assert sorted(outlines) == sorted(METROPOLITAN)
    for code, outline in outlines.items():
        assert outline.name == geo.departement(code).name, code


def _points(path: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"(-?\d+\.\d) (-?\d+\.\d)", path)]


def test_the_map_is_framed_on_the_departements_with_members_and_draws_their_neighbours():
    drawn = maps.choropleth({"42": 120, "69": 300, "26": 12})
    codes = {shape.code for shape in drawn.shapes}
    assert {"42", "69", "26"} <= codes
    assert {"43", "07", "38", "01"} <= codes  # neighbours, for context
    assert "29" not in codes  # Finistère is far outside the frame
    for shape in drawn.shapes:
        if shape.value:  # the départements that hold members are wholly inside the frame
            for x, y in _points(shape.path):
                assert 0 <= x <= drawn.width and 0 <= y <= drawn.height, shape.code
    assert drawn.view_box == f"0 0 600 {drawn.height:.0f}"


def test_values_and_classes_follow_the_counts_and_overseas_departements_are_listed_apart():
    drawn = maps.choropleth({"42": 120, "69": 300, "26": 12, "971": 2})
    by_code = {shape.code: shape for shape in drawn.shapes}
    assert by_code["69"].level == maps.CLASSES
    assert 1 <= by_code["26"].level < by_code["42"].level < by_code["69"].level
    assert by_code["43"].value == 0 and by_code["43"].level == 0
    assert drawn.off_map == (("971", 2),)


def test_a_territory_frames_the_map_even_without_members_and_nothing_known_gives_no_map():
    assert {s.code for s in maps.choropleth({}, context=["63", "03"]).shapes} >= {"63", "03"}
    assert maps.choropleth({"971": 4}) is None
    assert maps.choropleth({}) is None


@given(top=st.integers(min_value=1, max_value=100_000), data=st.data())
def test_classes_grow_with_the_count_from_1_to_the_top(top, data):
    a = data.draw(st.integers(min_value=1, max_value=top))
    b = data.draw(st.integers(min_value=a, max_value=top))
    assert 1 <= maps.level(a, top) <= maps.level(b, top) <= maps.CLASSES
    assert maps.level(top, top) == maps.CLASSES
    assert maps.level(0, top) == 0


@pytest.mark.parametrize("top", [1, 2, 3, 7, 25, 300, 1999, 2000, 2001, 54_321])
def test_the_legend_covers_every_count_once_without_gaps(top):
    legend = maps.legend(top)
    assert legend[0].low == 1 and legend[-1].high == top
    for before, after in itertools.pairwise(legend):
        assert after.low == before.high + 1
        assert after.level > before.level
    for item in legend:
        assert maps.level(item.low, top) == maps.level(item.high, top) == item.level
