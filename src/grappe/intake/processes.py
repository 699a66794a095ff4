"""A large file's rows validated on every core (issue 13, point 7).

Checking a row (identifiers, places, phones, e-mails) is pure Python and needs nothing of the database: one
core did it at about 4 500 rows/s while the machine's other cores sat idle. A file of at least
``GRAPPE_IMPORT_PARALLEL_ROWS`` rows is therefore checked by ``GRAPPE_IMPORT_PROCESSES`` worker processes (by
default one per core this process may use, at most four), chunk by chunk, in order; a smaller one, as before,
here.

- **Forked, not started afresh.** The workers are copies of this process made by ``fork``: Django, the
  reference data (communes, postcodes, NAF codes) and the file's validator are there without being loaded or
  sent again, and their memory pages stay shared with this process until written (``gc.freeze`` keeps the
  collector from writing into the old objects' headers). A worker touches neither the database nor the
  terminal, and ends with ``os._exit`` (``multiprocessing``'s way), so an inherited database connection is
  never used or closed by it.
- **Only from a main thread.** A web server's request threads never fork (a copy of a process with other
  threads running may hold their locks); the command line and the task worker run imports in their main thread.
- **What comes back** is what this process needs and no more: each chunk's counts, its issues, and, when the
  rows are to be written, its rows already packed as a staging frame (``grappe.intake.staging``). This process
  only reads the file and hands out chunks; at most two chunks per worker are in flight, so memory stays bounded.
- **Beside the write.** An import writes each chunk as soon as it is checked (``beside_write``): the importing
  process is then busy with the write, so one worker fewer is forked (one on two cores), and the import lasts
  about as long as its write instead of its validation and then its write.
- **A worker that dies** (killed, out of memory) ends the validation with a clear refusal; nothing is written
  (an import writing beside the workers rolls back).
"""

from __future__ import annotations

import gc
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from multiprocessing import get_all_start_methods, get_context

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from grappe.errors import UserError
from grappe.intake.reading import Row
from grappe.intake.staging import pack_frame
from grappe.intake.summary import ValidationSummary
from grappe.intake.validation import Issue, RowResult, RowValidator

# Workers by default, whatever the cores: each holds about 40 MiB of its own (the pages of shared objects it
# wrote, its remembered cells), and beyond four the write, in one process, is nearly all of an import anyway.
DEFAULT_MOST_WORKERS = 4
# Chunks in flight per worker: one being checked, one waiting, so that no worker waits for this process.
IN_FLIGHT_PER_WORKER = 2


@dataclass
class ValidatedChunk:
    """Consecutive rows of a file, checked: what the import's counts, issues and staging need of them."""

    summary: ValidationSummary
    issues: list[Issue] = field(default_factory=list)  # each with its row's company, in row order
    frame: bytes | None = None  # with ``pack``: the rows as a frame for ``StagedRows.add_frame``
    first_error_line: int | None = None

    def packed(self) -> bytes:
        """The frame of a chunk checked with ``pack``."""
        if self.frame is None:
            raise ValueError("this chunk was checked without pack")
        return self.frame


def check_chunk(validator: RowValidator, rows: Iterable[Row], *, pack: bool) -> ValidatedChunk:
    """Check ``rows``: their counts and issues, and with ``pack`` the rows themselves as a staging frame."""
    chunk = ValidatedChunk(summary=ValidationSummary(file_name="", sheet=""))
    checked: list[RowResult] = []
    for row in rows:
        result = validator.validate(row)
        chunk.summary.add(result)
        if result.has_errors and chunk.first_error_line is None:
            chunk.first_error_line = result.line
        chunk.issues.extend(replace(issue, company=result.company) for issue in result.issues)
        if pack:
            checked.append(result)
    if pack:
        chunk.frame = pack_frame(checked)
    return chunk


class CheckedChunks(Iterator[ValidatedChunk]):
    """``rows`` checked by ``validator`` in chunks of ``chunk_rows``, in order: by worker processes when the
    file is large enough and this process may fork (``in_workers``), here otherwise (``pack``: as in
    ``check_chunk``). Close it (``with``) when leaving before the last chunk: that stops the workers."""

    def __init__(
        self,
        rows: Iterable[Row],
        validator: RowValidator,
        *,
        pack: bool,
        chunk_rows: int,
        beside_write: bool = False,
    ):
        rows = iter(rows)
        workers = worker_count()
        # Beside a write, this process is busy with it: it counts as one of the processes, and a single worker
        # already takes the checking off it. Otherwise this process only hands out chunks, and one worker would
        # check no faster than this process itself.
        if beside_write:
            workers -= 1
        enough = workers >= (1 if beside_write else 2)
        threshold = parallel_from_rows()
        head = list(islice(rows, threshold)) if enough and may_fork() else []
        # Decided before the first chunk: a caller writing as the rows are checked does so only when the
        # checking runs beside it (grappe.intake.services.import_file).
        self.in_workers = len(head) >= threshold
        rest = chain(head, rows)
        self._chunks: Iterator[ValidatedChunk] = (
            _in_workers(rest, validator, pack=pack, workers=workers, chunk_rows=chunk_rows)
            if self.in_workers
            else (check_chunk(validator, chunk, pack=pack) for chunk in _chunks(rest, chunk_rows))
        )

    def __next__(self) -> ValidatedChunk:
        return next(self._chunks)

    def close(self) -> None:
        self._chunks.close()  # type: ignore[attr-defined]  # both sources are generators

    def __enter__(self) -> CheckedChunks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def checked_chunks(
    rows: Iterable[Row], validator: RowValidator, *, pack: bool, chunk_rows: int, beside_write: bool = False
) -> CheckedChunks:
    """``CheckedChunks`` of ``rows``: the chunks, and whether worker processes check them (``beside_write``:
    while this process writes the chunks already checked)."""
    return CheckedChunks(rows, validator, pack=pack, chunk_rows=chunk_rows, beside_write=beside_write)


def worker_count() -> int:
    """``GRAPPE_IMPORT_PROCESSES``: the processes a large file's rows are checked by (unset: one per core, at
    most ``DEFAULT_MOST_WORKERS``)."""
    value = settings.GRAPPE_IMPORT_PROCESSES
    if value in (None, ""):
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return min(cores, DEFAULT_MOST_WORKERS)
    return _at_least_one("GRAPPE_IMPORT_PROCESSES", value)


def parallel_from_rows() -> int:
    """``GRAPPE_IMPORT_PARALLEL_ROWS``: from how many rows a file is checked by workers."""
    return _at_least_one("GRAPPE_IMPORT_PARALLEL_ROWS", settings.GRAPPE_IMPORT_PARALLEL_ROWS)


def _at_least_one(name: str, value: object) -> int:
    # A user error, not a crash: the commands print it as one paragraph, the import changes nothing.
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UserError(
            f"{name} doit être un entier d'au moins 1 (reçu : « {value} ») ; corrigez la variable d'environnement."
        )
    return value


def may_fork() -> bool:
    """Fork only where it is safe: a POSIX ``fork``, from the process's main thread."""
    return "fork" in get_all_start_methods() and threading.current_thread() is threading.main_thread()


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


# What each worker checks with: set once, in the worker, from the arguments fork gave it (never pickled).
_worker_validator: RowValidator | None = None
_worker_language: str | None = None


def _adopt(validator: RowValidator, language: str | None) -> None:
    global _worker_validator, _worker_language
    _worker_validator, _worker_language = validator, language


def _check_in_worker(rows: list[tuple[int, tuple[str, ...]]], pack: bool) -> ValidatedChunk:
    assert _worker_validator is not None  # set by _adopt when the worker started
    with translation.override(_worker_language):
        return check_chunk(
            _worker_validator, [Row(line=line, cells=cells) for line, cells in rows], pack=pack
        )


@contextmanager
def _frozen() -> Iterator[None]:
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _in_workers(
    rows: Iterable[Row], validator: RowValidator, *, pack: bool, workers: int, chunk_rows: int
) -> Iterator[ValidatedChunk]:
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("fork"),
        initializer=_adopt,
        initargs=(validator, translation.get_language()),
    )
    in_flight: deque[Future[ValidatedChunk]] = deque()
    try:
        for number, chunk in enumerate(_chunks(rows, chunk_rows)):
            cells = [(row.line, row.cells) for row in chunk]
            # The workers are forked at the first submission: frozen then, the objects this process holds are
            # left alone by the workers' collector, and their pages stay shared.
            with _frozen() if number == 0 else nullcontext():
                in_flight.append(executor.submit(_check_in_worker, cells, pack))
            if len(in_flight) >= workers * IN_FLIGHT_PER_WORKER:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()
    except BrokenProcessPool as error:
        raise UserError(
            _(
                "La vérification des lignes s'est arrêtée : un de ses processus a été interrompu (manque de "
                "mémoire ?). Rien n'a été modifié ; relancez l'import, ou réglez GRAPPE_IMPORT_PROCESSES=1."
            )
        ) from error
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
