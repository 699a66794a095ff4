"""Reads of the merger workflow, with the permission check in the same call (missing looks like forbidden)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, FloatField, Func, QuerySet, Value
from django.utils.translation import gettext as _

from grappe.core import access
from grappe.errors import NotFound
from grappe.jobs import ProgressFile
from grappe.mergers.models import AuditEntry, CandidatePair, Merger, MergerJob, PlanJob


def can_manage_mergers(user: Any) -> bool:
    """Only staff holding the merger right (or superusers, who hold every right) act on mergers: a member
    company's account given the permission by mistake still cannot (the same rule as imports)."""
    return bool(
        user is not None
        and user.is_active
        and (user.is_staff or user.is_superuser)
        and user.has_perm("mergers.manage_merger")
    )


def mergers_for(user: Any) -> QuerySet[Merger]:
    """The mergers ``user`` may see (with the merger right, those of their territory: ``grappe.core.access``;
    none otherwise), each with ``undecided``: its pairs to review still without a decision (pending or
    skipped)."""
    queryset = Merger.objects.select_related("absorbing", "absorbed", "resulting_association").annotate(
        undecided=Count("pairs", filter=CandidatePair.undecided("pairs__"))
    )
    return access.restrict_mergers(user, queryset) if can_manage_mergers(user) else queryset.none()


def merger_for(user: Any, merger_id: int) -> Merger:
    merger = mergers_for(user).filter(pk=merger_id).first()
    if merger is None:
        raise NotFound(_("Fusion n° %(id)s introuvable.") % {"id": merger_id})
    return merger


def pair_for(user: Any, pair_id: int) -> CandidatePair:
    pair = None
    if can_manage_mergers(user):
        pairs = access.restrict_pairs(user, CandidatePair.objects.select_related("merger"))
        merger_ids = access.restrict_mergers(user, Merger.objects.all()).values("pk")
        pair = pairs.filter(pk=pair_id, merger__in=merger_ids).first()
    if pair is None:
        raise NotFound(_("Paire n° %(id)s introuvable.") % {"id": pair_id})
    return pair


def pair_exists(pair_id: int) -> bool:
    """Whether any merger holds this pair: a pair gone is one a plan computed again replaced (ids are never
    reused), which says nothing of whose it was."""
    return CandidatePair.objects.filter(pk=pair_id).exists()


def review_queue(
    merger: Merger, *, include_decided: bool = False, user: Any = None
) -> QuerySet[CandidatePair]:
    """Pairs for a person: the review band and every pair with a conflict, the answer that teaches the
    model most first (the engine's question order: least predictable first, one per combination of
    comparison levels before a second), then the most uncertain. Given a ``user``, only the pairs their
    territory lets them review (``grappe.core.access.restrict_pairs``)."""
    queryset = merger.pairs.filter(band=CandidatePair.Band.REVIEW) | merger.pairs.exclude(
        conflicts=[]
    ).exclude(band=CandidatePair.Band.NON_MATCH)
    if not include_decided:
        queryset = queryset.filter(decision__in=CandidatePair.UNDECIDED)
    if user is not None:
        queryset = access.restrict_pairs(user, queryset)
    uncertainty = Func(F("match_probability") - Value(0.5), function="ABS", output_field=FloatField())
    return (
        queryset.distinct()
        .annotate(uncertainty=uncertainty)
        .order_by("decision", F("question_rank").asc(nulls_last=True), "uncertainty", "pk")
    )


def pairs_in_band(merger: Merger, band: str) -> QuerySet[CandidatePair]:
    return merger.pairs.filter(band=band).order_by("-match_probability", "pk")


def decision_log(merger: Merger, *, user: Any = None) -> QuerySet[CandidatePair]:
    pairs = merger.pairs.exclude(decided_at=None).order_by("decided_at", "pk")
    return pairs if user is None else access.restrict_pairs(user, pairs)


def audit_log(merger: Merger) -> QuerySet[AuditEntry]:
    return merger.audit.select_related("user").order_by("at", "pk")


def plan_jobs_for(user: Any) -> QuerySet[PlanJob]:
    """Plans asked for from the web that ``user`` may follow: all with the merger right, none otherwise (nor
    for territorial staff: planning is a whole-network step, ``grappe.core.access``)."""
    queryset = PlanJob.objects.select_related("absorbing", "absorbed", "merger", "created_by")
    allowed = can_manage_mergers(user) and access.sees_whole_network(user)
    return queryset if allowed else queryset.none()


def plan_job_for(user: Any, job_id: int) -> PlanJob:
    job = plan_jobs_for(user).filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("Préparation de plan n° %(id)s introuvable.") % {"id": job_id})
    return job


def plan_progress_file(job: PlanJob) -> ProgressFile:
    return ProgressFile.of("mergers", job.pk)


def plan_progress(job: PlanJob) -> dict[str, Any]:
    """``{"stage", "done", "total"}`` of a plan running now; empty when it does not run."""
    return plan_progress_file(job).read()


def plan_interrupted(job: PlanJob) -> bool:
    """Marked running, yet no step runs: the process stopped mid-plan (a restart); it rolled back."""
    return job.status == PlanJob.Status.RUNNING and not plan_progress(job)


def merger_jobs_for(user: Any) -> QuerySet[MergerJob]:
    """Apply and undo jobs ``user`` may follow: those of the mergers they may apply (whole-network staff with
    the merger right, as for plans)."""
    queryset = MergerJob.objects.select_related(
        "merger", "merger__absorbing", "merger__absorbed", "created_by"
    )
    allowed = can_manage_mergers(user) and access.sees_whole_network(user)
    return queryset if allowed else queryset.none()


def merger_job_for(user: Any, job_id: int) -> MergerJob:
    job = merger_jobs_for(user).filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("Opération n° %(id)s introuvable.") % {"id": job_id})
    return job


def action_progress_file(merger_id: int) -> ProgressFile:
    """One file per merger for apply and undo alike: while one is queued or runs, neither starts again."""
    return ProgressFile.of("merger_actions", merger_id)


def action_progress(job: MergerJob) -> dict[str, Any]:
    """``{"stage", "done", "total"}`` of the job running now; empty when it does not run."""
    if job.status not in (MergerJob.Status.QUEUED, MergerJob.Status.RUNNING):
        return {}
    return action_progress_file(job.merger_id).read()


def action_interrupted(job: MergerJob) -> bool:
    """Queued or running, yet no step holds its file: the process stopped mid-way; it rolled back."""
    return job.status in (MergerJob.Status.QUEUED, MergerJob.Status.RUNNING) and not action_progress(job)


def running_action(merger: Merger) -> MergerJob | None:
    """The apply or undo job of ``merger`` queued or running now, if any."""
    if not action_progress_file(merger.pk).is_running():
        return None
    return MergerJob.objects.filter(
        merger=merger, status__in=[MergerJob.Status.QUEUED, MergerJob.Status.RUNNING]
    ).first()
