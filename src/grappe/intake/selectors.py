"""Reads of the intake side: associations by name, column mappings, jobs a user may see, their issues."""

from __future__ import annotations

import json
from collections.abc import Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from grappe.core import access
from grappe.errors import NotFound, UserError
from grappe.france.text import fold
from grappe.intake.headers import FIELDS, normalise_header, suggest_mapping
from grappe.intake.models import ImportIssue, ImportJob, SavedMapping
from grappe.intake.reading import Table
from grappe.intake.report import ReadingCount, columns_of, reading_counts
from grappe.jobs import ProgressFile
from grappe.registry.models import Association, Membership, SourceRecord

IMPORT_PERMISSION = "intake.add_importjob"


def can_import(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Only staff holding the import permission (or superusers, who hold every permission) import files."""
    return bool(
        user.is_authenticated and user.is_active and user.is_staff and user.has_perm(IMPORT_PERMISSION)
    )


def association_by_name(name: str) -> Association:
    """The association called ``name`` (or with that acronym), compared without case nor accents."""
    wanted = fold(name)
    for association in Association.objects.all():
        if wanted and wanted in {fold(association.name), fold(association.short_name)}:
            return association
    known = ", ".join(f"« {a.name} »" for a in Association.objects.order_by("name")) or _("aucune")
    raise NotFound(
        _("Association « %(name)s » inconnue. Associations connues : %(known)s.")
        % {"name": name, "known": known},
        hint=_("Vérifiez l'orthographe, ou créez l'association dans l'administration."),
    )


def saved_mappings(*, association: Association) -> QuerySet[SavedMapping]:
    return SavedMapping.objects.filter(association=association).order_by("name")


def resolve_mapping(
    *, headers: tuple[str, ...], association: Association, spec: str | Mapping[str, str | None] | None = None
) -> dict[int, str]:
    """Column index → field: the suggested mapping, corrected by a saved mapping's name or a JSON object.

    A JSON object maps headers (compared on their normalised form) to field names, ``null`` or ``""`` to leave
    a column out; columns it does not name keep their suggested field unless that field is taken.
    """
    mapping = suggest_mapping(headers)
    if spec is None or spec == "":
        return mapping
    overrides = _overrides_from_spec(spec, association=association)
    by_key = {normalise_header(header): index for index, header in enumerate(headers)}
    chosen: dict[int, str] = {}
    for header, field_name in overrides.items():
        index = by_key.get(normalise_header(header))
        if index is None:
            if isinstance(spec, str) and not spec.lstrip().startswith("{"):
                continue  # a saved mapping may know columns this export does not have
            raise UserError(
                _(
                    "La correspondance nomme la colonne « %(header)s », absente du fichier. En-têtes : %(headers)s."
                )
                % {"header": header, "headers": ", ".join(headers)}
            )
        chosen[index] = field_name or ""
    taken = {name for name in chosen.values() if name}
    merged = {index: name for index, name in mapping.items() if index not in chosen and name not in taken}
    merged.update({index: name for index, name in chosen.items() if name})
    return dict(sorted(merged.items()))


def _overrides_from_spec(
    spec: str | Mapping[str, str | None], *, association: Association
) -> Mapping[str, Any]:
    if not isinstance(spec, str):
        return spec
    if spec.lstrip().startswith("{"):
        try:
            overrides = json.loads(spec)
        except json.JSONDecodeError as error:
            raise UserError(
                _('Correspondance JSON illisible (%(error)s). Exemple : \'{"Nom": "name", "Code": null}\'.')
                % {"error": error}
            ) from error
        if not isinstance(overrides, dict) or not all(
            isinstance(value, str | None) for value in overrides.values()
        ):
            raise UserError(_("La correspondance JSON doit être un objet « en-tête » → « champ » ou null."))
        unknown = sorted(str(value) for value in overrides.values() if value and value not in FIELDS)
        if unknown:
            raise UserError(
                _("Champ(s) inconnu(s) dans la correspondance : %(unknown)s. Champs possibles : %(fields)s.")
                % {"unknown": ", ".join(unknown), "fields": ", ".join(FIELDS)}
            )
        return overrides
    saved = SavedMapping.objects.filter(association=association, name=spec).first()
    if saved is None:
        names = ", ".join(f"« {m.name} »" for m in saved_mappings(association=association)) or _("aucune")
        raise NotFound(
            _(
                "Aucune correspondance enregistrée « %(name)s » pour « %(association)s ». Enregistrées : %(names)s."
            )
            % {"name": spec, "association": association, "names": names}
        )
    return saved.mapping


def mapping_from_saved(*, headers: tuple[str, ...], saved: SavedMapping) -> dict[int, str]:
    return resolve_mapping(headers=headers, association=saved.association, spec=saved.name)


def sample_rows(*, table: Table, count: int = 3) -> list[tuple[str, ...]]:
    """The first rows of a table, to show next to each column on the mapping page."""
    return [row.cells for row in islice(table.rows(), count)]


def jobs_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ImportJob]:
    """Jobs ``user`` may follow: the import right, then the territory rule (``grappe.core.access``)."""
    if not can_import(user):
        return ImportJob.objects.none()
    return access.restrict_imports(user, ImportJob.objects.select_related("association", "created_by"))


def job_for_user(user: AbstractBaseUser | AnonymousUser, job_id: int) -> ImportJob:
    """Look up and authorise in one call: a job the user may not see looks exactly like a missing one."""
    job = jobs_for_user(user).filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("Import introuvable."))
    return job


def job_for_file_work(user: AbstractBaseUser | AnonymousUser, job_id: int) -> ImportJob:
    """``job_for_user``, for the steps handling the whole file (mapping, import): 403 for a territorial viewer
    who did not upload it."""
    job = job_for_user(user, job_id)
    access.check_import_file(user, job)
    return job


def job_issues(
    *, job: ImportJob, severity: str = "", column: str = "", user: Any = None
) -> QuerySet[ImportIssue]:
    """The job's issues; given a ``user``, only those of the lines their territory lets them read."""
    issues = job.issues.all()
    if user is not None:
        issues = access.import_lines_in_scope(user, job, issues)
    if severity in ImportIssue.Severity.values:
        issues = issues.filter(severity=severity)
    if column:
        issues = issues.filter(column=column)
    return issues.order_by("line", "pk")


def issue_columns(*, job: ImportJob) -> list[tuple[str, int]]:
    """The columns with issues and how many each has, for the report's filter."""
    rows = job.issues.values("column").annotate(n=Count("pk")).order_by("column")
    return [(row["column"], row["n"]) for row in rows]


def rejected_records(*, job: ImportJob, user: Any = None) -> QuerySet[SourceRecord]:
    """The job's rejected rows; given a ``user``, only those their territory lets them read."""
    if job.source_file_id is None:
        return SourceRecord.objects.none()
    records = SourceRecord.objects.filter(
        source_file_id=job.source_file_id, status=SourceRecord.Status.REJECTED
    )
    return records if user is None else access.import_records_in_scope(user, job, records)


def job_progress_file(job: ImportJob) -> ProgressFile:
    return ProgressFile.of("imports", job.pk)


def progress_path(job: ImportJob) -> Path:
    return job_progress_file(job).path


def job_progress(job: ImportJob) -> dict[str, Any]:
    """``{"stage", "done", "total"}`` of a running job, empty when it is not running."""
    return job_progress_file(job).read()


def job_reading_counts(job: ImportJob) -> list[ReadingCount]:
    """Per column, the values the job's validation could not read, and those kept as written."""
    return reading_counts(
        unread=job.options.get("unread", {}),
        kept_local=job.options.get("kept_local", {}),
        columns=columns_of(job.headers, job.column_mapping),
    )


def created_memberships(*, job: ImportJob, user: Any) -> QuerySet[Membership]:
    """The memberships the job's import created, with their organisation (its done page links to both):
    all of them for whoever sees the whole file, else those of ``user``'s territory; none before the import."""
    span = job.options.get("created_pks", {}).get(Membership._meta.label_lower)
    if job.source_file_id is None or not span:
        return Membership.objects.none()
    # A key range narrowed to this file's organisations: a concurrent import's rows may share the range.
    memberships = Membership.objects.filter(
        pk__range=span,
        association_id=job.association_id,
        organisation__source_records__source_file_id=job.source_file_id,
    ).distinct()
    if not access.sees_whole_import(user, job):
        # The file's lines are someone else's beyond this user's territory (grappe.core.access, imports).
        memberships = memberships.filter(organisation__in=access.visible_organisations(user))
    return memberships.select_related("organisation", "membership_type").order_by(
        "organisation__search_name", "pk"
    )


def default_association(user: Any) -> Association | None:
    """The association an upload form starts on: the only open one, else the user's own (their staff
    record's); None when neither says."""
    from grappe.registry.models import StaffMember

    open_ones = list(Association.objects.filter(status=Association.Status.ACTIVE).order_by("pk")[:2])
    if len(open_ones) == 1:
        return open_ones[0]
    staff = StaffMember.objects.filter(user_id=user.pk).select_related("association").first()
    if staff is not None and staff.association.status == Association.Status.ACTIVE:
        return staff.association
    return None


def job_corrections(job: ImportJob) -> list[tuple[int, str, str]]:
    """The cells corrected so far, as (line, column header, value), in line order."""
    from grappe.intake.services import job_corrections as corrections

    return sorted(
        (line, job.headers[index] if index < len(job.headers) else f"#{index + 1}", value)
        for (line, index), value in corrections(job).items()
    )
