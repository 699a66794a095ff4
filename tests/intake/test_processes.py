"""A large file's rows checked by worker processes give exactly what checking them here gives: the same counts,
the same issues in the same order and language, the same staged rows; a worker that dies stops the import with a
clear message and nothing written; a thread never forks."""

from __future__ import annotations

import itertools
import os
import threading

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from grappe.errors import UserError
from grappe.intake import processes, services
from grappe.intake.reading import open_table
from grappe.intake.selectors import resolve_mapping
from grappe.intake.services import import_file, validate_table
from grappe.intake.staging import StagedRows
from grappe.intake.summary import ValidationSummary
from grappe.intake.validation import Issue, RowResult
from grappe.registry.models import Organisation, SourceRecord

from .conftest import member_row, siret

ROWS = 420


def _rows() -> list[list[str]]:
    """Valid rows, and among them rows with errors, refused values and local phones, in every chunk."""
    rows = []
    for n in range(ROWS):
        if n % 7 == 3:
            rows.append(member_row(n, **{"Raison sociale": ""}))  # an error: the row is refused
        elif n % 11 == 5:
            wrong = siret(n)[:-1] + str((int(siret(n)[-1]) + 1) % 10)  # one digit off: the checksum fails
            rows.append(member_row(n, SIRET=wrong))
        elif n % 13 == 6:
            rows.append(member_row(n, **{"Téléphone": "3865286", "E-mail": "pas une adresse"}))
        else:
            rows.append(member_row(n % 150, SIRET=siret(n % 150, n + 1)))
    return rows


@pytest.fixture
def file_of_rows(write_csv):
    return write_csv(_rows())


@pytest.fixture
def workers_used(monkeypatch):
    """How many times the rows were handed to worker processes."""
    calls = []
    real = processes._in_workers

    def counted(*args, **kwargs):
        calls.append(kwargs["workers"])
        yield from real(*args, **kwargs)

    monkeypatch.setattr(processes, "_in_workers", counted)
    return calls


def _validate(path, association, *, processes_setting, settings_fixture):
    settings_fixture.GRAPPE_IMPORT_PROCESSES = processes_setting
    settings_fixture.GRAPPE_IMPORT_PARALLEL_ROWS = 100
    table = open_table(path)
    issues: list[Issue] = []
    with StagedRows() as staged:
        summary = validate_table(
            table=table,
            mapping=resolve_mapping(headers=table.headers, association=association),
            on_issue=issues.append,
            staged=staged,
        )
        batches = list(staged.batches())
    return summary, issues, batches


@pytest.mark.parametrize("language", ["fr", "en"])
def test_workers_give_the_counts_issues_and_staged_rows_checking_here_gives(
    association, file_of_rows, settings, monkeypatch, workers_used, language
):
    monkeypatch.setattr(services, "BATCH_SIZE", 50)  # nine chunks, more than the workers hold at once
    with translation.override(language):
        here = _validate(file_of_rows, association, processes_setting=1, settings_fixture=settings)
        assert workers_used == []
        in_workers = _validate(file_of_rows, association, processes_setting=2, settings_fixture=settings)
    assert workers_used == [2]

    summary, issues, batches = in_workers
    assert summary == here[0]
    assert issues == here[1]
    assert batches == here[2]
    assert summary.rows == ROWS and 0 < summary.invalid_rows < ROWS and summary.warnings > 0
    assert [len(batch) for batch in batches] == [50] * 8 + [20]
    assert [row.line for batch in batches for row in batch] == list(range(2, ROWS + 2))


def test_the_issue_messages_follow_the_language_in_the_workers(association, file_of_rows, settings):
    with translation.override("fr"):
        _, french, _ = _validate(file_of_rows, association, processes_setting=2, settings_fixture=settings)
    with translation.override("en"):
        _, english, _ = _validate(file_of_rows, association, processes_setting=2, settings_fixture=settings)
    assert [issue.code for issue in french] == [issue.code for issue in english]
    assert any(a.message != b.message for a, b in zip(french, english, strict=True))


def test_an_import_checked_by_workers_keeps_every_row_verbatim_in_order(association, file_of_rows, settings):
    settings.GRAPPE_IMPORT_PROCESSES = 2
    settings.GRAPPE_IMPORT_PARALLEL_ROWS = 100

    result = import_file(path=file_of_rows, association=association, skip_invalid=True)

    records = list(
        SourceRecord.objects.order_by("line_number").values_list("line_number", "values", "status")
    )
    assert [line for line, _, _ in records] == list(range(2, ROWS + 2))
    assert [values for _, values, _ in records] == _rows()
    assert result.rejected_rows == sum(1 for _, _, status in records if status == "rejected") > 0
    assert result.imported_rows + result.rejected_rows == ROWS
    assert Organisation.objects.exists()


def test_a_worker_that_dies_stops_the_import_with_nothing_written(
    association, file_of_rows, settings, monkeypatch, counts
):
    settings.GRAPPE_IMPORT_PROCESSES = 2
    settings.GRAPPE_IMPORT_PARALLEL_ROWS = 100
    before = counts()

    def killed(*args, **kwargs):
        os._exit(9)  # as the kernel's out-of-memory killer would end it: no exception, no goodbye

    monkeypatch.setattr(processes, "check_chunk", killed)  # only the forked workers call it here

    with pytest.raises(UserError, match=r"interrompu.*Rien n'a été modifié"):
        import_file(path=file_of_rows, association=association, skip_invalid=True)
    assert counts() == before


def test_a_thread_checks_the_rows_itself(association, file_of_rows, settings, workers_used):
    """A web server's request thread never forks: the rows are checked in the thread, to the same result."""
    found = {}

    def validate():
        found["result"] = _validate(file_of_rows, association, processes_setting=2, settings_fixture=settings)

    thread = threading.Thread(target=validate)
    thread.start()
    thread.join()

    assert workers_used == []
    assert found["result"][0].rows == ROWS


def test_a_small_file_is_checked_here(association, write_csv, settings, workers_used):
    settings.GRAPPE_IMPORT_PROCESSES = 2
    settings.GRAPPE_IMPORT_PARALLEL_ROWS = 2000
    result = import_file(path=write_csv([member_row(n) for n in range(30)]), association=association)
    assert result.imported_rows == 30 and workers_used == []


@pytest.mark.parametrize("value", ["deux", 0, -1, True])
def test_a_wrong_process_setting_is_refused_by_name_before_anything_is_read(
    association, file_of_rows, settings, counts, value
):
    settings.GRAPPE_IMPORT_PROCESSES = value
    before = counts()
    with pytest.raises(UserError, match="GRAPPE_IMPORT_PROCESSES"):
        import_file(path=file_of_rows, association=association)
    assert counts() == before


def test_by_default_one_worker_a_core_and_at_most_four(settings, monkeypatch):
    settings.GRAPPE_IMPORT_PROCESSES = None
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert processes.worker_count() == 2
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert processes.worker_count() == 4
    settings.GRAPPE_IMPORT_PROCESSES = 6  # set by the administrator: taken as it is
    assert processes.worker_count() == 6


def test_a_wrong_threshold_is_refused_by_name(association, file_of_rows, settings):
    settings.GRAPPE_IMPORT_PARALLEL_ROWS = 0
    with pytest.raises(UserError, match="GRAPPE_IMPORT_PARALLEL_ROWS"):
        import_file(path=file_of_rows, association=association, dry_run=True)


_issue = st.builds(
    Issue,
    line=st.just(1),
    column=st.sampled_from(["", "SIRET", "Téléphone"]),
    field=st.sampled_from(["establishment.siret", "establishment.phone", "organisation.name"]),
    value=st.just(""),
    code=st.just("x"),
    message=st.just(""),
    expected=st.just(""),
    severity=st.sampled_from(["error", "warning", "info"]),
)
_result = st.builds(RowResult, line=st.just(1), cells=st.just(()), issues=st.lists(_issue, max_size=3))


@settings(max_examples=50, deadline=None)
@given(results=st.lists(_result, max_size=12), cuts=st.lists(st.integers(0, 12), max_size=4))
def test_chunks_counted_apart_then_merged_count_as_one_pass(results, cuts):
    whole = ValidationSummary(file_name="f", sheet="")
    for result in results:
        whole.add(result)

    merged = ValidationSummary(file_name="f", sheet="")
    bounds = [0, *sorted(min(cut, len(results)) for cut in cuts), len(results)]
    for start, end in itertools.pairwise(bounds):
        part = ValidationSummary(file_name="", sheet="")
        for result in results[start:end]:
            part.add(result)
        merged.merge(part)

    assert merged == whole
