"""The pure cores stay pure: CI runs their tests on one database only (``--pure-cores-ran``, tests/conftest.py),
which holds as long as nothing in them, nor in the test modules listed as theirs, reaches Django, hence a
database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PURE_CORE_TEST_MODULES

TESTS = Path(__file__).parent


@pytest.mark.parametrize("package", ["grappe.france", "grappe.linkage", "grappe.intake.formats"])
def test_no_module_of_a_pure_core_imports_django(package: str) -> None:
    script = (
        "import importlib, pkgutil, sys\n"
        f"root = importlib.import_module({package!r})\n"
        "names = [m.name for m in pkgutil.walk_packages(root.__path__, root.__name__ + '.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "assert len(names) > 5, names\n"
        "assert 'django' not in sys.modules, 'django imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


@pytest.mark.parametrize("module", PURE_CORE_TEST_MODULES)
def test_the_test_modules_of_the_file_readers_import_no_django(module: str) -> None:
    """The intake's file readers (reading.py, headers.py and formats/) are a pure core inside a Django app: the
    test modules listed as theirs must reach nothing else."""
    dotted = module.removesuffix(".py").replace("/", ".")
    script = (
        "import importlib, sys\n"
        f"importlib.import_module({dotted!r})\n"
        "assert 'grappe.intake.reading' in sys.modules or 'grappe.intake.headers' in sys.modules\n"
        "assert 'django' not in sys.modules, 'django imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=TESTS)


def test_the_second_database_leaves_out_only_the_pure_cores_tests() -> None:
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", "--pure-cores-ran",
         "tests/linkage/test_bad_input.py", "tests/france/test_package.py", "tests/intake/test_headers.py",
         "tests/registry/test_views.py"],
        cwd=TESTS.parent, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "tests/registry/test_views.py::" in collected
    assert "tests/linkage/" not in collected and "tests/france/" not in collected
    assert "tests/intake/" not in collected
    assert " deselected" in collected
