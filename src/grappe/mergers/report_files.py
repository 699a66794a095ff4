"""A merger's report as files: the CSV and the PDF, built once by one function and kept until the merger changes.

On 10,000 members brought into 38,369, building both took 88 s and 1.17 GB inside the request (issue 13):
longer than a production server lets a request live. So the files are built by ``build_report_files`` — in
the worker for a large merger, in the request for a small one (``runs_in_background``), the same function
either way — and kept under ``MEDIA_ROOT/merger_reports/<merger>/``, one pair per language.

A kept file is only served while the merger is as it was when the file was built: its name carries the
merger's version (``report_version``: its status and the last entry of its log, which every decision, apply and
undo writes), so a decision, an apply or an undo makes the files stale, and they are built again when asked for.
Files are written aside and renamed once both are complete, so a download never reads half a file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import translation

from grappe.jobs import ProgressCallback
from grappe.mergers import report as merger_reports
from grappe.mergers.models import AuditEntry, Merger

FOLDER = "merger_reports"
FORMATS = ("csv", "pdf")


def report_version(merger: Merger) -> str:
    """What the report depends on, as a name: the merger's status and the last entry of its log (decisions,
    bulk acceptance, mapping, replanning, apply and undo each write one). The registry's own edits are not
    in it: a kept file says when it was prepared and can be prepared again."""
    last = AuditEntry.objects.filter(merger=merger).order_by("-pk").values_list("pk", "at").first()
    if last is None:
        return f"{merger.status}-0"
    # The time as well as the id: a database restored from a backup reuses ids, never the same instants.
    return f"{merger.status}-{last[0]}-{int(last[1].timestamp() * 1_000_000)}"


def report_size(merger: Merger) -> int:
    """The rows the report lists, as an estimate read without building it: the absorbed network's members
    (each a new member or an overlap) and the candidate pairs (conflicts and decisions)."""
    counts = (merger.summary or {}).get("counts", {})
    return int(counts.get("absorbed_members", 0) or 0) + merger.pairs.count()


def runs_in_background(merger: Merger) -> bool:
    """A report above ``GRAPPE_MERGERS_REPORT_DIRECT_MAX_ROWS`` rows is built by the worker; a smaller one in
    the request that asks for it. Measured on a 2-core machine, both files took 2 s at 2,000 listed rows (the
    PDF's annexes name every member), and grow faster than the rows: 1,000 stays about a second."""
    return report_size(merger) > settings.GRAPPE_MERGERS_REPORT_DIRECT_MAX_ROWS


def merger_folder(merger_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER / str(merger_id)


@dataclass(frozen=True)
class ReportFile:
    merger_id: int
    version: str
    language: str
    format: str

    @property
    def path(self) -> Path:
        return merger_folder(self.merger_id) / f"{self.version}.{self.language}.{self.format}"

    def exists(self) -> bool:
        return self.path.is_file()


def active_language() -> str:
    """The language the report is read in: the request's (or the job's, which keeps its asker's), else the
    site's. The one rule for the files' names, the pages and the jobs."""
    return translation.get_language() or settings.LANGUAGE_CODE


def _files(merger: Merger, language: str, formats: Iterable[str]) -> dict[str, ReportFile]:
    """The files of ``formats`` for ``merger`` as it stands now: its version read once for all of them."""
    formats = tuple(formats)
    unknown = [format for format in formats if format not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"unknown report format: {unknown[0]!r}" if unknown else "no report format asked")
    version = report_version(merger)
    return {format: ReportFile(merger.pk, version, language, format) for format in formats}


def report_file(merger: Merger, language: str, format: str) -> ReportFile:
    """The file of ``merger``'s report as the merger stands now (it may not be built yet)."""
    return _files(merger, language, [format])[format]


def prepared_files(merger: Merger, language: str) -> dict[str, ReportFile]:
    """The report's files built for ``merger`` as it stands now, in ``language``, by format."""
    return {format: file for format, file in _files(merger, language, FORMATS).items() if file.exists()}


def build_report_files(
    *,
    merger: Merger,
    language: str,
    formats: Iterable[str] = FORMATS,
    progress: ProgressCallback | None = None,
) -> dict[str, ReportFile]:
    """Build ``formats`` (the CSV and the PDF by default) of ``merger``'s report in the active language (the
    caller sets it to ``language``) and keep them, replacing the files of earlier versions; the files by
    format. The merger's version is read once, before the figures: every file of the build carries it (a
    change landing meanwhile makes them stale, never a CSV and a PDF of two states)."""

    def report(stage: str) -> None:  # the stages of ``labels.ACTION_STEPS["report"]``
        if progress is not None:
            progress(stage, 0, None)

    files = _files(merger, language, formats)
    report("figures")
    data = merger_reports.merger_report(merger)
    folder = merger_folder(merger.pk)
    folder.mkdir(parents=True, exist_ok=True)
    scratch = {
        format: file.path.with_name(f"{file.path.name}.{os.getpid()}.tmp") for format, file in files.items()
    }
    try:
        if "csv" in files:
            report("csv")
            with scratch["csv"].open("w", encoding="utf-8", newline="") as stream:
                merger_reports.write_report_csv(data, stream)
        if "pdf" in files:
            report("pdf")
            scratch["pdf"].write_bytes(merger_reports.render_report_pdf(data))
        # All or none: a download never finds one format of this build without the others.
        for format, file in files.items():
            os.replace(scratch[format], file.path)
    finally:
        for path in scratch.values():
            path.unlink(missing_ok=True)
    _remove_stale(merger.pk, next(iter(files.values())).version)
    return files


def _remove_stale(merger_id: int, version: str) -> None:
    """Remove the files of earlier versions (this version's, in any language, stay: they are current)."""
    for path in merger_folder(merger_id).glob("*"):
        if not path.name.startswith(f"{version}.") and not path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)


def forget_reports(merger_id: int) -> None:
    """Remove every kept file of ``merger_id``'s report (after apply or undo, none of them is current)."""
    shutil.rmtree(merger_folder(merger_id), ignore_errors=True)
