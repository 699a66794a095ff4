"""Planning a merger from the web: the form's choices and the absorbed network's export become a ``PlanJob``,
whose column mapping is checked when the headers need a person, then ``services.plan_merger`` (the plan
itself, in ``grappe.mergers.plan``) runs in the background on the task queue (``grappe.jobs``) while the page
polls its progress.

The steps, whichever page calls them:

1. ``create_plan_job`` stores the export and reads its headers (an unreadable file is refused, and not kept);
   the mapping starts from the recognised headers, corrected by the absorbed association's latest saved mapping
   (the intake's rule), and waits for a person when a column is not recognised or a required field is missing;
2. ``set_plan_job_mapping`` records the mapping chosen on the page (and may save it for the next exports);
3. ``start_plan_job`` runs the plan: import and linkage in one transaction, the job marked with its merger in
   the same one. A failure is recorded on the job with its location (and the rows the validation refused) and
   changes nothing; an interrupted or failed job is started again from its page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe import jobs
from grappe.core.uploads import keep_upload, upload_name
from grappe.errors import UserError
from grappe.intake import mapping as mapping_rules
from grappe.intake.services import read_default_country
from grappe.jobs import ProgressCallback
from grappe.mergers import selectors, services
from grappe.mergers.models import Merger, PlanJob
from grappe.registry.models import Association

ISSUES_KEPT = 100  # blocking issues kept on a failed job for its page; all are counted


def plans_in_background() -> bool:
    """Plans from the web are queued for the worker (``GRAPPE_MERGERS_PLAN_IN_BACKGROUND``, on by default);
    tests may run them in the request instead, through the same steps."""
    return bool(getattr(settings, "GRAPPE_MERGERS_PLAN_IN_BACKGROUND", True))


def create_plan_job(
    *,
    absorbing: Association,
    absorbed: Association,
    effective_on: datetime.date,
    user: Any,
    kind: str = Merger.Kind.ABSORPTION,
    vote_on: datetime.date | None = None,
    resulting_name: str = "",
    keep_name_as_brand: bool = False,
    upload: UploadedFile | None = None,
    sheet: str | None = None,
    review_mapping: bool = False,
    country: str = "FR",
) -> PlanJob:
    """Record a plan asked for from the web. With an export, store it and read its headers; the job then waits
    on its column mapping (status "mapping") when they need a person or ``review_mapping``, else it is ready."""
    services.check_can_manage(user, whole_network=True)
    services.check_plannable(absorbing=absorbing, absorbed=absorbed, kind=kind, resulting_name=resulting_name)
    if kind == Merger.Kind.DEDUPLICATION:
        _check_no_deduplication_running(absorbed)
    job = PlanJob(
        absorbing=absorbing,
        absorbed=absorbed,
        kind=kind,
        vote_on=vote_on,
        effective_on=effective_on,
        resulting_name=resulting_name,
        keep_name_as_brand=keep_name_as_brand,
        country=read_default_country(country),
        created_by=user if user is not None and user.is_authenticated else None,
        status=PlanJob.Status.READY,
    )
    if upload is not None:
        _store_export(job, upload, sheet=sheet, review_mapping=review_mapping)
    job.save()
    return job


def _check_no_deduplication_running(association: Association) -> None:
    """A deduplication asked for twice (a double click, two people) is refused while the first one's plan runs,
    not left to fail on the one-pending-deduplication constraint at its end; once the plan is ready,
    ``check_plannable`` names it."""
    jobs_of = PlanJob.objects.filter(
        kind=Merger.Kind.DEDUPLICATION,
        absorbed=association,
        status__in=[PlanJob.Status.READY, PlanJob.Status.RUNNING],
    )
    running = next((job for job in jobs_of if selectors.plan_progress_file(job).is_running()), None)
    if running is not None:
        raise services.MergerRefused(
            _("Le dédoublonnage de « %(association)s » est déjà en préparation.")
            % {"association": association},
            hint=_("Suivez sa progression : préparation n° %(id)s, page Fusions.") % {"id": running.pk},
        )


def _store_export(job: PlanJob, upload: UploadedFile, *, sheet: str | None, review_mapping: bool) -> None:
    from grappe.intake.reading import open_table

    job.original_name = upload_name(upload, "export")
    table = keep_upload(
        job.file,
        upload,
        job.original_name,
        lambda path: open_table(path, file_name=job.original_name, sheet=sheet),
    )
    try:
        job.source_file = services.imported_export(job.absorbed, table)
    except Exception:
        job.file.delete(save=False)
        raise
    job.sheet = table.sheet
    job.headers = list(table.headers)
    if job.source_file is not None:
        return  # imported before: the plan reads the registry, and the mapping used then stands
    start = mapping_rules.starting_mapping(job.absorbed, table.headers)
    job.mapping = mapping_rules.as_json(start.mapping)
    job.mapping_source = PlanJob.MappingSource.SAVED if start.saved_name else PlanJob.MappingSource.RECOGNISED
    job.mapping_name = start.saved_name
    if review_mapping or mapping_rules.needs_review(headers=table.headers, mapping=start.mapping):
        job.status = PlanJob.Status.MAPPING


def set_plan_job_mapping(*, job: PlanJob, mapping: dict[int, str], user: Any, save_as: str = "") -> PlanJob:
    """Record the column mapping a person checked (optionally saved under a name for the next exports)."""
    services.check_can_manage(user, whole_network=True)
    _check_changeable(job)
    if not job.imports_the_export:
        raise UserError(
            _("Ce plan n'importe pas de fichier : il n'y a pas de correspondance de colonnes à vérifier.")
        )
    job.mapping = mapping_rules.record_mapping(
        association=job.absorbed, headers=tuple(job.headers), mapping=mapping, save_as=save_as, user=user
    )
    job.mapping_source = PlanJob.MappingSource.SAVED if save_as.strip() else PlanJob.MappingSource.CHECKED
    job.mapping_name = save_as.strip()[:120]
    job.status = PlanJob.Status.READY
    job.save(update_fields=["mapping", "mapping_source", "mapping_name", "status"])
    return job


def _check_changeable(job: PlanJob) -> None:
    if job.status == PlanJob.Status.PLANNED:
        raise UserError(
            _("Ce plan est prêt (fusion n° %(id)s) : il ne peut plus changer.") % {"id": job.merger_id}
        )
    if selectors.plan_progress_file(job).is_running():
        raise UserError(_("Ce plan est en cours de préparation : attendez qu'il se termine."))


def start_plan_job(*, job: PlanJob, user: Any, skip_invalid: bool | None = None) -> bool:
    """Run the plan of ``job`` (again, after a failure or an interruption); True when it runs in the background.
    ``skip_invalid``: import only the export's valid rows (the others are kept as rejected rows)."""
    services.check_can_manage(user, whole_network=True)
    job = PlanJob.objects.get(pk=job.pk)
    _check_changeable(job)
    if job.status == PlanJob.Status.MAPPING:
        raise UserError(_("Vérifiez d'abord la correspondance des colonnes de l'export."))
    if skip_invalid is not None and skip_invalid != job.skip_invalid:
        job.skip_invalid = skip_invalid
        job.save(update_fields=["skip_invalid"])
    user_id = user.pk if user is not None and user.is_authenticated else None
    return jobs.start_step(
        selectors.plan_progress_file(job),
        run_plan_job,
        stage="validation" if job.imports_the_export else "records",
        background=plans_in_background(),
        arguments={"job_id": job.pk, "user_id": user_id},
    )


@dataclass
class _BlockingIssues:
    """The validation's blocking issues, for the failed job's page: the first ones kept, all counted."""

    kept: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0

    def keep(self, issue: Any) -> None:
        if not issue.is_error:
            return
        self.total += 1
        if len(self.kept) < ISSUES_KEPT:
            self.kept.append(
                {
                    "line": issue.line,
                    "column": issue.column,
                    "value": issue.value,
                    "expected": issue.expected,
                    "message": issue.message,
                }
            )


def run_plan_job(*, job_id: int, user_id: int | None, progress: ProgressCallback | None = None) -> None:
    """The plan of a job: ``plan_merger`` (import and linkage, one transaction) and the job marked with its
    merger in that same transaction. A ``UserError`` is recorded on the job (the plan rolled back); anything
    else is recorded as unexpected and raised again."""
    job = PlanJob.objects.select_related("absorbing", "absorbed", "source_file").get(pk=job_id)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    PlanJob.objects.filter(pk=job.pk).update(
        status=PlanJob.Status.RUNNING, started_at=timezone.now(), finished_at=None, failure={}
    )
    issues = _BlockingIssues()
    try:
        with transaction.atomic():
            job.merger = services.plan_merger(
                absorbing=job.absorbing,
                absorbed=job.absorbed,
                effective_on=job.effective_on,
                user=user,
                kind=job.kind,
                vote_on=job.vote_on,
                resulting_name=job.resulting_name,
                keep_name_as_brand=job.keep_name_as_brand,
                path=Path(job.file.path) if job.file else None,
                file_name=job.original_name or None,
                sheet=job.sheet or None,
                mapping=job.column_mapping if job.imports_the_export else None,
                skip_invalid=job.skip_invalid,
                on_issue=issues.keep,
                progress=progress,
                country=job.country,
            )
            _finish(job, PlanJob.Status.PLANNED, failure={})
    except UserError as error:
        job.merger = None  # rolled back with the plan
        _finish(job, PlanJob.Status.FAILED, failure=_failure(error, issues))
    except Exception as error:
        job.merger = None
        if jobs.will_retry(error):
            raise  # run again shortly: the job stays running
        message = _(
            "Le plan a échoué sur une erreur inattendue (%(error)s). Rien n'a été modifié : relancez-le ; si "
            "l'erreur revient, transmettez ce message à l'équipe technique."
        ) % {"error": f"{type(error).__name__}: {error}"[:300]}
        _finish(job, PlanJob.Status.FAILED, failure={"message": message})
        raise


def _finish(job: PlanJob, status: str, *, failure: dict[str, Any]) -> None:
    job.status = status
    job.failure = failure
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "failure", "finished_at", "merger"])


def _failure(error: UserError, issues: _BlockingIssues) -> dict[str, Any]:
    """The error as the page shows it: message, hint, location and, for a refused import, its counts and the
    first blocking issues."""
    summary = getattr(error, "summary", None)
    return {
        "message": error.message,
        "hint": error.hint,
        "location": str(error.location) if error.location else "",
        "code": error.code,
        "summary": {
            "rows": summary.rows,
            "valid_rows": summary.valid_rows,
            "invalid_rows": summary.invalid_rows,
            "errors": summary.errors,
            "warnings": summary.warnings,
        }
        if summary is not None
        else None,
        "issues": issues.kept if summary is not None else [],
        "issues_total": issues.total if summary is not None else 0,
    }
