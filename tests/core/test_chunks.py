import pytest

from grappe.core.chunks import DEFAULT_SIZE, chunked, in_chunks


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


# More values than any database binds in one statement: SQLite's stock 32,766, PostgreSQL's 65,535.
PAST_EVERY_LIMIT = 70_000


@pytest.mark.django_db
def test_in_chunks_finds_the_rows_among_more_values_than_a_statement_binds(old_sqlite_limit):
    from django.db import OperationalError

    from grappe.registry.models import Organisation

    kept = [Organisation.objects.create(name=f"Membre {n}").pk for n in range(3)]
    wanted = [*range(10**9, 10**9 + PAST_EVERY_LIMIT), *kept, kept[0]]
    queryset = Organisation.objects.values_list("pk", flat=True)

    found = [pk for chunk in in_chunks(queryset, "pk", wanted) for pk in chunk]

    assert sorted(found) == kept
    assert sum(chunk.count() for chunk in in_chunks(queryset, "pk", wanted, size=999)) == 3
    if old_sqlite_limit:  # the same filter unchunked is what users' older SQLite refuses
        with pytest.raises(OperationalError, match="too many SQL variables"):
            list(queryset.filter(pk__in=wanted))
