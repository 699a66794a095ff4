"""The merger pages: list and plan, review queue, apply / undo with confirmation, report and its downloads.

Thin: every read goes through ``selectors`` (which hold the permission rule: a merger the user may not manage
looks exactly like a missing one), every change through one ``services`` function, which writes the audit
entry. The helpers below only shape data for the templates.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grappe.core import access
from grappe.core.access import sees_whole_network, staff_view, whole_network_view
from grappe.core.uploads import check_upload_size, upload_on_disk
from grappe.errors import NotFound, UserError
from grappe.france import geo
from grappe.intake.forms import ApplySavedMappingForm, MappingForm
from grappe.intake.report import source_file_counts
from grappe.jobs import JobBusy, polled_fragment
from grappe.mergers import access as merger_access_rules
from grappe.mergers import actions, labels, planning, report_files, selectors, services
from grappe.mergers import report as merger_reports
from grappe.mergers.forms import (
    AcceptAboveForm,
    ApplyForm,
    DecisionForm,
    DeduplicationForm,
    ImportDecisionsForm,
    MembershipTypeMappingForm,
    PlanMergerForm,
    RestartPlanForm,
    UndoForm,
)
from grappe.mergers.models import CandidatePair, Merger, MergerJob, PlanJob
from grappe.registry.models import MembershipType

View = Callable[..., HttpResponse]

# The fields of ``CandidatePair.left_values`` / ``right_values``, in the order the review shows them.
COMPARED_FIELDS: list[tuple[str, Any]] = [
    ("name", gettext_lazy("Raison sociale")),
    ("siren", gettext_lazy("SIREN")),
    ("sirets", gettext_lazy("SIRET")),
    ("places", gettext_lazy("Lieux")),
    ("departements", gettext_lazy("Départements")),
    ("email", gettext_lazy("E-mail")),
    ("phone", gettext_lazy("Téléphone")),
    ("website", gettext_lazy("Site web")),
    ("naf_code", gettext_lazy("Code NAF")),
]
DECISION_LOG_SIZE = 100


# Anonymous users go to the login page; a merger the user may not manage is a plain 404 (its selectors raise
# NotFound), the list a 403 for staff without the merger right (grappe.core.access).
merger_access = staff_view()
# A page acting on or showing every member of both networks (plan, apply, undo, full report, bulk steps): a
# 403 saying why for territorial staff (grappe.core.access: the territory rules).
merger_whole_access = whole_network_view()


# --------------------------------------------------------------------------------------------------------
# Presentation helpers


@dataclass(frozen=True)
class CountRow:
    """One line of a before / after table: a count per association before, the merged count after."""

    key: str
    label: str
    befores: tuple[int, ...]
    after: int

    @property
    def before(self) -> int:
        return sum(self.befores)

    @property
    def difference(self) -> int:
        """The change for the network that remains (the first column): what it gains, or loses."""
        return self.after - (self.befores[0] if self.befores else 0)


def compare_counts(
    before: Mapping[str, Mapping[str, Any]],
    after: Mapping[str, Any],
    key: str,
    *,
    label: Callable[[str], str] = str,
) -> list[CountRow]:
    """Rows for every value of ``key`` (``by_departement``…) present before or after, biggest first."""
    sides = [counts.get(key) or {} for counts in before.values()]
    merged = after.get(key) or {}
    keys = {item for side in sides for item in side} | set(merged)
    rows = [
        CountRow(item, label(item), tuple(side.get(item, 0) for side in sides), merged.get(item, 0))
        for item in keys
    ]
    return sorted(rows, key=lambda row: (-row.after, -row.before, row.label))


def departement_label(code: str) -> str:
    item = geo.departement(code) if code else None
    return f"{code} — {item.name}" if item else (code or _("(sans département)"))


def _count_label(key: str) -> Callable[[str], str]:
    return lambda item: merger_reports.count_label(key, item)


def registry_comparison(merger: Merger) -> dict[str, Any]:
    """The registry before (each network apart) and after: measured at apply, projected from the pairs before."""
    outcome = merger.outcome or {}
    measured = "after" in outcome and "before" in outcome
    data = outcome if measured else services.projection(merger)
    return comparison_tables(data["before"], data["after"], measured=measured, first=merger.absorbing.name)


def comparison_tables(
    before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Any], *, measured: bool, first: str
) -> dict[str, Any]:
    """Before / after tables; ``first`` (the network that remains) leads, as differences are counted from it."""
    before = dict(sorted(before.items(), key=lambda item: (item[0] != first, item[0])))
    members = CountRow(
        "members",
        _("Adhérents"),
        tuple(counts.get("members", 0) for counts in before.values()),
        after.get("members", 0),
    )
    return {
        "measured": measured,
        "names": list(before),
        "members": members,
        "members_before": list(zip(before, members.befores, strict=True)),
        "departements": compare_counts(before, after, "by_departement", label=departement_label),
        "territories": compare_counts(before, after, "by_territory"),
        "sizes": compare_counts(before, after, "by_size", label=_count_label("by_size")),
        "naf_sections": compare_counts(before, after, "by_naf_section", label=_count_label("by_naf_section")),
    }


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value if item)
    return str(value).strip()


def _folded(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return frozenset(str(item).strip().casefold() for item in value if item)
    return " ".join(_plain(value).casefold().split())


@dataclass(frozen=True)
class FieldRow:
    field: str
    label: str
    left: str
    right: str
    status: str  # "same", "close" (written differently, alike for the engine), "different" or "missing"
    # The engine's level when it found the two alike though written differently (« nom identique »).
    engine_level: str = ""


# The engine's comparison that reads each compared field (``grappe.linkage.comparisons``).
FIELD_COMPARISONS = {"name": "name", "sirets": "identifiers", "siren": "identifiers", "phone": "phone"}


def _field_value(values: Mapping[str, Any], field: str) -> Any:
    """A field of ``left_values`` / ``right_values``; places and départements also read from single values."""
    if field == "places" and not values.get("places"):
        return " ".join(_plain(values.get(key)) for key in ("postcode", "city") if values.get(key))
    if field == "departements" and not values.get("departements"):
        return values.get("departement")
    return values.get(field)


def compare_values(
    left: Mapping[str, Any], right: Mapping[str, Any], evidence: Iterable[Mapping[str, Any]] = ()
) -> list[FieldRow]:
    """The two records side by side, field by field, as a person would compare them (case and spaces aside).

    Where the engine found two values alike that read differently (its normalised names equal, say), the row
    says so with the engine's own level rather than « différent » beside the evidence that counted them equal.
    """
    agreeing = {
        str(item.get("comparison")): _(str(item.get("level", "")))
        for item in evidence
        if item.get("kind", "field") == "field" and item.get("status") == "agree"
    }
    rows = []
    for field, label in COMPARED_FIELDS:
        a, b = _field_value(left, field), _field_value(right, field)
        level = ""
        if not _plain(a) or not _plain(b):
            status = "missing"
        elif _folded(a) == _folded(b) or (
            isinstance(a, list | tuple) and isinstance(b, list | tuple) and _folded(a) & _folded(b)
        ):
            status = "same"
        elif FIELD_COMPARISONS.get(field) in agreeing:
            status, level = "close", agreeing[FIELD_COMPARISONS[field]]
        else:
            status = "different"
        rows.append(FieldRow(field, str(label), _plain(a), _plain(b), status, level))
    return rows


@dataclass(frozen=True)
class EvidenceRow:
    comparison: str
    description: str
    level: str
    status: str
    weight: float
    left_value: str
    right_value: str
    width: int  # percent of the widest bar


def evidence_rows(evidence: Iterable[Mapping[str, Any]]) -> tuple[list[EvidenceRow], list[Mapping[str, Any]]]:
    """Per-field evidence with bar widths scaled to the strongest one, and the identifier rules apart."""
    fields = [item for item in evidence if item.get("kind") != "rule"]
    rules = [item for item in evidence if item.get("kind") == "rule"]
    widest = max((abs(float(item.get("weight") or 0)) for item in fields), default=0) or 1
    rows = [
        EvidenceRow(
            comparison=str(item.get("comparison", "")),
            # The engine writes its labels in French (a pure core); the catalog gives them in English.
            description=_(str(item.get("description", ""))),
            level=_(str(item.get("level", ""))),
            status=str(item.get("status", "")),
            weight=float(item.get("weight") or 0),
            left_value=_plain(item.get("left_value")),
            right_value=_plain(item.get("right_value")),
            width=round(abs(float(item.get("weight") or 0)) / widest * 100),
        )
        for item in fields
    ]
    return rows, rules


RULE_EFFECTS = {
    "match": gettext_lazy("impose le rapprochement"),
    "non_match": gettext_lazy("impose la séparation"),
    "review": gettext_lazy("impose une vérification"),
}


def rule_rows(rules: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "label": _(str(rule.get("label") or rule.get("code", ""))),
            "effect": str(RULE_EFFECTS.get(rule.get("effect", ""), rule.get("effect", ""))),
        }
        for rule in rules
    ]


def absorber_membership_types(merger: Merger) -> list[str]:
    """The absorbing association's membership types a member may be given: those it offers or still uses."""
    offered = set(
        MembershipType.objects.filter(association=merger.absorbing, is_active=True).values_list(
            "name", flat=True
        )
    )
    return sorted(offered | set(services.types_in_use(merger.absorbing)))


def mapping_form(merger: Merger, data: Any = None) -> MembershipTypeMappingForm:
    return MembershipTypeMappingForm(
        data,
        absorbed_types=list((merger.summary or {}).get("membership_types", [])),
        absorber_types=absorber_membership_types(merger),
        initial_mapping=merger.membership_type_mapping or services.proposed_type_mapping(merger),
    )


def review_progress(merger: Merger, user: Any = None) -> dict[str, int]:
    """The review's progress; given a ``user``, over the pairs their territory lets them review."""
    queue = selectors.review_queue(merger, include_decided=True, user=user)
    total = queue.count()
    decided = queue.filter(
        decision__in=[CandidatePair.Decision.ACCEPTED, CandidatePair.Decision.REJECTED]
    ).count()
    skipped = queue.filter(decision=CandidatePair.Decision.SKIPPED).count()
    return {
        "total": total,
        "decided": decided,
        "skipped": skipped,
        "pending": total - decided - skipped,
        # What apply refuses to guess about: review pairs still pending or skipped.
        "undecided": services.undecided_pairs(merger).count(),
        "percent": round(decided / total * 100) if total else 100,
    }


def refusal(check: Callable[[Merger], None], merger: Merger) -> UserError | None:
    """Why ``check`` (a service's ``check_*``) would refuse now, or None when the action would run."""
    try:
        check(merger)
    except UserError as error:
        return error
    return None


def undo_refusal(merger: Merger) -> UserError | None:
    """Undo's refusal shown before anyone clicks: all its checks but the data's checksums, which take minutes
    on a large merger and run in undo's job (its page shows that refusal)."""
    if merger.status != Merger.Status.APPLIED:
        return None
    return refusal(partial(services.check_undo, verify_data=False), merger)


def types_refusal(merger: Merger) -> UserError | None:
    """Apply's refusal while the membership types are not confirmed (shown before anyone clicks apply)."""
    if merger.status != Merger.Status.PLANNED:
        return None
    return refusal(services.check_membership_types, merger)


# --------------------------------------------------------------------------------------------------------
# List and plan


@merger_access
@require_http_methods(["GET", "POST"])
def merger_list(request: HttpRequest) -> HttpResponse:
    _check_can_plan(request)
    form = PlanMergerForm(request.POST or None, request.FILES or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            job = _ask_for_plan(request, form)
        except UserError as caught:
            error = caught
        else:
            if job.status == PlanJob.Status.MAPPING:
                return redirect("mergers:plan_mapping", job_id=job.pk)
            return redirect("mergers:plan_job", job_id=job.pk)
    return _render_list(request, form=form, error=error)


def _check_can_plan(request: HttpRequest) -> None:
    """The list is for those who hold the merger right; planning (a POST) for those who see the whole network."""
    if not selectors.can_manage_mergers(request.user):
        raise PermissionDenied(_("Préparer et appliquer des fusions est réservé à l'équipe habilitée."))
    if request.method == "POST" and not sees_whole_network(request.user):
        raise PermissionDenied(access.WHOLE_NETWORK_DENIED)


def _render_list(
    request: HttpRequest,
    *,
    form: PlanMergerForm | None = None,
    error: UserError | None = None,
    dedup_form: DeduplicationForm | None = None,
    dedup_error: UserError | None = None,
) -> HttpResponse:
    form = form if form is not None else PlanMergerForm()
    if dedup_form is None:
        dedup_form = DeduplicationForm(initial={"association": request.GET.get("registre")})
    refused = error or dedup_error or form.errors or dedup_form.errors
    context = {
        "form": form,
        "error": error,
        "dedup_form": dedup_form,
        "dedup_error": dedup_error,
        "can_plan": sees_whole_network(request.user),
        # Each with its counts as they stand: new members measured once applied, projected from the decisions
        # while planned; the pairs to review with those still undecided.
        "mergers": [(merger, services.plan_counts(merger)) for merger in selectors.mergers_for(request.user)],
        # Plans asked for and not (yet) ready: running, failed, interrupted or waiting on their mapping.
        "plan_jobs": [
            (job, selectors.plan_interrupted(job))
            for job in selectors.plan_jobs_for(request.user).exclude(status=PlanJob.Status.PLANNED)[:10]
        ],
    }
    return render(request, "mergers/list.html", context, status=400 if refused else 200)


@merger_access
@require_POST
def deduplicate(request: HttpRequest) -> HttpResponse:
    """Search one registry for its own duplicates: a deduplication planned in the background, as a merger's
    plan is, then reviewed and applied the same way."""
    _check_can_plan(request)
    form = DeduplicationForm(request.POST)
    if not form.is_valid():
        return _render_list(request, dedup_form=form)
    association = form.cleaned_data["association"]
    try:
        job = planning.create_plan_job(
            absorbing=association,
            absorbed=association,
            kind=Merger.Kind.DEDUPLICATION,
            effective_on=timezone.localdate(),
            user=request.user,
        )
        planning.start_plan_job(job=job, user=request.user)
    except UserError as error:
        return _render_list(request, dedup_form=form, dedup_error=error)
    return redirect("mergers:plan_job", job_id=job.pk)


def _ask_for_plan(request: HttpRequest, form: PlanMergerForm) -> PlanJob:
    """Record the plan; start it at once unless its export's columns wait for a person."""
    data = form.cleaned_data
    upload = data.get("file")
    if upload:
        check_upload_size(upload)
    job = planning.create_plan_job(
        absorbing=data["absorbing"],
        absorbed=data["absorbed"],
        effective_on=data["effective_on"],
        vote_on=data["vote_on"],
        kind=data["kind"],
        resulting_name=data["resulting_name"] if data["kind"] == Merger.Kind.FUSION else "",
        keep_name_as_brand=data["keep_name_as_brand"],
        upload=upload or None,
        sheet=data["sheet"] or None,
        review_mapping=data["review_mapping"],
        country=data["country"],
        user=request.user,
    )
    if job.status == PlanJob.Status.READY:
        planning.start_plan_job(job=job, user=request.user)
    return job


# --------------------------------------------------------------------------------------------------------
# A plan asked for from the web: its column mapping, its progress, its failure


@dataclass(frozen=True)
class PlanStep:
    """One line of a plan's progress: a step of ``labels.PLAN_STEPS``, done, running now or still to come."""

    label: str
    state: str  # "done", "current" or "todo"
    done: int = 0
    total: int | None = None
    detail: str = ""  # the linkage engine's own stage, while the linkage runs

    @property
    def percent(self) -> int | None:
        return min(100, round(self.done / self.total * 100)) if self.total else None


def plan_steps(job: PlanJob, progress: Mapping[str, Any]) -> list[PlanStep]:
    """The steps of ``job``'s plan (the import's two passes only when it imports its export) against the
    stage its progress reports."""
    steps = [
        (key, label)
        for key, label in labels.PLAN_STEPS
        if job.imports_the_export or key not in ("validation", "import")
    ]
    return steps_against(steps, progress)


def steps_against(steps: list[tuple[str, Any]], progress: Mapping[str, Any]) -> list[PlanStep]:
    """``steps`` (key, label) against the stage a progress file reports (« linkage:blocking » is the linkage
    step, at the engine's own stage): those before it are done, those after it to come."""
    step, _sep, detail = str(progress.get("stage", "")).partition(":")
    keys = [key for key, _label in steps]
    current = keys.index(step) if step in keys else -1
    return [
        PlanStep(str(label), "done")
        if index < current
        else PlanStep(
            str(label),
            "current",
            done=int(progress.get("done") or 0),
            total=progress.get("total"),
            detail=str(labels.LINKAGE_STAGES.get(detail, detail)) if detail else "",
        )
        if index == current
        else PlanStep(str(label), "todo")
        for index, (_key, label) in enumerate(steps)
    ]


def _plan_job_context(job: PlanJob) -> dict[str, Any]:
    current = selectors.plan_progress(job)
    return {
        "job": job,
        "progress": current,
        "steps": plan_steps(job, current),
        "interrupted": selectors.plan_interrupted(job),
        "failure": job.failure if job.status == PlanJob.Status.FAILED else {},
    }


@merger_whole_access
@require_GET
def plan_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A plan's progress (polled), its failure, or, once ready, the plan itself."""
    job = selectors.plan_job_for(request.user, job_id)
    if job.status == PlanJob.Status.PLANNED and job.merger_id:
        messages.success(request, _("Plan prêt : vérifiez-le avant de l'appliquer."))
        return redirect("mergers:detail", merger_id=job.merger_id)
    if job.status == PlanJob.Status.MAPPING:
        return redirect("mergers:plan_mapping", job_id=job.pk)
    return render(request, "mergers/plan_job.html", _plan_job_context(job))


@merger_whole_access
@require_GET
def plan_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The fragment the progress page polls; once the plan stops running, the whole page reloads."""
    job = selectors.plan_job_for(request.user, job_id)
    context = _plan_job_context(job)
    return polled_fragment(request, "mergers/_plan_progress.html", context, running=bool(context["progress"]))


@merger_whole_access
@require_POST
def plan_restart(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.plan_job_for(request.user, job_id)
    form = RestartPlanForm(request.POST)
    only_valid = form.is_valid() and form.cleaned_data["skip_invalid"]
    try:
        planning.start_plan_job(job=job, user=request.user, skip_invalid=True if only_valid else None)
    except UserError as error:
        messages.error(request, str(error))
    return redirect("mergers:plan_job", job_id=job.pk)


@merger_whole_access
@require_http_methods(["GET", "POST"])
def plan_mapping(request: HttpRequest, job_id: int) -> HttpResponse:
    """The intake's mapping step for the export of a plan: check each column's field, then plan."""
    from grappe.intake import selectors as intake_selectors
    from grappe.intake.reading import open_table

    job = selectors.plan_job_for(request.user, job_id)
    if job.status == PlanJob.Status.PLANNED or not job.imports_the_export or selectors.plan_progress(job):
        return redirect("mergers:plan_job", job_id=job.pk)
    headers = tuple(job.headers)
    initial = job.column_mapping
    saved_form = ApplySavedMappingForm(request.POST or None, association=job.absorbed)
    if "apply_saved" in request.POST and saved_form.is_valid():
        initial = intake_selectors.mapping_from_saved(headers=headers, saved=saved_form.cleaned_data["saved"])
    form = MappingForm(
        request.POST if "plan" in request.POST else None, headers=job.headers, initial_mapping=initial
    )
    error = None
    if form.is_bound and form.is_valid():
        try:
            planning.set_plan_job_mapping(
                job=job, mapping=form.mapping(), save_as=form.cleaned_data["save_as"], user=request.user
            )
            planning.start_plan_job(job=job, user=request.user)
        except UserError as caught:
            error = caught
        else:
            return redirect("mergers:plan_job", job_id=job.pk)
    try:
        table = open_table(Path(job.file.path), file_name=job.original_name, sheet=job.sheet or None)
        samples = intake_selectors.sample_rows(table=table)
    except UserError as caught:
        samples, error = [], error or caught
    columns = [
        (bound, [row[index] for row in samples if index < len(row)]) for index, bound in form.column_fields()
    ]
    context = {"job": job, "form": form, "saved_form": saved_form, "columns": columns, "error": error}
    return render(request, "mergers/plan_mapping.html", context, status=400 if error else 200)


@merger_access
@require_GET
def merger_detail(request: HttpRequest, merger_id: int) -> HttpResponse:
    merger = selectors.merger_for(request.user, merger_id)
    context = _detail_context(merger, whole_network=sees_whole_network(request.user))
    if not context["whole_network"]:
        # The log names the pairs decided across both networks; the review shows a permanent their own.
        context["audit"] = []
    return render(request, "mergers/detail.html", context)


def _detail_context(merger: Merger, **extra: Any) -> dict[str, Any]:
    progress = review_progress(merger)
    context = {
        "merger": merger,
        "counts": services.plan_counts(merger),
        "reading_counts": source_file_counts(merger.source_file),
        "outcome": merger.outcome or {},
        "comparison": registry_comparison(merger),
        "mapping_form": mapping_form(merger),
        "progress": progress,
        "apply_blocked": progress["undecided"] > 0,
        "undo_refusal": undo_refusal(merger),
        "types_refusal": types_refusal(merger),
        "audit": list(selectors.audit_log(merger).order_by("-at", "-pk")[:10]),
        "model_lines": labels.linkage_model_lines(merger.summary or {}),
        "running_action": selectors.running_action(merger),
        "report_files": report_files_context(merger),
    }
    context.update(extra)
    return context


@merger_whole_access
@require_POST
def membership_mapping(request: HttpRequest, merger_id: int) -> HttpResponse:
    merger = selectors.merger_for(request.user, merger_id)
    form = mapping_form(merger, request.POST)
    if form.is_valid():
        try:
            services.set_membership_type_mapping(merger=merger, mapping=form.mapping(), user=request.user)
        except UserError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Correspondance des types d'adhésion confirmée."))
    return redirect("mergers:detail", merger_id=merger.pk)


# --------------------------------------------------------------------------------------------------------
# Review queue


def _current_pair(request: HttpRequest, merger: Merger) -> CandidatePair | None:
    asked = request.GET.get("paire") or request.POST.get("next_pair")
    if asked and asked.isdigit():
        pair = selectors.pair_for(request.user, int(asked))
        if pair.merger_id != merger.pk:
            raise NotFound(_("Paire introuvable."))
        return pair
    if request.GET.get("passees"):
        skipped = selectors.review_queue(merger, include_decided=True, user=request.user)
        return skipped.filter(decision=CandidatePair.Decision.SKIPPED).first()
    queue = selectors.review_queue(merger, user=request.user)
    return queue.filter(decision=CandidatePair.Decision.PENDING).first()


def _review_context(request: HttpRequest, merger: Merger, pair: CandidatePair | None) -> dict[str, Any]:
    context: dict[str, Any] = {
        "merger": merger,
        "pair": pair,
        "progress": review_progress(merger, request.user),
        "decisions": list(
            selectors.decision_log(merger, user=request.user).order_by("-decided_at", "-pk")[
                :DECISION_LOG_SIZE
            ]
        ),
        "can_decide": merger.status == Merger.Status.PLANNED,
    }
    if pair is not None:
        # A side outside the reader's territory keeps only its public fields (grappe.mergers.access).
        left, right, read_evidence = merger_access_rules.pair_as_read_by(request.user, pair)
        evidence, rules = evidence_rows(read_evidence)
        context |= {
            "fields": compare_values(left, right, read_evidence),
            "evidence": evidence,
            "rules": rule_rows(rules),
            "conflicts": [labels.conflict_label(code) for code in pair.conflicts or []],
        }
    return context


@merger_access
@require_GET
def review(request: HttpRequest, merger_id: int) -> HttpResponse:
    merger = selectors.merger_for(request.user, merger_id)
    context = _review_context(request, merger, _current_pair(request, merger))
    context["bulk_form"] = AcceptAboveForm()
    context["import_form"] = ImportDecisionsForm()
    context["whole_network"] = sees_whole_network(request.user)
    return render(request, "mergers/review.html", context)


@merger_access
@require_POST
def decide(request: HttpRequest, merger_id: int, pair_id: int) -> HttpResponse:
    merger = selectors.merger_for(request.user, merger_id)
    try:
        pair = selectors.pair_for(request.user, pair_id)
    except NotFound:
        if selectors.pair_exists(pair_id):
            raise
        # A page opened before the plan was computed again: its pairs were replaced. Back to the queue.
        return _decision_refused(request, merger, services.pair_replaced(merger.pk))
    if pair.merger_id != merger.pk:
        raise NotFound(_("Paire introuvable."))
    form = DecisionForm(request.POST)
    error = None
    if not form.is_valid():
        error = UserError(_("Décision inconnue : choisissez accepter, rejeter ou passer."))
    else:
        try:
            services.decide_pair(pair=pair, decision=form.cleaned_data["decision"], user=request.user)
        except UserError as caught:
            error = caught
    if request.htmx:
        following = pair if error else _current_pair(request, merger)
        context = _review_context(request, merger, following) | {"error": error, "last_decided": pair}
        return render(request, "mergers/_review_panel.html", context, status=400 if error else 200)
    if error:
        messages.error(request, str(error))
    return redirect("mergers:review", merger_id=merger.pk)


def _decision_refused(request: HttpRequest, merger: Merger, error: UserError) -> HttpResponse:
    """A decision that could not be taken: the review panel with the next pair and why (htmx), else the queue."""
    if request.htmx:
        context = _review_context(request, merger, _current_pair(request, merger)) | {"error": error}
        return render(request, "mergers/_review_panel.html", context, status=400)
    messages.error(request, str(error))
    return redirect("mergers:review", merger_id=merger.pk)


@merger_whole_access
@require_POST
def accept_above(request: HttpRequest, merger_id: int) -> HttpResponse:
    merger = selectors.merger_for(request.user, merger_id)
    form = AcceptAboveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Seuil invalide : indiquez un pourcentage entre 50 et 100."))
        return redirect("mergers:review", merger_id=merger.pk)
    try:
        accepted = services.accept_above(merger=merger, threshold=form.probability(), user=request.user)
    except UserError as error:
        messages.error(request, str(error))
    else:
        threshold = form.cleaned_data["threshold"].normalize()
        messages.success(
            request,
            ngettext(
                "%(count)d paire acceptée (probabilité ≥ %(threshold)s %%).",
                "%(count)d paires acceptées (probabilité ≥ %(threshold)s %%).",
                accepted,
            )
            % {"count": accepted, "threshold": threshold},
        )
    return redirect("mergers:review", merger_id=merger.pk)


@merger_whole_access
@require_POST
def recompute(request: HttpRequest, merger_id: int) -> HttpResponse:
    """Run the plan's linkage again, in the background (about a minute on a large merger); the engine learns
    from the decisions taken so far. Its progress page lands on the plan."""
    merger = selectors.merger_for(request.user, merger_id)
    try:
        job = actions.start_action(merger=merger, action=MergerJob.Action.RECOMPUTE, user=request.user)
    except UserError as error:
        messages.error(request, str(error))
        return redirect("mergers:detail", merger_id=merger.pk)
    return redirect("mergers:action_job", job_id=job.pk)


@merger_whole_access
@require_POST
def abandon(request: HttpRequest, merger_id: int) -> HttpResponse:
    """Drop a plan that will not be applied; the registry never changed, the review's decisions stay
    remembered."""
    merger = selectors.merger_for(request.user, merger_id)
    try:
        services.abandon_plan(merger=merger, user=request.user)
    except UserError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Plan abandonné : le registre n'a pas changé, et les décisions prises dans sa revue restent "
                "mémorisées pour le prochain plan."
            ),
        )
    return redirect("mergers:detail", merger_id=merger.pk)


@merger_whole_access
@require_GET
def decisions_csv(request: HttpRequest, merger_id: int) -> HttpResponse:
    merger = selectors.merger_for(request.user, merger_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_file_stem(merger)}-decisions.csv"'
    services.export_decisions(merger=merger, stream=response)
    return response


@merger_whole_access
@require_POST
def import_decisions(request: HttpRequest, merger_id: int) -> HttpResponse:
    """Decisions taken in a spreadsheet (the CSV export, filled in): all or nothing, a bad row named."""
    merger = selectors.merger_for(request.user, merger_id)
    form = ImportDecisionsForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choisissez le fichier CSV des décisions à importer."))
        return redirect("mergers:review", merger_id=merger.pk)
    upload = form.cleaned_data["file"]
    try:
        check_upload_size(upload)
        with upload_on_disk(upload, prefix="grappe-decisions-") as path:
            changed = services.import_decisions(merger=merger, path=path, user=request.user)
    except UserError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d décision importée (les autres lignes ne changeaient rien).",
                "%(count)d décisions importées (les autres lignes ne changeaient rien).",
                changed,
            )
            % {"count": changed},
        )
    return redirect("mergers:review", merger_id=merger.pk)


# --------------------------------------------------------------------------------------------------------
# Apply and undo (each a confirmation page, then one POST that queues the work, then its progress page)


@merger_whole_access
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, merger_id: int) -> HttpResponse:
    return _action_page(request, merger_id, MergerJob.Action.APPLY, ApplyForm, "mergers/apply.html")


@merger_whole_access
@require_http_methods(["GET", "POST"])
def undo(request: HttpRequest, merger_id: int) -> HttpResponse:
    return _action_page(request, merger_id, MergerJob.Action.UNDO, UndoForm, "mergers/undo.html")


def _action_page(
    request: HttpRequest, merger_id: int, action: str, form_class: type[Any], template: str
) -> HttpResponse:
    """The confirmation page of apply or undo; its POST checks and queues the work, then follows it on the
    job's page. Refused: 400 with the reason; 409 while an apply or undo of the merger is queued or runs."""
    merger = selectors.merger_for(request.user, merger_id)
    running = selectors.running_action(merger)
    if request.method == "GET" and running is not None:
        return redirect("mergers:action_job", job_id=running.pk)
    form = form_class(request.POST or None)
    error: UserError | None = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            job = actions.start_action(
                merger=merger,
                action=action,
                user=request.user,
                accept_auto_only=bool(form.cleaned_data.get("accept_auto_only")),
            )
        except JobBusy as caught:
            error, status = caught, 409
        except UserError as caught:
            error, status = caught, 400
        else:
            return redirect("mergers:action_job", job_id=job.pk)
    elif form.errors:
        status = 400
    context = _detail_context(merger, form=form, error=error)
    return render(request, template, context, status=status)


def action_steps(job: MergerJob, progress: Mapping[str, Any]) -> list[PlanStep]:
    """The stages of ``job``'s step (apply, undo, report, new computation) against the stage its progress
    reports."""
    return steps_against(labels.ACTION_STEPS[job.action], progress)


def _action_job_context(job: MergerJob) -> dict[str, Any]:
    current = selectors.action_progress(job)
    return {
        "job": job,
        "texts": labels.ACTION_TEXTS[job.action],
        "merger": job.merger,
        "progress": current,
        "steps": action_steps(job, current),
        "interrupted": selectors.action_interrupted(job),
        "failure": job.failure if job.status == MergerJob.Status.FAILED else {},
    }


@merger_whole_access
@require_GET
def action_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """An apply, undo or report's progress (polled) or failure; once done, the merger's page with its result
    (the report's page with its files)."""
    job = selectors.merger_job_for(request.user, job_id)
    if job.status != MergerJob.Status.DONE:
        return render(request, "mergers/action_job.html", _action_job_context(job))
    done = str(labels.ACTION_TEXTS[job.action].done)
    if job.action == MergerJob.Action.REPORT:
        messages.success(request, done)
        return redirect(reverse("mergers:report", kwargs={"merger_id": job.merger_id}) + "#fichiers")
    if job.action == MergerJob.Action.RECOMPUTE:
        # What the model learnt: the last line of « d'où viennent ses paramètres ».
        lines = labels.linkage_model_lines(job.merger.summary or {})
        done = f"{done} {lines[-1]}" if lines else done
    messages.success(request, done)
    return redirect("mergers:detail", merger_id=job.merger_id)


@merger_whole_access
@require_GET
def action_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The fragment the progress page polls; once the job stops running, the whole page reloads."""
    job = selectors.merger_job_for(request.user, job_id)
    context = _action_job_context(job)
    return polled_fragment(
        request, "mergers/_action_progress.html", context, running=bool(context["progress"])
    )


# --------------------------------------------------------------------------------------------------------
# Report


def _file_stem(merger: Merger) -> str:
    return (
        slugify(f"fusion-{merger.pk}-{merger.absorbed.name}-{merger.absorbing.name}") or f"fusion-{merger.pk}"
    )


def report_files_context(merger: Merger) -> dict[str, Any]:
    """The report's files in the active language: whether they are built in the request that downloads them
    (a small merger) or prepared by the worker, those kept for the merger as it stands, and a preparation
    running now."""
    must_prepare = report_files.runs_in_background(merger)
    prepared = report_files.prepared_files(merger, report_files.active_language()) if must_prepare else {}
    running = selectors.running_action(merger)
    return {
        "prepared": prepared,
        "prepared_at": _modified_at(prepared),
        "must_prepare": must_prepare,
        "running": running if running is not None and running.action == MergerJob.Action.REPORT else None,
    }


def _modified_at(prepared: Mapping[str, report_files.ReportFile]) -> datetime.datetime | None:
    if not prepared:
        return None
    stamp = min(file.path.stat().st_mtime for file in prepared.values())
    return datetime.datetime.fromtimestamp(stamp, tz=timezone.get_current_timezone())


@merger_whole_access
@require_GET
def report(request: HttpRequest, merger_id: int) -> HttpResponse:
    merger = selectors.merger_for(request.user, merger_id)
    result = merger_reports.merger_report(merger)
    comparison = comparison_tables(
        result.before, result.after, measured=bool(merger.outcome), first=merger.absorbing.name
    )
    context = {
        "merger": merger,
        "report": result,
        "comparison": comparison,
        "report_files": report_files_context(merger),
    }
    return render(request, "mergers/report.html", context)


@merger_whole_access
@require_POST
def report_prepare(request: HttpRequest, merger_id: int) -> HttpResponse:
    """Build the report's files: queued for the worker and followed on the job's page (a large merger), or at
    once, back on the report's page (a small one). 409 while an apply, undo or report of the merger runs."""
    merger = selectors.merger_for(request.user, merger_id)
    try:
        job = actions.start_action(merger=merger, action=MergerJob.Action.REPORT, user=request.user)
    except JobBusy as error:
        context = {"merger": merger, "running_action": selectors.running_action(merger), "error": error}
        return render(request, "mergers/report_busy.html", context, status=409)
    return redirect("mergers:action_job", job_id=job.pk)


@merger_whole_access
@require_GET
def report_csv(request: HttpRequest, merger_id: int) -> HttpResponse:
    return _report_download(request, merger_id, "csv")


@merger_whole_access
@require_GET
def report_pdf(request: HttpRequest, merger_id: int) -> HttpResponse:
    return _report_download(request, merger_id, "pdf")


REPORT_CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def _report_download(request: HttpRequest, merger_id: int, format: str) -> HttpResponse:
    """The report's file. A small merger's is built now, by the report's job in the request (so it always
    reads the registry as it is); a large merger's is the one the worker prepared for the merger as it stands,
    and without one the report's page, where it is prepared."""
    merger = selectors.merger_for(request.user, merger_id)
    report_page = reverse("mergers:report", kwargs={"merger_id": merger.pk}) + "#fichiers"
    if report_files.runs_in_background(merger):
        file = report_files.report_file(merger, report_files.active_language(), format)
        if not file.exists():
            messages.info(
                request,
                _(
                    "Le rapport de cette fusion est long à produire : préparez-le, ses fichiers seront à "
                    "télécharger ici une fois prêts."
                ),
            )
            return redirect(report_page)
    else:
        try:
            job = actions.start_action(
                merger=merger, action=MergerJob.Action.REPORT, user=request.user, formats=[format]
            )
        except UserError as error:
            messages.error(request, str(error))
            return redirect(report_page)
        if job.status != MergerJob.Status.DONE:  # it failed: its page says why
            return redirect("mergers:action_job", job_id=job.pk)
        file = report_files.report_file(merger, report_files.active_language(), format)
        if not file.exists():  # the merger changed since the file was built (an apply just after it)
            messages.info(
                request,
                _("La fusion a changé pendant la préparation du rapport : téléchargez-le de nouveau."),
            )
            return redirect(report_page)
    return FileResponse(
        file.path.open("rb"),
        as_attachment=True,
        filename=f"{_file_stem(merger)}-rapport.{format}",
        content_type=REPORT_CONTENT_TYPES[format],
    )
