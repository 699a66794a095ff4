"""Apply, undo, the report's files and a plan computed again with the review's decisions, from the web, on the
task queue: the page's POST checks what it can at once and queues the work, a progress page follows it, and the
merger's page (or its report) shows the result.

On a network of 40,000 members, apply takes minutes and gigabytes and undo about as long, and computing the plan
again about a minute: longer than any production server lets a request live. So:

1. ``start_action`` checks the right, the merger's status and apply's own refusals (undecided pairs, membership
   types, networks still active) or undo's (later mergers, a snapshot) — a refusal changes nothing and is
   answered at once —, records a ``MergerJob`` and queues it (``grappe.jobs``). Undo's check that the data
   apply changed has not changed since hashes every such row (minutes at 10,000 members): it runs in the job,
   whose failure page gives the same refusal. One progress file per merger holds apply, undo and the report
   alike: while one is queued or runs, a second is refused (``JobBusy``), and a report is never built from a
   registry half-way through an apply;
2. ``run_merger_job``, in the worker, runs ``services.apply_merger``, ``services.undo_merger`` or
   ``services.replan_merger`` (each one transaction, checking again) or ``report_files.build_report_files``,
   and records the outcome on the job:
   done, or the French reason it failed — nothing changed. A worker killed mid-way leaves the job interrupted
   (rolled back): it is asked for again. A report of a small merger is built in the request, by the same job
   (``report_files.runs_in_background``).

The command line (``grappe merge apply`` / ``undo`` / ``recompute``) and the demo call the services directly, in
the foreground.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grappe import jobs
from grappe.core import dberrors
from grappe.errors import UserError
from grappe.jobs import JobBusy, ProgressCallback
from grappe.mergers import report_files, selectors, services
from grappe.mergers.access import check_status
from grappe.mergers.apply import check_apply
from grappe.mergers.models import Merger, MergerJob


def actions_in_background() -> bool:
    """Apply, undo, a plan's new computation and a large report from the web are queued for the worker (``GRAPPE_MERGERS_ACTIONS_IN_BACKGROUND``, on by
    default); a setting off runs them in the request instead, through the same steps."""
    return bool(getattr(settings, "GRAPPE_MERGERS_ACTIONS_IN_BACKGROUND", True))


def start_action(
    *,
    merger: Merger,
    action: str,
    user: Any,
    accept_auto_only: bool = False,
    formats: Sequence[str] | None = None,
) -> MergerJob:
    """Check that ``action`` (``MergerJob.Action``) may run on ``merger`` now and queue it; the job to follow
    (a small merger's report is built at once: the job comes back done). A report builds ``formats`` (every
    format by default: a download builds only the one asked). ``MergerRefused`` (nothing queued) when the
    merger refuses it, ``JobBusy`` while an apply, undo, report or new computation of this merger is queued or
    runs."""
    services.check_can_manage(user, whole_network=True)
    merger = Merger.objects.select_related("absorbing", "absorbed").get(pk=merger.pk)
    progress_file = selectors.action_progress_file(merger.pk)
    if progress_file.is_running():
        raise _busy(merger)
    background = actions_in_background()
    if action == MergerJob.Action.APPLY:
        check_apply(merger, accept_auto_only=accept_auto_only)
    elif action == MergerJob.Action.UNDO:
        services.check_undo(merger, verify_data=False)
    elif action == MergerJob.Action.REPORT:
        background = background and report_files.runs_in_background(merger)
    elif action == MergerJob.Action.RECOMPUTE:
        check_status(merger, Merger.Status.PLANNED, "replan")
    else:
        raise ValueError(f"unknown merger action: {action!r}")
    job = MergerJob.objects.create(
        merger=merger,
        action=action,
        accept_auto_only=accept_auto_only,
        language=report_files.active_language(),
        created_by=user if user is not None and user.is_authenticated else None,
    )
    try:
        jobs.start_step(
            progress_file,
            run_merger_job,
            stage="checks",
            background=background,
            arguments={
                "job_id": job.pk,
                "user_id": job.created_by_id,
                **({"formats": list(formats)} if formats and action == MergerJob.Action.REPORT else {}),
            },
        )
    except JobBusy:
        job.delete()  # another request queued one between the check above and the claim
        raise _busy(merger) from None
    job.refresh_from_db()
    return job


def _busy(merger: Merger) -> JobBusy:
    running = selectors.running_action(merger)
    if running is not None and running.action == MergerJob.Action.REPORT:
        message = _(
            "Le rapport de la fusion n° %(id)s est en préparation : attendez qu'il soit prêt, l'application et "
            "l'annulation attendent la fin de sa préparation."
        )
    elif running is not None and running.action == MergerJob.Action.RECOMPUTE:
        message = _(
            "Le plan de la fusion n° %(id)s est en cours de calcul : attendez qu'il soit prêt, il ne sera pas "
            "lancé deux fois."
        )
    else:
        message = _(
            "Une application ou une annulation de la fusion n° %(id)s est déjà en cours : attendez qu'elle se "
            "termine, elle ne sera pas lancée deux fois."
        )
    return JobBusy(message % {"id": merger.pk})


def run_merger_job(
    *,
    job_id: int,
    user_id: int | None,
    progress: ProgressCallback | None = None,
    formats: Sequence[str] | None = None,
) -> None:
    """Apply or undo the job's merger (one transaction), or build its report's files, and record the outcome
    on the job. A ``UserError`` is recorded (the merger refused, nothing changed); anything else is recorded as
    a message and raised again, unless the queue will run the job again (a transient database failure).
    Messages and the report are in the language of whoever asked (a worker has none of its own)."""
    job = MergerJob.objects.select_related("merger").get(pk=job_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        _run(job, user_id, progress, formats)


def _run(
    job: MergerJob, user_id: int | None, progress: ProgressCallback | None, formats: Sequence[str] | None
) -> None:
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    MergerJob.objects.filter(pk=job.pk).update(
        status=MergerJob.Status.RUNNING, started_at=timezone.now(), finished_at=None, failure={}
    )
    try:
        if job.action == MergerJob.Action.APPLY:
            services.apply_merger(
                merger=job.merger, user=user, accept_auto_only=job.accept_auto_only, progress=progress
            )
        elif job.action == MergerJob.Action.UNDO:
            services.undo_merger(merger=job.merger, user=user, progress=progress)
        elif job.action == MergerJob.Action.RECOMPUTE:
            services.replan_merger(merger=job.merger, user=user, progress=progress)
        else:
            _build_report(job, user, progress, formats)
    except UserError as error:
        _finish(job, MergerJob.Status.FAILED, {"message": error.message, "hint": error.hint})
    except Exception as error:
        if jobs.will_retry(error):
            raise  # run again shortly: the job stays running
        _finish(job, MergerJob.Status.FAILED, {"message": failure_message(job, error)})
        raise
    else:
        if job.action != MergerJob.Action.REPORT:
            report_files.forget_reports(job.merger_id)  # the registry changed: no kept report is current
        _finish(job, MergerJob.Status.DONE, {})


def _build_report(
    job: MergerJob, user: Any, progress: ProgressCallback | None, formats: Sequence[str] | None
) -> None:
    """The report's files (in the active language: the asker's) of the merger as it stands when the job runs:
    ``formats``, or all of them."""
    services.check_can_manage(user, whole_network=True)
    merger = Merger.objects.select_related("absorbing", "absorbed").get(pk=job.merger_id)
    report_files.build_report_files(
        merger=merger,
        language=report_files.active_language(),
        formats=formats or report_files.FORMATS,
        progress=progress,
    )


def failure_message(job: MergerJob, error: BaseException) -> str:
    """What the page says of an unexpected failure (the transaction rolled back): the database's own, as
    ``core.dberrors`` tells it; else the error itself, for the technical team."""
    if isinstance(error, DatabaseError) or dberrors.classify(error) is not None:
        if job.action == MergerJob.Action.APPLY:
            return _("L'application a échoué : %(reason)s") % {"reason": dberrors.describe(error)}
        if job.action == MergerJob.Action.REPORT:
            return _("La préparation du rapport a échoué : %(reason)s") % {"reason": dberrors.describe(error)}
        if job.action == MergerJob.Action.RECOMPUTE:
            return _("Le nouveau calcul du plan a échoué : %(reason)s") % {"reason": dberrors.describe(error)}
        return _("L'annulation a échoué : %(reason)s") % {"reason": dberrors.describe(error)}
    detail = f"{type(error).__name__}: {error}"[:300]
    if job.action == MergerJob.Action.APPLY:
        message = _("L'application a échoué sur une erreur inattendue (%(error)s).")
    elif job.action == MergerJob.Action.REPORT:
        message = _("La préparation du rapport a échoué sur une erreur inattendue (%(error)s).")
    elif job.action == MergerJob.Action.RECOMPUTE:
        message = _("Le nouveau calcul du plan a échoué sur une erreur inattendue (%(error)s).")
    else:
        message = _("L'annulation a échoué sur une erreur inattendue (%(error)s).")
    retry = (
        _("Relancez-le ; si l'erreur revient, transmettez ce message à l'équipe technique.")
        if job.action == MergerJob.Action.RECOMPUTE
        else _("Relancez-la ; si l'erreur revient, transmettez ce message à l'équipe technique.")
    )
    return " ".join([message % {"error": detail}, retry])


def _finish(job: MergerJob, status: str, failure: dict[str, Any]) -> None:
    MergerJob.objects.filter(pk=job.pk).update(status=status, failure=failure, finished_at=timezone.now())
