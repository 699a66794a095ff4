import pytest

from grappe.core.chunks import DEFAULT_SIZE, chunked


def test_chunks_keep_order_and_cut_the_last_one_short():
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []


def test_chunks_read_a_generator_lazily():
    seen = []

    def numbers():
        for n in range(10):
            seen.append(n)
            yield n

    first = next(chunked(numbers(), 4))
    assert first == [0, 1, 2, 3] and seen == [0, 1, 2, 3]


def test_the_default_stays_under_the_oldest_sqlite_limit_with_room_to_spare():
    assert DEFAULT_SIZE * 2 <= 999 + 1 and DEFAULT_SIZE < 999


def test_a_chunk_has_at_least_one_item():
    with pytest.raises(ValueError):
        list(chunked([1], 0))


@pytest.fixture
def old_sqlite_limit():
    """The variable limit of older SQLite builds (999) on this connection, for the length of the test. On
    PostgreSQL (no such limit) the test still runs, as a check that chunking changes nothing."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    import sqlite3

    connection.ensure_connection()
    previous = connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    yield
    connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, previous)


@pytest.mark.django_db
def test_snapshot_reads_and_restores_more_rows_than_old_sqlite_binds_at_once(old_sqlite_limit):
    from grappe.mergers.snapshot import _restore_rows, dump_rows
    from grappe.registry.models import Person

    Person.objects.bulk_create(Person(last_name=f"Nom {n}") for n in range(1200))
    pks = list(Person.objects.values_list("pk", flat=True))
    rows = dump_rows(Person, pks)
    assert len(rows) == 1200
    Person.objects.filter(pk__in=pks[:600]).delete()
    _restore_rows(Person, rows)
    assert dump_rows(Person, pks) == rows
