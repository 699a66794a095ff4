"""Staff pages of the budgets, action plans and the network's own memberships: thin views over ``budgets``
(figures and access), ``actuals`` (entering what was really spent and received) and ``affiliations``."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grappe.core.access import has_staff_access, staff_view
from grappe.core.uploads import check_upload_size, upload_name, upload_on_disk
from grappe.errors import UserError
from grappe.finance import actual_imports, actuals, affiliations, budget_exports, budgets
from grappe.finance.budget_forms import ActualEntryForm, ActualImportForm

staff_required = staff_view(capability=has_staff_access, denied=_("Accès réservé aux salariés du réseau."))

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@staff_required
def budget_list(request: HttpRequest) -> HttpResponse:
    return render(request, "finance/budget_list.html", {"budgets": budgets.visible_budgets(request.user)})


@staff_required
def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    budget = budgets.budget_for(request.user, pk)
    overview = budgets.budget_overview(budget, user=request.user)
    return render(request, "finance/budget_detail.html", {"overview": overview, "budget": budget})


def _file_name(budget: budgets.Budget, extension: str) -> str:
    return f"budget-{budget.year}-{slugify(budget.association.name)}.{extension}"


@staff_required
def budget_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    budget = budgets.budget_for(request.user, pk)
    overview = budgets.budget_overview(budget, user=request.user)
    response = StreamingHttpResponse(
        budget_exports.budget_csv(overview), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_file_name(budget, "csv")}"'
    return response


@staff_required
def budget_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    budget = budgets.budget_for(request.user, pk)
    overview = budgets.budget_overview(budget, user=request.user)
    response = HttpResponse(budget_exports.budget_xlsx(overview), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_file_name(budget, "xlsx")}"'
    return response


@staff_required
def action_plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = budgets.action_plan_for(request.user, pk)
    context = {
        "plan": plan,
        "split": budgets.plan_split(plan, user=request.user),
        "lines": budgets.plan_lines(plan),
    }
    return render(request, "finance/action_plan.html", context)


@staff_required
def affiliation_list(request: HttpRequest) -> HttpResponse:
    current = affiliations.current_affiliations()
    context = {
        "affiliations": current,
        "renewals": affiliations.upcoming_renewals(current),
        "horizon": affiliations.RENEWAL_HORIZON_DAYS,
    }
    return render(request, "finance/affiliation_list.html", context)


# -- actual entries ------------------------------------------------------------------------------------------


@staff_required
def actual_list(request: HttpRequest, pk: int) -> HttpResponse:
    budget = budgets.budget_for(request.user, pk)
    entries = actuals.visible_entries(request.user, budget).order_by("-date", "-pk")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "finance/actual_list.html", {"budget": budget, "page": page})


@staff_required
def actual_create(request: HttpRequest, pk: int) -> HttpResponse:
    budget = budgets.budget_for(request.user, pk)
    form = ActualEntryForm(request.user, budget, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = actuals.record_actual(budget=budget, user=request.user, **form.service_arguments())
        except UserError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, gettext("Réalisé enregistré : %(entry)s.") % {"entry": entry})
            return redirect("budgets:detail", pk=budget.pk)
    context = {"budget": budget, "form": form, "title": _("Saisir un réalisé")}
    return render(request, "finance/actual_form.html", context)


@staff_required
def actual_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = actuals.entry_for(request.user, pk)
    budget = entry.budget
    form = ActualEntryForm(
        request.user, budget, request.POST or None, initial=ActualEntryForm.initial_of(entry)
    )
    if request.method == "POST" and form.is_valid():
        try:
            actuals.update_actual(entry=entry, user=request.user, **form.service_arguments())
        except UserError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, gettext("Réalisé modifié : %(entry)s.") % {"entry": entry})
            return redirect("budgets:actuals", pk=budget.pk)
    context = {"budget": budget, "form": form, "entry": entry, "title": _("Modifier un réalisé")}
    return render(request, "finance/actual_form.html", context)


@staff_required
def actual_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = actuals.entry_for(request.user, pk)
    budget = entry.budget
    if request.method == "POST":
        try:
            actuals.delete_actual(entry=entry, user=request.user)
        except UserError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, gettext("Réalisé supprimé : %(entry)s.") % {"entry": entry})
        return redirect("budgets:actuals", pk=budget.pk)
    return render(request, "finance/actual_delete.html", {"budget": budget, "entry": entry})


@staff_required
def actual_import(request: HttpRequest, pk: int) -> HttpResponse:
    budget = budgets.budget_for(request.user, pk)
    form = ActualImportForm(request.POST or None, request.FILES or None)
    problems: list[UserError] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_upload_size(upload)
            with upload_on_disk(upload) as path:
                outcome = actual_imports.import_actuals(
                    path, budget=budget, file_name=upload_name(upload, "realises.csv"), user=request.user
                )
        except actual_imports.ImportRefused as refused:
            form.add_error("file", str(refused))
            problems = refused.problems
        except UserError as error:
            form.add_error("file", str(error))
        else:
            messages.success(
                request,
                gettext("%(count)d réalisé(s) importé(s), %(total)s € au total.")
                % {"count": outcome.entries, "total": budgets.euros(outcome.total_cents)},
            )
            return redirect("budgets:detail", pk=budget.pk)
    context = {"budget": budget, "form": form, "problems": problems}
    return render(request, "finance/actual_import.html", context)
