"""What a process loads before it serves its first request: every web worker, task worker and CLI command.

Splink, DuckDB, Arrow and openpyxl (with NumPy) are needed by a merger's plan and a budget workbook, not by a
page of the registry. Loaded at start they cost each process about 0.3 s and 100 MiB (a web worker measured
172 MiB after ``django.setup()``, 59 MiB without them), which is what put a small import above the intake
benchmark's memory bound.
"""

from __future__ import annotations

HEAVY = ("splink", "duckdb", "pyarrow", "openpyxl", "numpy", "pandas")

STARTUP = """
import json, sys
import django
django.setup()
import grappe.urls, grappe.cli, grappe.intake.services, grappe.mergers.plan, grappe.finance.matching
from django.urls import resolve
resolve("/")
print(json.dumps(sorted(name for name in {heavy} if name in sys.modules)))
"""


def test_a_process_starts_without_the_linkage_engine_or_the_workbook_writer(fresh_process):
    assert fresh_process(STARTUP.format(heavy=repr(HEAVY))) == []


def test_the_linkage_package_still_offers_its_whole_api_when_asked():
    import grappe.linkage as linkage

    for name in linkage.__all__:
        assert getattr(linkage, name) is not None
    result = linkage.deduplicate([{"record_id": "a", "name": "Kaliop"}, {"record_id": "b", "name": "Kaliop"}])
    assert isinstance(result, linkage.LinkageResult)
