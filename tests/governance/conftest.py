"""Governance tests: Numélink's statutes of 31 March 2016 (the merger with Auvergne TIC) as a YAML text."""

from __future__ import annotations

from pathlib import Path

import pytest

NUMELINK_2016 = (Path(__file__).parent / "statutes_numelink_2016.yaml").read_text(encoding="utf-8")


@pytest.fixture
def statutes_2016(registry):
    from grappe.governance import services

    return services.import_statutes(association=registry.numelink, text=NUMELINK_2016)
