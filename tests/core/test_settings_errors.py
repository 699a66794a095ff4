"""A wrong setting stops the platform with one sentence naming it, never a Python traceback.

Every number read from the environment goes through the same reader (``grappe.core.deployment.integer`` and
``decimal``), and the command line prints its refusal as it prints a user's error."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from grappe.core import deployment

# Each setting read as a number, with a value that is not one.
NUMBERS = (
    "GRAPPE_IMPORT_MAX_ROWS",
    "GRAPPE_IMPORT_MAX_COLUMNS",
    "GRAPPE_IMPORT_MAX_CELLS",
    "GRAPPE_IMPORT_MAX_CELL_CHARS",
    "GRAPPE_IMPORT_MAX_DECOMPRESSED_BYTES",
    "GRAPPE_IMPORT_MAX_COMPRESSION_RATIO",
    "GRAPPE_IMPORT_MAX_REPEATED",
    "GRAPPE_MAX_UPLOAD_BYTES",
    "GRAPPE_INTAKE_SYNC_MAX_BYTES",
    "GRAPPE_MAX_REQUEST_OVERHEAD_BYTES",
    "GRAPPE_RETRY_AFTER",
    "GRAPPE_TASKS_RETRIES",
    "GRAPPE_TASKS_KEEP_DAYS",
    "GRAPPE_MERGERS_REPORT_DIRECT_MAX_ROWS",
    "GRAPPE_EMAIL_PORT",
    "GRAPPE_SQLITE_BUSY_TIMEOUT",
    "GRAPPE_TASKS_RETRY_DELAY",
    "GRAPPE_IMPORT_PROCESSES",
    "GRAPPE_IMPORT_PARALLEL_ROWS",
    "GRAPPE_BACKGROUND_NICE",
)


def _grappe(tmp_path, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRAPPE_DATA_DIR": str(tmp_path), **environment}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "-c", "from grappe.cli import main; main()", "stats"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", NUMBERS)
def test_a_setting_that_is_not_a_number_is_refused_by_name_without_a_traceback(tmp_path, name):
    done = _grappe(tmp_path, **{name: "beaucoup"})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert name in done.stderr and "beaucoup" in done.stderr


def test_a_production_start_without_its_key_is_one_sentence_too(tmp_path):
    done = _grappe(tmp_path, GRAPPE_ENV="production", GRAPPE_SECRET_KEY="")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "GRAPPE_SECRET_KEY" in done.stderr


def test_a_negative_count_is_refused_where_only_counts_make_sense():
    with pytest.raises(ImproperlyConfigured, match=r"GRAPPE_IMPORT_MAX_ROWS='-5'.*au moins 1"):
        deployment.integer({"GRAPPE_IMPORT_MAX_ROWS": "-5"}, "GRAPPE_IMPORT_MAX_ROWS", 300000, minimum=1)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("GRAPPE_IMPORT_PROCESSES", "0", "au moins 1"),
        ("GRAPPE_IMPORT_PARALLEL_ROWS", "-3", "au moins 1"),
        ("GRAPPE_BACKGROUND_NICE", "25", "au plus 19"),
        ("GRAPPE_BACKGROUND_NICE", "-1", "au moins 0"),
    ],
)
def test_a_number_outside_its_range_stops_the_platform_at_start_up(tmp_path, name, value, said):
    """Until 2026-12-08 these three were kept as written and refused only when an import or the worker read
    them, after the platform had started as if nothing were wrong."""
    done = _grappe(tmp_path, **{name: value})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{name}={value!r}" in done.stderr and said in done.stderr


def test_unset_processes_let_the_platform_choose_and_a_maximum_is_inclusive():
    assert deployment.integer({}, "GRAPPE_IMPORT_PROCESSES", None, minimum=1) is None
    assert (
        deployment.integer({"GRAPPE_IMPORT_PROCESSES": " "}, "GRAPPE_IMPORT_PROCESSES", None, minimum=1)
        is None
    )
    assert (
        deployment.integer({"GRAPPE_IMPORT_PROCESSES": "3"}, "GRAPPE_IMPORT_PROCESSES", None, minimum=1) == 3
    )
    assert (
        deployment.integer({"GRAPPE_BACKGROUND_NICE": "19"}, "GRAPPE_BACKGROUND_NICE", 10, maximum=19) == 19
    )


def test_numbers_keep_their_defaults_and_read_what_is_written():
    assert deployment.integer({}, "GRAPPE_RETRY_AFTER", 5) == 5
    assert deployment.integer({"GRAPPE_RETRY_AFTER": " 12 "}, "GRAPPE_RETRY_AFTER", 5) == 12
    assert deployment.decimal({}, "GRAPPE_TASKS_RETRY_DELAY", 5.0) == 5.0
    assert deployment.decimal({"GRAPPE_TASKS_RETRY_DELAY": "0.5"}, "GRAPPE_TASKS_RETRY_DELAY", 5.0) == 0.5
    with pytest.raises(ImproperlyConfigured, match="GRAPPE_TASKS_RETRY_DELAY='vite'"):
        deployment.decimal({"GRAPPE_TASKS_RETRY_DELAY": "vite"}, "GRAPPE_TASKS_RETRY_DELAY", 5.0)
    with pytest.raises(ImproperlyConfigured, match="nan"):
        deployment.decimal({"GRAPPE_TASKS_RETRY_DELAY": "nan"}, "GRAPPE_TASKS_RETRY_DELAY", 5.0)
