"""The package stays pure: no Django, no data read at import time."""

from __future__ import annotations

import subprocess
import sys

MODULES = (
    "problems",
    "text",
    "identifiers",
    "geo",
    "naf",
    "legal_forms",
    "headcount",
    "contact",
    "dates",
    "amounts",
)


def test_importing_loads_neither_django_nor_data():
    imports = "; ".join(f"import grappe.france.{name}" for name in MODULES)
    script = (
        f"import sys; {imports}; import grappe.france.geo as g, grappe.france.naf as n; "
        "assert 'django' not in sys.modules, 'django imported'; "
        "assert g._all_communes.cache_info().currsize == 0 and n._table.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_problems_are_hashable():
    from grappe.france.identifiers import check_siret

    assert len({check_siret("123").problem, check_siret("123").problem}) == 1
