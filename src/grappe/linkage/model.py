"""The Splink model of a run: comparisons, blocking rules and prior, from ``LinkageSettings``."""

from __future__ import annotations

from splink import SettingsCreator, block_on

from .comparisons import splink_comparisons
from .settings import LinkageSettings


def prior(settings: LinkageSettings, *, left_count: int, right_count: int | None) -> float:
    """λ, the probability that two records drawn at random match.

    De-duplicating N records, about rate × N records have a duplicate among N(N−1)/2 pairs: λ = rate / (N−1).
    Linking N new records to M, each new record has one counterpart with probability rate: λ = rate / M.
    """
    rate = settings.expected_duplicate_rate
    others = right_count if right_count else left_count - 1
    return min(0.5, rate / max(others, 1))


def blocking_key_columns(settings: LinkageSettings) -> list[str]:
    return [f"bk_{index}" for index in range(len(settings.blocking_rules))]


def splink_settings(settings: LinkageSettings, *, dialect: str, probability: float) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=splink_comparisons(settings, dialect),
        # Blocking keys were built (and capped at max_block_size) when preparing, one column per rule.
        blocking_rules_to_generate_predictions=[
            block_on(column) for column in blocking_key_columns(settings)
        ],
        probability_two_random_records_match=probability,
        # Matching columns are the only way Splink 5 keeps the gamma (level) columns; the pairs kept are
        # those above keep_threshold, so the extra width stays small.
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=[],
    )
