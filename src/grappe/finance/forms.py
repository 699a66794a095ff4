"""The dues page's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grappe.finance.selectors import DueFilters
from grappe.registry import selectors
from grappe.registry.forms import QueryStringForm

STATE_CHOICES = [
    ("", _("Toutes")),
    ("paid", _("réglées")),
    ("partial", _("partiellement réglées")),
    ("open", _("restant dues")),
    ("overdue", _("en retard")),
    ("cancelled", _("annulées")),
]


class DueFilterForm(QueryStringForm):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=120)
    year = forms.IntegerField(label=_("Année"), required=False, min_value=2000, max_value=2100)
    association = forms.ModelChoiceField(label=_("Association"), queryset=None, required=False)
    state = forms.ChoiceField(label=_("État"), choices=STATE_CHOICES, required=False)

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "year" not in self.data:
            # The page opens on the current year; an emptied year field means every year.
            data = self.data.copy()
            data["year"] = str(timezone.localdate().year)
            self.data = data
        self.fields["association"].queryset = selectors.visible_associations(user)
        self.fields["association"].empty_label = _("Toutes")

    def filters(self) -> DueFilters:
        if not self.is_valid():
            return DueFilters(year=timezone.localdate().year)
        data = self.cleaned_data
        return DueFilters(
            year=data["year"],
            association_id=data["association"].pk if data["association"] else None,
            state=data["state"] or "",
            q=(data["q"] or "").strip(),
            sort=data["tri"] or "",
        )


class StatementUploadForm(forms.Form):
    association = forms.ModelChoiceField(label=_("Compte de l'association"), queryset=None)
    file = forms.FileField(
        label=_("Relevé bancaire"),
        help_text=_("CAMT.053 (XML) ou export CSV de la banque (séparateur point-virgule)."),
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["association"].queryset = selectors.visible_associations(user)


class LineDecisionForm(forms.Form):
    ACTIONS = [
        ("confirm", _("confirmer la proposition")),
        ("choose", _("affecter à")),
        ("reject", _("écarter")),
    ]

    action = forms.ChoiceField(choices=ACTIONS)
    due = forms.IntegerField(required=False)
    reason = forms.CharField(label=_("Motif"), required=False, max_length=200)


class ReturnDecisionForm(forms.Form):
    ACTIONS = [("tie", _("rattacher")), ("dismiss", _("classer"))]

    action = forms.ChoiceField(choices=ACTIONS)
    original = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(label=_("Motif"), required=False, max_length=200)
