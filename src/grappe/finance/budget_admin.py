"""Back office of budgets, action plans and the network's own memberships (imported by ``admin.py``).

Amounts are typed in euros and stored in cents. Lines and entries are checked by ``budgets.check_placement``
(the same rule as the service), actual entries are written by ``actuals.record_actual`` and ``actuals.update_actual`` (checked and
audited), and territorial staff holding the admin rights see the lines of their territories only
(``grappe.core.access.budget_territories``, the pages' rule).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from grappe.core import access
from grappe.errors import UserError
from grappe.finance import actuals, budgets
from grappe.finance.budget_models import (
    ActionPlan,
    ActionPlanShare,
    ActualEntry,
    Affiliation,
    AffiliationFee,
    AffiliationRepresentative,
    Budget,
    BudgetLine,
)


def _euros_field(label: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=14, decimal_places=2, min_value=Decimal(0))


class CentsForm(forms.ModelForm):
    """Shows ``cents_field`` as euros (``euros`` field) and writes it back in cents."""

    cents_field = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cents = getattr(self.instance, self.cents_field, None)
        if cents is not None:
            self.initial["euros"] = budgets.euros(cents)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("euros") is not None:
            setattr(self.instance, self.cents_field, budgets.cents(data["euros"]))
        return data


class _PlacementForm(CentsForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        budget = data.get("budget") or getattr(self.instance, "budget", None)
        if budget is None or not data.get("category"):
            return data
        try:
            budgets.check_placement(
                budget=budget,
                category=data["category"],
                territory=data.get("territory"),
                office=data.get("office"),
                action_plan=data.get("action_plan"),
                staff_member=data.get("staff_member"),
            )
        except UserError as error:
            raise forms.ValidationError(str(error)) from error
        return data


class BudgetLineForm(_PlacementForm):
    cents_field = "forecast_cents"
    euros = _euros_field(_("prévu (€)"))

    class Meta:
        model = BudgetLine
        fields = ("code", "category", "label", "office", "territory", "action_plan", "staff_member")


class ActualEntryForm(_PlacementForm):
    cents_field = "amount_cents"
    euros = _euros_field(_("montant (€)"))

    class Meta:
        model = ActualEntry
        fields = ("budget", "line", "date", "category", "label", "office", "territory", "action_plan")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        budget, date = data.get("budget"), data.get("date")
        if budget and data.get("line"):
            try:
                actuals.resolve_placement(
                    budget=budget,
                    line=data["line"],
                    category=data.get("category") or "",
                    territory=data.get("territory"),
                    office=data.get("office"),
                    action_plan=data.get("action_plan"),
                )
            except UserError as error:
                raise forms.ValidationError(str(error)) from error
        if budget and date and date.year != budget.year:
            self.add_error(
                "date", _("Cette date n'est pas dans l'exercice %(year)s.") % {"year": budget.year}
            )
        if data.get("euros") is not None and data["euros"] <= 0:
            self.add_error("euros", _("Le montant doit être positif."))
        return data


def _placed_in(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    territories = access.budget_territories(request.user)
    if territories is None:
        return queryset
    ids = sorted(territories)
    return queryset.filter(Q(territory__in=ids) | Q(office__territory__in=ids))


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    form = BudgetLineForm
    extra = 1
    autocomplete_fields = ("staff_member",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return _placed_in(request, super().get_queryset(request))


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ("association", "year", "voted_on")
    list_filter = ("association", "year")
    inlines = [BudgetLineInline]


@admin.register(ActualEntry)
class ActualEntryAdmin(admin.ModelAdmin):
    form = ActualEntryForm
    list_display = (
        "date",
        "budget",
        "category",
        "label",
        "office",
        "territory",
        "action_plan",
        "amount_cents",
    )
    list_filter = ("budget", "category")
    search_fields = ("label",)
    date_hierarchy = "date"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return _placed_in(request, super().get_queryset(request))

    def save_model(self, request: HttpRequest, obj: ActualEntry, form: forms.ModelForm, change: bool) -> None:
        # A change and a creation hand the service the same fields: it checks and audits both alike.
        fields = {
            "category": obj.category,
            "label": obj.label,
            "date": obj.date,
            "amount_cents": obj.amount_cents,
            "territory": obj.territory,
            "office": obj.office,
            "action_plan": obj.action_plan,
            "line": obj.line,
            "user": request.user,
        }
        if change:
            actuals.update_actual(entry=ActualEntry.objects.get(pk=obj.pk), **fields)
            return
        obj.pk = actuals.record_actual(budget=obj.budget, **fields).pk


class ActionPlanShareInline(admin.TabularInline):
    model = ActionPlanShare
    extra = 2


@admin.register(ActionPlan)
class ActionPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "association", "year", "allocation")
    list_filter = ("association", "year")
    search_fields = ("name",)
    inlines = [ActionPlanShareInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return access.restrict_action_plans(request.user, super().get_queryset(request))


class AffiliationFeeForm(CentsForm):
    cents_field = "amount_cents"
    euros = _euros_field(_("montant (€)"))

    class Meta:
        model = AffiliationFee
        fields = ("year", "paid_on")


class AffiliationFeeInline(admin.TabularInline):
    model = AffiliationFee
    form = AffiliationFeeForm
    extra = 1


class AffiliationRepresentativeInline(admin.TabularInline):
    model = AffiliationRepresentative
    extra = 1
    autocomplete_fields = ("staff_member", "person")


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    list_display = ("counterpart", "association", "kind", "relation", "since", "renewal_on", "ended_on")
    list_filter = ("association", "kind", "relation")
    search_fields = ("counterpart",)
    inlines = [AffiliationFeeInline, AffiliationRepresentativeInline]
