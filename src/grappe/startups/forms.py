"""Forms of the start-up pages: they parse what was typed; the rules live in ``services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.registry.models import Association, MembershipType
from grappe.startups import selectors
from grappe.startups.models import Application, Programme
from grappe.startups.selectors import BoardFilters


class BoardFilterForm(forms.Form):
    territoire = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Territoire"), empty_label=_("Tous")
    )
    referent = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Référent"), empty_label=_("Tous")
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territoire"].queryset = selectors.visible_territories(user)
        self.fields["referent"].queryset = selectors.referents(user)

    def filters(self) -> BoardFilters:
        if not self.is_valid():
            return BoardFilters()
        territory, referent = self.cleaned_data["territoire"], self.cleaned_data["referent"]
        return BoardFilters(
            territory_id=territory.pk if territory else None, referent_id=referent.pk if referent else None
        )


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Nom du projet"), max_length=200)
    territory = forms.ModelChoiceField(queryset=None, label=_("Territoire"))
    referent = forms.ModelChoiceField(queryset=None, required=False, label=_("Référent"))
    summary = forms.CharField(
        label=_("Présentation"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = selectors.visible_territories(user)
        self.fields["referent"].queryset = selectors.referents(user)


class ProjectEditForm(ProjectForm):
    programmes = forms.ModelMultipleChoiceField(
        queryset=Programme.objects.all(),
        required=False,
        label=_("Programmes partenaires"),
        widget=forms.CheckboxSelectMultiple,
    )


class FounderForm(forms.Form):
    """Either a person picked from the search results, or a new person's names and e-mail."""

    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    first_name = forms.CharField(label=_("Prénom"), max_length=80, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=80, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)


class ApplicationEditForm(forms.Form):
    status = forms.ChoiceField(label=_("Statut"), choices=Application.Status.choices)
    # A date input shows its value only in ISO form: the localised « 11/04/2026 » would leave it empty.
    due_on = forms.DateField(
        label=_("À rendre le"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class MoveForm(forms.Form):
    stage = forms.CharField(max_length=20)
    reason = forms.CharField(label=_("Motif (pour un abandon)"), max_length=300, required=False)


class ApplicationForm(forms.Form):
    programme = forms.ModelChoiceField(queryset=Programme.objects.all(), label=_("Programme"))
    due_on = forms.DateField(label=_("À rendre le"), widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Statut"), choices=Application.Status.choices)


class ConversionForm(forms.Form):
    siren = forms.CharField(label=_("SIREN"), max_length=20, required=False)
    siret = forms.CharField(label=_("SIRET du siège"), max_length=20, required=False)
    postcode = forms.CharField(label=_("Code postal du siège"), max_length=10)
    city = forms.CharField(label=_("Commune du siège"), max_length=120)
    association = forms.ModelChoiceField(
        queryset=Association.objects.filter(status=Association.Status.ACTIVE), label=_("Association")
    )
    membership_type = forms.ModelChoiceField(
        queryset=MembershipType.objects.select_related("association"),
        required=False,
        label=_("Type d'adhésion"),
    )
    starts_on = forms.DateField(
        label=_("Adhérente depuis le"), widget=forms.DateInput(attrs={"type": "date"})
    )
