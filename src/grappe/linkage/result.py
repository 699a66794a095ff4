"""What a run returns: scored pairs, clusters, and the means to explain any pair."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .comparisons import comparison_specs
from .errors import LinkageInputError
from .explain import RULE_LABELS, SETTLING_RULES, Explanation, FieldEvidence, RuleEvidence, prior_weight
from .learning import question_order
from .settings import LinkageSettings


@dataclass(frozen=True)
class LinkageResult:
    """``pairs``: one row per candidate pair kept (left_id, right_id, match_probability, match_weight, band,
    identifier_rule, same_establishment, decision, kind, and ``<comparison>_level`` / ``<comparison>_weight``
    for each comparison). A record equal to another on every compared field (a copy) is paired with the one
    record standing for its copies, and shares that record's cluster when they match: it is not paired again
    with everything the other is paired with (a copy that does not match it gets the other's pairs in the
    review band or above, scores unchanged). ``clusters``: record_id → cluster_id (a registry
    organisation's id when the cluster holds a registry record). ``stats``: records, pairs, copies, prior
    (λ), prior_source ("estimated" or "fixed"), prior_rule_pairs, estimated_u, seconds per stage."""

    pairs: pa.Table
    clusters: pa.Table
    settings: LinkageSettings
    model: dict[str, Any]
    prior_probability: float
    stats: dict[str, Any]
    features: tuple[pa.Table, pa.Table | None] = field(repr=False)

    @property
    def establishment_pairs(self) -> pa.Table:
        """Pairs of one legal unit (same SIREN) at different establishments (different SIRETs): the same
        organisation, but sites to keep apart when merging."""
        return self.pairs.filter(pc.equal(self.pairs.column("same_establishment"), False))

    def questions(self, limit: int | None = None) -> list[tuple[str, str]]:
        """Undecided pairs to put to a reviewer, the answer that teaches the model most first: least
        predictable first, one between two groups and one per combination of comparison levels before a
        second, pairs already grouped last (learning.py).
        Decisions passed to the next run refine its model."""
        order = question_order(self.pairs, self.clusters)
        return order if limit is None else order[:limit]

    def band_counts(self) -> dict[str, int]:
        counts = pc.value_counts(self.pairs.column("band")).to_pylist()
        return {item["values"]: item["counts"] for item in counts}

    def explain(self, left_id: str, right_id: str) -> Explanation:
        row = self._pair(str(left_id), str(right_id))
        left, right = self._feature_row(row["left_id"]), self._feature_row(row["right_id"])
        fields = tuple(self._field(spec, row, left, right) for spec in comparison_specs("duckdb"))
        return Explanation(
            left_id=row["left_id"],
            right_id=row["right_id"],
            prior_probability=self.prior_probability,
            prior_weight=prior_weight(self.prior_probability),
            fields=fields,
            rules=self._rules(row),
            match_weight=row["match_weight"],
            match_probability=row["match_probability"],
            band=row["band"],
        )

    def _pair(self, a: str, b: str) -> dict[str, Any]:
        """The scored row of ``a`` – ``b``. A copy is compared only to the record standing for its copies;
        being equal to it on every compared field, it has that record's evidence against any other, so a
        pair with a copy reads through its representative (the ids asked for are kept)."""
        row = self._scored(a, b)
        if row is not None:
            return row
        stand_a, stand_b = self._representative(a), self._representative(b)
        for left_id, right_id in dict.fromkeys([(stand_a, b), (a, stand_b), (stand_a, stand_b)]):
            row = self._scored(left_id, right_id) if left_id != right_id else None
            if row is not None:
                swapped = row["left_id"] != left_id
                return {**row, "left_id": b if swapped else a, "right_id": a if swapped else b}
        raise LinkageInputError(
            f"La paire {a} – {b} n'a pas été comparée (hors blocage ou probabilité sous keep_threshold).",
            hint="Seules les paires présentes dans result.pairs peuvent être expliquées.",
        )

    def _scored(self, a: str, b: str) -> dict[str, Any] | None:
        left, right = self.pairs.column("left_id"), self.pairs.column("right_id")
        mask = pc.or_(
            pc.and_(pc.equal(left, a), pc.equal(right, b)), pc.and_(pc.equal(left, b), pc.equal(right, a))
        )
        rows = self.pairs.filter(mask).to_pylist()
        return rows[0] if rows else None

    def _representative(self, record_id: str) -> str:
        return self._feature_row(record_id).get("representative") or record_id

    def _feature_row(self, record_id: str) -> dict[str, Any]:
        for table in self.features:
            if table is None:
                continue
            found = table.filter(pc.equal(table.column("record_id"), record_id))
            if found.num_rows:
                return found.to_pylist()[0]
        return {}

    @staticmethod
    def _field(spec: Any, row: dict[str, Any], left: dict[str, Any], right: dict[str, Any]) -> FieldEvidence:
        weight = row[f"{spec.name}_weight"]
        level = row[f"{spec.name}_level"]
        is_null = level == next(level.label for level in spec.levels if level.is_null)
        status = "missing" if is_null else "agree" if weight > 0 else "disagree" if weight < 0 else "neutral"
        left_value, right_value = _shown(left, spec.shown), _shown(right, spec.shown)
        if is_null and spec.not_compared and left_value and right_value:
            # Both values are there: the comparison does not apply to this pair (another commune's street).
            level, status = spec.not_compared, "neutral"
        return FieldEvidence(
            comparison=spec.name,
            description=spec.description,
            level=level,
            status=status,
            bayes_factor=math.pow(2, weight),
            weight=weight,
            left_value=left_value,
            right_value=right_value,
        )

    @staticmethod
    def _rules(row: dict[str, Any]) -> tuple[RuleEvidence, ...]:
        rules = []
        rule = row["identifier_rule"]
        if rule == "siren_equal" and row["same_establishment"] is False:
            rules.append(RuleEvidence(rule, RULE_LABELS["siren_equal_other_establishment"], "match"))
        elif rule in SETTLING_RULES:
            rules.append(RuleEvidence(rule, RULE_LABELS[rule], "match"))
        elif rule == "siren_conflict":
            rules.append(RuleEvidence(rule, RULE_LABELS[rule], "review"))
        if row["decision"]:
            code = f"decision_{row['decision']}"
            rules.append(RuleEvidence(code, RULE_LABELS[code], row["decision"]))
        return tuple(rules)


def _shown(record: dict[str, Any], columns: tuple[str, ...]) -> str | None:
    values = [str(record[column]) for column in columns if record.get(column) not in (None, "")]
    return " · ".join(dict.fromkeys(values)) or None
