"""Imports at the same time, each in its own process, on a database of their own (a SQLite file, or a PostgreSQL
database): both finish (issue 13, row 7: the second one failed after 30 s, "database is locked"), and the same
file imported twice at once is imported once, the other told so."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import HEADERS, member_row

ROWS = 1_200  # enough for the two imports' writes to overlap on this machine

# Each test migrates a database of its own in a subprocess: 30 to 50 s on PostgreSQL here.
pytestmark = pytest.mark.slow

_SETUP = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "grappe.settings"
import django
django.setup()
from grappe.intake.services import import_file
from grappe.registry.models import Association, Organisation, SourceFile
"""


def _write(path: Path, first: int) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(HEADERS)
        writer.writerows(member_row(n) for n in range(first, first + ROWS))
    return path


def _python(tmp_path: Path, database_url: str, body: str) -> list[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "GRAPPE_DATA_DIR": str(tmp_path)}
    return [sys.executable, "-c", _SETUP + textwrap.dedent(body)], env  # type: ignore[return-value]


def _run(tmp_path: Path, database_url: str, body: str) -> subprocess.CompletedProcess[str]:
    command, env = _python(tmp_path, database_url, body)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)


def _at_once(tmp_path: Path, database_url: str, *bodies: str) -> list[tuple[int, str, str]]:
    processes = []
    for body in bodies:
        command, env = _python(tmp_path, database_url, body)
        processes.append(
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=240)
        outcomes.append((process.returncode, out, err))
    return outcomes


def _import(path: Path, association: str) -> str:
    return f"""
        from grappe.errors import UserError
        try:
            result = import_file(path={str(path)!r}, association=Association.objects.get(name={association!r}))
        except UserError as error:
            print("refused:", error)
        else:
            print("imported", result.imported_rows)
        """


@pytest.fixture
def prepared(tmp_path, shared_database):
    ready = _run(
        tmp_path,
        shared_database,
        """
        Association.objects.create(name="Numélink")
        Association.objects.create(name="Auvergne TIC")
        """,
    )
    assert ready.returncode == 0, ready.stderr
    return shared_database


def test_two_imports_at_the_same_time_both_finish(tmp_path, prepared):
    loire = _write(tmp_path / "loire.csv", 1)
    auvergne = _write(tmp_path / "auvergne.csv", 10_001)

    outcomes = _at_once(tmp_path, prepared, _import(loire, "Numélink"), _import(auvergne, "Auvergne TIC"))

    for code, out, err in outcomes:
        assert code == 0, err
        assert out.split() == ["imported", str(ROWS)]
    counted = _run(tmp_path, prepared, "print(Organisation.objects.count(), SourceFile.objects.count())")
    assert counted.stdout.split() == [str(2 * ROWS), "2"]


def test_the_same_file_imported_twice_at_once_is_imported_once(tmp_path, prepared):
    export = _write(tmp_path / "auvergne.csv", 1)

    outcomes = _at_once(tmp_path, prepared, _import(export, "Auvergne TIC"), _import(export, "Auvergne TIC"))

    assert [code for code, _out, _err in outcomes] == [0, 0], [err for _c, _o, err in outcomes]
    said = sorted(out.strip() for _code, out, _err in outcomes)
    assert said[0] == f"imported {ROWS}"
    assert said[1].startswith("refused:") and "a déjà été importé" in said[1]
    counted = _run(tmp_path, prepared, "print(Organisation.objects.count(), SourceFile.objects.count())")
    assert counted.stdout.split() == [str(ROWS), "1"]
