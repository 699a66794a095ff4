"""Why a pair scored what it did, as records: the prior, each comparison's level and weight, the rules.

The weights add up: prior weight + Σ field weights = match weight (the Fellegi–Sunter log-likelihood ratio,
in bits). Deterministic rules (identifiers, human decisions) do not change the weight; they decide the band,
and are listed as such so nobody mistakes a rule for a score.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from grappe.france.problems import _  # marks the labels for the interface's catalogs


@dataclass(frozen=True)
class FieldEvidence:
    comparison: str
    description: str
    level: str
    status: str  # "agree" (weight > 0), "disagree" (weight < 0), "neutral" or "missing" (a value absent)
    bayes_factor: float
    weight: float  # log2(bayes_factor), term-frequency adjustment included
    left_value: str | None
    right_value: str | None


@dataclass(frozen=True)
class RuleEvidence:
    code: str  # "siret_equal", "siren_equal", "identical", "siren_conflict", "decision_match", "decision_non_match"
    label: str
    effect: str  # the band it imposes ("match", "non_match") or caps ("review")


@dataclass(frozen=True)
class Explanation:
    left_id: str
    right_id: str
    prior_probability: float
    prior_weight: float
    fields: tuple[FieldEvidence, ...]
    rules: tuple[RuleEvidence, ...]
    match_weight: float
    match_probability: float
    band: str

    def records(self) -> list[dict[str, Any]]:
        """One row per step of the sum, ready for a table or a waterfall chart."""
        rows: list[dict[str, Any]] = [
            {
                "kind": "prior",
                "comparison": "a priori",
                "level": f"λ = {self.prior_probability:.3g}",
                "bayes_factor": 2**self.prior_weight,
                "weight": self.prior_weight,
                "left_value": None,
                "right_value": None,
            }
        ]
        rows += [{"kind": "field", **asdict(evidence)} for evidence in self.fields]
        rows += [{"kind": "rule", **asdict(rule)} for rule in self.rules]
        rows.append(
            {
                "kind": "total",
                "comparison": "total",
                "level": self.band,
                "bayes_factor": 2**self.match_weight,
                "weight": self.match_weight,
                "left_value": None,
                "right_value": None,
            }
        )
        return rows

    @property
    def weight_sum(self) -> float:
        return self.prior_weight + sum(evidence.weight for evidence in self.fields)


def prior_weight(probability: float) -> float:
    return math.log2(probability / (1 - probability))


# Rules that settle a pair as one organisation (same SIRET, same SIREN, copies: equal on every field they have):
# the pair is a match whatever its score, and no question for a reviewer, whose answer would change nothing.
SETTLING_RULES = frozenset({"siret_equal", "siren_equal", "identical"})

RULE_LABELS = {
    "siret_equal": _("SIRET identique : même établissement"),
    "siren_equal": _("SIREN identique : même unité légale"),
    "identical": _("identiques sur chaque champ renseigné : une seule organisation"),
    "siren_equal_other_establishment": (
        _(
            "SIREN identique, SIRET différents : même organisation, établissements distincts (à ne pas fusionner)"
        )
    ),
    "siren_conflict": (
        _("SIREN valides et différents : indice fort contre ; jamais rapprochés sans décision d'une personne")
    ),
    "decision_match": _("décision d'une personne : même entreprise"),
    "decision_non_match": _("décision d'une personne : pas la même entreprise"),
}
