"""Long writers of the registry take turns on PostgreSQL (``grappe.core.locks``): an import's write, a merger's
apply and its undo wait for the one under way instead of deadlocking with it; a web request's thread waits
``GRAPPE_BUSY_TIMEOUT`` at most and is told the database is busy, with nothing changed."""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from grappe.core import dberrors
from grappe.core.locks import BULK_WRITE_KEY, take_bulk_write_turn
from grappe.intake.services import import_file
from grappe.mergers import services as mergers
from grappe.registry.models import Association, Organisation
from intake.conftest import HEADERS, member_row
from mergers import scenario

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite's one write lock queues writers already"
    ),
]


@pytest.fixture
def other_writer() -> Iterator[Callable[[], None]]:
    """Another session holding the long writers' turn, as a merger's apply would; call it to let go."""
    other = psycopg.connect(**_params(), autocommit=True)
    other.execute("SELECT pg_advisory_lock(%s)", [BULK_WRITE_KEY])

    def release() -> None:
        other.execute("SELECT pg_advisory_unlock(%s)", [BULK_WRITE_KEY])

    yield release
    other.close()


def _in_a_request_thread(work: Callable[[], object]) -> BaseException | None:
    """Run ``work`` in another thread, as a web server's request would; what it raised."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:
            raised.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return raised[0] if raised else None


def test_an_import_waits_for_the_writer_before_it_then_writes(tmp_path, other_writer):
    association = Association.objects.create(name="Numélink")
    path = _members(tmp_path)
    threading.Timer(1.0, other_writer).start()

    started = time.monotonic()
    result = import_file(path=path, association=association)

    assert time.monotonic() - started >= 0.9  # it waited for the other writer's turn to end
    assert result.imported_rows == 5 and Organisation.objects.count() == 5


def test_a_request_waits_its_bounded_time_then_hears_the_database_is_busy(tmp_path, settings, other_writer):
    settings.GRAPPE_BUSY_TIMEOUT = 0.3
    association = Association.objects.create(name="Numélink")
    path = _members(tmp_path)

    error = _in_a_request_thread(lambda: import_file(path=path, association=association))

    assert isinstance(error, DatabaseError) and dberrors.classify(error) is dberrors.Kind.BUSY
    assert not Organisation.objects.exists()


def test_a_mergers_apply_and_undo_take_the_same_turn(tmp_path, settings):
    world = scenario.build(tmp_path)
    merger = mergers.plan_merger(
        absorbing=world.numelink, absorbed=world.auvergne_tic, effective_on=scenario.EFFECTIVE
    )
    mergers.set_membership_type_mapping(merger=merger, mapping={}, user=None)
    settings.GRAPPE_BUSY_TIMEOUT = 0.3

    with psycopg.connect(**_params(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [BULK_WRITE_KEY])  # an import's write under way
        error = _in_a_request_thread(lambda: mergers.apply_merger(merger=merger, accept_auto_only=True))
    assert dberrors.classify(error) is dberrors.Kind.BUSY
    merger.refresh_from_db()
    assert merger.status == merger.Status.PLANNED

    mergers.apply_merger(merger=merger, accept_auto_only=True)
    with psycopg.connect(**_params(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [BULK_WRITE_KEY])
        error = _in_a_request_thread(lambda: mergers.undo_merger(merger=merger))
    assert dberrors.classify(error) is dberrors.Kind.BUSY
    merger.refresh_from_db()
    assert merger.status == merger.Status.APPLIED


def test_the_wait_bound_does_not_outlive_the_wait(settings):
    """A request's bound applies to waiting for the turn only: the rest of its transaction keeps the session's
    lock_timeout, so an ordinary row lock is not cut short."""
    settings.GRAPPE_BUSY_TIMEOUT = 0.3
    seen: list[str] = []

    def take() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            before = cursor.fetchone()[0]
            take_bulk_write_turn()
            cursor.execute("SHOW lock_timeout")
            seen.extend([before, cursor.fetchone()[0]])

    assert _in_a_request_thread(take) is None
    assert seen[0] == seen[1]


def _members(tmp_path) -> Path:
    path = tmp_path / "membres.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(HEADERS)
        writer.writerows(member_row(n) for n in range(5))
    return path


def _params() -> dict:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return params
