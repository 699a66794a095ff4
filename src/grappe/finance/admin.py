"""Back office of finance. Schedules and declared turnovers are edited here; dues and payments are only shown:
they are written by the services (``generate_dues``, ``record_payment``), which check, allocate and audit.
Dues, payments and turnovers read through ``selectors.restrict``, the same territorial rule as the pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grappe.core.admin import ReadOnlyMixin
from grappe.errors import UserError
from grappe.finance import (
    budget_admin,  # noqa: F401  (budgets, action plans, network memberships: registered there)
    documents,
    fees,
    services,
)
from grappe.finance.models import (
    Allocation,
    BillingSettings,
    DeclaredTurnover,
    Document,
    Due,
    FeeBracket,
    FeeSchedule,
    FlatRate,
    Payment,
)
from grappe.registry import selectors


class RestrictedAdmin(admin.ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.restrict(request.user, super().get_queryset(request))


class ShownOnlyAdmin(ReadOnlyMixin, RestrictedAdmin):
    def has_invoice_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("finance.add_document")

    def _issue(self, request: HttpRequest, rows: QuerySet, issue: Any, name: str) -> None:
        issued = 0
        for row in rows:
            try:
                issued += issue(**{name: row, "user": request.user}).created
            except UserError as error:
                self.message_user(request, str(error), messages.ERROR)
                return
        self.message_user(
            request, gettext("%(count)d document(s) émis.") % {"count": issued}, messages.SUCCESS
        )


class FeeBracketInline(admin.TabularInline):
    model = FeeBracket
    extra = 0


class FlatRateInline(admin.TabularInline):
    model = FlatRate
    extra = 0


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    list_display = ("association", "year", "voted_on", "basis", "due_on", "grace_until", "consistency")
    list_filter = ("association", "year")
    inlines = [FeeBracketInline, FlatRateInline]
    actions = ["generate"]

    @admin.display(description=_("cohérence"))
    def consistency(self, schedule: FeeSchedule) -> str:
        try:
            schedule.rules()
        except fees.FeeError as error:
            return error.render(gettext)
        return gettext("cohérent")

    @admin.action(description=_("Générer les cotisations de l'année"))
    def generate(self, request: HttpRequest, queryset: QuerySet[FeeSchedule]) -> None:
        for schedule in queryset:
            try:
                result = services.generate_dues(schedule=schedule, user=request.user)
            except UserError as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            self.message_user(
                request,
                gettext("%(schedule)s : %(created)d cotisation(s) émise(s), %(kept)d déjà émise(s).")
                % {"schedule": schedule, "created": result.created, "kept": result.already_due},
                messages.SUCCESS,
            )


@admin.register(Due)
class DueAdmin(ShownOnlyAdmin):
    list_display = ("membership", "year", "amount", "due_on", "cancelled_at")
    list_filter = ("year", "schedule__association")
    search_fields = ("membership__organisation__name", "membership__organisation__siren")
    list_select_related = ("membership__organisation", "membership__association")
    actions = ["invoice"]

    @admin.action(description=_("Émettre les factures (PDF)"), permissions=["invoice"])
    def invoice(self, request: HttpRequest, queryset: QuerySet[Due]) -> None:
        self._issue(request, queryset, documents.issue_invoice, "due")


class AllocationInline(admin.TabularInline):
    model = Allocation
    extra = 0
    can_delete = False
    fields = ("due", "amount")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PaymentForm(forms.ModelForm):
    """A payment as the accountant types it; the service's checks show on the form before anything is saved."""

    class Meta:
        model = Payment
        fields = ["organisation", "association", "method", "reference", "amount", "received_on"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            services.check_payment(
                organisation=cleaned["organisation"],
                method=cleaned["method"],
                reference=(cleaned.get("reference") or "").strip(),
                amount=cleaned["amount"],
                received_on=cleaned["received_on"],
            )
        except UserError as error:
            raise forms.ValidationError(str(error)) from error
        return cleaned


@admin.register(Payment)
class PaymentAdmin(ShownOnlyAdmin):
    """Payments are recorded here (the service settles the payer's oldest open dues) and never edited after."""

    form = PaymentForm
    autocomplete_fields = ("organisation",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("finance.add_payment")

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list:
        return [AllocationInline] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Payment, form: forms.ModelForm, change: bool) -> None:
        recorded = services.record_payment(
            organisation=obj.organisation,
            association=obj.association,
            method=obj.method,
            reference=obj.reference,
            amount=obj.amount,
            received_on=obj.received_on,
            user=request.user,
        )
        obj.pk, obj.recorded_by, obj.created_at = recorded.pk, recorded.recorded_by, recorded.created_at

    list_display = (
        "organisation",
        "association",
        "method",
        "reference",
        "amount",
        "received_on",
        "returned_on",
    )
    list_filter = ("method", "association", ("returned_on", admin.EmptyFieldListFilter))
    search_fields = ("organisation__name", "reference")
    list_select_related = ("organisation", "association")
    actions = ["receipt"]

    @admin.action(description=_("Émettre les reçus (PDF)"), permissions=["invoice"])
    def receipt(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        self._issue(request, queryset, documents.issue_receipt, "payment")


@admin.register(DeclaredTurnover)
class DeclaredTurnoverAdmin(RestrictedAdmin):
    list_display = ("organisation", "year", "amount")
    search_fields = ("organisation__name", "organisation__siren")
    autocomplete_fields = ("organisation",)


@admin.register(BillingSettings)
class BillingSettingsAdmin(admin.ModelAdmin):
    list_display = ("association", "city", "vat_status")


@admin.register(Document)
class DocumentAdmin(ShownOnlyAdmin):
    list_display = ("number", "kind", "organisation", "issued_on", "amount", "cancels")
    list_filter = ("kind", "year", "association")
    search_fields = ("number", "organisation__name")
    list_select_related = ("organisation",)
    exclude = ("pdf", "details")
