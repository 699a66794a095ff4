"""Staff pages of the budgets, action plans and the network's own memberships: thin views over ``budgets``
(figures and access) and ``affiliations``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from grappe.core.access import has_staff_access, staff_view
from grappe.finance import affiliations, budget_exports, budgets

staff_required = staff_view(capability=has_staff_access, denied=_("Accès réservé aux salariés du réseau."))

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
