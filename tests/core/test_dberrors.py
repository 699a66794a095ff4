"""A database error says what happened (issue 13): a busy database asks to retry, a missing table to migrate,
too many SQL variables is a bug to report; on the web a request that waited on the write lock gets a French 503
page with Retry-After, not a 500."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest
from django.db import DatabaseError, OperationalError, ProgrammingError, connection, transaction
from django.test import RequestFactory
from typer.testing import CliRunner

from grappe import cli
from grappe.core import dberrors
from grappe.core.dberrors import Kind


@pytest.mark.parametrize(
    ("error", "kind", "says", "never"),
    [
        (OperationalError("database is locked"), Kind.BUSY, "réessayez dans un instant", "migrate"),
        (OperationalError("no such table: registry_organisation"), Kind.SCHEMA, "grappe migrate", "défaut"),
        (
            OperationalError("table registry_person has no column named country"),
            Kind.SCHEMA,
            "migrate",
            "occupée",
        ),
        (OperationalError("too many SQL variables"), Kind.TOO_MANY_VARIABLES, "défaut de Grappe", "migrate"),
        (OperationalError("unable to open database file"), Kind.UNREACHABLE, "DATABASE_URL", "migrate"),
        (OperationalError("database or disk is full"), Kind.FULL, "plein", "migrate"),
        (
            OperationalError("attempt to write a readonly database"),
            Kind.READ_ONLY,
            "lecture seule",
            "migrate",
        ),
        (DatabaseError("database disk image is malformed"), Kind.CORRUPT, "sauvegarde", "migrate"),
        (OperationalError("something new"), Kind.OTHER, "something new", "migrate"),
    ],
)
def test_each_database_failure_is_told_for_what_it_is(error, kind, says, never):
    assert dberrors.classify(error) is kind
    message = dberrors.describe(error)
    assert says in message and never not in message
    assert str(error) in message  # the database's own words, for a bug report


def test_the_cause_of_a_wrapping_error_is_read_and_other_errors_are_not_database_ones():
    wrapped = RuntimeError("écriture")
    wrapped.__cause__ = OperationalError("database is locked")
    assert dberrors.classify(wrapped) is Kind.BUSY and dberrors.is_transient(wrapped)
    assert dberrors.classify(ValueError("no such table")) is None
    assert not dberrors.is_transient(OperationalError("too many SQL variables"))


@pytest.mark.django_db
def test_a_real_missing_table_is_told_to_migrate_on_either_database():
    with pytest.raises((OperationalError, ProgrammingError)) as caught, transaction.atomic():
        connection.cursor().execute("SELECT * FROM grappe_table_never_migrated")
    assert dberrors.classify(caught.value) is Kind.SCHEMA


@pytest.mark.django_db
def test_a_real_statement_past_the_variable_limit_is_a_bug_to_report(old_sqlite_limit):
    from grappe.registry.models import Organisation

    if not old_sqlite_limit:
        pytest.skip("PostgreSQL binds the values client-side here: no such limit to reach")
    with pytest.raises(OperationalError) as caught:
        list(Organisation.objects.filter(pk__in=range(old_sqlite_limit + 1)))
    assert dberrors.classify(caught.value) is Kind.TOO_MANY_VARIABLES


@pytest.mark.django_db
def test_a_real_lock_wait_on_postgresql_is_busy():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's lock is shown by the file-backed tests below")
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"] or "localhost",
        port=int(settings["PORT"] or 5432),
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
    )
    try:
        other.execute("LOCK TABLE registry_organisation IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(OperationalError) as caught, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '200ms'")
            cursor.execute("SELECT count(*) FROM registry_organisation")
    finally:
        other.rollback()
        other.close()
    assert dberrors.classify(caught.value) is Kind.BUSY


# -- the command line ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("error", "code", "says"),
    [
        (OperationalError("database is locked"), 75, "occupée"),
        (OperationalError("too many SQL variables"), 2, "défaut de Grappe"),
        (OperationalError("no such table: intake_importjob"), 2, "grappe migrate"),
    ],
)
def test_the_cli_says_what_happened_and_exits_75_when_a_retry_can_succeed(
    monkeypatch, tmp_path, error, code, says
):
    from grappe.intake import services
    from grappe.registry.models import Association
    from intake.conftest import HEADERS, member_row

    Association.objects.create(name="Numélink")
    export = tmp_path / "membres.csv"
    export.write_text(";".join(HEADERS) + "\n" + ";".join(member_row(1)) + "\n", encoding="utf-8")

    def failing(**kwargs):
        raise error

    monkeypatch.setattr(services, "import_file", failing)
    cli._register_commands()
    result = CliRunner().invoke(cli.app, ["import", str(export), "--association", "Numélink"])
    assert result.exit_code == code, result.output
    said = " ".join(result.output.split())
    assert says in said
    if code == 75:
        assert "migrate" not in said


# -- the web -------------------------------------------------------------------------------------------------

TESTS_DIR = Path(__file__).resolve().parents[1]


def test_a_login_while_an_import_holds_the_sqlite_lock_gets_the_503_page(tmp_path):
    """A real SQLite file, a real lock held by another connection (as an import's write transaction holds it),
    and a login: it waits for the busy timeout, then gets the « base occupée » page."""
    database = tmp_path / "grappe.sqlite3"
    script = f"""
        import os, sqlite3
        os.environ["DJANGO_SETTINGS_MODULE"] = "grappe.settings"
        import django
        django.setup()
        from django.core.management import call_command
        from django.contrib.auth.models import User
        from django.test import Client
        call_command("migrate", verbosity=0)
        User.objects.create_user("direction", password="un-mot-de-passe-long")
        import time
        writer = sqlite3.connect({str(database)!r}, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # the import's transaction: the write lock is taken
        writer.execute("UPDATE auth_user SET first_name = 'Sophie'")
        client = Client(raise_request_exception=False)
        started = time.monotonic()
        response = client.post("/connexion/", {{"username": "direction", "password": "un-mot-de-passe-long"}})
        waited = time.monotonic() - started
        writer.execute("COMMIT")
        print(response.status_code, response.get("Retry-After"), round(waited, 1))
        print(response.content.decode())
        """
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "GRAPPE_DATA_DIR": str(tmp_path),
        "GRAPPE_SQLITE_BUSY_TIMEOUT": "0.5",
        "GRAPPE_ALLOWED_HOSTS": "testserver",
    }
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr
    status, retry_after, waited = done.stdout.splitlines()[0].split()
    page = done.stdout
    assert (status, retry_after) == ("503", "5")
    assert float(waited) >= 0.5  # it did wait for the lock first
    assert "La base de données est occupée" in page and "Rien n'a été modifié" in page


def test_a_busy_database_met_outside_a_view_gets_the_503_page_too(db):
    from grappe.middleware import server_error

    request = RequestFactory().get("/")
    try:
        raise OperationalError("database is locked")  # as the session middleware's save would
    except OperationalError:
        busy = server_error(request)
    try:
        raise OperationalError("no such table: django_session")
    except OperationalError:
        broken = server_error(request)
    assert busy.status_code == 503 and busy["Retry-After"] == "5"
    assert broken.status_code == 500
