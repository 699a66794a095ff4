"""Validated rows kept on disk between validation and the write transaction.

An import is all or nothing, so its writes share one transaction; but reading, parsing and validating the rows
need no transaction at all. They run first, into a ``StagedRows`` file, and the transaction then only writes:
on SQLite, whose one write lock every other writer (another import, a login saving its session) waits on, the
lock is held for the writes alone (issue 13, row 7). Each row is also validated once instead of twice.

The file is a temporary one, deleted when closed, in compressed batches: memory stays bounded by one batch
whatever the size of the import. It holds pickles written by this process or by the workers it forked to check
the rows (``grappe.intake.processes``), read by this process only, never a user's file.
Each row is pickled as plain tuples (``_pack``), not as its dataclasses: pickling an object writes and reads
its class and its attributes by name, and a row holds about thirty ``Value`` objects; as tuples, a batch is
written and read back about twice as fast, and ``_unpack`` gives back equal objects.
"""

from __future__ import annotations

import pickle
import struct
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from types import TracebackType

from grappe.intake.validation import Issue, RowResult, Value

_FRAME = struct.Struct(">Q")  # the length of the compressed batch that follows


# A row as tuples: line, cells, ((key, value, column), …), (issue's fields, …), country, company, corrections.
_Packed = tuple[
    int,
    tuple[str, ...],
    tuple[tuple[str, object, str], ...],
    tuple[tuple[object, ...], ...],
    str | None,
    str,
    tuple[tuple[str, str, str], ...],
]


def _pack(row: RowResult) -> _Packed:
    return (
        row.line,
        row.cells,
        tuple((key, value.value, value.column) for key, value in row.values.items()),
        tuple(
            (
                issue.line,
                issue.column,
                issue.field,
                issue.value,
                issue.code,
                issue.message,
                issue.expected,
                issue.severity,
                issue.company,
            )
            for issue in row.issues
        ),
        row.country,
        row.company,
        tuple(row.corrections),
    )


def _unpack(packed: _Packed) -> RowResult:
    line, cells, values, issues, country, company, corrections = packed
    return RowResult(
        line=line,
        cells=cells,
        values={key: Value(value, column) for key, value, column in values},
        issues=[Issue(*fields) for fields in issues],  # type: ignore[arg-type]
        country=country,
        company=company,
        corrections=list(corrections),
    )


def pack_frame(rows: Iterable[RowResult]) -> bytes:
    """Rows as one frame of the staging file: the write's batch (``StagedRows.batches``)."""
    # Level 1: the cells are text that compresses several times over at little cost.
    return zlib.compress(pickle.dumps([_pack(row) for row in rows], pickle.HIGHEST_PROTOCOL), 1)


def unpack_frame(frame: bytes) -> list[RowResult]:
    """The rows of a frame ``pack_frame`` made: a batch for the write."""
    return [_unpack(packed) for packed in pickle.loads(zlib.decompress(frame))]


class StagedRows:
    """Append frames of validated rows (``pack_frame``), then read them back frame by frame, in order."""

    def __init__(self) -> None:
        self.rows = 0
        self._file = tempfile.TemporaryFile(prefix="grappe-staging-")  # noqa: SIM115 (closed by close())

    def add_frame(self, frame: bytes, rows: int) -> None:
        """Append ``rows`` rows packed by ``pack_frame``, here or in a worker (``grappe.intake.processes``)."""
        self._file.write(_FRAME.pack(len(frame)))
        self._file.write(frame)
        self.rows += rows

    def batches(self) -> Iterator[list[RowResult]]:
        self._file.seek(0)
        while header := self._file.read(_FRAME.size):
            (length,) = _FRAME.unpack(header)
            yield unpack_frame(self._file.read(length))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> StagedRows:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
