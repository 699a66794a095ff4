"""Forms of the import pages: they check the shape of what is posted; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from grappe.france.countries import FRANCE, country_codes, country_name
from grappe.france.text import fold
from grappe.intake import questions as questions_module
from grappe.intake.headers import FIELDS
from grappe.intake.models import ImportIssue, SavedMapping
from grappe.registry.models import Association


class UploadForm(forms.Form):
    association = forms.ModelChoiceField(
        label=_("Association qui fournit le fichier"),
        queryset=Association.objects.filter(status=Association.Status.ACTIVE).order_by("name"),
    )
    file = forms.FileField(label=_("Export des adhérents (CSV, XLSX ou ODS)"))
    sheet = forms.CharField(
        label=_("Feuille"), required=False, max_length=120, help_text=_("Par défaut, la première feuille.")
    )
    header_line = forms.IntegerField(
        label=_("Ligne d'en-tête"),
        required=False,
        min_value=1,
        help_text=_("À indiquer seulement si la détection automatique se trompe."),
    )
    country = forms.ChoiceField(
        label=_("Pays par défaut des adhérents"),
        initial=FRANCE,
        required=False,  # not given: France
        help_text=_(
            "Pays des lignes sans colonne « Pays » : leurs codes postaux et téléphones sont lus selon ce pays. "
            "Une colonne « Pays » du fichier l'emporte."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()

    def clean_country(self) -> str:
        return self.cleaned_data.get("country") or FRANCE


def country_choices() -> list[tuple[str, str]]:
    """Every country by its French name, France first."""
    others = sorted(
        (fold(country_name(code)), country_name(code), code) for code in country_codes() if code != FRANCE
    )
    return [(FRANCE, country_name(FRANCE)), *((code, name) for _key, name, code in others)]


def field_choices() -> list[tuple[str, str]]:
    return [("", _("— ignorer cette colonne —")), *((spec.name, str(spec.label)) for spec in FIELDS.values())]


class PlainSelect(forms.Select):
    """A select written in Python rather than through a template per option: the mapping page has one per
    column of the file, and a 500-column export took 5 seconds to show with Django's widget templates."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], flatatt(option["attrs"]), option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options
        )


class MappingForm(forms.Form):
    """One select per column of the file (``column_0``, ``column_1``…), plus an optional name to save it."""

    save_as = forms.CharField(
        label=_("Enregistrer cette correspondance sous le nom"),
        required=False,
        max_length=120,
        help_text=_("Pour la réutiliser avec les prochains exports de cette association."),
    )

    def __init__(self, *args: Any, headers: list[str], initial_mapping: dict[int, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = field_choices()
        for index, header in enumerate(headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or f"#{index + 1}",
                choices=choices,
                required=False,
                initial=initial_mapping.get(index, ""),
                widget=PlainSelect,
            )

    def column_fields(self) -> list[tuple[int, forms.BoundField]]:
        return [(index, self[f"column_{index}"]) for index in range(len(self.headers))]

    def mapping(self) -> dict[int, str]:
        return {
            index: self.cleaned_data[f"column_{index}"]
            for index in range(len(self.headers))
            if self.cleaned_data.get(f"column_{index}")
        }


class ApplySavedMappingForm(forms.Form):
    saved = forms.ModelChoiceField(
        label=_("Appliquer une correspondance enregistrée"), queryset=SavedMapping.objects.none()
    )

    def __init__(self, *args: Any, association: Association, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["saved"].queryset = SavedMapping.objects.filter(association=association).order_by("name")


class IssueFilterForm(forms.Form):
    severity = forms.ChoiceField(
        label=_("Gravité"), required=False, choices=[("", _("toutes")), *ImportIssue.Severity.choices]
    )
    column = forms.CharField(label=_("Colonne"), required=False)


class RunImportForm(forms.Form):
    """Start the import; asks what the file does not say (``grappe.intake.questions``), only that."""

    skip_invalid = forms.BooleanField(required=False)

    def __init__(self, *args: Any, questions: list[str], association: Association, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.questions = questions
        if questions_module.STARTS_ON in questions:
            self.fields["starts_on"] = forms.DateField(
                label=_("Adhérents depuis le"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                help_text=_("Le fichier n'a pas de colonne « Date d'adhésion »."),
            )
            self.fields["starts_unknown"] = forms.BooleanField(
                label=_("Date d'adhésion inconnue"),
                required=False,
                help_text=_("Les adhésions seront créées sans date, jamais à la date d'aujourd'hui."),
            )
        if questions_module.MEMBERSHIP_TYPE in questions:
            self.fields["membership_type"] = forms.ModelChoiceField(
                label=_("Type d'adhésion des nouveaux adhérents"),
                queryset=questions_module.association_types(association),
                required=False,
                empty_label=_("— aucun type pour l'instant —"),
                help_text=_("Le fichier n'a pas de colonne « Type d'adhésion »."),
            )
        if questions_module.STATUS in questions:
            self.fields["status"] = forms.ChoiceField(
                label=_("Statut des nouveaux adhérents"),
                choices=[
                    ("", _("— choisir —")),
                    *((s.value, s.label) for s in questions_module.ASKED_STATUSES),
                ],
                help_text=_("Le fichier n'a pas de colonne « Statut »."),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "starts_on" in self.fields and "starts_on" not in self.errors:
            if data.get("starts_on") and data.get("starts_unknown"):
                raise forms.ValidationError(
                    _("Donnez une date d'adhésion ou cochez « date inconnue », pas les deux.")
                )
            if not data.get("starts_on") and not data.get("starts_unknown"):
                self.add_error(
                    "starts_on",
                    _("Indiquez depuis quand ces membres adhèrent, ou cochez « date d'adhésion inconnue »."),
                )
        return data

    def answers(self) -> questions_module.ImportAnswers:
        data = self.cleaned_data
        membership_type = data.get("membership_type")
        return questions_module.ImportAnswers(
            starts_on=data.get("starts_on"),
            starts_unknown=bool(data.get("starts_unknown")),
            membership_type_id=membership_type.pk if membership_type else None,
            status=data.get("status", ""),
        )


class CorrectionForm(forms.Form):
    """One cell of the file, corrected in place on the report page."""

    line = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    field = forms.ChoiceField(choices=[(name, name) for name in FIELDS], widget=forms.HiddenInput)
    value = forms.CharField(label=_("Valeur corrigée"), required=False, max_length=1000, strip=True)
