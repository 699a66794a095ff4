"""How Grappe talks to its database server."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgresql_runs_without_jit_compilation() -> None:
    """PostgreSQL's JIT compiled the organisation list's sorted queries (7–25 ms each, more than running
    them): Grappe's connections turn it off (benchmarks/load/)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
