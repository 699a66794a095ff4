"""The job's database, from inside the job's environment (``DATABASE_URL`` or ``GRAPPE_DATA_DIR``).

    python database.py prepare   # migrate, create the association the export is imported into
    python database.py inspect   # what the import left: rows per table and the database's size, as JSON

Run by ``run.py`` before and after each measured ``grappe import``, in processes of their own, so that neither
the migrations nor the counting is part of the measured process.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from export import ASSOCIATION


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    import django

    django.setup()


def prepare() -> dict[str, str]:
    from django.core.management import call_command
    from django.db import connection

    from grappe.registry.models import Association

    call_command("migrate", interactive=False, verbosity=0)
    Association.objects.create(name=ASSOCIATION)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return {"postgresql": cursor.fetchone()[0].split()[0]}
    return {"sqlite": sqlite3.sqlite_version}


def inspect() -> dict[str, object]:
    from django.apps import apps
    from django.conf import settings
    from django.db import connection

    counts = {model.__name__: model.objects.count() for model in apps.get_app_config("registry").get_models()}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
    else:
        name = Path(settings.DATABASES["default"]["NAME"])
        size = sum(path.stat().st_size for path in name.parent.glob(name.name + "*"))  # with -wal, -shm
    return {"counts": counts, "database_bytes": size}


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in {"prepare", "inspect"}:
        raise SystemExit("usage: database.py prepare|inspect")
    _setup()
    print(json.dumps(prepare() if command == "prepare" else inspect()))
