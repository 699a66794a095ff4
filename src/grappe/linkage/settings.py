"""Everything a linkage run depends on, as data: stored with every run, round-trips through JSON.

The fixed m/u parameters are what makes a 300-row registry work out of the box: there is no way to learn
twelve comparisons' parameters from a few hundred records, so the defaults below encode what French company
registries look like (see ``DEFAULT_PARAMETERS``). Estimation (u by random sampling, the frequencies of
domains and e-mail addresses) only replaces them when the data holds enough records for the counts to mean
something, and never for the phone, whose levels are probabilities given the place (``comparisons.py``). The prior λ comes from ``expected_duplicate_rate`` unless the data show records with more than one
same-name partner each, which that rate cannot describe: then it is counted (``model.run_prior``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from .errors import LinkageSettingsError

# Level label → (m, u). m: how often true matches fall in the level; u: how often random pairs do.
# The labels are the ones the comparisons in ``comparisons.py`` declare, in their order.
Parameters = dict[str, dict[str, tuple[float, float]]]

DEFAULT_PARAMETERS: Parameters = {
    "identifiers": {
        "SIRET identique": (0.80, 1e-8),
        "SIREN identique, SIRET différent ou absent": (0.19, 1e-7),
        # Two valid, different SIRENs: a true match only through a typing error that still passes Luhn.
        "SIREN différents": (0.003, 0.9999),
    },
    "name": {
        "nom identique": (0.55, 1e-4),
        "sigle ou initiales": (0.04, 1e-5),
        "mots rares en commun (≥ 80 %)": (0.22, 5e-5),
        "nom très proche (Jaro-Winkler ≥ 0,92)": (0.10, 3e-4),
        # A typing error or two in a long name (the edit count, which Jaro-Winkler measures badly on long
        # names): as close as the level above, and as rare between two organisations.
        "nom à une ou deux fautes de frappe près": (0.03, 1e-4),
        "mots rares en commun (≥ 50 %)": (0.05, 1e-3),
        # Below half of the rare words in common, but one name whole within the other: a qualifier added
        # ("Restaurant Katsu", "Philips Gloeilampenfabrieken"). Namesakes do this too ("Alpha" and
        # "Alpha Conseil Lyon" — its generic words are already gone), so it weighs as a hint, not a match.
        "un nom contenu dans l'autre": (0.03, 1e-3),
        # The same first word (the brand), the other words different: a renamed company, a subsidiary, or
        # namesakes. u is how common the brand is (its name shapes, normalise.BRAND_SHAPE_LETTERS), at least
        # 1e-3: a hint of at most one name within the other's weight.
        "même marque, autres mots différents": (0.03, 1e-3),
        "nom vaguement proche": (0.02, 0.03),
        "noms différents": (0.01, 0.9656),
    },
    # The place of each record's establishment. Among the true pairs of member registries, most are one
    # establishment entered twice (same postcode and commune, give or take a Cedex or an arrondissement), but
    # not all: a company that moved, and a company that is a member through several establishments — the
    # very members two networks of neighbouring départements share. So about one true pair in eight is in two
    # communes, and half of those in two départements: with m = 0.07, two sites in two départements weigh
    # −3.7 bits, a warning rather than the verdict the former 0.02 made of it (−5.5 bits, on top of the
    # street's and the phone's, each counted again). u: shares of random pairs over France.
    "place": {
        "même code postal et même commune": (0.80, 2e-3),
        "même code postal ou même commune": (0.07, 3e-3),
        "même département": (0.06, 0.08),
        "départements différents": (0.07, 0.915),
    },
    # The street and the phone are weighed given the place (comparisons.py). The street is compared within
    # one commune only, so its m and u are probabilities among pairs at the same place. There, two records
    # of one company are nearly always one establishment: the same street (m 0.85; a typo or another wording
    # 0.08; 0.07 another address: a move within the town, a second site there). Two companies of one commune
    # share an exact street address about one pair in a hundred (business parks and centres, shared
    # buildings) and a street, numbers apart, a few times more: a different street in the same commune
    # weighs −3.8 bits. With enough records u is measured (random sampling leaves out the pairs the street is
    # not compared on, so it measures exactly these shares).
    "street": {
        "même adresse": (0.85, 0.01),
        "adresse très proche": (0.08, 0.03),
        "autre adresse dans la même commune": (0.07, 0.96),
    },
    # The street where the place is unknown on one side: two records of one establishment still give the
    # same street (m as above); two organisations anywhere share an exact street address about one pair in
    # 10 000 (a business centre, "1 place de la gare" in every town), a very close one a few times more.
    "street_unplaced": {
        "même adresse, lieu non précisé": (0.85, 1e-4),
        "adresse très proche, lieu non précisé": (0.08, 5e-4),
        "autre adresse, lieu non précisé": (0.07, 0.9994),
    },
    # E-mail and website in one comparison: a company's mail domain and site domain are the same fact, and
    # counting them twice would let two namesakes sharing a domain outweigh every other disagreement.
    "domain": {
        "même adresse e-mail": (0.50, 1e-5),
        "même domaine (site ou e-mail)": (0.45, 1e-4),
        "domaines différents": (0.05, 0.99989),
    },
    # The phone is weighed given the place too, on both sides of it, so its m and u are conditional
    # probabilities that random sampling cannot measure: they stay fixed. At one place (or where a place is
    # unknown) a company's records give the same number 85 % of the time (the switchboard against a direct
    # line or a mobile otherwise). In two communes the true pairs are a moved company (a mobile or a regional
    # number kept), another site (its own switchboard, or the group's), or a place typed wrong: about one in
    # four keeps the number, so a different number there weighs −0.4 bits, not the −2.7 of a different
    # number at one address. u: two organisations share a number one pair in 100 000 at most.
    "phone": {
        "même téléphone": (0.85, 1e-5),
        "même téléphone dans deux communes": (0.25, 1e-5),
        # The last seven digits alike and the full numbers not: one side lacks its area code (a local
        # number) or was read by another plan. Rare among the records of one company written in one
        # registry, and among two organisations about one pair in 10^6 (seven digits), 10^4 with the
        # areas' reuse of subscriber numbers.
        "même numéro local (indicatif absent)": (0.04, 1e-4),
        "téléphones différents": (0.15, 0.99999),
        "téléphones différents dans deux communes": (0.75, 0.99999),
    },
    "naf": {
        "même code NAF": (0.92, 0.05),
        "même division NAF": (0.04, 0.15),
        "codes NAF différents": (0.04, 0.80),
    },
}

# Level sets of earlier versions of a comparison, as settings stored with a run still hold them (a merger keeps
# the settings it was planned with). Read back, they are that comparison's current defaults: the levels they
# describe no longer exist. Any other set of levels that is not the current one is refused.
RETIRED_LEVELS: dict[str, tuple[frozenset[str], ...]] = {
    # Until 2026-12-01 the street and the phone were weighed independently of the place; until 2026-12-04
    # the phone's local number was not compared. A comparison settings do not hold yet (the street where the
    # place is unknown, since 2026-12-04) is read back with its defaults.
    "street": (frozenset({"même adresse", "adresse très proche", "adresses différentes"}),),
    "phone": (
        frozenset({"même téléphone", "téléphones différents"}),
        frozenset(
            {
                "même téléphone",
                "même téléphone dans deux communes",
                "téléphones différents",
                "téléphones différents dans deux communes",
            }
        ),
    ),
}

# Levels added to a comparison after settings were stored with runs: stored parameters holding every other
# level of it are read back with the new level's default m/u added (the stored values are kept).
ADDED_LEVELS: dict[str, tuple[str, ...]] = {
    # Since 2026-12-05: the name's brand level; since 2026-12-08, its typing errors counted as edits.
    "name": ("même marque, autres mots différents", "nom à une ou deux fautes de frappe près"),
}

# Comparisons added after settings were first stored with runs: settings without them read back with their
# defaults (any other missing comparison is still refused).
ADDED_COMPARISONS = frozenset({"street_unplaced"})

# Each rule is a list of prepared columns that must all be equal (and not null) for a pair to be compared.
# Initials are blocked within a postcode, not a département: at a million records, (département, initials)
# alone produced 20 million candidate pairs (half of all of them) for a handful of true pairs that other
# rules did not already find (see PERFORMANCE.md).
DEFAULT_BLOCKING_RULES: tuple[tuple[str, ...], ...] = (
    ("siren",),
    ("phone",),
    ("website_domain",),
    ("email_domain",),
    ("email",),
    ("name_norm",),
    ("name_token_1",),
    ("name_token_2",),
    ("postcode_block", "name_prefix"),
    ("postcode", "name_initials"),
)

BANDS = ("match", "review", "non_match")


@dataclass(frozen=True)
class LinkageSettings:
    """Thresholds, blocking and parameters of a linkage run. Immutable; use ``with_changes`` to derive."""

    # Bands by match probability: ≥ match_threshold → "match"; ≥ review_threshold → "review".
    match_threshold: float = 0.95
    review_threshold: float = 0.50
    # Pairs below this probability are not returned at all (they are certain non-matches).
    keep_threshold: float = 0.01
    blocking_rules: tuple[tuple[str, ...], ...] = DEFAULT_BLOCKING_RULES
    # A blocking key shared by more records than this is dropped from that rule, so that 10,000 rows named
    # "SARL" or one company with 5,000 establishments cannot produce a quadratic number of pairs. A key shared
    # by more than 50 records is weak evidence anyway: at a million records, blocks of 50–200 records made
    # three quarters of the candidate pairs, and another rule found all but 8 of their 364,240 true pairs
    # (PERFORMANCE.md).
    max_block_size: int = 50
    parameters: Parameters = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_PARAMETERS.items()}
    )
    # Share of records expected to have a duplicate; sets the prior (λ) from the number of possible pairs
    # when λ is not estimated (small sets, or estimate_prior off).
    expected_duplicate_rate: float = 0.2
    # λ counted from the data (model.run_prior) when records have more than one same-name partner each,
    # which the fixed rate cannot describe, and the run holds this many records: in a handful of rows,
    # one pair more or less would move λ by a large factor.
    estimate_prior: bool = True
    min_records_for_prior_estimation: int = 1_000
    # u by random sampling replaces the fixed u values when there are at least this many records.
    estimate_u: bool = True
    min_records_for_estimation: int = 5_000
    # ... and only while λ stays below this: random pairs must be nearly all non-matches for sampling to
    # measure u (a member registry's λ is about 1e-5 to 1e-3; a list dominated by one entity's rows, 0.1).
    max_prior_for_u_estimation: float = 0.01
    estimation_max_pairs: int = 1_000_000
    seed: int = 42
    # The country of records that do not say theirs (ISO 3166 alpha-2): their postcodes and phones are read
    # by its rules. Only French postcodes give a département; a foreign record's place is its country.
    default_country: str = "FR"
    # Human decisions passed to a run are labels: the level weights and the prior are refined from them
    # (learning.py). Each level's shift has a Gaussian prior of this spread (bits) around the model's own
    # weight: one label moves a level a fraction of a bit; a level in which 25 answers agree against the model
    # moves by several bits. The prior's spread is wider: the share of duplicates is the least known
    # parameter of a new data set.
    learn_from_decisions: bool = True
    learning_spread_bits: float = 2.0
    learning_prior_spread_bits: float = 3.0
    # What a run learned (comparison → level label → shift in bits; the prior's shift), stored with the
    # settings so the run says which model scored it. Filled by the run itself from its decisions.
    learned_weights: dict[str, dict[str, float]] = field(default_factory=dict)
    learned_prior_bits: float = 0.0

    def __post_init__(self) -> None:
        check_settings(self)

    def with_changes(self, **changes: Any) -> LinkageSettings:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["blocking_rules"] = [list(rule) for rule in self.blocking_rules]
        data["parameters"] = {
            comparison: {label: list(mu) for label, mu in levels.items()}
            for comparison, levels in self.parameters.items()
        }
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinkageSettings:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise LinkageSettingsError(
                f"Réglages de rapprochement : clé(s) inconnue(s) {', '.join(unknown)}.",
                hint=f"Clés possibles : {', '.join(sorted(known))}.",
            )
        values = dict(data)
        if "blocking_rules" in values:
            values["blocking_rules"] = tuple(tuple(rule) for rule in values["blocking_rules"])
        if "parameters" in values:
            stored = {
                comparison: _current_levels(
                    comparison, {label: (float(mu[0]), float(mu[1])) for label, mu in levels.items()}
                )
                for comparison, levels in values["parameters"].items()
            }
            added = {
                name: dict(levels) for name, levels in DEFAULT_PARAMETERS.items() if name in ADDED_COMPARISONS
            }
            values["parameters"] = {**added, **stored}
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> LinkageSettings:
        return cls.from_dict(json.loads(text))


def _current_levels(
    comparison: str, levels: dict[str, tuple[float, float]]
) -> dict[str, tuple[float, float]]:
    """Stored parameters of a comparison, or its current defaults where they describe retired levels."""
    if frozenset(levels) in RETIRED_LEVELS.get(comparison, ()):
        return dict(DEFAULT_PARAMETERS[comparison])
    added = ADDED_LEVELS.get(comparison, ())
    current = DEFAULT_PARAMETERS.get(comparison, {})
    # Parameters stored before one or more of the added levels existed: every other level is there.
    if added and set(current) - set(added) <= set(levels) < set(current):
        return {label: levels.get(label, current[label]) for label in current}
    return levels


def check_settings(settings: LinkageSettings) -> None:
    """Refuse settings that would give nonsense, naming the setting and the fix."""
    if not 0 < settings.review_threshold <= settings.match_threshold < 1:
        raise LinkageSettingsError(
            f"Seuils incohérents : revue {settings.review_threshold}, rapprochement {settings.match_threshold}.",
            hint="Il faut 0 < review_threshold ≤ match_threshold < 1.",
        )
    if not 0 <= settings.keep_threshold <= settings.review_threshold:
        raise LinkageSettingsError(
            f"keep_threshold {settings.keep_threshold} doit être entre 0 et review_threshold.",
        )
    if settings.max_block_size < 2:
        raise LinkageSettingsError("max_block_size doit valoir au moins 2.")
    if not 0 < settings.expected_duplicate_rate < 1:
        raise LinkageSettingsError("expected_duplicate_rate doit être strictement entre 0 et 1.")
    if not settings.blocking_rules or any(not rule for rule in settings.blocking_rules):
        raise LinkageSettingsError(
            "Il faut au moins une règle de blocage, chacune avec au moins une colonne."
        )
    if settings.min_records_for_prior_estimation < 2:
        raise LinkageSettingsError("min_records_for_prior_estimation doit valoir au moins 2.")
    if not (
        len(settings.default_country) == 2
        and settings.default_country.isalpha()
        and settings.default_country.isupper()
    ):
        raise LinkageSettingsError(
            f"default_country « {settings.default_country} » n'est pas un code pays ISO à deux lettres.",
            hint="Par exemple FR, CH, BE, IT.",
        )
    if settings.learning_spread_bits <= 0 or settings.learning_prior_spread_bits <= 0:
        raise LinkageSettingsError("learning_spread_bits et learning_prior_spread_bits doivent être > 0.")
    _check_parameters(settings.parameters)
    for comparison, shifts in settings.learned_weights.items():
        known = DEFAULT_PARAMETERS.get(comparison, {})
        unknown = sorted(set(shifts) - set(known))
        if unknown:
            raise LinkageSettingsError(
                f"Poids appris pour un niveau inconnu de « {comparison} » : {', '.join(unknown)}.",
                hint=f"Niveaux possibles : {', '.join(known) or '(comparaison inconnue)'}.",
            )


def _check_parameters(parameters: Parameters) -> None:
    for comparison, levels in DEFAULT_PARAMETERS.items():
        given = parameters.get(comparison)
        if given is None or set(given) != set(levels):
            raise LinkageSettingsError(
                f"Paramètres de la comparaison « {comparison} » incomplets ou inconnus.",
                hint=f"Niveaux attendus : {', '.join(levels)}.",
            )
        for label, (m, u) in given.items():
            if not (0 < m <= 1 and 0 < u <= 1):
                raise LinkageSettingsError(
                    f"Paramètres m={m}, u={u} du niveau « {label} » ({comparison}) hors de ]0, 1].",
                )
