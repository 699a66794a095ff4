"""The forms of the actual entries' pages: what a user may choose is narrowed to their territories; the rules
themselves are the service's (``actuals``), whose refusals land on the field they are about."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.core import access
from grappe.errors import UserError
from grappe.finance import actuals
from grappe.finance.budget_models import TYPED_CATEGORIES, ActionPlan, ActualEntry, Budget, BudgetLine
from grappe.registry.models import Office, Territory

FIELDS = ("line", "category", "label", "date", "amount", "territory", "office", "action_plan")


class LineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: BudgetLine) -> str:
        code = f"{obj.code} — " if obj.code else ""
        return f"{code}{obj.label} ({obj.get_category_display()})"


class ActualEntryForm(forms.Form):
    line = LineChoiceField(
        label=_("Ligne de budget"),
        queryset=BudgetLine.objects.none(),
        required=False,
        empty_label=_("— aucune : placer le réalisé ci-dessous —"),
        help_text=_("Le réalisé prend la catégorie, le territoire, l'implantation et le plan de la ligne."),
    )
    category = forms.ChoiceField(label=_("Catégorie"), choices=[("", "—"), *TYPED_CATEGORIES], required=False)
    label = forms.CharField(label=_("Libellé"), max_length=200)
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    amount = forms.CharField(
        label=_("Montant (€)"),
        max_length=40,
        help_text=_("Par exemple 1 234,56 ou 1234.56 : un montant positif."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    territory = forms.ModelChoiceField(
        label=_("Territoire"), queryset=Territory.objects.none(), required=False
    )
    office = forms.ModelChoiceField(label=_("Implantation"), queryset=Office.objects.none(), required=False)
    action_plan = forms.ModelChoiceField(
        label=_("Plan d'actions"), queryset=ActionPlan.objects.none(), required=False
    )

    def __init__(self, user: Any, budget: Budget, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.budget = user, budget
        visible = access.budget_territories(user)
        territories = Territory.objects.filter(association=budget.association_id).order_by("name")
        offices = Office.objects.filter(association=budget.association_id).order_by("name")
        plans = ActionPlan.objects.filter(association=budget.association_id, year=budget.year).order_by(
            "name"
        )
        if visible is not None:
            ids = sorted(visible)
            territories = territories.filter(pk__in=ids)
            offices = offices.filter(territory__in=ids)
            plans = access.restrict_action_plans(user, plans)
        self.fields["line"].queryset = actuals.visible_lines(user, budget)
        self.fields["territory"].queryset = territories
        self.fields["office"].queryset = offices
        self.fields["action_plan"].queryset = plans

    @classmethod
    def initial_of(cls, entry: ActualEntry) -> dict[str, Any]:
        return {
            "line": entry.line_id,
            "category": "" if entry.line_id else entry.category,
            "label": entry.label,
            "date": entry.date,
            "amount": actuals.euros_text(entry.amount_cents),
            "territory": None if entry.line_id else entry.territory_id,
            "office": None if entry.line_id else entry.office_id,
            "action_plan": None if entry.line_id else entry.action_plan_id,
        }

    def clean_amount(self) -> int:
        try:
            return actuals.parse_amount(self.cleaned_data["amount"])
        except UserError as error:
            raise forms.ValidationError(error.message) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            actuals.checked_placement(
                budget=self.budget,
                line=data.get("line"),
                category=data.get("category") or "",
                territory=data.get("territory"),
                office=data.get("office"),
                action_plan=data.get("action_plan"),
                label=data["label"],
                date=data["date"],
                amount_cents=data["amount"],
                user=self.user,
            )
        except actuals.EntryError as error:
            self.add_error(error.field if error.field in self.fields else None, _refusal(error))
        except UserError as error:
            self.add_error(None, _refusal(error))
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "line": data.get("line"),
            "category": data.get("category") or "",
            "label": data["label"],
            "date": data["date"],
            "amount_cents": data["amount"],
            "territory": data.get("territory"),
            "office": data.get("office"),
            "action_plan": data.get("action_plan"),
        }


def _refusal(error: UserError) -> str:
    return f"{error.message} {error.hint}".strip()


class ActualImportForm(forms.Form):
    file = forms.FileField(
        label=_("Export comptable (CSV ou Excel)"),
        help_text=_(
            "Une ligne par écriture, avec les colonnes « Date », « Libellé », « Montant » (ou « Débit » et "
            "« Crédit ») et « Code ligne » (le code de la ligne de budget)."
        ),
    )
