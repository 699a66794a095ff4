"""Splink 5 (DuckDB), each field compared as its comparison library advises, trained as its tutorials train.

- Data standardised first (tools/common.py), as Splink's README asks.
- Comparisons by kind of field: an organisation's name, a street or a city ``JaroWinklerAtThresholds``
  (0.9, 0.7), the name with term-frequency adjustments as the tutorials set them on names; e-mail
  ``EmailComparison``; identifiers, phone, postcode, département, NAF code, web domain ``ExactMatch``
  (``PostcodeComparison`` reads UK postcode sectors, which French postcodes do not have); coordinates
  ``ExactMatch`` on the rounded value (PATSTAT's extra "coords" row).
- Blocking for prediction: French registries: same postcode, same SIREN, same phone, or same first four letters
  of the name within the same département (the name prefix alone makes blocks of billions of pairs at 1M).
  Restaurants: same phone, same city, or same first four letters of the name. PATSTAT: same first four
  letters of the name (and same coordinates in the "coords" row).
- Training: λ from a deterministic rule (exact name and place, recall 0.7), u by random sampling (1e7 pairs,
  seeded), m by expectation maximisation on two blocking rules so that each comparison is estimated by one
  of them. PATSTAT's name alone cannot be trained by EM (every rule that finds pairs blocks on the name), so
  its m stays at the comparison library's defaults.
- Predict at 0.01, cluster (connected components) at 0.95, the threshold of Splink's tutorials: the
  default row. The same predictions clustered over a grid of thresholds give ``extra_clusters``, which the
  runner scores against the truth to show Splink's best threshold (an oracle: a user has no truth to pick
  it with).
"""

from __future__ import annotations

import logging
from typing import Any

import pyarrow as pa

from .common import FIELD_KINDS, cleaned, columns

DEFAULT_THRESHOLD = 0.95
SWEEP = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999)


def _comparison(field: str) -> Any:
    import splink.comparison_library as cl

    kind = FIELD_KINDS[field]
    if field == "name":
        return cl.JaroWinklerAtThresholds(field, [0.9, 0.7]).configure(term_frequency_adjustments=True)
    if kind in ("text", "short"):
        return cl.JaroWinklerAtThresholds(field, [0.9, 0.7])
    if kind == "email":
        return cl.EmailComparison(field)
    return cl.ExactMatch(field)


def _rules(kind: str, fields: tuple[str, ...]) -> tuple[list[Any], Any, list[Any]]:
    """Blocking rules for prediction, the deterministic rule for λ, and the EM training rules."""
    from splink import block_on

    if kind == "generated":
        predict = [
            block_on("postcode"),
            block_on("siren"),
            block_on("phone"),
            block_on("substr(name, 1, 4)", "departement"),
        ]
        return predict, block_on("name", "postcode"), [block_on("postcode"), block_on("substr(name, 1, 4)")]
    if kind == "restaurants":
        predict = [block_on("phone"), block_on("city"), block_on("substr(name, 1, 4)")]
        return predict, block_on("name", "city"), [block_on("city"), block_on("phone")]
    if "location" in fields:  # PATSTAT with coordinates
        predict = [block_on("location"), block_on("substr(name, 1, 4)")]
        return predict, block_on("name", "location"), [block_on("location"), block_on("substr(name, 1, 4)")]
    return [block_on("substr(name, 1, 4)")], block_on("name"), []


def deduplicate(records: pa.Table, *, kind: str, variant: str = "") -> tuple[pa.Table, dict[str, Any]]:
    from splink import DuckDBAPI, Linker, SettingsCreator

    fields = columns(kind, variant)
    data = cleaned(records, kind, variant)
    table = pa.table(
        {"unique_id": data.pop("record_id"), **{f: pa.array(v, pa.string()) for f, v in data.items()}}
    )
    predict_rules, deterministic, em_rules = _rules(kind, fields)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[_comparison(field) for field in fields],
        blocking_rules_to_generate_predictions=predict_rules,
    )
    db_api = DuckDBAPI()
    frame = db_api.register(table, table_name="records")
    linker = Linker(frame, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match([deterministic], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    failed_sessions = []
    for rule in em_rules:
        # Sampled down to 1e7 pairs, as Splink 5 allows (max_pairs), so it stays feasible at 1M records.
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=1e7)
        except ValueError as error:
            # With every column compared, EM can drive a level almost never seen in its sample to an m below
            # what Splink accepts (1e-300) and stop. Splink's own remedy is to train on other blocking rules:
            # the model keeps what the other sessions (and the u sampling) estimated — its best honest run.
            failed_sessions.append(f"{rule!r}: {str(error)[:80]}")
    predictions = linker.inference.predict(threshold_match_probability=min(SWEEP))
    scored = predictions.as_duckdbpyrelation()
    pair_count, best = scored.aggregate("count(*), max(match_probability)").fetchall()[0]

    def clusters_at(threshold: float) -> pa.Table:
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        result = clustered.as_duckdbpyrelation().select("unique_id AS record_id, cluster_id").arrow()
        return result.read_all() if hasattr(result, "read_all") else result

    extra = {f"threshold={t:g}": clusters_at(t) for t in SWEEP}
    return clusters_at(DEFAULT_THRESHOLD), {
        "pairs_scored_above_0_01": pair_count,
        "best_pair_probability": best,
        "em_sessions_failed": failed_sessions,
        "extra_clusters": extra,
    }
