"""What every engine does with a Splink model: estimate, then score pairs; the backends differ only in where
the tables live. Splink's own ``DatabaseAPI`` already hides the SQL dialect, so this class is small.
"""

from __future__ import annotations

import logging
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from splink import Linker, SettingsCreator

from ..learning import most_positive_shift
from ..settings import LinkageSettings


@dataclass(frozen=True)
class Scored:
    pairs: pa.Table  # record_id_l, record_id_r, match_weight, match_probability, gamma_*, bf_*, bf_tf_adj_*
    model: dict[str, Any]  # the Splink model actually used (after any estimation), as JSON-ready data
    estimated: bool


class Engine(ABC):
    """Runs a Splink model on prepared features. Subclasses say where the tables live."""

    name: str
    dialect: str

    @abstractmethod
    def _db_api(self) -> Any: ...

    def _register(self, db_api: Any, table: pa.Table, name: str) -> Any:
        return db_api.register(table, table_name=name)

    def score(
        self,
        model: SettingsCreator,
        *,
        new: pa.Table,
        registry: pa.Table | None,
        frequencies: dict[str, pa.Table],
        settings: LinkageSettings,
        training: pa.Table | None = None,
        copies: tuple[pa.Table, pa.Table] | None = None,
    ) -> Scored:
        """Pairs within ``new``, plus ``new`` × ``registry`` when given (never registry × registry).

        ``frequencies``: column → (value, tf_<column>), the relative frequency of each value the records hold,
        counted when preparing (over both sets for a link): Splink reads them as term-frequency lookups
        instead of counting values again (which, for an incremental link, would mean scanning the whole
        registry).

        ``training``: the records u is estimated on when they are not ``registry`` (or ``new``) themselves:
        an incremental link passes only the registry records that share a blocking key with a new record as
        ``registry``, and the whole registry here the one time u is estimated on it.

        ``copies``: (copies, their representatives), records of ``new`` equal to another on every compared
        field (same ``profile``). They have no blocking keys; each is scored against its representative
        only, by the same model, and stands in for the representative's other pairs.
        """
        db_api = self._db_api()
        # Spark keeps temporary views per session, across runs: each run names its tables afresh.
        run = uuid.uuid4().hex[:8]
        new_frame = self._register(db_api, new, f"grappe_new_{run}")
        registry_frame = (
            self._register(db_api, registry, f"grappe_registry_{run}") if registry is not None else None
        )
        if training is not None:
            training_frame = self._register(db_api, training, f"grappe_training_{run}")
            training_rows = training.num_rows
        else:
            training_frame = registry_frame if registry_frame is not None else new_frame
            training_rows = registry.num_rows if registry is not None else new.num_rows
        linker = linker_for(training_frame, model)
        lookups = {
            column: self._register(db_api, lookup, f"grappe_tf_{column}_{run}")
            for column, lookup in frequencies.items()
        }
        _use_frequencies(linker, lookups)
        estimated = settings.estimate_u and training_rows >= settings.min_records_for_estimation
        if estimated:
            # u is what random pairs look like: with thousands of records, sampling measures it better
            # than any fixed guess. m stays fixed: EM on unlabelled registries drifts (see settings.py).
            linker.training.estimate_u_using_random_sampling(
                max_pairs=settings.estimation_max_pairs, seed=settings.seed
            )
        threshold = _keep_threshold(settings)
        parts = [
            linker.inference.predict_within(
                new_frame, threshold_match_probability=threshold, warning_mode="never"
            ).as_pyarrow_table()
        ]
        if registry_frame is not None:
            parts.append(
                linker.inference.predict_between(
                    new_frame, registry_frame, threshold_match_probability=threshold, warning_mode="never"
                ).as_pyarrow_table()
            )
        model_json = linker.misc.save_model_to_json()
        if copies is not None and copies[0].num_rows:
            parts.append(self._score_copies(db_api, model_json, new_frame, lookups, copies, run))
        return Scored(pairs=_concat(parts), model=model_json, estimated=estimated)

    def score_pairs(
        self, model: SettingsCreator, *, left: pa.Table, right: pa.Table, frequencies: dict[str, pa.Table]
    ) -> pa.Table:
        """Given pairs only: row i of ``left`` against row i of ``right``, through their ``pair_key``
        (the model's blocking replaced by it). Scores the pairs a reviewer decided, wherever they are."""
        db_api = self._db_api()
        run = uuid.uuid4().hex[:8]
        left_frame = self._register(db_api, left, f"grappe_pairs_l_{run}")
        right_frame = self._register(db_api, right, f"grappe_pairs_r_{run}")
        linker = linker_for(left_frame, model)
        lookups = {
            column: self._register(db_api, lookup, f"grappe_tf_{column}_{run}")
            for column, lookup in frequencies.items()
        }
        _use_frequencies(linker, lookups)
        return linker.inference.predict_between(
            left_frame, right_frame, warning_mode="never"
        ).as_pyarrow_table()

    def _score_copies(
        self,
        db_api: Any,
        model_json: dict[str, Any],
        frame: Any,
        lookups: dict[str, Any],
        copies: tuple[pa.Table, pa.Table],
        run: str,
    ) -> pa.Table:
        """Each copy against its representative: the trained model, blocked on the profile alone."""
        rule = {"blocking_rule": "l.profile = r.profile", "sql_dialect": model_json["sql_dialect"]}
        same_profile = dict(model_json, blocking_rules_to_generate_predictions=[rule])
        linker = linker_for(frame, same_profile)
        _use_frequencies(linker, lookups)
        copies_frame = self._register(db_api, copies[0], f"grappe_copies_{run}")
        representatives_frame = self._register(db_api, copies[1], f"grappe_representatives_{run}")
        return linker.inference.predict_between(
            copies_frame, representatives_frame, warning_mode="never"
        ).as_pyarrow_table()


def _keep_threshold(settings: LinkageSettings) -> float | None:
    """keep_threshold as the engine applies it: lower by what learned shifts may add to a pair's weight, so
    that no pair learning lifts above the threshold is dropped before the shifts are applied."""
    if not settings.keep_threshold:
        return None
    raised = most_positive_shift(settings)
    if not raised:
        return settings.keep_threshold
    odds = settings.keep_threshold / (1 - settings.keep_threshold) / 2**raised
    return odds / (1 + odds)


def linker_for(frame: Any, model: SettingsCreator | dict[str, Any], *, validate: bool = False) -> Linker:
    """A Splink linker over ``frame``. Splink's settings validation parses every SQL fragment of the model to
    log the columns it cannot find: half a second a linker, a quarter of a small merger's plan, spent checking
    a model this package builds itself. ``tests/linkage/test_splink_validation.py`` runs it on every model we build."""
    return Linker(frame, model, log_level=logging.WARNING, validate_settings=validate)


def _use_frequencies(linker: Linker, lookups: dict[str, Any]) -> None:
    for column, lookup in lookups.items():
        linker.table_management.register_term_frequency_lookup(lookup, column)


def _concat(parts: list[pa.Table]) -> pa.Table:
    if len(parts) == 1:
        return parts[0]
    # Blocking columns differ between predictions (the copies are blocked on the profile alone): keep the
    # columns every part has, which hold all the scores.
    names = [name for name in parts[0].schema.names if all(name in part.schema.names for part in parts)]
    schema = parts[0].select(names).schema
    return pa.concat_tables([part.select(names).cast(schema) for part in parts])
