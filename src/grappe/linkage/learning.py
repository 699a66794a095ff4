"""Learning from a reviewer's decisions: every accepted or rejected pair is a label.

The fixed m/u values say what French member registries usually look like; a reviewer's answers say what
*these* records look like. Each decided pair is scored with the run's model, and the weight of each
comparison level it falls in is moved by what the labels show, by maximum a posteriori logistic regression:
the log-likelihood of the labels under the Fellegi–Sunter sum (prior + Σ level weights, in bits), plus a
Gaussian prior centred on the model's own weights. So one answer moves a level a little, and a level no
answer ever fell in keeps its weight; with many answers the data win. The prior λ moves the same way (one
shift, for a data set whose share of duplicates the fixed rate does not describe). This is the model dedupe
trains by active learning (a logistic regression over the comparisons), started from the Fellegi–Sunter
weights instead of from nothing: with no labels Grappe is already at its defaults, and 25 labels refine it.

Which pairs to ask (``questions``): the undecided pairs whose answer is least predictable (match
probability nearest one half, in bits), with two diversity rules (uncertainty sampling, as dedupe and most
active-learning linkers do, made to fit a registry): one question between two groups of records before a second
between the same two — a hundred spellings of one company against a hundred of another give ten thousand
pairs, and one answer settles them all — and one per combination of levels before a second of the same — an
answer about a combination already answered teaches little. Pairs whose two records are already in one group
come last: a « yes » changes no grouping. On PATSTAT (names only) the 25 first answers then join Philips' two
spellings families (F1 0.853 → 0.981), where they had been spent on pairs between the same two groups.

The shifts are stored in the settings (``learned_weights``, ``learned_prior_bits``), so a run's settings
say exactly which model scored it and round-trip through JSON like the rest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .comparisons import level_labels
from .explain import SETTLING_RULES
from .settings import LinkageSettings

LN2 = math.log(2)


@dataclass(frozen=True)
class LabelledPair:
    """A decided pair as the model sees it: its level in each comparison and its weight before learning."""

    levels: dict[str, int]  # comparison → gamma (−1: the null level, no evidence either way)
    weight: float  # match weight in bits under the run's model, prior included, before any learned shift
    is_match: bool


@dataclass(frozen=True)
class Learned:
    weights: dict[str, dict[str, float]]  # comparison → level label → shift in bits
    prior_bits: float
    labels: int
    matches: int

    def as_settings(self, settings: LinkageSettings) -> LinkageSettings:
        return settings.with_changes(learned_weights=self.weights, learned_prior_bits=self.prior_bits)


def labelled_pairs(scored: pa.Table, comparisons: Sequence[str]) -> list[LabelledPair]:
    """The decided pairs as scored by the run's model (columns decision, match_weight, gamma_<comparison>)."""
    columns = ["decision", "match_weight", *(f"gamma_{c}" for c in comparisons)]
    return [
        LabelledPair(
            levels={c: int(row[f"gamma_{c}"]) for c in comparisons},
            weight=float(row["match_weight"]),
            is_match=row["decision"] == "match",
        )
        for row in scored.select(columns).to_pylist()
    ]


def fit(pairs: Sequence[LabelledPair], settings: LinkageSettings) -> Learned:
    """Shifts of the level weights and of the prior that make the labels most probable, near the model."""
    names = level_labels()
    features = sorted(
        {(comparison, gamma) for pair in pairs for comparison, gamma in pair.levels.items() if gamma != -1}
    )
    index = {feature: i for i, feature in enumerate(features)}
    size = len(features) + 1  # the last parameter shifts the prior
    x = np.zeros((len(pairs), size))
    for row, pair in enumerate(pairs):
        for comparison, gamma in pair.levels.items():
            if gamma != -1:
                x[row, index[comparison, gamma]] = 1.0
        x[row, -1] = 1.0
    offset = np.array([pair.weight for pair in pairs])
    y = np.array([1.0 if pair.is_match else 0.0 for pair in pairs])
    precision = np.full(size, 1 / settings.learning_spread_bits**2)
    precision[-1] = 1 / settings.learning_prior_spread_bits**2

    def objective(theta: np.ndarray) -> float:
        z = LN2 * (offset + x @ theta)
        # −log-likelihood of the labels, written to stay finite for weights of ±100 bits
        loss = np.sum(np.logaddexp(0, z) - y * z)
        return float(loss + 0.5 * np.sum(precision * theta**2))

    theta = np.zeros(size)
    current = objective(theta)
    for _ in range(100):  # Newton's method with step halving: the objective is convex, it converges
        p = 1 / (1 + np.exp(-LN2 * np.clip(offset + x @ theta, -60, 60)))
        gradient = LN2 * x.T @ (p - y) + precision * theta
        hessian = LN2**2 * (x.T * (p * (1 - p))) @ x + np.diag(precision)
        step = np.linalg.solve(hessian, gradient)
        scale = 1.0
        while scale > 1e-4 and objective(theta - scale * step) > current:
            scale /= 2
        theta = theta - scale * step
        current = objective(theta)
        if np.max(np.abs(scale * step)) < 1e-6:
            break
    weights: dict[str, dict[str, float]] = {}
    for (comparison, gamma), i in index.items():
        shift = round(float(theta[i]), 4)
        if shift:
            weights.setdefault(comparison, {})[names[comparison][gamma]] = shift
    return Learned(
        weights=weights, prior_bits=round(float(theta[-1]), 4), labels=len(pairs), matches=int(y.sum())
    )


def shift_sql(settings: LinkageSettings, comparison: str) -> str:
    """SQL: the learned shift of the pair's level in ``comparison`` (bits), from its gamma column."""
    shifts = settings.learned_weights.get(comparison, {})
    if not shifts:
        return "0.0"
    gammas = {label: gamma for gamma, label in level_labels()[comparison].items()}
    cases = " ".join(f"WHEN {gammas[label]} THEN {shift!r}" for label, shift in shifts.items())
    return f"(CASE gamma_{comparison} {cases} ELSE 0.0 END)"


def most_positive_shift(settings: LinkageSettings) -> float:
    """The largest amount learning can add to a pair's weight: how far below keep_threshold to score."""
    # The prior's shift is not counted: it is in the λ the engine is given, so already in its threshold.
    return sum(max([0.0, *levels.values()]) for levels in settings.learned_weights.values())


def shifted_prior(probability: float, bits: float) -> float:
    """λ with its odds multiplied by 2^bits."""
    if not bits:
        return probability
    odds = probability / (1 - probability) * 2**bits
    return min(0.5, odds / (1 + odds))


def question_order(pairs: pa.Table, clusters: pa.Table | None = None) -> list[tuple[str, str]]:
    """Undecided pairs, the answer that teaches most first (see the module's docstring). ``clusters``
    (record_id → cluster_id, the run's groups) say which group each record is in; without them each record is
    its own group."""
    level_columns = [name for name in pairs.column_names if name.endswith("_level")]
    columns = ["left_id", "right_id", "match_weight", "decision", "identifier_rule", *level_columns]
    rows = pairs.select(columns).to_pylist()
    undecided = [
        row for row in rows if row["decision"] is None and row["identifier_rule"] not in SETTLING_RULES
    ]
    group_of: dict[str, object] = {}
    if clusters is not None:
        group_of = dict(
            zip(
                clusters.column("record_id").to_pylist(),
                clusters.column("cluster_id").to_pylist(),
                strict=True,
            )
        )
    undecided.sort(key=lambda row: (abs(row["match_weight"]), row["left_id"], row["right_id"]))
    asked_of_groups: dict[frozenset[object], int] = {}
    asked_of_pattern: dict[tuple[str, ...], int] = {}
    ranked = []
    for row in undecided:
        between = frozenset(group_of.get(row[side], row[side]) for side in ("left_id", "right_id"))
        pattern = tuple(row[column] for column in level_columns)
        ranked.append(
            (
                len(between) == 1,  # already in one group: a « yes » changes no grouping
                asked_of_groups.get(between, 0),
                asked_of_pattern.get(pattern, 0),
                abs(row["match_weight"]),
                row["left_id"],
                row["right_id"],
            )
        )
        asked_of_groups[between] = asked_of_groups.get(between, 0) + 1
        asked_of_pattern[pattern] = asked_of_pattern.get(pattern, 0) + 1
    ranked.sort()
    return [(left, right) for *_, left, right in ranked]
