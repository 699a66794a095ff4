"""The Splink model of a run: comparisons, blocking rules and prior, from ``LinkageSettings``."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa
from splink import SettingsCreator, block_on

from .comparisons import splink_comparisons
from .settings import LinkageSettings


@dataclass(frozen=True)
class Prior:
    """λ, the probability that two records drawn at random match, and where it came from."""

    probability: float
    source: str  # "estimated" (from the data) or "fixed" (from expected_duplicate_rate)
    rule_pairs: int | None = None  # pairs the deterministic rule found, when it was counted

    def stats(self) -> dict[str, object]:
        return {"prior": self.probability, "prior_source": self.source, "prior_rule_pairs": self.rule_pairs}


def prior(settings: LinkageSettings, *, left_count: int, right_count: int | None) -> float:
    """The fixed λ, from the expected share of records with a duplicate.

    De-duplicating N records, about rate × N records have a duplicate among N(N−1)/2 pairs: λ = rate / (N−1).
    Linking N new records to M, each new record has one counterpart with probability rate: λ = rate / M.
    """
    rate = settings.expected_duplicate_rate
    others = right_count if right_count else left_count - 1
    return min(0.5, rate / max(others, 1))


def run_prior(
    con: duckdb.DuckDBPyConnection, new: pa.Table, registry: pa.Table | None, settings: LinkageSettings
) -> Prior:
    """λ estimated from the data when the fixed duplicate rate cannot describe them, else the fixed one.

    ``expected_duplicate_rate`` (< 1) models a registry where a record has at most about one duplicate: a
    member list, where the fixed m/u values were set with it and work together with it. A names-only list of
    patent applicants where one company fills a quarter of the rows is another kind of data: there a record
    has hundreds of duplicates and the fixed λ is a thousand times too small. Which kind a run holds, the
    data say: pairs with the same normalised name (and no département saying otherwise) are nearly all
    matches, so the number of such partners per record is a lower bound on its number of duplicates. When it
    exceeds one, the fixed model cannot hold, and λ is estimated the way Splink's
    ``estimate_probability_two_random_records_match`` does: the pairs of that deterministic rule, divided by
    its recall, over all the pairs the run scores. The recall is not a new guess but what the model already
    states: the m of an exact name, times the share of matches not in different départements. This makes
    the posterior of a pair that satisfies the rule independent of that m: λ × m is the measured share of
    pairs the rule finds, however wrong m may be.

    Pairs are counted from group sizes, never listed: a million records cost a few GROUP BYs.
    """
    left = new.num_rows
    right = registry.num_rows if registry is not None else None
    fixed = prior(settings, left_count=left, right_count=right)
    if not settings.estimate_prior or left + (right or 0) < settings.min_records_for_prior_estimation:
        return Prior(fixed, "fixed")
    within, across = _rule_pairs(con, new, registry)
    partners = (2 * within + across) / max(left, 1)  # per new record
    if partners <= 1:
        return Prior(fixed, "fixed", within + across)
    name, place = settings.parameters["name"], settings.parameters["place"]
    recall = name["nom identique"][0] * (1 - place["départements différents"][0])
    scored = left * (left - 1) / 2 + left * (right or 0)
    return Prior(min(0.5, (within + across) / recall / scored), "estimated", within + across)


def _rule_pairs(con: duckdb.DuckDBPyConnection, new: pa.Table, registry: pa.Table | None) -> tuple[int, int]:
    """Pairs (new × new, new × registry) with the same name and compatible départements.

    Within one name: all pairs, less those whose two départements are known and differ, that is
    C(n, 2) − C(n_known, 2) + Σ_d C(n_d, 2); across the two sets, n·m − n_known·m_known + Σ_d n_d·m_d.
    """
    con.register("__prior_new", new.select(["name_norm", "departement"]))
    groups = (
        "SELECT name_norm, departement, count(*)::HUGEINT AS n FROM {table} "
        "WHERE name_norm IS NOT NULL {where} GROUP BY ALL"
    )
    totals = (
        "SELECT name_norm, sum(n) AS n, coalesce(sum(n) FILTER (WHERE departement IS NOT NULL), 0) AS known, "
        "coalesce(sum(n * (n - 1) // 2) FILTER (WHERE departement IS NOT NULL), 0) AS same_within "
        "FROM g{side} GROUP BY name_norm"
    )
    sql = f"""
    WITH gn AS ({groups.format(table="__prior_new", where="")}), tn AS ({totals.format(side="n")})
    SELECT coalesce(sum(n * (n - 1) // 2 - known * (known - 1) // 2 + same_within), 0) FROM tn
    """
    (within,) = con.execute(sql).fetchall()[0]
    across = 0
    if registry is not None:
        con.register("__prior_registry", registry.select(["name_norm", "departement"]))
        registry_groups = groups.format(
            table="__prior_registry", where="AND name_norm IN (SELECT name_norm FROM __prior_new)"
        )
        sql = f"""
        WITH gn AS ({groups.format(table="__prior_new", where="")}), gr AS ({registry_groups}),
          tn AS ({totals.format(side="n")}), tr AS ({totals.format(side="r")}),
          same AS (SELECT name_norm, sum(gn.n * gr.n) AS s FROM gn JOIN gr USING (name_norm, departement)
                   GROUP BY name_norm)
        SELECT coalesce(sum(tn.n * tr.n - tn.known * tr.known + coalesce(same.s, 0)), 0)
        FROM tn JOIN tr USING (name_norm) LEFT JOIN same USING (name_norm)
        """
        (across,) = con.execute(sql).fetchall()[0]
        con.unregister("__prior_registry")
    con.unregister("__prior_new")
    return int(within), int(across)


def blocking_key_columns(settings: LinkageSettings) -> list[str]:
    return [f"bk_{index}" for index in range(len(settings.blocking_rules))]


def splink_settings(
    settings: LinkageSettings, *, dialect: str, probability: float, blocking_columns: list[str] | None = None
) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=splink_comparisons(settings, dialect),
        # Blocking keys were built (and capped at max_block_size) when preparing, one column per rule.
        blocking_rules_to_generate_predictions=[
            block_on(column) for column in (blocking_columns or blocking_key_columns(settings))
        ],
        probability_two_random_records_match=probability,
        # Matching columns are the only way Splink 5 keeps the gamma (level) columns; the pairs kept are
        # those above keep_threshold, so the extra width stays small.
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=[],
    )
