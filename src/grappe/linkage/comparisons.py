"""The comparisons of French organisation records, as Splink comparison levels.

Each comparison is a list of levels, most specific first; a pair falls in the first level whose condition
holds. The SQL reads the prepared columns (``normalise.py``) and is plain enough for both DuckDB and Spark;
the only dialect difference, the Jaro-Winkler function's name, is passed in.

The street and the phone are weighed *given the place* (``given_place``). Fellegi–Sunter multiplies the
comparisons' Bayes factors as if they were independent, and where an establishment is, which street it is in
and which switchboard answers are one fact: two sites of one company, or two companies in two towns, differ
on all three at once. Counted three times, another site of the same company weighed as much against it as a
different name. So the place keeps its own comparison, and the street and the phone are compared within the
place's outcome: a different street in the same commune is evidence against (an establishment has one
address); at two different places it is what another site looks like, for one company as for two, and says
nothing; the same switchboard counts everywhere, a different one mostly where the address is the same.
Their m and u are conditional probabilities (P(level | match, place)), so they are never re-estimated by
random sampling, which can only measure how often a level occurs among all pairs (see ``fixed_u``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from splink import comparison_level_library as cll
from splink.comparison_library import CustomComparison
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from grappe.france.problems import _

from .normalise import TOP_TOKENS
from .settings import LinkageSettings

JARO_WINKLER = {"duckdb": "jaro_winkler_similarity", "spark": "jaro_winkler"}
JARO = {"duckdb": "jaro_similarity", "spark": "jaro_sim"}
# Edits between two strings; Spark's built-in distance counts a transposition as two edits.
EDIT_DISTANCE = {"duckdb": "damerau_levenshtein", "spark": "levenshtein"}
# The brand level's u where its brand is rare: as "one name within the other", at most; however rare the brand,
# other words in both names differ.
BRAND_MINIMUM_U = 1e-3

# The same place: same postcode, or same commune where the départements do not say otherwise. The place's
# second level; the street and the phone are weighed given it.
SAME_PLACE = "(postcode_l = postcode_r OR (city_norm_l = city_norm_r AND coalesce(departement_l = departement_r, TRUE)))"
# Two known and different places (the place's levels "même département" and "départements différents").
TWO_PLACES = f"departement_l IS NOT NULL AND departement_r IS NOT NULL AND NOT coalesce({SAME_PLACE}, FALSE)"


@dataclass(frozen=True)
class Level:
    label: str
    sql: str  # condition on the *_l / *_r columns; "" for the last (else) level
    is_null: bool = False
    tf_column: str | None = None
    tf_minimum_u: float | None = None  # the frequency may lower the level's weight, never raise it above this


@dataclass(frozen=True)
class ComparisonSpec:
    name: str  # output column name in Splink: gamma_<name>, bf_<name>
    description: str
    shown: tuple[str, ...]  # prepared columns an explanation shows for this comparison
    levels: tuple[Level, ...]
    # The levels' m and u are conditional on another comparison's outcome (the place), on both sides of it:
    # u estimation by random sampling would replace P(level | place) by the share of all pairs in the level
    # (for "different phone at the same place", the share of random pairs at the same place, ~0.5 %: a
    # disagreement turned into evidence for). Such levels keep the u of the settings.
    fixed_u: bool = False
    # How an explanation names the null level when both values are there but the comparison does not apply
    # to the pair (two streets in two communes): not a missing value, no evidence either way.
    not_compared: str | None = None


def _overlap(threshold: float) -> str:
    """Weighted share of rare name words in common (Dice over IDF weights) reaches ``threshold``."""
    shared = " + ".join(
        f"CASE WHEN name_token_{i}_l IN ({', '.join(f'name_token_{j}_r' for j in range(1, TOP_TOKENS + 1))}) "
        f"THEN name_weight_{i}_l ELSE 0 END"
        for i in range(1, TOP_TOKENS + 1)
    )
    total = "(name_weight_total_l + name_weight_total_r)"
    return f"(2 * ({shared}) >= {threshold} * {total} AND {total} > 0)"


def _contained(inner: str, outer: str) -> str:
    """Every kept word of one name is a word of the other ("Katsu" in "Restaurant Katsu", "Philips" in
    "Koninklijke Philips Electronics"): the longer one adds a qualifier, a site or an activity."""
    others = ", ".join(f"name_token_{j}_{outer}" for j in range(1, TOP_TOKENS + 1))
    each = " AND ".join(
        f"(name_token_{i}_{inner} IS NULL OR name_token_{i}_{inner} IN ({others}))"
        for i in range(1, TOP_TOKENS + 1)
    )
    return f"(name_token_1_{inner} IS NOT NULL AND {each})"


def _close(dialect: str, threshold: float) -> str:
    """The two names are close: Jaro-Winkler reaches ``threshold``, without Winkler's bonus for a shared brand.

    Winkler adds to Jaro's similarity for a common beginning, on the idea that typing errors are rarer
    there. When the common beginning is a whole first word, the brand, that bonus counts a shared word as
    closeness of the whole name: "Nova Gevasa" and "Nova Bevama", two companies that share only "Nova",
    score 0.93. The brand level weighs a shared brand (by how common it is); here, names with the same first
    word are close when the whole names are by Jaro alone ("Akzo Nobel" / "Akzo Novel": 0.93) or the words
    after the brand are by Jaro-Winkler ("D S M IP Assets" / "DSM I P Essets"), and "Nova Gevasa" / "Nova
    Bevama" are not (0.88, 0.78).
    """
    jw, jaro = JARO_WINKLER[dialect], JARO[dialect]
    return (
        f"(CASE WHEN name_brand_l = name_brand_r"
        f" THEN greatest({jaro}(name_norm_l, name_norm_r), {jw}(coalesce(name_rest_l, ''), coalesce(name_rest_r, '')))"
        f" ELSE {jw}(name_norm_l, name_norm_r) END >= {threshold})"
    )


def _few_typos(dialect: str) -> str:
    """At most one typing error per ten letters of the shorter name, two at most: « shell intenationale
    research maatschappij » / « shell internacionale research maatschappij ».

    Jaro-Winkler measures a long name's two typos as far more than a short name's one (0.88 and 0.93 here,
    where « dupond conseil » / « dupont conseil » scores 0.97): Jaro only matches letters within half the
    length of the shorter string of each other, and every letter out of place after an insertion counts
    against it. An edit count says what a typo is, whatever the length. Two edits at most: beyond that, names
    differ by a word (« lyon nord » / « lyon sud »), which the word levels weigh."""
    edits = EDIT_DISTANCE[dialect]
    shorter = "least(length(name_norm_l), length(name_norm_r))"
    return (
        f"({shorter} >= 10 AND abs(length(name_norm_l) - length(name_norm_r)) <= 2"
        f" AND {edits}(name_norm_l, name_norm_r) <= least(2, floor({shorter} / 10)))"
    )


def comparison_specs(dialect: str) -> tuple[ComparisonSpec, ...]:
    jw = JARO_WINKLER[dialect]
    acronym = (
        "name_compact_l = name_compact_r"
        " OR (name_initials_l = name_compact_r AND length(name_compact_r) >= 2)"
        " OR (name_initials_r = name_compact_l AND length(name_compact_l) >= 2)"
    )
    return (
        ComparisonSpec(
            "identifiers",
            _("SIREN / SIRET (valides)"),
            ("siren", "siret"),
            (
                Level(_("identifiant absent"), "siren_l IS NULL OR siren_r IS NULL", is_null=True),
                Level(_("SIRET identique"), "siret_l = siret_r"),
                Level(_("SIREN identique, SIRET différent ou absent"), "siren_l = siren_r"),
                Level(_("SIREN différents"), ""),
            ),
        ),
        ComparisonSpec(
            "name",
            _("raison sociale normalisée"),
            ("name_raw", "name_norm"),
            (
                Level(_("nom absent"), "name_norm_l IS NULL OR name_norm_r IS NULL", is_null=True),
                Level(_("nom identique"), "name_norm_l = name_norm_r", tf_column="name_norm"),
                Level(_("sigle ou initiales"), acronym),
                Level(_("mots rares en commun (≥ 80 %)"), _overlap(0.8)),
                Level(_("nom très proche (Jaro-Winkler ≥ 0,92)"), _close(dialect, 0.92)),
                Level(_("nom à une ou deux fautes de frappe près"), _few_typos(dialect)),
                Level(_("mots rares en commun (≥ 50 %)"), _overlap(0.5)),
                Level(_("un nom contenu dans l'autre"), f"{_contained('l', 'r')} OR {_contained('r', 'l')}"),
                # The same first word, the others different: a company renamed around its brand ("N.V.
                # Philips' Gloeilampenfabrieken", "Koninklijke Philips Electronics"), a subsidiary, or a
                # namesake. Weighed by how many organisations wear the brand (tf_name_brand), never more
                # than one name within the other: a hint for a person, not a match by itself.
                Level(
                    _("même marque, autres mots différents"),
                    "name_brand_l = name_brand_r",
                    tf_column="name_brand",
                    tf_minimum_u=BRAND_MINIMUM_U,
                ),
                Level(_("nom vaguement proche"), f"{_close(dialect, 0.8)} OR {_overlap(0.25)}"),
                Level(_("noms différents"), ""),
            ),
        ),
        ComparisonSpec(
            "place",
            _("code postal, commune, département"),
            ("postcode", "city_norm", "departement"),
            (
                Level(
                    _("lieu absent"),
                    "(departement_l IS NULL OR departement_r IS NULL)"
                    " AND NOT coalesce(city_norm_l = city_norm_r, FALSE)",
                    is_null=True,
                ),
                Level(
                    _("même code postal et même commune"),
                    "postcode_l = postcode_r AND city_norm_l = city_norm_r",
                ),
                Level(_("même code postal ou même commune"), SAME_PLACE),
                Level(_("même département"), "departement_l = departement_r"),
                Level(_("départements différents"), ""),
            ),
        ),
        ComparisonSpec(
            "street",
            _("adresse (voie), comparée dans une même commune"),
            ("street_norm",),
            (
                # In two communes (or where a place is unknown) two records have two streets, whether they
                # are two sites of one company or two companies: the street is not compared there. As the
                # null level, those pairs also stay out of u estimation, which then measures u among pairs
                # at the same place, P(level | same place), the probability this comparison needs.
                Level(
                    _("adresse absente ou non comparée"),
                    f"street_norm_l IS NULL OR street_norm_r IS NULL OR NOT coalesce({SAME_PLACE}, FALSE)",
                    is_null=True,
                ),
                Level(_("même adresse"), "street_norm_l = street_norm_r"),
                Level(_("adresse très proche"), f"{jw}(street_norm_l, street_norm_r) >= 0.88"),
                Level(_("autre adresse dans la même commune"), ""),
            ),
            not_compared=_("adresses non comparées : autre commune ou lieu inconnu"),
        ),
        ComparisonSpec(
            # Where the place is unknown on one side (no postcode, a commune written another way), the street
            # still says where the establishment is: two records at "12224 ventura blvd" are one place,
            # postcode or not. A comparison of its own, so that the street's u (estimated among pairs at one
            # place) keeps its meaning; these levels are probabilities given an unknown place, u fixed.
            "street_unplaced",
            _("adresse (voie), lieu non précisé d'un côté"),
            ("street_norm",),
            (
                Level(
                    _("adresse absente ou lieu connu"),
                    f"street_norm_l IS NULL OR street_norm_r IS NULL OR coalesce({SAME_PLACE}, FALSE)"
                    f" OR {TWO_PLACES}",
                    is_null=True,
                ),
                Level(_("même adresse, lieu non précisé"), "street_norm_l = street_norm_r"),
                Level(
                    _("adresse très proche, lieu non précisé"), f"{jw}(street_norm_l, street_norm_r) >= 0.88"
                ),
                Level(_("autre adresse, lieu non précisé"), ""),
            ),
            fixed_u=True,
            not_compared=_("adresses comparées selon le lieu (ligne précédente)"),
        ),
        ComparisonSpec(
            "domain",
            _("e-mail et domaine du site web (messageries grand public ignorées)"),
            ("email", "website_domain"),
            (
                Level(
                    _("e-mail et site absents"),
                    "(coalesce(email_l, website_domain_l) IS NULL OR coalesce(email_r, website_domain_r) IS NULL)"
                    " AND NOT coalesce(email_l = email_r, FALSE) AND NOT coalesce(website_domain_l = website_domain_r OR email_domain_l = email_domain_r OR website_domain_l = email_domain_r OR email_domain_l = website_domain_r, FALSE)",
                    is_null=True,
                ),
                Level(_("même adresse e-mail"), "email_l = email_r", tf_column="email"),
                Level(
                    _("même domaine (site ou e-mail)"),
                    "website_domain_l = website_domain_r OR email_domain_l = email_domain_r OR website_domain_l = email_domain_r OR email_domain_l = website_domain_r",
                    tf_column="domain",
                ),
                Level(_("domaines différents"), ""),
            ),
        ),
        ComparisonSpec(
            "phone",
            _("téléphone (E.164), selon le lieu"),
            ("phone",),
            (
                Level(_("téléphone absent"), "phone_l IS NULL OR phone_r IS NULL", is_null=True),
                Level(_("même téléphone"), f"phone_l = phone_r AND NOT ({TWO_PLACES})"),
                Level(_("même téléphone dans deux communes"), "phone_l = phone_r"),
                # One side written without its area code ("386-5286" and "(773) 386-5286"), or read by
                # another country's plan: the same subscriber number.
                Level(_("même numéro local (indicatif absent)"), "phone_local_l = phone_local_r"),
                Level(_("téléphones différents"), f"NOT ({TWO_PLACES})"),
                Level(_("téléphones différents dans deux communes"), ""),
            ),
            fixed_u=True,
        ),
        ComparisonSpec(
            "naf",
            _("code d'activité NAF"),
            ("naf",),
            (
                Level(_("NAF absent"), "naf_l IS NULL OR naf_r IS NULL", is_null=True),
                Level(_("même code NAF"), "naf_l = naf_r"),
                Level(_("même division NAF"), "naf_division_l = naf_division_r"),
                Level(_("codes NAF différents"), ""),
            ),
        ),
    )


def splink_comparisons(settings: LinkageSettings, dialect: str) -> list[ComparisonCreator | dict[str, Any]]:
    """Splink comparisons with the m/u values of ``settings`` (the fixed defaults unless overridden)."""
    comparisons: list[ComparisonCreator | dict[str, Any]] = []
    for spec in comparison_specs(dialect):
        levels: list[ComparisonLevelCreator | dict[str, Any]] = []
        for level in spec.levels:
            if level.is_null:
                levels.append(
                    cll.CustomLevel(level.sql, label_for_charts=level.label).configure(is_null_level=True)
                )
                continue
            m, u = settings.parameters[spec.name][level.label]
            creator = (
                cll.ElseLevel() if not level.sql else cll.CustomLevel(level.sql, label_for_charts=level.label)
            )
            options: dict[str, Any] = {
                "m_probability": m,
                "u_probability": u,
                "label_for_charts": level.label,
                "fix_u_probability": spec.fixed_u,
            }
            if level.tf_column:
                # u of the level comes from how common the agreeing value is (tf_<column>, computed when
                # preparing), so "Conseil Informatique" twice counts far less than "Kaliop" twice, and a
                # group's domain held by twenty subsidiaries less than a company's own. The level's own u is
                # the one the frequency replaces (Splink would look for an exact-match level on the column).
                options.update(
                    tf_adjustment_column=level.tf_column,
                    tf_adjustment_weight=1.0,
                    disable_tf_exact_match_detection=True,
                )
                if level.tf_minimum_u is not None:
                    options["tf_minimum_u_value"] = level.tf_minimum_u
            levels.append(creator.configure(**options))
        comparisons.append(
            CustomComparison(levels, output_column_name=spec.name, comparison_description=spec.description)
        )
    return comparisons


def level_labels(dialect: str = "duckdb") -> dict[str, dict[int, str]]:
    """Comparison → gamma value → level label. Splink numbers the null level -1, the last level 0."""
    labels: dict[str, dict[int, str]] = {}
    for spec in comparison_specs(dialect):
        non_null = [level for level in spec.levels if not level.is_null]
        mapping = {-1: next(level.label for level in spec.levels if level.is_null)}
        for index, level in enumerate(non_null):
            mapping[len(non_null) - 1 - index] = level.label
        labels[spec.name] = mapping
    return labels
