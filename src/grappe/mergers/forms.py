"""Forms of the merger pages: they check the shape of what is posted; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.france.countries import FRANCE
from grappe.intake.forms import country_choices
from grappe.mergers.models import CandidatePair, Merger
from grappe.registry.models import Association


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _active_associations() -> Any:
    return Association.objects.filter(status=Association.Status.ACTIVE).order_by("name")


class PlanMergerForm(forms.Form):
    """Who absorbs whom, when, and optionally the absorbed network's export to import first."""

    absorbed = forms.ModelChoiceField(label=_("Association absorbée"), queryset=Association.objects.none())
    absorbing = forms.ModelChoiceField(label=_("Association absorbante"), queryset=Association.objects.none())
    kind = forms.ChoiceField(
        label=_("Type d'opération"),
        choices=[
            (Merger.Kind.ABSORPTION, Merger.Kind.ABSORPTION.label),
            (Merger.Kind.FUSION, Merger.Kind.FUSION.label),
        ],
        initial=Merger.Kind.ABSORPTION,
    )
    resulting_name = forms.CharField(
        label=_("Nom de la nouvelle association"),
        required=False,
        max_length=200,
        help_text=_("Fusion seulement : l'association créée à l'application."),
    )
    effective_on = forms.DateField(label=_("Date d'effet"), widget=DateInput())
    vote_on = forms.DateField(label=_("Date du vote (AGE)"), required=False, widget=DateInput())
    keep_name_as_brand = forms.BooleanField(
        label=_("Garder le nom de l'absorbée comme marque"), required=False, initial=True
    )
    file = forms.FileField(
        label=_("Export des adhérents de l'absorbée (facultatif)"),
        required=False,
        help_text=_(
            "CSV, XLSX ou ODS : il est d'abord importé dans l'absorbée (tout ou rien). Ses colonnes sont lues "
            "d'après leurs en-têtes, corrigées par la dernière correspondance enregistrée pour l'absorbée (page "
            "Imports). Sans fichier, le plan part du registre tel qu'il est."
        ),
    )
    sheet = forms.CharField(
        label=_("Feuille"), required=False, max_length=120, help_text=_("Par défaut, la première feuille.")
    )
    country = forms.ChoiceField(
        label=_("Pays par défaut des adhérents de l'export"),
        required=False,  # not given: France
        initial=FRANCE,
        help_text=_(
            "Pays des lignes sans colonne « Pays » : leurs codes postaux et téléphones sont lus selon ce pays."
        ),
    )
    review_mapping = forms.BooleanField(
        label=_("Vérifier la correspondance des colonnes avant l'import"),
        required=False,
        help_text=_(
            "Sans cette case, la page de correspondance ne s'ouvre que si une colonne n'est pas reconnue ou "
            "si un champ obligatoire manque."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["absorbed"].queryset = _active_associations()
        self.fields["absorbing"].queryset = _active_associations()
        self.fields["country"].choices = country_choices()

    def clean_country(self) -> str:
        return self.cleaned_data.get("country") or FRANCE

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("absorbed") and data.get("absorbed") == data.get("absorbing"):
            self.add_error(
                "absorbing",
                _("Choisissez deux associations différentes : une association ne s'absorbe pas elle-même."),
            )
        if data.get("kind") == Merger.Kind.FUSION and not data.get("resulting_name"):
            self.add_error("resulting_name", _("Une fusion crée une nouvelle association : donnez son nom."))
        return data


class DeduplicationForm(forms.Form):
    """Which network's registry to search for its own duplicates."""

    association = forms.ModelChoiceField(label=_("Registre de"), queryset=Association.objects.none())

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["association"].queryset = _active_associations()


class MembershipTypeMappingForm(forms.Form):
    """One select per membership type of the absorbed registry: which type it becomes at the absorber."""

    KEEP = "__keep__"

    def __init__(
        self,
        *args: Any,
        absorbed_types: list[str],
        absorber_types: list[str],
        initial_mapping: dict[str, str],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.absorbed_types = absorbed_types
        for index, source in enumerate(absorbed_types):
            choices = [(self.KEEP, _("garder « %(type)s »") % {"type": source})]
            choices += [(target, target) for target in absorber_types if target != source]
            if source in absorber_types:
                choices[0] = (self.KEEP, _("« %(type)s » (le même)") % {"type": source})
            target = initial_mapping.get(source, "")
            self.fields[f"type_{index}"] = forms.ChoiceField(
                label=source,
                choices=choices,
                initial=target if target and target != source else self.KEEP,
            )

    def rows(self) -> list[tuple[str, forms.BoundField]]:
        return [(source, self[f"type_{index}"]) for index, source in enumerate(self.absorbed_types)]

    def mapping(self) -> dict[str, str]:
        result = {}
        for index, source in enumerate(self.absorbed_types):
            target = self.cleaned_data[f"type_{index}"]
            result[source] = source if target == self.KEEP else target
        return result


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (CandidatePair.Decision.ACCEPTED, CandidatePair.Decision.ACCEPTED.label),
            (CandidatePair.Decision.REJECTED, CandidatePair.Decision.REJECTED.label),
            (CandidatePair.Decision.SKIPPED, CandidatePair.Decision.SKIPPED.label),
            (CandidatePair.Decision.PENDING, CandidatePair.Decision.PENDING.label),
        ]
    )


class AcceptAboveForm(forms.Form):
    threshold = forms.DecimalField(
        label=_("Accepter toutes les paires en attente dont la probabilité atteint (%)"),
        min_value=50,
        max_value=100,
        decimal_places=1,
        initial=90,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )

    def probability(self) -> float:
        return float(self.cleaned_data["threshold"]) / 100


class ImportDecisionsForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier de décisions (CSV)"),
        help_text=_(
            "Le fichier exporté ci-dessus, colonne « decision » remplie : accepted, rejected, skipped, "
            "pending (ou oui / non). Une ligne fausse refuse tout le fichier, avec son numéro de ligne."
        ),
    )


class ApplyForm(forms.Form):
    accept_auto_only = forms.BooleanField(
        label=_("Appliquer en ne gardant que les correspondances sûres"),
        required=False,
        help_text=_("Les paires encore à vérifier sont laissées de côté : leurs membres restent distincts."),
    )
    confirm = forms.BooleanField(label=_("Je confirme l'application de cette fusion au registre"))


class RestartPlanForm(forms.Form):
    """Start a failed or interrupted plan again; ``skip_invalid`` imports only the export's valid rows."""

    skip_invalid = forms.BooleanField(required=False)


class UndoForm(forms.Form):
    confirm = forms.BooleanField(label=_("Je confirme l'annulation de cette fusion"))
