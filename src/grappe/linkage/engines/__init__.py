"""Engines run the same Splink model on different backends: ``duckdb`` (default) and ``spark``."""

from __future__ import annotations

from .base import Engine, Scored


def get_engine(engine: Engine | str | None) -> Engine:
    """An engine instance from a name ("duckdb", "spark"), an instance, or None for the default."""
    if isinstance(engine, Engine):
        return engine
    if engine in (None, "duckdb"):
        from .duckdb import DuckDBEngine

        return DuckDBEngine()
    if engine == "spark":
        from .spark import SparkEngine  # imported only when chosen: PySpark is an optional extra

        return SparkEngine()
    from ..errors import LinkageSettingsError

    raise LinkageSettingsError(
        f"Moteur de rapprochement inconnu : {engine!r}.", hint="Choisissez duckdb ou spark."
    )


__all__ = ["Engine", "Scored", "get_engine"]
