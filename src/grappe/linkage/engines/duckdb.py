"""The default engine: DuckDB, embedded, in memory (spilling to a temporary directory when needed)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import duckdb
from splink import DuckDBAPI

from .base import Engine


class DuckDBEngine(Engine):
    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.threads = threads
        self.memory_limit = memory_limit

    def _db_api(self) -> Any:
        con = duckdb.connect()
        # DuckDB spills to ".tmp" in the working directory by default; keep spills out of the user's folders.
        spill = Path(tempfile.gettempdir()) / "grappe-duckdb"
        spill.mkdir(exist_ok=True)
        con.execute("SET temp_directory = ?", [str(spill)])
        if self.threads:
            con.execute(f"SET threads = {int(self.threads)}")
        if self.memory_limit:
            con.execute("SET memory_limit = ?", [self.memory_limit])
        return DuckDBAPI(connection=con)
