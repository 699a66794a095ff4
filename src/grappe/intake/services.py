"""Importing an association's member export into the registry: the functions that change state.

The flow, whichever entry point calls it (``grappe import``, the upload pages, the demo loader):

1. ``open_table`` reads the file's shape (a ``ReadError`` here changes nothing);
2. the mapping is resolved and checked, and a file already imported (same SHA-256 and sheet) is refused;
3. pass 1 validates every row, streaming, and reports the issues (nothing is written); when progress is
   reported, the rows are counted first, so that both stages' progress bars have an end. The validated rows
   are staged on disk (``grappe.intake.staging``); an import job, validated in an earlier step, stages them
   again just before writing;
4. pass 2, inside one ``transaction.atomic``, writes the staged rows in batches (``grappe.intake.inserts``:
   keys reserved in advance, rows as tuples, ``executemany`` on SQLite, ``COPY`` on PostgreSQL): a
   ``SourceFile``, one verbatim ``SourceRecord`` per row, the organisations, establishments, memberships and
   people, and a ``Lineage`` row per stored value. Any exception leaves the database as it was. Rows checked
   in this process are checked before the transaction: on SQLite it holds the one write lock for the writes
   alone. A file checked by worker processes (``grappe.intake.processes``) is written as they check it, chunk
   by chunk, without staging: the checking runs on the other cores and ends with the write, and a row in
   error (unless skipped), a dead worker or a file changed since its validation rolls the whole write back.

Rows are never all held in memory: both passes stream (from ``Table.rows()``, then from the staged file or the
workers) and keep counters and a few batches only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grappe import jobs
from grappe.core.audit import record_event
from grappe.core.chunks import in_chunks
from grappe.core.locks import take_bulk_write_turn
from grappe.core.uploads import check_upload_size, keep_upload, upload_name
from grappe.errors import UserError
from grappe.france.countries import FRANCE, check_country
from grappe.intake import mapping as mapping_rules
from grappe.intake.collection import fewer_collections
from grappe.intake.headers import FIELDS, normalise_header
from grappe.intake.inserts import create_objects, insert_rows, new_object
from grappe.intake.models import ImportIssue, ImportJob, SavedMapping
from grappe.intake.processes import CheckedChunks, ValidatedChunk, checked_chunks
from grappe.intake.questions import (
    ImportAnswers,
    answer_values,
    check_answers,
    describe_answers,
    open_questions,
)
from grappe.intake.reading import Table, open_table
from grappe.intake.staging import StagedRows, unpack_frame
from grappe.intake.summary import ValidationSummary
from grappe.intake.validation import INFO, Issue, RowResult, RowValidator, Value, serialisable
from grappe.registry import services as registry_services
from grappe.registry.models import (
    Association,
    Establishment,
    Lineage,
    Membership,
    Organisation,
    Person,
    Role,
    SourceFile,
    SourceRecord,
)

# (stage, rows done, rows in total). Stages: "validation", then "import". The total is None only before the
# rows are counted (a web job's first state).
ProgressCallback = Callable[[str, int, int | None], None]
IssueCallback = Callable[[Issue], None]
STAGE_VALIDATION = "validation"
STAGE_IMPORT = "import"

# Rows written per round trip: large enough for the batched inserts to pay off, small enough to bound memory.
BATCH_SIZE = 500
PROGRESS_EVERY = 200
REJECTED_LINES_KEPT = 200  # rejected line numbers kept in the result for display; all are counted


class DuplicateFile(UserError):
    code = "intake.duplicate_file"


class ImportRefused(UserError):
    """Some rows have errors and the user did not choose to import only the valid ones."""

    code = "intake.invalid_rows"

    def __init__(self, message: str, *, summary: ValidationSummary, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.summary = summary


@dataclass
class ImportResult:
    summary: ValidationSummary
    dry_run: bool = False
    source_file: SourceFile | None = None
    imported_rows: int = 0
    rejected_rows: int = 0
    rejected_lines: list[int] = field(default_factory=list)
    organisations_created: int = 0
    rows_matched: int = 0  # rows attached to an organisation that existed before this import
    establishments_created: int = 0
    memberships_created: int = 0
    people_created: int = 0
    # The smallest and largest primary key the import gave each model it created rows of (model label →
    # [first, last]): the done page lists what the import created without keeping every id.
    created_pks: dict[str, list[int]] = field(default_factory=dict)

    def note_created(self, model: type[models.Model], rows: list[models.Model]) -> None:
        pks = [row.pk for row in rows if row.pk is not None]
        if not pks:
            return
        label = model._meta.label_lower
        first, last = self.created_pks.get(label, [min(pks), max(pks)])
        self.created_pks[label] = [min(first, *pks), max(last, *pks)]


# --------------------------------------------------------------------------------------------------------
# Checks (raise a UserError; change nothing)


def check_mapping(*, headers: tuple[str, ...], mapping: Mapping[int, str]) -> None:
    """A mapping names known fields, each at most once, on existing columns, and covers the required ones."""
    seen: dict[str, int] = {}
    for index, field_name in mapping.items():
        if not 0 <= index < len(headers):
            raise UserError(
                _(
                    "La correspondance désigne la colonne n° %(index)s, absente du fichier (%(count)s colonnes)."
                )
                % {"index": index + 1, "count": len(headers)}
            )
        if field_name not in FIELDS:
            raise UserError(
                _(
                    "Champ « %(field)s » inconnu pour la colonne « %(header)s ». Champs possibles : %(fields)s."
                )
                % {"field": field_name, "header": headers[index], "fields": ", ".join(FIELDS)}
            )
        if field_name in seen:
            raise UserError(
                _(
                    "Les colonnes « %(first)s » et « %(second)s » sont toutes deux associées à « %(label)s » : "
                    "gardez-en une seule."
                )
                % {
                    "first": headers[seen[field_name]],
                    "second": headers[index],
                    "label": FIELDS[field_name].label,
                }
            )
        seen[field_name] = index
    missing = [spec.label for spec in FIELDS.values() if spec.required and spec.name not in seen]
    if missing:
        raise UserError(
            _(
                "Aucune colonne n'est associée à « %(fields)s » (en-têtes du fichier : %(headers)s). Indiquez "
                "quelle colonne la contient dans la correspondance des colonnes."
            )
            % {"fields": ", ".join(str(label) for label in missing), "headers": ", ".join(headers)}
        )


def read_default_country(value: str | None) -> str:
    """The default country an import was given (« CH », « Suisse », "Switzerland"…) as ISO alpha-2; "FR"
    when none is given. An unreadable one refuses the import: rows would be read by the wrong rules."""
    outcome = check_country(value)
    if outcome.problem:
        raise UserError(
            _(
                "Pays par défaut « %(value)s » non reconnu : indiquez un code ISO (FR, CH, BE, US…) ou un nom de pays."
            )
            % {"value": value}
        )
    return outcome.value or FRANCE


def check_association_open(*, association: Association) -> None:
    """Members are imported into a living network: an absorbed one's members now belong to its absorber."""
    if association.status != Association.Status.ABSORBED:
        return
    raise UserError(
        _(
            "« %(name)s » a été absorbée par « %(into)s » le %(date)s : ses adhérents font désormais partie de "
            "« %(into)s ». Importez le fichier dans « %(into)s »."
        )
        % {
            "name": association.name,
            "into": association.absorbed_into,
            "date": date_format(association.absorbed_on, "d/m/Y") if association.absorbed_on else "",
        }
    )


def check_not_imported(*, sha256: str, sheet: str, file_name: str) -> None:
    """The same file content and sheet is imported once; say when, where and by whom it was."""
    earlier = (
        SourceFile.objects.select_related("association", "imported_by")
        .filter(sha256=sha256, sheet=sheet)
        .first()
    )
    if earlier is None:
        return
    if earlier.imported_by:
        who = _("par %(user)s") % {"user": earlier.imported_by.get_username()}
    else:
        who = _("depuis la ligne de commande")
    what = (
        _("La feuille « %(sheet)s » du fichier « %(name)s »") % {"sheet": sheet, "name": file_name}
        if sheet
        else _("Le fichier « %(name)s »") % {"name": file_name}
    )
    raise DuplicateFile(
        _(
            "%(what)s a déjà été importé(e) le %(date)s dans « %(association)s » %(who)s, sous le nom "
            "« %(earlier)s » (%(rows)s lignes, même contenu SHA-256). Un même fichier n'est importé qu'une "
            "fois ; rien n'a été modifié."
        )
        % {
            "what": what,
            "date": date_format(timezone.localtime(earlier.imported_at), "d/m/Y à H:i"),
            "association": earlier.association,
            "who": who,
            "earlier": earlier.original_name,
            "rows": earlier.row_count,
        }
    )


# --------------------------------------------------------------------------------------------------------
# Pass 1: validation


@fewer_collections()
def validate_table(
    *,
    table: Table,
    mapping: Mapping[int, str],
    on_issue: IssueCallback | None = None,
    progress: ProgressCallback | None = None,
    country: str = FRANCE,
    staged: StagedRows | None = None,
    corrections: Mapping[tuple[int, int], str] | None = None,
) -> ValidationSummary:
    """Validate every row of ``table`` without writing anything; stream the issues to ``on_issue``, and the
    validated rows to ``staged`` when given (for ``write_table``).

    ``country`` (ISO alpha-2) reads the rows that have no « Pays » cell of their own."""
    check_mapping(headers=table.headers, mapping=mapping)
    validator = RowValidator(headers=table.headers, mapping=mapping, country=country, corrections=corrections)
    tally = _Tally.begin(table, on_issue=on_issue, progress=progress)
    with checked_chunks(table.rows(), validator, pack=staged is not None, chunk_rows=BATCH_SIZE) as chunks:
        return _validate(chunks, tally, staged)


def _validate(
    chunks: Iterable[ValidatedChunk], tally: _Tally, staged: StagedRows | None
) -> ValidationSummary:
    for chunk in chunks:
        tally.add(chunk)
        if staged is not None:
            staged.add_frame(chunk.packed(), chunk.summary.rows)
    return tally.end()


@dataclass
class _Tally:
    """A validation's counts as its chunks come in: the summary, the issues passed on, the progress bar."""

    summary: ValidationSummary
    on_issue: IssueCallback | None
    progress: ProgressCallback | None
    total: int | None

    @classmethod
    def begin(
        cls, table: Table, *, on_issue: IssueCallback | None, progress: ProgressCallback | None
    ) -> _Tally:
        total = None
        if progress:
            # Reading the rows without checking them costs about 1 % of validating them (a 200,000-row CSV:
            # 1 s of 100 s), and gives the validation's progress bar an end.
            total = sum(1 for _ in table.rows())
            progress(STAGE_VALIDATION, 0, total)
        summary = ValidationSummary(file_name=table.file_name, sheet=table.sheet)
        return cls(summary=summary, on_issue=on_issue, progress=progress, total=total)

    def add(self, chunk: ValidatedChunk) -> None:
        before = self.summary.rows
        self.summary.merge(chunk.summary)
        if self.on_issue:
            for issue in chunk.issues:
                self.on_issue(issue)
        if self.progress and self.summary.rows // PROGRESS_EVERY != before // PROGRESS_EVERY:
            self.progress(STAGE_VALIDATION, self.summary.rows, self.total)

    def end(self) -> ValidationSummary:
        if self.progress:
            self.progress(STAGE_VALIDATION, self.summary.rows, self.summary.rows)
        return self.summary


# --------------------------------------------------------------------------------------------------------
# The import


@fewer_collections()
def import_file(
    *,
    path: Path | str,
    association: Association,
    mapping: Mapping[int, str] | None = None,
    user: User | None = None,
    file_name: str | None = None,
    sheet: str | None = None,
    header_line: int | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    on_issue: IssueCallback | None = None,
    country: str = FRANCE,
    answers: ImportAnswers | None = None,
) -> ImportResult:
    """Validate, then import the member export at ``path`` into ``association``, all or nothing.

    ``answers`` (``grappe import``'s flags) answer what the file does not say, checked by ``check_answers`` as
    the web's are, before anything is read or written: every open question answered (a dry run checks only the
    answers given). None: nothing is asked (the file's own cells, as before the questions existed).

    ``country`` (ISO alpha-2, France by default) is the country of the rows without a « Pays » cell: their
    postcodes and phones are read by its rules.

    ``mapping`` (column index → field of ``grappe.intake.headers.FIELDS``) defaults to the suggested one.
    Rows with errors refuse the whole import (``ImportRefused``) unless ``skip_invalid``: they are then kept
    as rejected ``SourceRecord``s. ``dry_run`` validates and writes nothing.
    """
    check_association_open(association=association)
    table = open_table(Path(path), file_name=file_name, sheet=sheet, header_line=header_line)
    if mapping is None:
        from grappe.intake.selectors import resolve_mapping

        mapping = resolve_mapping(headers=table.headers, association=association)
    check_not_imported(sha256=table.sha256, sheet=table.sheet, file_name=table.file_name)
    if answers is not None:
        questions = open_questions(association=association, mapping=mapping)
        check_answers(association=association, questions=[] if dry_run else questions, answers=answers)
    if dry_run:
        summary = validate_table(
            table=table, mapping=mapping, on_issue=on_issue, progress=progress, country=country
        )
        return ImportResult(summary=summary, dry_run=True)
    check_mapping(headers=table.headers, mapping=mapping)
    validator = RowValidator(headers=table.headers, mapping=mapping, country=country)
    tally = _Tally.begin(table, on_issue=on_issue, progress=progress)
    write = partial(
        _write_staged,
        table,
        mapping,
        association,
        user,
        skip_invalid=skip_invalid,
        progress=progress,
        country=country,
        answers=answers or ImportAnswers(),
    )
    with checked_chunks(
        table.rows(), validator, pack=True, chunk_rows=BATCH_SIZE, beside_write=True
    ) as chunks:
        if chunks.in_workers:
            return _write_as_checked(chunks, tally, skip_invalid=skip_invalid, write=write)
        # Checked here, in this process: all of it before the write's transaction begins, so that the
        # database is locked for the write alone.
        with StagedRows() as staged:
            summary = _validate(chunks, tally, staged)
            check_importable(summary=summary, skip_invalid=skip_invalid)
            return write(summary=summary, batches=staged.batches(), total=summary.rows)


class _RowInError(Exception):
    """A row with an error reached the write of an import that does not skip them: the import is refused."""


def _write_as_checked(
    chunks: CheckedChunks, tally: _Tally, *, skip_invalid: bool, write: Callable[..., ImportResult]
) -> ImportResult:
    """Write the rows of a large file as the worker processes check them (issue 13, point 7).

    The write, in this process, takes each chunk as it comes back, while the workers check the next ones on
    the other cores: the import lasts about as long as its write, instead of its validation and then its
    write. All or nothing still: a row in error (unless ``skip_invalid``) rolls the transaction back, and the
    rest of the file is checked then, so that the refusal counts every row as a validation before it did.
    """

    def batches() -> Iterator[list[RowResult]]:
        for chunk in chunks:
            tally.add(chunk)
            if chunk.first_error_line is not None and not skip_invalid:
                raise _RowInError
            yield unpack_frame(chunk.packed())
        tally.end()

    try:
        return write(summary=tally.summary, batches=batches(), total=tally.total)
    except _RowInError:
        pass
    for chunk in chunks:
        tally.add(chunk)
    summary = tally.end()
    check_importable(summary=summary, skip_invalid=skip_invalid)
    raise AssertionError("check_importable refuses a file with rows in error")  # pragma: no cover


def check_importable(*, summary: ValidationSummary, skip_invalid: bool) -> None:
    if summary.rows == 0:
        raise UserError(
            _("« %(name)s » ne contient aucune ligne de données sous ses en-têtes : rien à importer.")
            % {"name": summary.file_name}
        )
    if summary.has_errors and not skip_invalid:
        raise ImportRefused(
            _(
                "Import refusé : %(invalid)s ligne(s) sur %(rows)s ont des erreurs bloquantes (%(errors)s "
                "erreur(s), %(warnings)s avertissement(s)). Corrigez le fichier, ou importez seulement les "
                "%(valid)s ligne(s) valides (les lignes rejetées seront conservées telles quelles). Rien n'a "
                "été modifié."
            )
            % {
                "invalid": summary.invalid_rows,
                "rows": summary.rows,
                "errors": summary.errors,
                "warnings": summary.warnings,
                "valid": summary.valid_rows,
            },
            summary=summary,
        )
    if summary.valid_rows == 0:
        raise ImportRefused(
            _("Aucune ligne de « %(name)s » n'est importable : corrigez le fichier. Rien n'a été modifié.")
            % {"name": summary.file_name},
            summary=summary,
        )


@fewer_collections()
def write_table(
    *,
    table: Table,
    mapping: Mapping[int, str],
    association: Association,
    user: User | None,
    summary: ValidationSummary,
    skip_invalid: bool,
    progress: ProgressCallback | None = None,
    country: str = FRANCE,
    answers: ImportAnswers | None = None,
    corrections: Mapping[tuple[int, int], str] | None = None,
) -> ImportResult:
    """Pass 2: write ``table`` (already validated into ``summary``, by an earlier step) in one transaction.

    Its rows are read and checked again, with the same ``corrections``: before the transaction begins when
    they are checked here, while it writes when worker processes check them (``_write_as_checked``). A row
    that turned invalid since means the file changed: the import is refused. ``answers`` fill what the file
    does not say on the memberships the import creates (``grappe.intake.questions``)."""
    write = partial(
        _write_staged,
        table,
        mapping,
        association,
        user,
        summary=summary,
        skip_invalid=skip_invalid,
        progress=progress,
        country=country,
        answers=answers or ImportAnswers(),
        total=summary.rows,
    )
    validator = RowValidator(headers=table.headers, mapping=mapping, country=country, corrections=corrections)
    with checked_chunks(
        table.rows(), validator, pack=True, chunk_rows=BATCH_SIZE, beside_write=True
    ) as chunks:
        rechecked = _unchanged(chunks, table, skip_invalid=skip_invalid)
        if chunks.in_workers:
            return write(batches=(unpack_frame(chunk.packed()) for chunk in rechecked))
        with StagedRows() as staged:
            for chunk in rechecked:
                before = staged.rows
                staged.add_frame(chunk.packed(), chunk.summary.rows)
                if progress and staged.rows // PROGRESS_EVERY != before // PROGRESS_EVERY:
                    progress(STAGE_VALIDATION, staged.rows, summary.rows)
            return write(batches=staged.batches())


def _unchanged(
    chunks: Iterable[ValidatedChunk], table: Table, *, skip_invalid: bool
) -> Iterator[ValidatedChunk]:
    """The chunks of a file validated in an earlier step: it must not have changed since (its hash is checked
    by the caller; a row turned invalid is caught here)."""
    for chunk in chunks:
        if chunk.first_error_line is not None and not skip_invalid:
            raise UserError(
                _("La ligne %(line)s de « %(name)s » a changé depuis la validation : relancez l'import.")
                % {"line": chunk.first_error_line, "name": table.file_name}
            )
        yield chunk


@transaction.atomic
def _write_staged(
    table: Table,
    mapping: Mapping[int, str],
    association: Association,
    user: User | None,
    *,
    summary: ValidationSummary,
    batches: Iterable[list[RowResult]],
    total: int | None,
    skip_invalid: bool,
    progress: ProgressCallback | None,
    country: str,
    answers: ImportAnswers,
) -> ImportResult:
    """The write transaction: the source file, then the staged rows batch by batch, then the audit event."""
    take_bulk_write_turn()  # after a merger's apply or undo under way, not across it (grappe.core.locks)
    check_not_imported(sha256=table.sha256, sheet=table.sheet, file_name=table.file_name)
    try:
        with transaction.atomic():
            source_file = SourceFile.objects.create(
                sha256=table.sha256,
                sheet=table.sheet,
                original_name=table.file_name,
                size=table.size,
                file_format=table.file_format,
                encoding=table.encoding,
                delimiter=table.delimiter,
                header_line=table.header_line,
                headers=list(table.headers),
                mapping={table.headers[index]: name for index, name in sorted(mapping.items())},
                association=association,
                imported_by=user if user and user.is_authenticated else None,
                default_country=country,
            )
    except IntegrityError:
        # Another import of the same file committed between our check and this insert.
        check_not_imported(sha256=table.sha256, sheet=table.sheet, file_name=table.file_name)
        raise
    result = ImportResult(summary=summary, source_file=source_file)
    writer = _BatchWriter(source_file=source_file, association=association, result=result, answers=answers)
    done = 0
    if progress:
        progress(STAGE_IMPORT, 0, total)
    for batch in batches:
        writer.write(batch)
        previous, done = done, done + len(batch)
        if progress and done // PROGRESS_EVERY != previous // PROGRESS_EVERY:
            progress(STAGE_IMPORT, done, total)
    # Counted as the rows came when they were checked while being written: complete only now.
    check_importable(summary=summary, skip_invalid=skip_invalid)
    source_file.row_count = done
    source_file.imported_count = result.imported_rows
    source_file.rejected_count = result.rejected_rows
    source_file.unread_values = dict(summary.unread)
    source_file.local_values = dict(summary.kept_local)
    source_file.save(
        update_fields=["row_count", "imported_count", "rejected_count", "unread_values", "local_values"]
    )
    _record_import(source_file, result, user, answers)
    if progress:
        progress(STAGE_IMPORT, done, done)
    return result


def _record_import(
    source_file: SourceFile, result: ImportResult, user: User | None, answers: ImportAnswers
) -> None:
    """One audit event per import, with its counts (the rows themselves are in the source records)."""
    record_event(
        action="import",
        user=user,
        target=source_file,
        context=source_file,
        details={
            "association": source_file.association.name,
            "rows": source_file.row_count,
            "imported": result.imported_rows,
            "rejected": result.rejected_rows,
            "organisations_created": result.organisations_created,
            "rows_matched": result.rows_matched,
            "establishments_created": result.establishments_created,
            "memberships_created": result.memberships_created,
            "people_created": result.people_created,
            **describe_answers(answers),
        },
    )


# Fields an import may set on an existing object only when it has no value yet: a registry value is never
# overwritten by an import; a differing value is kept as lineage with retained=False.
# Membership fields given as text in a file and stored as rows of the association (type, college).
_NAMED_FIELDS = ("membership_type", "college")


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


@dataclass
class _Planned:
    """What one valid row becomes: the objects it feeds and the values it gave each of them."""

    result: RowResult
    organisation: Organisation
    lineage: list[tuple[models.Model, str, Value, bool]] = field(default_factory=list)


class _BatchWriter:
    """Writes batches of validated rows; matching is deterministic (SIREN, SIRET), never fuzzy."""

    def __init__(
        self,
        *,
        source_file: SourceFile,
        association: Association,
        result: ImportResult,
        answers: ImportAnswers | None = None,
    ):
        self.source_file = source_file
        # What the person importing answered for the file (start date, type, status): new memberships only.
        self.answered = answer_values(answers or ImportAnswers())
        self.association = association
        self.result = result
        self.last_org_pk_before = Organisation.objects.aggregate(models.Max("pk"))["pk__max"] or 0
        self.content_types = ContentType.objects.get_for_models(
            Organisation, Establishment, Membership, Person, Role
        )
        # The association's membership types and colleges by name, looked up or created once per import.
        self.named: dict[tuple[str, str], models.Model | None] = {}

    def named_row(self, field_name: str, text: str) -> models.Model | None:
        """The association's membership type (``field_name`` "membership_type") or college ("college") called
        ``text`` exactly: a new spelling becomes a new row, so the registry keeps the file's own words."""
        key = (field_name, text)
        if key not in self.named:
            lookup = (
                registry_services.membership_type_named
                if field_name == "membership_type"
                else registry_services.college_named
            )
            self.named[key] = lookup(association=self.association, name=text)
        return self.named[key]

    def write(self, batch: list[RowResult]) -> None:
        valid = [row for row in batch if not row.has_errors]
        planner = _BatchPlanner(self, valid)
        planned = planner.plan()
        planner.save()
        self._save_records(batch, {id(item.result): item for item in planned})

    def _save_records(self, batch: list[RowResult], planned: dict[int, _Planned]) -> None:
        records = []
        for row in batch:
            item = planned.get(id(row))
            if item is None:
                self.result.rejected_rows += 1
                if len(self.result.rejected_lines) < REJECTED_LINES_KEPT:
                    self.result.rejected_lines.append(row.line)
            else:
                self.result.imported_rows += 1
            records.append(
                new_object(
                    SourceRecord,
                    source_file=self.source_file,
                    line_number=row.line,
                    values=list(row.cells),
                    status=SourceRecord.Status.IMPORTED if item else SourceRecord.Status.REJECTED,
                    issues=[_record_issue(issue) for issue in row.issues]
                    + [_record_correction(*correction) for correction in row.corrections],
                    organisation=item.organisation if item else None,
                )
            )
        create_objects(SourceRecord, records)
        recorded_at = Lineage._meta.get_field("recorded_at").get_db_prep_value(timezone.now(), connection)
        # Read once a batch, not once a lineage row (26 a row): the content types' keys, each record's key.
        content_type_ids = {model: content_type.pk for model, content_type in self.content_types.items()}
        lineage: list[tuple[Any, ...]] = []
        add = lineage.append
        for record, row in zip(records, batch, strict=True):
            item = planned.get(id(row))
            if item is None:
                continue
            record_id = record.id
            for target, field_name, value, retained in item.lineage:
                # ``.id``, not ``.pk`` (a property, 26 times a row): every planned model's key is its ``id``.
                text = value.value
                add(
                    (
                        record_id,
                        content_type_ids[type(target)],
                        target.id,  # type: ignore[attr-defined]
                        field_name,
                        value.column[:200],
                        text if type(text) is str else serialisable(text),
                        retained,
                        recorded_at,
                    )
                )
        _insert_lineage(lineage)


_LINEAGE_COLUMNS = (
    "source_record",
    "content_type",
    "object_id",
    "field",
    "column",
    "value",
    "retained",
    "recorded_at",
)


def _insert_lineage(rows: list[tuple[Any, ...]]) -> None:
    """A batch's lineage rows: one prepared statement (SQLite) or one ``COPY`` (PostgreSQL)."""
    insert_rows(Lineage, _LINEAGE_COLUMNS, rows)


def _record_issue(issue: Issue) -> dict[str, str]:
    return {
        "column": issue.column,
        "field": issue.field,
        "code": issue.code,
        "severity": issue.severity,
        "message": issue.message,
    }


def _record_correction(column: str, written: str, used: str) -> dict[str, str]:
    """A cell corrected before the import, said in its source record beside the verbatim cells."""
    return {
        "column": column,
        "field": "",
        "code": "cell.corrected",
        "severity": INFO,
        "message": _("« %(written)s » corrigé en « %(used)s » avant l'import.")
        % {"written": written, "used": used},
    }


class _BatchPlanner:
    """Matches one batch against the registry (a few queries per batch), then creates and updates in bulk."""

    def __init__(self, writer: _BatchWriter, rows: list[RowResult]):
        self.writer = writer
        self.rows = rows
        self.new: dict[type[models.Model], list[models.Model]] = {
            model: [] for model in (Organisation, Establishment, Person, Role, Membership)
        }
        self.changed: dict[type[models.Model], dict[int, set[str]]] = {model: {} for model in self.new}
        self.existing: dict[int, models.Model] = {}  # id(object) → object, to keep the changed ones alive
        self.created_by: dict[int, _Planned] = {}  # id(new membership) → the row that created it

    # -- lookups ------------------------------------------------------------------------------------------

    def _load(self) -> None:
        sirets = {
            row.values["establishment.siret"].value
            for row in self.rows
            if "establishment.siret" in row.values
        }
        sirens = {
            row.values["organisation.siren"].value for row in self.rows if "organisation.siren" in row.values
        }
        # A batch is BATCH_SIZE rows, but each lookup stays one chunk's worth of bound variables (core.chunks).
        self.establishment_by_siret: dict[str, Establishment] = {
            item.siret: item
            for chunk in in_chunks(Establishment.objects.all(), "siret", sirets)
            for item in chunk
        }
        org_ids = {item.organisation_id for item in self.establishment_by_siret.values()}
        self.org_by_pk: dict[int, Organisation] = {
            org.pk: org for chunk in in_chunks(Organisation.objects.all(), "siren", sirens) for org in chunk
        }
        for chunk in in_chunks(Organisation.objects.all(), "pk", org_ids - set(self.org_by_pk)):
            self.org_by_pk.update((org.pk, org) for org in chunk)
        orgs = list(self.org_by_pk.values())
        self.org_by_siren: dict[str, Organisation] = {org.siren: org for org in orgs if org.siren}
        self.membership_by_org: dict[int, Membership] = {}
        for membership in (
            membership
            for chunk in in_chunks(
                Membership.objects.filter(association=self.writer.association)
                .exclude(status=Membership.Status.ENDED)
                .select_related("membership_type", "college")
                .order_by("-starts_on", "pk"),
                "organisation_id",
                self.org_by_pk,
            )
            for membership in chunk
        ):
            self.membership_by_org[id(self.org_by_pk[membership.organisation_id])] = membership
        # Contacts already known at these organisations, keyed by (organisation, e-mail or folded name).
        self.people: dict[tuple[int, str], Person] = {}
        self.roles: dict[tuple[int, int, str], Role] = {}
        persons: dict[int, Person] = {}
        roles = Role.objects.select_related("person").order_by("pk")
        for role in (role for chunk in in_chunks(roles, "organisation_id", self.org_by_pk) for role in chunk):
            org = self.org_by_pk[role.organisation_id]
            person = persons.setdefault(role.person_id, role.person)
            for key in _person_keys(person.email, person.first_name, person.last_name):
                self.people.setdefault((id(org), key), person)
            self.roles[(id(org), id(person), role.kind)] = role

    # -- planning -----------------------------------------------------------------------------------------

    def plan(self) -> list[_Planned]:
        self._load()
        return [self._plan_row(row) for row in self.rows]

    def _plan_row(self, row: RowResult) -> _Planned:
        groups = row.groups()  # one pass over the row's values, not one per model
        org_values = groups.get("organisation", {})
        establishment_values = groups.get("establishment", {})
        siret = establishment_values.get("siret")
        siren = org_values.get("siren")
        establishment = self.establishment_by_siret.get(siret.value) if siret else None
        if establishment is not None:
            org = (
                self.org_by_pk[establishment.organisation_id]
                if establishment.pk
                else establishment.organisation
            )
        elif siren and siren.value in self.org_by_siren:
            org = self.org_by_siren[siren.value]
        else:
            org = new_object(Organisation)
            self.new[Organisation].append(org)
            if siren:
                self.org_by_siren[siren.value] = org
        item = _Planned(result=row, organisation=org)
        if org.pk and org.pk <= self.writer.last_org_pk_before:
            self.writer.result.rows_matched += 1
        self._apply(item, org, org_values)
        if establishment is None:
            # The row's country, its own or the import's default; "" when its cell could not be read.
            establishment = new_object(Establishment, organisation=org, country=row.country or "")
            self.new[Establishment].append(establishment)
            if siret:
                self.establishment_by_siret[siret.value] = establishment
        self._apply(item, establishment, establishment_values)
        self._plan_membership(item, groups.get("membership", {}), org, establishment)
        self._plan_person(item, groups, org)
        return item

    def _plan_membership(
        self, item: _Planned, values: dict[str, Value], org: Organisation, establishment: Establishment
    ) -> None:
        membership = self.membership_by_org.get(id(org))
        if membership is None:
            # One current membership per organisation and association: later rows of the same company join it.
            # Status left empty so that the first row giving one sets it; ``save`` defaults it to active.
            membership = new_object(
                Membership,
                organisation=org,
                association=self.writer.association,
                origin=self.writer.association,
                establishment=establishment,
                status="",
            )
            self.new[Membership].append(membership)
            self.membership_by_org[id(org)] = membership
            self.created_by[id(membership)] = item
        named = {name: values.pop(name) for name in _NAMED_FIELDS if name in values}
        self._apply(item, membership, values)
        for name, value in named.items():
            self._apply_named(item, membership, name, value)

    def _apply_named(self, item: _Planned, membership: Membership, name: str, value: Value) -> None:
        """Like ``_apply`` for a type or college: the row its text names fills an empty one; lineage keeps
        the text."""
        current = getattr(membership, name)
        if current is not None:
            item.lineage.append((membership, name, value, current.name == value.value))
            return
        setattr(membership, name, self.writer.named_row(name, value.value))
        item.lineage.append((membership, name, value, True))
        if membership.pk is not None:
            self.changed[Membership].setdefault(membership.pk, set()).add(name)
            self.existing[id(membership)] = membership

    def _plan_person(self, item: _Planned, groups: dict[str, dict[str, Value]], org: Organisation) -> None:
        person_values = groups.get("person", {})
        if not any(key in person_values for key in ("first_name", "last_name", "email")):
            return
        keys = _person_keys(
            *(
                person_values[name].value if name in person_values else ""
                for name in ("email", "first_name", "last_name")
            )
        )
        person = next((self.people[(id(org), key)] for key in keys if (id(org), key) in self.people), None)
        if person is None:
            person = new_object(Person)
            self.new[Person].append(person)
        for key in keys:
            self.people.setdefault((id(org), key), person)
        self._apply(item, person, person_values)
        role_values = groups.get("role", {})
        kind = role_values["kind"].value if "kind" in role_values else Role.Kind.CONTACT
        role = self.roles.get((id(org), id(person), kind))
        if role is None:
            role = new_object(Role, person=person, organisation=org, kind=kind)
            self.new[Role].append(role)
            self.roles[(id(org), id(person), kind)] = role
        if "kind" in role_values:
            item.lineage.append((role, "kind", role_values["kind"], True))
        self._apply(item, role, {name: value for name, value in role_values.items() if name != "kind"})

    def _apply(self, item: _Planned, target: models.Model, values: dict[str, Value]) -> None:
        """Fill ``target``'s empty fields from ``values``; a differing existing value wins and is recorded."""
        if not values:
            return
        lineage = item.lineage
        # An object already in the registry records the fields it is given (new ones are inserted whole).
        key = target.id  # type: ignore[attr-defined]
        changes = self.changed.get(type(target)) if key is not None else None
        for name, value in values.items():
            current = getattr(target, name)
            if _is_empty(current):
                setattr(target, name, value.value)
                lineage.append((target, name, value, True))
                if changes is not None:
                    changes.setdefault(key, set()).add(name)
                    self.existing[id(target)] = target
            else:
                lineage.append((target, name, value, current == value.value))

    def _answer(self, membership: Membership) -> None:
        """Fill what no row of the file said with the import's answers; lineage names the answer."""
        item = self.created_by[id(membership)]
        column = _("réponse à l'import")
        for name, value in self.writer.answered.items():
            if _is_empty(getattr(membership, name)):
                setattr(membership, name, value)
                # An answered membership type is shown in lineage by its name, like a file's cell would be.
                shown = str(value) if isinstance(value, models.Model) else value
                item.lineage.append((membership, name, Value(value=shown, column=column), True))

    # -- saving -------------------------------------------------------------------------------------------

    def save(self) -> None:
        result = self.writer.result
        for membership in self.new[Membership]:
            assert isinstance(membership, Membership)
            self._answer(membership)
            membership.status = membership.status or _default_status(membership)
        for model in (Organisation, Establishment, Person, Role, Membership):
            # Foreign keys were assigned unsaved objects: their keys are read in this order (grappe.intake.inserts).
            create_objects(model, self.new[model])
        result.organisations_created += len(self.new[Organisation])
        result.establishments_created += len(self.new[Establishment])
        result.people_created += len(self.new[Person])
        result.memberships_created += len(self.new[Membership])
        result.note_created(Organisation, self.new[Organisation])
        result.note_created(Membership, self.new[Membership])
        for changed_model, changes in self.changed.items():
            if not changes:
                continue
            objects = [
                obj for obj in self.existing.values() if type(obj) is changed_model and obj.pk in changes
            ]
            fields = sorted(set().union(*changes.values()))
            changed_model._default_manager.bulk_update(objects, fields)


def _person_keys(email: str, first_name: str, last_name: str) -> list[str]:
    """How a contact is recognised inside one organisation: the same e-mail, or the same full name."""
    from grappe.france.text import fold

    keys = []
    if email:
        keys.append("email:" + email.lower())
    name = fold(f"{first_name} {last_name}")
    if name:
        keys.append("name:" + name)
    return keys


# --------------------------------------------------------------------------------------------------------
# Import jobs: the same steps, driven from the web pages


def save_mapping(
    *,
    association: Association,
    name: str,
    headers: tuple[str, ...],
    mapping: Mapping[int, str],
    user: User | None = None,
) -> SavedMapping:
    """Save ``mapping`` under ``name`` for ``association``, by normalised header (reusable across exports)."""
    name = name.strip()
    if not name:
        raise UserError(_("Donnez un nom à la correspondance pour l'enregistrer."))
    check_mapping(headers=headers, mapping=mapping)
    # Ignored columns are saved too (as ""), so that applying the mapping again ignores them again.
    by_header = {
        normalise_header(header): mapping.get(index, "")
        for index, header in enumerate(headers)
        if normalise_header(header)
    }
    saved, _created = SavedMapping.objects.update_or_create(
        association=association,
        name=name[:120],
        defaults={"mapping": by_header, "created_by": _user_or_none(user)},
    )
    return saved


def _user_or_none(user: User | AnonymousUser | None) -> User | None:
    return user if isinstance(user, User) and user.is_authenticated else None


def create_import_job(
    *,
    association: Association,
    upload: UploadedFile,
    user: User | None = None,
    sheet: str | None = None,
    header_line: int | None = None,
    country: str = FRANCE,
) -> ImportJob:
    """Store an uploaded export under MEDIA_ROOT/imports/ and read its shape; an unreadable file is not kept.

    ``country``: the default country of its rows (``options["country"]``)."""
    check_association_open(association=association)
    country = read_default_country(country)
    check_upload_size(upload)
    job = ImportJob(
        association=association,
        created_by=_user_or_none(user),
        original_name=upload_name(upload, "fichier"),
        size=upload.size or 0,
    )

    def read(path: Path) -> Table:
        table = open_table(path, file_name=job.original_name, sheet=sheet, header_line=header_line)
        check_not_imported(sha256=table.sha256, sheet=table.sheet, file_name=table.file_name)
        return table

    table = keep_upload(job.file, upload, job.original_name, read)
    job.sha256 = table.sha256
    job.size = table.size
    job.file_format = table.file_format
    job.sheet = table.sheet
    job.header_line = table.header_line
    job.headers = list(table.headers)
    job.mapping = mapping_rules.as_json(suggest_job_mapping(job=job, table=table))
    job.options = {"sheets": list(table.sheets), "country": country}
    job.save()
    return job


def suggest_job_mapping(*, job: ImportJob, table: Table) -> dict[int, str]:
    """The suggested mapping, corrected by the association's most recently saved one when there is one."""
    return mapping_rules.starting_mapping(job.association, table.headers).mapping


def job_country(job: ImportJob) -> str:
    """The default country the job's rows are read by (jobs from before it existed: France)."""
    return job.options.get("country") or FRANCE


def job_corrections(job: ImportJob) -> dict[tuple[int, int], str]:
    """The cells a person corrected on the report page: (line, column index) → value."""
    return {
        (int(line), int(index)): value
        for key, value in job.options.get("corrections", {}).items()
        for line, index in [key.split(":")]
    }


def set_job_answers(*, job: ImportJob, answers: ImportAnswers) -> ImportJob:
    """Record what the person importing answered (``grappe.intake.questions``); checked here, and again
    when the import runs."""
    _check_job_idle(job)
    check_answers(
        association=job.association,
        questions=open_questions(association=job.association, mapping=job.column_mapping),
        answers=answers,
    )
    job.options = {**job.options, "answers": answers.as_json()}
    job.save(update_fields=["options"])
    return job


def correct_job_cell(*, job: ImportJob, line: int, field_name: str, value: str, user: User | None) -> bool:
    """Replace one cell of the uploaded file, for this import only, then validate the file again.

    The file on disk and its rows stay verbatim (each imported row's source record says what was corrected);
    nothing reaches the registry until the import is started. Only a cell the report flagged may be
    corrected. Returns True when the validation was queued (large files)."""
    _check_job_idle(job)
    if job.status == ImportJob.Status.IMPORTED:
        raise UserError(_("Cet import est terminé : ses valeurs ne peuvent plus être corrigées."))
    index = next((i for i, name in job.column_mapping.items() if name == field_name), None)
    if index is None or not job.issues.filter(line=line, field=field_name).exists():
        raise UserError(
            _("La ligne %(line)s n'a pas d'anomalie dans cette colonne : rien à corriger.") % {"line": line}
        )
    value = value.strip()
    if len(value) > 1000:
        raise UserError(_("Valeur trop longue : 1 000 caractères au plus."))
    corrections = dict(job.options.get("corrections", {}))
    corrections[f"{line}:{index}"] = value
    options = job.options
    try:
        # The correction and its audit event together, or neither.
        with transaction.atomic():
            job.options = {**options, "corrections": corrections}
            job.save(update_fields=["options"])
            record_event(
                action="import.correct",
                user=_user_or_none(user),
                target=job,
                details={"line": line, "column": job.headers[index], "value": value},
            )
    except BaseException:
        job.options = options  # the job in hand says what the database holds
        raise
    return start_job_step(job=job, step="validate", user=user)


def open_job_table(job: ImportJob) -> Table:
    return open_table(
        Path(job.file.path), file_name=job.original_name, sheet=job.sheet or None, header_line=job.header_line
    )


def set_job_mapping(
    *, job: ImportJob, mapping: Mapping[int, str], save_as: str = "", user: User | None = None
) -> ImportJob:
    """Record the mapping the user chose (and optionally save it by name); the job must be validated again."""
    _check_job_idle(job)
    if job.status == ImportJob.Status.IMPORTED:
        raise UserError(_("Cet import est terminé : sa correspondance ne peut plus changer."))
    job.mapping = mapping_rules.record_mapping(
        association=job.association, headers=tuple(job.headers), mapping=mapping, save_as=save_as, user=user
    )
    job.status = ImportJob.Status.UPLOADED
    job.save(update_fields=["mapping", "status"])
    return job


def _check_job_idle(job: ImportJob) -> None:
    """Refuse a second step while one runs (its progress file names a live step).

    A job still marked running without a live step was interrupted (a server restart): its transaction
    rolled back, so it may simply be started again.
    """
    from grappe.intake.selectors import job_progress_file

    if job_progress_file(job).is_running():
        raise UserError(_("Cet import est déjà en cours : attendez qu'il se termine."))


def validate_import_job(*, job: ImportJob, progress: ProgressCallback | None = None) -> ImportJob:
    """Pass 1 for a job: store its issues (for the paginated report) and its counts."""
    _check_job_idle(job)
    return _validate_job(job=job, progress=progress)


def _validate_job(*, job: ImportJob, progress: ProgressCallback | None) -> ImportJob:
    if job.status == ImportJob.Status.IMPORTED:
        raise UserError(_("Ce fichier est déjà importé : il n'y a plus rien à valider."))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALIDATING)
    job.issues.all().delete()
    buffer: list[ImportIssue] = []

    def keep(issue: Issue) -> None:
        buffer.append(
            ImportIssue(
                job=job,
                line=issue.line,
                column=issue.column[:255],
                field=issue.field,
                value=issue.value,
                expected=issue.expected[:255],
                message=issue.message,
                code=issue.code[:60],
                severity=issue.severity,
                company=issue.company[:255],
            )
        )
        if len(buffer) >= BATCH_SIZE:
            ImportIssue.objects.bulk_create(buffer)
            buffer.clear()

    try:
        table = open_job_table(job)
        summary = validate_table(
            table=table,
            mapping=job.column_mapping,
            on_issue=keep,
            progress=progress,
            country=job_country(job),
            corrections=job_corrections(job),
        )
        ImportIssue.objects.bulk_create(buffer)
    except UserError as error:
        _fail_job(job, error)
        raise
    job.row_count = summary.rows
    job.valid_row_count = summary.valid_rows
    job.invalid_row_count = summary.invalid_rows
    job.error_count = summary.errors
    job.warning_count = summary.warnings
    job.options = {**job.options, "unread": dict(summary.unread), "kept_local": dict(summary.kept_local)}
    job.status = ImportJob.Status.VALIDATED
    job.failure = ""
    job.save()
    return job


def _fail_job(job: ImportJob, error: Exception) -> None:
    job.status = ImportJob.Status.FAILED
    job.failure = str(error)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "failure", "finished_at"])


def run_import_job(
    *,
    job: ImportJob,
    user: User | None = None,
    skip_invalid: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportJob:
    """Pass 2 for a validated job: write it into the registry in one transaction (or change nothing)."""
    _check_job_idle(job)
    return _import_job(job=job, user=user, skip_invalid=skip_invalid, progress=progress)


def _import_job(
    *, job: ImportJob, user: User | None, skip_invalid: bool, progress: ProgressCallback | None
) -> ImportJob:
    # IMPORTING here means an import interrupted by a restart (it rolled back): it may run again.
    if job.status not in {ImportJob.Status.VALIDATED, ImportJob.Status.IMPORTING}:
        raise UserError(
            _("Validez d'abord le fichier (page de correspondance des colonnes) avant de l'importer.")
        )
    summary = ValidationSummary(
        file_name=job.original_name,
        sheet=job.sheet,
        rows=job.row_count,
        invalid_rows=job.invalid_row_count,
        errors=job.error_count,
        warnings=job.warning_count,
        unread=Counter(job.options.get("unread", {})),
        kept_local=Counter(job.options.get("kept_local", {})),
    )
    check_importable(summary=summary, skip_invalid=skip_invalid)
    answers = ImportAnswers.from_json(job.options.get("answers"))
    check_answers(
        association=job.association,
        questions=open_questions(association=job.association, mapping=job.column_mapping),
        answers=answers,
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)
    job.options = {**job.options, "skip_invalid": skip_invalid}
    try:
        table = open_job_table(job)
        if table.sha256 != job.sha256:
            raise UserError(_("Le fichier déposé a changé depuis sa validation : déposez-le de nouveau."))
        result = write_table(
            table=table,
            mapping=job.column_mapping,
            association=job.association,
            user=_user_or_none(user) or job.created_by,
            summary=summary,
            skip_invalid=skip_invalid,
            progress=progress,
            country=job_country(job),
            answers=answers,
            corrections=job_corrections(job),
        )
    except UserError:
        # The file itself is fine (it validated): go back to "validated" so the user can act on the message.
        job.status = ImportJob.Status.VALIDATED
        job.save(update_fields=["status", "options"])
        raise
    except Exception as error:
        if not jobs.will_retry(error):  # a retry finds the job as it was: importing
            _fail_job(job, error)
        raise
    job.source_file = result.source_file
    job.imported_count = result.imported_rows
    job.rejected_count = result.rejected_rows
    job.options = {
        **job.options,
        "organisations_created": result.organisations_created,
        "rows_matched": result.rows_matched,
        "establishments_created": result.establishments_created,
        "memberships_created": result.memberships_created,
        "people_created": result.people_created,
        "created_pks": result.created_pks,
    }
    job.status = ImportJob.Status.IMPORTED
    job.failure = ""
    job.finished_at = timezone.now()
    job.save()
    return job


def start_job_step(
    *, job: ImportJob, step: str, user: User | None = None, skip_invalid: bool = False
) -> bool:
    """Run ``step`` ("validate" or "import") now for small files, on the task queue for large ones.

    Returns True when the step is queued (the page then polls its progress). See ``grappe.jobs``: a job
    interrupted by a restart or a killed worker rolls back (one transaction) and can simply be started again.
    """
    if step not in {"validate", "import"}:
        raise ValueError(step)
    _check_job_idle(job)
    from grappe.intake.selectors import job_progress_file

    return jobs.start_step(
        job_progress_file(job),
        run_job_step,
        stage=STAGE_VALIDATION if step == "validate" else STAGE_IMPORT,
        background=job.size > settings.GRAPPE_INTAKE_SYNC_MAX_BYTES,
        arguments={
            "job_id": job.pk,
            "step": step,
            "user_id": user.pk if user is not None and user.is_authenticated else None,
            "skip_invalid": skip_invalid,
        },
        on_error=record_job_step_failure,
    )


def run_job_step(
    *, job_id: int, step: str, user_id: int | None, skip_invalid: bool, progress: ProgressCallback
) -> None:
    """A job's step, wherever it runs: the job and the user are read again through this thread's connection."""
    job = ImportJob.objects.select_related("association", "created_by").get(pk=job_id)
    if step == "validate":
        _validate_job(job=job, progress=progress)
        return
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    _import_job(job=job, user=user, skip_invalid=skip_invalid, progress=progress)


def record_job_step_failure(error: Exception, *, job_id: int, **_arguments: object) -> None:
    """A queued step's refusal, kept on the job for its page (no one else is there to hear it)."""
    if isinstance(error, UserError):
        ImportJob.objects.filter(pk=job_id).update(failure=str(error))


def _default_status(membership: Membership) -> str:
    """A row that said no status: a start date shows a member the association counts; with neither, nothing
    says the member is in good standing, so the status is said unknown rather than guessed « à jour »."""
    return Membership.Status.ACTIVE if membership.starts_on else Membership.Status.UNKNOWN
