"""Long work yields to the web workers: the worker and the long commands run at GRAPPE_BACKGROUND_NICE
(``grappe.jobs.priority``); a wrong value is refused by name and nothing runs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import override_settings
from typer.testing import CliRunner

from grappe import cli
from grappe.errors import UserError
from grappe.jobs import priority
from grappe.registry.models import Organisation

from .conftest import member_row

# Run in a process of its own: a process cannot raise its priority again, and the test process must keep its.
NICENESS_AFTER = """
import json, os, sys
import django
django.setup()
from grappe.jobs.priority import yield_to_requests
os.nice({start})
print(json.dumps(yield_to_requests()))
"""


def _niceness_after(fresh_process, *, start: int, setting: str | None) -> object:
    return fresh_process(NICENESS_AFTER.format(start=start), GRAPPE_BACKGROUND_NICE=setting)


def test_long_work_runs_at_niceness_10_by_default(fresh_process):
    assert _niceness_after(fresh_process, start=0, setting=None) == 10


def test_the_setting_chooses_the_niceness_and_0_leaves_the_priority_alone(fresh_process):
    assert _niceness_after(fresh_process, start=0, setting="15") == 15
    assert _niceness_after(fresh_process, start=0, setting="0") == 0


def test_a_process_started_lower_keeps_its_own_priority(fresh_process):
    assert _niceness_after(fresh_process, start=17, setting="10") == 17


@pytest.mark.parametrize("value", ["douze", "-1", "20", "", "3.5"])
def test_a_wrong_setting_is_refused_by_name(value):
    raw = int(value) if value.lstrip("-").isdigit() else value
    with override_settings(GRAPPE_BACKGROUND_NICE=raw), pytest.raises(UserError) as refused:
        priority.yield_to_requests()
    assert "GRAPPE_BACKGROUND_NICE" in str(refused.value) and "de 0 à 19" in str(refused.value)


@pytest.fixture
def nice_calls(monkeypatch) -> list[int]:
    """The increments the command asked of ``os.nice`` (the test process itself is never lowered)."""
    calls: list[int] = []

    def fake_nice(increment: int) -> int:
        calls.append(increment)
        return 0 if increment == 0 else increment

    monkeypatch.setattr(priority.os, "nice", fake_nice)
    return calls


@pytest.mark.django_db
def test_grappe_import_yields_before_it_reads_the_file(nice_calls, association, write_csv):
    cli._register_commands()
    with override_settings(GRAPPE_BACKGROUND_NICE=10):
        result = CliRunner().invoke(
            cli.app, ["import", str(write_csv([member_row(1)])), "--association", "Auvergne TIC"]
        )
    assert result.exit_code == 0, result.output
    assert nice_calls == [0, 10]
    assert Organisation.objects.count() == 1


@pytest.mark.django_db
def test_a_wrong_setting_stops_the_import_before_anything_is_written(nice_calls, association, write_csv):
    cli._register_commands()
    with override_settings(GRAPPE_BACKGROUND_NICE="douze"):
        result = CliRunner().invoke(
            cli.app, ["import", str(write_csv([member_row(1)])), "--association", "Auvergne TIC"]
        )
    assert result.exit_code == 2
    assert "GRAPPE_BACKGROUND_NICE" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert nice_calls == [] and Organisation.objects.count() == 0


@pytest.mark.django_db
def test_a_short_command_keeps_the_sites_priority(nice_calls):
    cli._register_commands()
    with override_settings(GRAPPE_BACKGROUND_NICE=10):
        result = CliRunner().invoke(cli.app, ["merge", "list"])
    assert result.exit_code == 0, result.output
    assert nice_calls == []


def test_the_grappe_command_refuses_a_wrong_setting_before_it_opens_the_file(tmp_path):
    """The real entry point, in a process of its own: the commands load before Django is set up."""
    env = {**os.environ, "GRAPPE_DATA_DIR": str(tmp_path), "GRAPPE_BACKGROUND_NICE": "douze"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    grappe = os.path.join(os.path.dirname(sys.executable), "grappe")
    completed = subprocess.run(
        [grappe, "import", str(tmp_path / "absent.csv"), "--association", "Auvergne TIC"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2, completed.stderr
    assert "GRAPPE_BACKGROUND_NICE" in " ".join(completed.stderr.split())
    assert "Traceback" not in completed.stderr
