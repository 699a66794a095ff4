"""Entity resolution for French organisation records: normalise → block → compare → score → cluster.

Pure (no Django). Fellegi–Sunter scoring through Splink 5 on DuckDB (default) or Spark, with comparisons
built for French company data, deterministic identifier rules, human decisions honoured, and every score
explainable as records::

    from grappe.linkage import deduplicate, link, LinkageSettings

    result = deduplicate(records)                      # one set
    result = link(new_records, registry_records)       # an import against the registry (incremental)
    result.pairs, result.clusters, result.explain("a", "b")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import LinkageInputError, LinkageSettingsError
from .settings import DEFAULT_PARAMETERS, LinkageSettings

if TYPE_CHECKING:
    from .engines import Engine
    from .explain import Explanation, FieldEvidence, RuleEvidence
    from .pipeline import PreparedRegistry, Progress
    from .records import COLUMNS, Records
    from .result import LinkageResult

# Splink, DuckDB and Arrow are loaded when a run first needs them, not when a module of the package is imported:
# the platform imports light parts of it (the legal-form vocabulary, the scores, the settings) in every process,
# web workers and CLI commands included, and Splink's import alone cost about 0.3 s and 100 MiB in each.
_LAZY = {
    "COLUMNS": ".records",
    "Records": ".records",
    "Engine": ".engines",
    "Explanation": ".explain",
    "FieldEvidence": ".explain",
    "RuleEvidence": ".explain",
    "PreparedRegistry": ".pipeline",
    "Progress": ".pipeline",
    "prepare_registry": ".pipeline",
    "run": ".pipeline",
    "LinkageResult": ".result",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def deduplicate(
    records: Records,
    *,
    settings: LinkageSettings | None = None,
    engine: Engine | str | None = None,
    decisions: Records | None = None,
    progress: Progress | None = None,
) -> LinkageResult:
    """Find the records of one set that are the same organisation.

    ``decisions``: earlier human decisions, rows of (left_id, right_id, decision ∈ {"match", "non_match"});
    a "non_match" is never clustered together again, a "match" always is.
    """
    from .pipeline import run

    return run(records, None, settings=settings, engine=engine, decisions=decisions, progress=progress)


def link(
    new_records: Records,
    registry: Records | PreparedRegistry,
    *,
    settings: LinkageSettings | None = None,
    engine: Engine | str | None = None,
    decisions: Records | None = None,
    progress: Progress | None = None,
) -> LinkageResult:
    """Link new records to a registry, comparing only pairs that involve a new record.

    Registry records keep their organisation (``organisation_id`` column, else their record_id); a new record
    that matches joins that organisation, and two registry organisations are never merged by a link.
    Pass a ``prepare_registry(...)`` result to link many imports without re-normalising the registry.
    """
    from .pipeline import run

    return run(
        new_records, registry, settings=settings, engine=engine, decisions=decisions, progress=progress
    )


__all__ = [
    "COLUMNS",
    "DEFAULT_PARAMETERS",
    "Engine",
    "Explanation",
    "FieldEvidence",
    "LinkageInputError",
    "LinkageResult",
    "LinkageSettings",
    "LinkageSettingsError",
    "PreparedRegistry",
    "RuleEvidence",
    "deduplicate",
    "link",
    "prepare_registry",
]
