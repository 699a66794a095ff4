"""The import pages: upload → column mapping → validation report → import. Thin: they call the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grappe.core import access
from grappe.core.access import staff_view
from grappe.errors import UserError
from grappe.france.countries import country_name
from grappe.intake import mapping as mapping_rules
from grappe.intake import selectors, services
from grappe.intake.forms import (
    ApplySavedMappingForm,
    CorrectionForm,
    IssueFilterForm,
    MappingForm,
    RunImportForm,
    UploadForm,
)
from grappe.intake.models import ImportJob
from grappe.intake.questions import ImportAnswers, open_questions
from grappe.intake.report import iter_report_csv
from grappe.jobs import polled_fragment

ISSUES_PER_PAGE = 50
RECORDS_PER_PAGE = 50


# Anonymous users go to the login page; signed-in users without the import permission get a 403.
import_permission_required = staff_view(
    capability=selectors.can_import,
    denied=gettext_lazy("Importer des fichiers est réservé à l'équipe habilitée."),
)


@import_permission_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    default = selectors.default_association(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, initial={"association": default})
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            job = services.create_import_job(
                association=form.cleaned_data["association"],
                upload=form.cleaned_data["file"],
                user=request.user,
                sheet=form.cleaned_data["sheet"] or None,
                header_line=form.cleaned_data["header_line"],
                country=form.cleaned_data["country"],
            )
        except UserError as caught:
            error = caught
        else:
            return _after_upload(request, job)
    jobs = selectors.jobs_for_user(request.user)[:20]
    status = 400 if error or form.errors else 200
    return render(request, "intake/upload.html", {"form": form, "error": error, "jobs": jobs}, status=status)


def _after_upload(request: HttpRequest, job: ImportJob) -> HttpResponse:
    """Every column recognised: validate at once and show the report (the mapping stays a link away);
    otherwise the mapping page, where a person says what the unrecognised columns hold."""
    if mapping_rules.needs_review(headers=tuple(job.headers), mapping=job.column_mapping):
        return redirect("intake:mapping", job_id=job.pk)
    try:
        in_background = services.start_job_step(job=job, step="validate", user=request.user)
    except UserError as error:
        messages.error(request, str(error))
        return redirect("intake:mapping", job_id=job.pk)
    messages.info(request, _("Toutes les colonnes ont été reconnues : le fichier a été validé directement."))
    return redirect("intake:job" if in_background else "intake:report", job_id=job.pk)


@import_permission_required
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_for_file_work(request.user, job_id)
    if job.status == ImportJob.Status.IMPORTED or selectors.job_progress(job):
        return redirect("intake:job", job_id=job.pk)
    initial = job.column_mapping
    error = None
    saved_form = ApplySavedMappingForm(request.POST or None, association=job.association)
    if request.method == "POST" and "apply_saved" in request.POST and saved_form.is_valid():
        initial = selectors.mapping_from_saved(
            headers=tuple(job.headers), saved=saved_form.cleaned_data["saved"]
        )
    form = MappingForm(
        request.POST if "validate" in request.POST else None, headers=job.headers, initial_mapping=initial
    )
    if form.is_bound and form.is_valid():
        try:
            services.set_job_mapping(
                job=job, mapping=form.mapping(), save_as=form.cleaned_data["save_as"], user=request.user
            )
            in_background = services.start_job_step(job=job, step="validate", user=request.user)
        except UserError as caught:
            error = caught
        else:
            return redirect("intake:job" if in_background else "intake:report", job_id=job.pk)
    try:
        samples = selectors.sample_rows(table=services.open_job_table(job))
    except UserError as caught:
        samples, error = [], error or caught
    columns = [
        (index, bound, [row[index] for row in samples if index < len(row)])
        for index, bound in form.column_fields()
    ]
    context = {"job": job, "form": form, "saved_form": saved_form, "columns": columns, "error": error}
    return render(request, "intake/mapping.html", context, status=400 if error else 200)


@import_permission_required
@require_GET
def report(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_for_user(request.user, job_id)
    if job.status in {ImportJob.Status.UPLOADED, ImportJob.Status.FAILED} and not job.row_count:
        return redirect("intake:mapping", job_id=job.pk)
    return _render_report(request, job, run_form=_run_form(job))


def _run_form(job: ImportJob, data: Any = None) -> RunImportForm:
    questions = open_questions(association=job.association, mapping=job.column_mapping)
    answered = ImportAnswers.from_json(job.options.get("answers"))
    initial = {
        "starts_on": answered.starts_on,
        "starts_unknown": answered.starts_unknown,
        "membership_type": answered.membership_type_id,
        "status": answered.status,
    }
    return RunImportForm(data, questions=questions, association=job.association, initial=initial)


def _render_report(
    request: HttpRequest, job: ImportJob, *, run_form: RunImportForm, status: int = 200
) -> HttpResponse:
    filters = IssueFilterForm(request.GET or None)
    severity = column = ""
    if filters.is_valid():
        severity, column = filters.cleaned_data["severity"], filters.cleaned_data["column"]
    issues = selectors.job_issues(job=job, severity=severity, column=column, user=request.user)
    whole_file = access.sees_whole_import(request.user, job)
    page = Paginator(issues, ISSUES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "job": job,
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "columns": selectors.issue_columns(job=job),
        "severity": severity,
        "column": column,
        "reading_counts": selectors.job_reading_counts(job),
        "default_country": country_name(services.job_country(job)),
        # An import interrupted by a restart rolled back: it may be started again from here.
        "can_run": whole_file
        and job.status in {ImportJob.Status.VALIDATED, ImportJob.Status.IMPORTING}
        and not selectors.job_progress(job),
        "whole_file": whole_file,
        "run_form": run_form,
        # Cells are corrected by whoever may prepare the import, while it can still change.
        "can_correct": whole_file
        and job.status in {ImportJob.Status.VALIDATED, ImportJob.Status.FAILED}
        and not selectors.job_progress(job),
        "corrections": selectors.job_corrections(job),
    }
    return render(request, "intake/report.html", context, status=status)


@import_permission_required
@require_GET
def report_csv(request: HttpRequest, job_id: int) -> StreamingHttpResponse:
    job = selectors.job_for_user(request.user, job_id)
    issues = selectors.job_issues(job=job, user=request.user).iterator(chunk_size=2000)
    counts = selectors.job_reading_counts(job)
    response = StreamingHttpResponse(
        iter_report_csv(issues, file_name=job.original_name, sheet=job.sheet, counts=counts),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="rapport-import-{job.pk}.csv"'
    return response


@import_permission_required
@require_POST
def run(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_for_file_work(request.user, job_id)
    form = _run_form(job, request.POST)
    if not form.is_valid():
        return _render_report(request, job, run_form=form, status=400)
    try:
        services.set_job_answers(job=job, answers=form.answers())
        services.start_job_step(
            job=job, step="import", user=request.user, skip_invalid=form.cleaned_data["skip_invalid"]
        )
    except UserError as error:
        messages.error(request, str(error))
        return redirect("intake:report", job_id=job.pk)
    return redirect("intake:job", job_id=job.pk)


@import_permission_required
@require_POST
def correct(request: HttpRequest, job_id: int) -> HttpResponse:
    """Correct one flagged cell and validate the file again; the registry is untouched until the import."""
    job = selectors.job_for_file_work(request.user, job_id)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Correction illisible : rechargez la page et recommencez."))
        return redirect("intake:report", job_id=job.pk)
    data = form.cleaned_data
    try:
        in_background = services.correct_job_cell(
            job=job, line=data["line"], field_name=data["field"], value=data["value"], user=request.user
        )
    except UserError as error:
        messages.error(request, str(error))
        return redirect("intake:report", job_id=job.pk)
    messages.success(
        request,
        _(
            "Ligne %(line)s corrigée : le fichier a été validé de nouveau. Rien n'est importé avant votre accord."
        )
        % {"line": data["line"]},
    )
    return redirect("intake:job" if in_background else "intake:report", job_id=job.pk)


@import_permission_required
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_for_user(request.user, job_id)
    rejected = Paginator(selectors.rejected_records(job=job, user=request.user), RECORDS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    created = Paginator(selectors.created_memberships(job=job, user=request.user), RECORDS_PER_PAGE)
    context = {
        "job": job,
        "whole_file": access.sees_whole_import(request.user, job),
        # Searching the registry for duplicates the import may have made is a whole-network step.
        "whole_network": access.sees_whole_network(request.user),
        "rejected": rejected,
        "created": created.get_page(request.GET.get("creees")),
        "progress": selectors.job_progress(job),
        "reading_counts": selectors.job_reading_counts(job),
    }
    return render(request, "intake/job.html", context)


@import_permission_required
@require_GET
def progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress fragment an htmx page polls; once the job stops running, the whole page reloads."""
    job = selectors.job_for_user(request.user, job_id)
    current = selectors.job_progress(job)
    return polled_fragment(
        request, "intake/_progress.html", {"job": job, "progress": current}, running=bool(current)
    )
