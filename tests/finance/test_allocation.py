"""The largest-remainder split of a shared plan's cost: parts always add up to the total, to the cent."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.finance.allocation import AllocationError, allocate

weights = st.dictionaries(
    st.text(min_size=1, max_size=8), st.integers(0, 10_000), min_size=1, max_size=12
).filter(lambda w: sum(w.values()) > 0)


@given(total=st.integers(-(10**12), 10**12), weights=weights)
def test_parts_sum_to_the_total_and_stay_within_a_cent_of_their_quota(
    total: int, weights: dict[str, int]
) -> None:
    parts = allocate(total, weights)

    assert sum(parts.values()) == total
    assert set(parts) == set(weights)
    weight_sum = sum(weights.values())
    for key, part in parts.items():
        quota = Fraction(total * weights[key], weight_sum)
        assert abs(part - quota) < 1
        if weights[key] == 0:
            assert part == 0


@given(total=st.integers(0, 10**9), weights=weights)
def test_no_part_is_negative_and_a_bigger_weight_never_gets_less(total: int, weights: dict[str, int]) -> None:
    parts = allocate(total, weights)

    assert all(part >= 0 for part in parts.values())
    for a in weights:
        for b in weights:
            if weights[a] > weights[b]:
                assert parts[a] >= parts[b]


def test_the_left_over_cents_go_to_the_largest_remainders_then_in_order() -> None:
    # 100 cents in thirds: 33.33 each, one cent left for the first given.
    assert allocate(100, {"Loire": 1, "Auvergne": 1, "Rhône": 1}) == {
        "Loire": 34,
        "Auvergne": 33,
        "Rhône": 33,
    }
    # 1000 cents by 78 / 64 / 118: quotas 300.00, 246.15, 453.84 → the two cents to the largest remainders.
    assert allocate(1000, {"a": 78, "b": 64, "c": 118}) == {"a": 300, "b": 246, "c": 454}


def test_weights_that_cannot_share_are_refused_with_why() -> None:
    with pytest.raises(AllocationError, match="négative"):
        allocate(100, {"a": -1, "b": 2})
    with pytest.raises(AllocationError, match="Aucune clé"):
        allocate(100, {"a": 0, "b": 0})
    assert allocate(0, {"a": 0}) == {"a": 0}
