"""One linkage run: prepare → score (engine) → rules, decisions and bands → clusters.

Scores come from the engine; everything after (identifier rules, human decisions, bands, clustering) runs
here on the engine's output, locally, so DuckDB and Spark runs end in exactly the same way.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from . import clustering
from .comparisons import comparison_specs, level_labels
from .engines import Engine, get_engine
from .errors import LinkageInputError, LinkageSettingsError
from .learning import Learned, fit, labelled_pairs, shift_sql, shifted_prior
from .model import blocking_key_columns, run_prior, splink_settings
from .normalise import ALWAYS_FREQUENCY_COLUMNS, FREQUENCY_COLUMNS, Prepared, _arrow, prepare
from .records import Records, check_disjoint_ids, to_table
from .result import LinkageResult
from .settings import LinkageSettings, Parameters

Progress = Callable[[str], None]
DECISIONS = ("match", "non_match")


def prepare_registry(records: Records, *, settings: LinkageSettings | None = None) -> PreparedRegistry:
    """Normalise a registry once, to link many imports against it without redoing the work."""
    settings = settings or LinkageSettings()
    table = to_table(records, label="Registre")
    with duckdb.connect() as con:
        return PreparedRegistry(prepare(con, table, settings, registry=True), settings)


class PreparedRegistry:
    """A normalised registry and the settings it was prepared with (blocking keys depend on them).

    The first link that estimates u on it keeps the estimated parameters here, so later imports reuse them
    instead of sampling the registry again (u describes the registry, which a small import hardly changes).
    """

    def __init__(self, prepared: Prepared, settings: LinkageSettings) -> None:
        self.prepared = prepared
        self.settings = settings
        self.estimated_parameters: Parameters | None = None

    @property
    def record_count(self) -> int:
        return self.prepared.features.num_rows


def run(
    new_records: Records,
    registry: Records | PreparedRegistry | None,
    *,
    settings: LinkageSettings | None,
    engine: Engine | str | None,
    decisions: Records | None,
    progress: Progress | None,
) -> LinkageResult:
    settings = settings or LinkageSettings()
    if (
        isinstance(registry, PreparedRegistry)
        and registry.estimated_parameters is not None
        and settings.estimate_u
    ):
        settings = settings.with_changes(parameters=registry.estimated_parameters, estimate_u=False)
    chosen = get_engine(engine)
    report = progress or (lambda stage: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 3)
        clock = now

    report("normalisation")
    label = "Nouveaux enregistrements" if registry is not None else "Enregistrements"
    new_table = to_table(new_records, label=label)
    with duckdb.connect() as con:
        reference = _registry_features(con, registry, settings)
        if reference is not None:
            check_disjoint_ids(new_table, reference.features)
        new = prepare(con, new_table, settings, reference=reference)
        lap("normalisation")
        decision_table = _decisions(decisions)
        chosen_prior = run_prior(
            con, new.features, reference.features if reference is not None else None, settings
        )
        copies = _copies(new.features)
        learned: Learned | None = None
        probability = shifted_prior(chosen_prior.probability, settings.learned_prior_bits)
        # u by random sampling assumes random pairs are nearly all non-matches. Where λ was counted high (one
        # company filling a quarter of a list, as PATSTAT's Philips), random pairs are matches one time in
        # ten and sampling would measure the matches' agreement as if it were chance: keep the fixed u.
        records = new.features.num_rows + (reference.features.num_rows if reference is not None else 0)
        dominated = (
            settings.estimate_u
            and records >= settings.min_records_for_estimation
            and chosen_prior.source == "estimated"
            and chosen_prior.probability > settings.max_prior_for_u_estimation
        )
        if dominated:
            settings = settings.with_changes(estimate_u=False)
        if new.features.num_rows == 0 or (new.features.num_rows == 1 and reference is None):
            scored_pairs, model, estimated = None, {}, False
        else:
            report("scoring")
            candidates = training = None
            if reference is not None:
                # Only registry records sharing a blocking key with a new record can be in a pair: the engine
                # gets those (a few hundred rows rather than the whole registry), and the whole registry only
                # when u is to be estimated on it.
                candidates = _registry_candidates(con, new.features, reference.features, settings)
                if settings.estimate_u and reference.features.num_rows >= settings.min_records_for_estimation:
                    training = _for_engine(reference.features)
            frequencies = _frequencies(
                con, new.features, candidates, measured=_frequencies_measured(new, reference, settings)
            )
            if settings.learn_from_decisions and decision_table.num_rows:
                # Learnt anew from the model's own weights each time, never on top of an earlier learning.
                settings = settings.with_changes(learned_weights={}, learned_prior_bits=0.0)
                learned = fit(
                    _labelled(
                        con,
                        chosen,
                        settings,
                        chosen_prior.probability,
                        new,
                        reference,
                        decision_table,
                        frequencies,
                    ),
                    settings,
                )
                settings = learned.as_settings(settings)
            probability = shifted_prior(chosen_prior.probability, settings.learned_prior_bits)
            scored = chosen.score(
                splink_settings(settings, dialect=chosen.dialect, probability=probability),
                new=_for_engine(new.features),
                registry=_for_engine(candidates) if candidates is not None else None,
                frequencies=frequencies,
                settings=settings,
                training=training,
                copies=copies,
            )
            shifted = _apply_learned(con, scored.pairs, settings)
            scored_pairs = _stand_in_for_representatives(con, shifted, new.features, settings)
            model, estimated = scored.model, scored.estimated
            if estimated and isinstance(registry, PreparedRegistry):
                registry.estimated_parameters = parameters_from_model(model, settings.parameters)
        lap("scoring")
        report("rules")
        pairs = _finish_pairs(con, scored_pairs, new, reference, decision_table, settings)
        lap("rules")
        report("clustering")
        clusters = _clusters(con, pairs, new, reference, decision_table)
        lap("clustering")
    stats: dict[str, Any] = {
        "engine": chosen.name,
        "records": new.features.num_rows,
        "registry_records": reference.features.num_rows if reference is not None else 0,
        "pairs": pairs.num_rows,
        "copies": copies[0].num_rows,  # records compared through the identical record standing for them
        **chosen_prior.stats(),
        "prior": probability,
        "estimated_u": estimated,
        # Where the model's numbers came from, as the plan shows it: fixed defaults or estimated from
        # the data (u, λ), and how many human decisions refined it.
        "parameters": {
            **_parameter_sources(settings, chosen_prior.source, estimated, learned),
            "u_kept_fixed_for_a_dominant_entity": dominated,
        },
        "seconds": timings,
    }
    return LinkageResult(
        pairs=pairs,
        clusters=clusters,
        settings=settings,
        model=model,
        prior_probability=probability,
        stats=stats,
        features=(new.features, reference.features if reference is not None else None),
    )


ENGINE_DROPPED_COLUMNS = (*(f"tf_{c}" for c in FREQUENCY_COLUMNS), "name_raw", "representative", "name_shape")


def _for_engine(features: pa.Table) -> pa.Table:
    """Features the engine needs: frequencies go through the lookup table, raw names stay here."""
    return features.drop_columns([c for c in ENGINE_DROPPED_COLUMNS if c in features.column_names])


def _copies(features: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(copies, representatives): records whose profile another record stands for, and those records."""
    ids, representatives = features.column("record_id"), features.column("representative")
    is_copy = pc.not_equal(ids, representatives)
    copied = pc.unique(pc.filter(representatives, is_copy))
    stands_for_copies = pc.and_(pc.invert(is_copy), pc.is_in(ids, value_set=copied))
    return _for_engine(features.filter(is_copy)), _for_engine(features.filter(stands_for_copies))


def _stand_in_for_representatives(
    con: duckdb.DuckDBPyConnection, scored: pa.Table, features: pa.Table, settings: LinkageSettings
) -> pa.Table:
    """Scored pairs, plus each pair of a representative repeated for its copies that it does not match.

    A copy that matches its representative follows it into its cluster. One that does not (a name too
    common to match on its own, and nothing else) would still have matched what its representative matches,
    had it been compared: the representative's pairs in the review band or above are repeated for it,
    with the same scores (the comparison vector of identical records is the same).
    """
    con.register("__stand_scored", scored)
    con.register("__stand_features", features.select(["record_id", "representative"]))
    weak = f"""
      SELECT c.record_id AS copy, c.representative
      FROM (SELECT * FROM __stand_features WHERE record_id <> representative) c
      JOIN __stand_scored s
        ON least(s.record_id_l, s.record_id_r) = least(c.record_id, c.representative)
       AND greatest(s.record_id_l, s.record_id_r) = greatest(c.record_id, c.representative)
      WHERE s.match_probability < {settings.match_threshold}
        AND coalesce(s.gamma_identifiers NOT IN (1, 2), TRUE)
    """
    (count,) = con.execute(f"SELECT count(*) FROM ({weak})").fetchall()[0]
    if count == 0:
        result = scored
    else:
        columns = [c for c in scored.column_names if c not in ("record_id_l", "record_id_r")]
        rest = ", ".join(f"s.{c}" for c in columns)
        strong = (
            f"SELECT * FROM __stand_scored WHERE match_probability >= {settings.review_threshold} "
            "AND record_id_l NOT IN (SELECT copy FROM weak) AND record_id_r NOT IN (SELECT copy FROM weak)"
        )
        result = _arrow(
            con.sql(
                f"""
            WITH weak AS ({weak}), strong AS ({strong})
            SELECT * FROM __stand_scored
            UNION ALL BY NAME
            SELECT w.copy AS record_id_l, s.record_id_r, {rest} FROM strong s JOIN weak w ON s.record_id_l = w.representative
            UNION ALL BY NAME
            SELECT s.record_id_l, w.copy AS record_id_r, {rest} FROM strong s JOIN weak w ON s.record_id_r = w.representative
            """
            )
        )
    con.unregister("__stand_scored")
    con.unregister("__stand_features")
    return result


def _labelled(
    con: duckdb.DuckDBPyConnection,
    engine: Engine,
    settings: LinkageSettings,
    probability: float,
    new: Prepared,
    reference: Prepared | None,
    decisions: pa.Table,
    frequencies: dict[str, pa.Table],
) -> list:
    """The decided pairs scored by the run's model, wherever they are (blocked or not, above keep_threshold
    or not): each pair's two records face each other alone, through a pair key."""
    con.register("__labels", decisions)
    con.register("__labels_new", _for_engine(new.features))
    held = "SELECT * FROM __labels_new"
    if reference is not None:
        con.register("__labels_registry", _for_engine(reference.features))
        held += " UNION ALL BY NAME SELECT * FROM __labels_registry"
    numbered = "SELECT row_number() OVER (ORDER BY a, b) AS pair_key, a, b, decision FROM __labels"
    con.execute(f"CREATE OR REPLACE TEMP TABLE __labels_numbered AS {numbered}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE __labels_held AS SELECT * FROM ({held}) "
        "WHERE record_id IN (SELECT a FROM __labels UNION SELECT b FROM __labels)"
    )

    def side(column: str, suffix: str) -> pa.Table:
        return _arrow(
            con.sql(
                f"SELECT f.* REPLACE (d.pair_key::VARCHAR || '{suffix}' AS record_id), d.pair_key "
                f"FROM __labels_numbered d JOIN __labels_held f ON f.record_id = d.{column}"
            )
        )

    left, right = side("a", "l"), side("b", "r")
    for name in ("__labels", "__labels_new", "__labels_registry"):
        with contextlib.suppress(duckdb.Error):
            con.unregister(name)
    if not left.num_rows or not right.num_rows:
        return []
    scored = engine.score_pairs(
        splink_settings(
            settings, dialect=engine.dialect, probability=probability, blocking_columns=["pair_key"]
        ),
        left=left,
        right=right,
        frequencies=frequencies,
    )
    con.register("__labels_scored", scored)
    answered = _arrow(
        con.sql(
            "SELECT s.*, d.decision FROM __labels_scored s JOIN __labels_numbered d "
            "ON d.pair_key::VARCHAR || 'l' = s.record_id_l"
        )
    )
    con.unregister("__labels_scored")
    return labelled_pairs(answered, [spec.name for spec in comparison_specs("duckdb")])


def _apply_learned(con: duckdb.DuckDBPyConnection, scored: pa.Table, settings: LinkageSettings) -> pa.Table:
    """The engine's pairs with the learned shift of each level added to its comparison's weight and to the
    match weight; pairs the shifts bring below keep_threshold are dropped, as the engine drops the others."""
    if not settings.learned_weights:
        return scored
    names = [spec.name for spec in comparison_specs("duckdb") if settings.learned_weights.get(spec.name)]
    con.register("__learned_scored", scored)
    total = " + ".join(shift_sql(settings, name) for name in names)
    replaced = ", ".join(f"mw_{name} + {shift_sql(settings, name)} AS mw_{name}" for name in names)
    result = _arrow(
        con.sql(
            f"""
            WITH s AS (SELECT * REPLACE ({replaced}, match_weight + {total} AS match_weight)
                       FROM __learned_scored)
            SELECT * REPLACE (1 / (1 + pow(2, -match_weight)) AS match_probability) FROM s
            WHERE 1 / (1 + pow(2, -match_weight)) >= {settings.keep_threshold}
            """
        )
    )
    con.unregister("__learned_scored")
    return result


def _parameter_sources(
    settings: LinkageSettings, prior_source: str, estimated_u: bool, learned: Learned | None
) -> dict[str, Any]:
    return {
        "m": "fixed",
        "u": "estimated" if estimated_u else "fixed",
        "prior": prior_source,
        "decisions_learned": learned.labels if learned else 0,
        "decisions_matches": learned.matches if learned else 0,
        "learned_levels": sum(len(levels) for levels in settings.learned_weights.values()),
        "learned_prior_bits": settings.learned_prior_bits,
    }


def _registry_candidates(
    con: duckdb.DuckDBPyConnection, new: pa.Table, registry: pa.Table, settings: LinkageSettings
) -> pa.Table:
    """Registry records that share at least one (capped) blocking key with a new record."""
    con.register("__candidates_new", new)
    con.register("__candidates_registry", registry)
    keys = " UNION ".join(
        f"SELECT r.record_id FROM __candidates_registry r SEMI JOIN __candidates_new n ON r.{column} = n.{column}"
        for column in blocking_key_columns(settings)
    )
    table = _arrow(
        con.sql(f"SELECT * FROM __candidates_registry WHERE record_id IN ({keys}) ORDER BY record_id")
    )
    con.unregister("__candidates_new")
    con.unregister("__candidates_registry")
    return table


def _frequencies_measured(new: Prepared, reference: Prepared | None, settings: LinkageSettings) -> bool:
    """Whether the run is large enough for the frequencies of domains and addresses to replace their fixed
    u: the same rule as u estimation. In a 300-row registry a domain held by a company's two sites is held
    by 2 of 300 records, which says nothing about how common it is in the world, and weighing it at 2/1 000
    instead of the fixed 1/10 000 would cost their pair four bits."""
    records = new.features.num_rows + (reference.features.num_rows if reference is not None else 0)
    return settings.estimate_u and records >= settings.min_records_for_estimation


def _frequencies(
    con: duckdb.DuckDBPyConnection, features: pa.Table, candidates: pa.Table | None, *, measured: bool
) -> dict[str, pa.Table]:
    """Column → (value, tf_<column>) for the values the run's records hold, counted when preparing (over
    both sets for a link). Registry candidates bring their own values: the domain a new record shares with
    one may be the candidate's e-mail domain and the new record's website. Unless ``measured``, only names
    get theirs (the other lookups are empty: no adjustment)."""
    con.register("__frequency_new", features)
    sources = ["__frequency_new"]
    if candidates is not None:
        con.register("__frequency_candidates", candidates)
        sources.append("__frequency_candidates")
    lookups = {}
    for column in FREQUENCY_COLUMNS:
        held = " UNION ALL ".join(f"SELECT {column}, tf_{column} FROM {source}" for source in sources)
        kept = "" if measured or column in ALWAYS_FREQUENCY_COLUMNS else "AND FALSE"
        lookups[column] = _arrow(
            con.sql(
                f"SELECT {column}, max(tf_{column}) AS tf_{column} FROM ({held}) "
                f"WHERE {column} IS NOT NULL {kept} GROUP BY {column}"
            )
        )
    for source in sources:
        con.unregister(source)
    return lookups


def _registry_features(
    con: duckdb.DuckDBPyConnection, registry: Records | PreparedRegistry | None, settings: LinkageSettings
) -> Prepared | None:
    if registry is None:
        return None
    if isinstance(registry, PreparedRegistry):
        if (registry.settings.blocking_rules, registry.settings.max_block_size) != (
            settings.blocking_rules,
            settings.max_block_size,
        ):
            raise LinkageSettingsError(
                "Le registre préparé l'a été avec d'autres règles de blocage ou une autre taille de bloc.",
                hint="Préparez-le de nouveau avec les mêmes réglages que le rapprochement.",
            )
        return registry.prepared
    return prepare(con, to_table(registry, label="Registre"), settings, registry=True)


def _decisions(decisions: Records | None) -> pa.Table:
    """Earlier human decisions as (a, b, decision) with a < b, so either order of a pair finds them."""
    empty = pa.table(
        {
            "a": pa.array([], pa.string()),
            "b": pa.array([], pa.string()),
            "decision": pa.array([], pa.string()),
        }
    )
    if decisions is None:
        return empty
    rows = decisions.to_pylist() if isinstance(decisions, pa.Table) else _rows(decisions)
    out = []
    for row in rows:
        left, right, decision = row.get("left_id"), row.get("right_id"), row.get("decision")
        if left is None or right is None or decision not in DECISIONS:
            raise LinkageInputError(
                f"Décision illisible : {dict(row)!r}.",
                hint="Chaque décision a left_id, right_id et decision ∈ {match, non_match}.",
            )
        a, b = sorted((str(left), str(right)))
        out.append({"a": a, "b": b, "decision": decision})
    return pa.Table.from_pylist(out, schema=empty.schema) if out else empty


def _rows(records: Any) -> Sequence[Mapping[str, Any]]:
    if hasattr(records, "to_dict"):
        return records.to_dict("records")
    return list(records)


def _finish_pairs(
    con: duckdb.DuckDBPyConnection,
    scored: pa.Table | None,
    new: Prepared,
    reference: Prepared | None,
    decisions: pa.Table,
    settings: LinkageSettings,
) -> pa.Table:
    labels = level_labels()
    specs = comparison_specs("duckdb")
    if scored is None:
        scored = _empty_scored(labels)
    con.register("__scored", scored)
    con.register("__new", new.features)
    con.register("__decisions", decisions)
    # A registry's records are never copies of each other for the clusters (they keep their organisations).
    new_sql = "SELECT record_id, siret, FALSE AS in_registry, nullif(representative, record_id) AS copy_of FROM __new"
    if reference is not None:
        con.register("__registry", reference.features)
        siret_sql = f"{new_sql} UNION ALL SELECT record_id, siret, TRUE, NULL FROM __registry"
    else:
        siret_sql = new_sql
    level_columns = []
    for spec in specs:
        cases = " ".join(
            f"WHEN {gamma} THEN '{label.replace(chr(39), chr(39) * 2)}'"
            for gamma, label in labels[spec.name].items()
        )
        level_columns.append(f"CASE p.gamma_{spec.name} {cases} END AS {spec.name}_level")
        tf = (
            f" + coalesce(p.mw_tf_adj_{spec.name}, 0)"
            if any(level.tf_column for level in spec.levels)
            else ""
        )
        level_columns.append(f"p.mw_{spec.name}{tf} AS {spec.name}_weight")
    # A copy and the record standing for it are equal on every field they have: one organisation whatever
    # their score (the clusters join them, _clusters' copy edges), so their pair says so, for a plan built on
    # the pairs as for the clusters.
    copy = "(l.copy_of = p.record_id_r OR r.copy_of = p.record_id_l)"
    rule = (
        "CASE p.gamma_identifiers WHEN 2 THEN 'siret_equal' WHEN 1 THEN 'siren_equal' "
        f"WHEN 0 THEN 'siren_conflict' ELSE CASE WHEN {copy} THEN 'identical' END END"
    )
    band = (
        "CASE WHEN d.decision IS NOT NULL THEN d.decision "
        f"WHEN p.gamma_identifiers IN (1, 2) OR {copy} THEN 'match' "
        # Two valid, different SIRENs are two legal units unless a person says otherwise: at most "review".
        f"WHEN p.gamma_identifiers = 0 AND p.match_probability >= {settings.review_threshold} THEN 'review' "
        f"WHEN p.match_probability >= {settings.match_threshold} THEN 'match' "
        f"WHEN p.match_probability >= {settings.review_threshold} THEN 'review' ELSE 'non_match' END"
    )
    kind = (
        "CASE WHEN r.in_registry THEN 'new_registry' ELSE 'new_new' END"
        if reference is not None
        else "'within'"
    )
    sql = f"""
    WITH f AS ({siret_sql})
    SELECT
      p.record_id_l AS left_id, p.record_id_r AS right_id,
      p.match_probability, p.match_weight,
      {band} AS band,
      {rule} AS identifier_rule,
      CASE WHEN p.gamma_identifiers = 2 THEN TRUE
           WHEN p.gamma_identifiers = 1 AND l.siret IS NOT NULL AND r.siret IS NOT NULL THEN FALSE
      END AS same_establishment,
      d.decision,
      {kind} AS kind,
      {", ".join(level_columns)}
    FROM __scored p
    LEFT JOIN f l ON l.record_id = p.record_id_l
    LEFT JOIN f r ON r.record_id = p.record_id_r
    LEFT JOIN __decisions d ON d.a = least(p.record_id_l, p.record_id_r)
                           AND d.b = greatest(p.record_id_l, p.record_id_r)
    ORDER BY p.match_probability DESC, left_id, right_id
    """
    result = con.sql(sql).arrow()
    return result.read_all() if hasattr(result, "read_all") else result


def _empty_scored(labels: dict[str, dict[int, str]]) -> pa.Table:
    columns: dict[str, pa.Array] = {
        "record_id_l": pa.array([], pa.string()),
        "record_id_r": pa.array([], pa.string()),
        "match_weight": pa.array([], pa.float64()),
        "match_probability": pa.array([], pa.float64()),
    }
    for name in labels:
        columns[f"gamma_{name}"] = pa.array([], pa.int32())
        columns[f"mw_{name}"] = pa.array([], pa.float64())
    for spec in comparison_specs("duckdb"):
        if any(level.tf_column for level in spec.levels):
            columns[f"mw_tf_adj_{spec.name}"] = pa.array([], pa.float64())
    return pa.table(columns)


def _clusters(
    con: duckdb.DuckDBPyConnection,
    pairs: pa.Table,
    new: Prepared,
    reference: Prepared | None,
    decisions: pa.Table,
) -> pa.Table:
    con.register("__pairs", pairs)
    # Same valid SIREN → same legal unit, without needing a pair: a star to one record of the group keeps
    # this linear even for a company with thousands of establishments (whose SIREN block was capped).
    if reference is None:
        identifier_edges = """
          SELECT record_id AS a, min(record_id) OVER (PARTITION BY siren) AS b FROM __new WHERE siren IS NOT NULL
        """
    else:
        identifier_edges = """
          SELECT record_id AS a, min(record_id) OVER (PARTITION BY siren) AS b FROM __new WHERE siren IS NOT NULL
          UNION ALL
          SELECT n.record_id, min(r.record_id) FROM __new n JOIN __registry r ON r.siren = n.siren
          GROUP BY n.record_id
        """
    # Records equal on every field they have (copies: one profile) are one organisation whatever their
    # score: nothing in them tells them apart, and a person who typed a row twice meant one company.
    copy_edges = "SELECT record_id AS a, representative AS b FROM __new WHERE record_id <> representative"
    edges_sql = f"""
      SELECT a, b FROM (
        SELECT a, b, 0 AS stage, 1.0 AS p FROM __decisions WHERE decision = 'match'
        UNION ALL SELECT a, b, 1, 1.0 FROM ({identifier_edges}) WHERE a <> b
        UNION ALL SELECT a, b, 1, 1.0 FROM ({copy_edges})
        UNION ALL SELECT left_id, right_id, 2, match_probability FROM __pairs WHERE band = 'match'
      )
      ORDER BY stage, p DESC, a, b
    """
    edges = _arrow(con.sql(edges_sql))
    # Kept apart: pairs a person rejected, and scored pairs with two valid, different SIRENs (so that a chain
    # of likely matches cannot join two legal units either).
    cannot = con.execute(
        "SELECT a, b FROM __decisions WHERE decision = 'non_match' "
        "UNION ALL SELECT left_id, right_id FROM __pairs WHERE identifier_rule = 'siren_conflict' AND decision IS NULL"
    ).fetchall()
    anchors: dict[str, str] = {}
    if reference is not None:
        con.register("__edges", edges)
        con.register(
            "__cannot",
            pa.table(
                {
                    "a": pa.array([a for a, _ in cannot], pa.string()),
                    "b": pa.array([b for _, b in cannot], pa.string()),
                }
            ),
        )
        anchors = dict(
            con.execute(
                "SELECT r.record_id, r.organisation_id FROM __registry r SEMI JOIN ("
                "SELECT a AS id FROM __edges UNION ALL SELECT b FROM __edges "
                "UNION ALL SELECT a FROM __cannot UNION ALL SELECT b FROM __cannot) i ON i.id = r.record_id"
            ).fetchall()
        )
    # Only records on an edge go through the union-find; every other record is a cluster of its own.
    labels = clustering.cluster_labels(
        edges.column("a").to_pylist(), edges.column("b").to_pylist(), cannot_link=cannot, anchors=anchors
    )
    new_ids = new.features.column("record_id")
    new_part = pa.table(
        {
            "record_id": new_ids,
            "cluster_id": pa.array([labels.get(i, i) for i in new_ids.to_pylist()], pa.string()),
            "in_registry": pa.array([False] * len(new_ids), pa.bool_()),
        }
    )
    if reference is None:
        return new_part.drop_columns(["in_registry"])
    # Registry records keep their organisation: their ids are the stable ones.
    registry_part = reference.features.select(["record_id", "organisation_id"]).rename_columns(
        ["record_id", "cluster_id"]
    )
    registry_part = registry_part.append_column(
        "in_registry", pa.array([True] * registry_part.num_rows, pa.bool_())
    )
    return pa.concat_tables([new_part, registry_part])


def parameters_from_model(model: dict[str, Any], fallback: Parameters) -> Parameters:
    """m/u per level label from a Splink model; a level the estimation did not observe keeps its value."""
    parameters = {name: dict(levels) for name, levels in fallback.items()}
    for comparison in model.get("comparisons", []):
        levels = parameters.get(comparison["output_column_name"])
        if levels is None:
            continue
        for level in comparison["comparison_levels"]:
            label = level.get("label_for_charts")
            if label not in levels or level.get("is_null_level"):
                continue
            m, u = levels[label]
            levels[label] = (float(level.get("m_probability") or m), float(level.get("u_probability") or u))
    return parameters
