"""A large file is written while the worker processes check the rest of it, with the same promises as before: the
same registry as an import checked first and written after, every row counted when a row in error refuses the
file, and nothing written when the import stops half-way (a row in error, a worker killed, a file changed since
its validation)."""

from __future__ import annotations

import os

import pytest
from django.db import transaction

from grappe.errors import UserError
from grappe.intake import processes, services
from grappe.intake.reading import open_table
from grappe.intake.selectors import resolve_mapping
from grappe.intake.services import ImportRefused, import_file, validate_table, write_table
from grappe.registry.models import SourceFile

from .conftest import member_row, siret
from .test_write_equivalence import canonical_dump

ROWS = 420
LATE_ERROR = 401  # a line in the eighth chunk of 50: the write has begun when it is checked


def _rows(*, error_at: int | None = None) -> list[list[str]]:
    rows = []
    for n in range(ROWS):
        line = n + 2
        if line == error_at:
            rows.append(member_row(n, **{"Raison sociale": ""}))  # an error: no company name
        elif n % 9 == 4:
            rows.append(member_row(n, **{"Téléphone": "3865286"}))  # a phone not read: counted as such
        elif n % 10 == 7:
            rows.append(member_row(n, **{"E-mail": "pas une adresse"}))  # a value refused, the row kept
        else:
            rows.append(member_row(n % 180, SIRET=siret(n % 180, n + 1)))  # a company seen again
    return rows


@pytest.fixture
def in_chunks_of_50(monkeypatch, settings):
    """Nine chunks, checked by two workers from 100 rows on."""
    monkeypatch.setattr(services, "BATCH_SIZE", 50)
    settings.GRAPPE_IMPORT_PROCESSES = 2
    settings.GRAPPE_IMPORT_PARALLEL_ROWS = 100
    return settings


@pytest.fixture
def events(monkeypatch):
    """The order in which chunks came back from the checking and batches went to the write."""
    seen: list[str] = []
    check, write = services._Tally.add, services._BatchWriter.write

    def checked(self, chunk):
        seen.append("checked")
        return check(self, chunk)

    def written(self, batch):
        seen.append("written")
        return write(self, batch)

    monkeypatch.setattr(services._Tally, "add", checked)
    monkeypatch.setattr(services._BatchWriter, "write", written)
    return seen


def test_the_write_begins_before_the_checking_ends_and_gives_the_same_registry(
    association, write_csv, in_chunks_of_50, events
):
    path = write_csv(_rows())
    in_chunks_of_50.GRAPPE_IMPORT_PROCESSES = 1
    with transaction.atomic():
        checked_first = import_file(path=path, association=association)
        expected = canonical_dump()
        transaction.set_rollback(True)
    assert "written" not in events[: events.index("checked") + 9]  # here: every chunk checked, then written
    events.clear()

    in_chunks_of_50.GRAPPE_IMPORT_PROCESSES = 2
    result = import_file(path=path, association=association)

    assert events.index("written") < len(events) - 1 - events[::-1].index("checked")
    assert canonical_dump() == expected
    assert result.summary == checked_first.summary
    assert result.summary.unread and result.summary.warnings
    source = SourceFile.objects.get()
    assert source.local_values == dict(checked_first.summary.kept_local)
    assert source.unread_values == dict(checked_first.summary.unread)
    assert (source.row_count, source.imported_count) == (ROWS, ROWS)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_late_row_in_error_refuses_the_file_with_every_row_counted_and_nothing_written(
    association, write_csv, in_chunks_of_50, events, counts, workers
):
    path = write_csv(_rows(error_at=LATE_ERROR))
    table = open_table(path)
    dry_run = validate_table(
        table=table, mapping=resolve_mapping(headers=table.headers, association=association)
    )
    in_chunks_of_50.GRAPPE_IMPORT_PROCESSES = workers
    before = counts()

    with pytest.raises(ImportRefused, match=r"1 ligne\(s\) sur 420.*Rien n'a été modifié") as refused:
        import_file(path=path, association=association)

    assert refused.value.summary == dry_run
    assert counts() == before
    assert ("written" in events) == (workers == 2)  # with workers the write had begun, and was rolled back


def test_a_worker_killed_after_the_write_began_leaves_nothing_written(
    association, write_csv, in_chunks_of_50, events, monkeypatch, counts
):
    path = write_csv(_rows())
    before = counts()
    real = processes.check_chunk

    def killed_late(validator, rows, *, pack):
        rows = list(rows)
        if rows[0].line > 300:
            os._exit(9)  # the kernel's out-of-memory killer: no exception, no goodbye
        return real(validator, rows, pack=pack)

    monkeypatch.setattr(processes, "check_chunk", killed_late)  # only the forked workers call it here

    with pytest.raises(UserError, match=r"interrompu.*Rien n'a été modifié"):
        import_file(path=path, association=association)
    assert "written" in events
    assert counts() == before


def test_a_file_changed_since_its_validation_is_refused_half_way_with_nothing_written(
    association, write_csv, tmp_path, in_chunks_of_50, events, counts
):
    """The web's import writes a file validated in an earlier step, checking its rows again as it writes."""
    validated = open_table(write_csv(_rows()))
    mapping = resolve_mapping(headers=validated.headers, association=association)
    summary = validate_table(table=validated, mapping=mapping)
    changed = open_table(write_csv(_rows(error_at=LATE_ERROR), name="changed.csv"))
    before = counts()

    with pytest.raises(UserError, match=rf"ligne {LATE_ERROR} .* a changé depuis la validation"):
        write_table(
            table=changed,
            mapping=mapping,
            association=association,
            user=None,
            summary=summary,
            skip_invalid=False,
        )
    assert "written" in events
    assert counts() == before

    result = write_table(
        table=validated,
        mapping=mapping,
        association=association,
        user=None,
        summary=summary,
        skip_invalid=False,
    )
    assert result.imported_rows == ROWS
