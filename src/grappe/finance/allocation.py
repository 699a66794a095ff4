"""Sharing an amount of cents among territories: the largest-remainder rule (Hamilton's method).

Pure (no Django). A shared action plan's cost is split by fixed shares voted by the board, or by each
territory's member count; either way the parts must add up to the total to the cent, or the territories'
budgets would not add up to the network's. Each part is its exact quota rounded down, and the cents left over
go one each to the largest remainders, ties broken by the order the weights were given in (stable, so the
same inputs always give the same parts). No part is ever more than one cent away from its exact quota.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


class AllocationError(ValueError):
    """Weights that cannot share an amount: negative, or all zero for a non-zero amount."""


def allocate(total_cents: int, weights: Mapping[K, int]) -> dict[K, int]:
    """``total_cents`` split in proportion to ``weights`` (non-negative integers), every part an integer and the
    parts summing to ``total_cents`` exactly. A negative total (a refund) is split as its opposite."""
    if any(weight < 0 for weight in weights.values()):
        raise AllocationError("Une clé de répartition ne peut pas être négative.")
    if total_cents < 0:
        return {key: -part for key, part in allocate(-total_cents, weights).items()}
    weight_sum = sum(weights.values())
    if weight_sum == 0:
        if total_cents == 0:
            return dict.fromkeys(weights, 0)
        raise AllocationError(
            "Aucune clé de répartition n'est positive : le montant ne peut pas être réparti."
        )
    parts = {key: total_cents * weight // weight_sum for key, weight in weights.items()}
    left = total_cents - sum(parts.values())
    position = {key: index for index, key in enumerate(weights)}
    # Remainders compared as integers (total * weight mod sum), never as floats.
    by_remainder = sorted(
        weights, key=lambda key: (-(total_cents * weights[key] % weight_sum), position[key])
    )
    for key in by_remainder[:left]:
        parts[key] += 1
    return parts
