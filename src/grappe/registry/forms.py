"""Search and filter forms of the staff pages. They only read the query string; they never change data."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import SmallModelChoiceField
from grappe.france import geo
from grappe.france.headcount import HEADCOUNT_BRACKETS
from grappe.registry.models import Association, Membership, Tag, Territory
from grappe.registry.selectors import MembershipFilters, OrganisationFilters

_NAF_PREFIX = re.compile(r"^\d{1,2}(\.\d{0,2}[A-Z]?)?$")


def _departement_choices() -> list[tuple[str, str]]:
    return [("", _("Tous les départements"))] + [(d.code, f"{d.code} — {d.name}") for d in geo.departements()]


def _headcount_choices() -> list[tuple[str, str]]:
    return [("", _("Toutes les tranches"))] + [(b.code, b.label) for b in HEADCOUNT_BRACKETS.values()]


class QueryStringForm(forms.Form):
    """A GET form whose invalid fields are ignored (and reported) rather than failing the whole search.

    ``tri`` carries the list's sort (``grappe.registry.sorting``) through a new search: a hidden field."""

    tri = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def sort(self) -> str:
        return self.valid_data().get("tri") or ""

    def valid_data(self) -> dict:
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}


class TagChoiceField(SmallModelChoiceField):
    """A tag with its association: two associations may each have a « salon » tag."""

    def label_from_instance(self, obj: Tag) -> str:
        return f"{obj.name} ({obj.association.short_name or obj.association.name})"


class OrganisationFilterForm(QueryStringForm):
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=120,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Nom, ville, SIREN, SIRET, e-mail, site ou téléphone"),
                "autocomplete": "off",
            }
        ),
    )
    association = SmallModelChoiceField(
        label=_("Association"),
        queryset=Association.objects.order_by("name"),
        required=False,
        empty_label=_("Toutes"),
    )
    territory = SmallModelChoiceField(
        label=_("Territoire"),
        queryset=Territory.objects.select_related("association").order_by("association__name", "name"),
        required=False,
        empty_label=_("Tous"),
    )
    departement = forms.ChoiceField(label=_("Département"), required=False, choices=_departement_choices)
    status = forms.ChoiceField(
        label=_("Adhésion"),
        required=False,
        choices=[("", _("Tous statuts")), *Membership.Status.choices],
    )
    startup = forms.ChoiceField(
        label=_("Start-up"),
        required=False,
        choices=[("", _("Indifférent")), ("oui", _("Start-up")), ("non", _("Hors start-up"))],
    )
    headcount = forms.ChoiceField(label=_("Effectif"), required=False, choices=_headcount_choices)
    etiquette = TagChoiceField(
        label=_("Étiquette"),
        queryset=Tag.objects.select_related("association"),
        required=False,
        empty_label=_("Toutes"),
    )
    naf = forms.CharField(
        label=_("Code NAF"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"placeholder": _("ex. 62 ou 62.01Z"), "size": 8}),
    )

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    def clean_naf(self) -> str:
        text = re.sub(r"[\s\-_]", "", self.cleaned_data["naf"]).upper()
        if re.fullmatch(r"\d{3,4}[A-Z]?", text):
            text = f"{text[:2]}.{text[2:]}"
        if text and not _NAF_PREFIX.match(text):
            raise forms.ValidationError(
                _(
                    "« %(value)s » n'est pas un code NAF : tapez une division (62) ou une sous-classe (62.01Z)."
                ),
                params={"value": self.cleaned_data["naf"]},
            )
        return text

    def filters(self) -> OrganisationFilters:
        data = self.valid_data()
        startup = {"oui": True, "non": False}.get(data.get("startup") or "")
        return OrganisationFilters(
            q=data.get("q") or "",
            association=data.get("association"),
            territory=data.get("territory"),
            departement=data.get("departement") or "",
            status=data.get("status") or "",
            startup=startup,
            headcount=data.get("headcount") or "",
            naf=data.get("naf") or "",
            tag=data.get("etiquette"),
            sort=data.get("tri") or "",
        )

    def active_filter_count(self) -> int:
        data = self.valid_data()
        return sum(1 for name, value in data.items() if name not in ("q", "tri") and value not in ("", None))


class PersonSearchForm(QueryStringForm):
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=120,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Nom, prénom, e-mail ou téléphone")}
        ),
    )

    def query(self) -> str:
        return " ".join((self.valid_data().get("q") or "").split())


class MembershipFilterForm(QueryStringForm):
    q = forms.CharField(
        label=_("Organisation"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Nom de l'organisation")}),
    )
    association = SmallModelChoiceField(
        label=_("Association"),
        queryset=Association.objects.order_by("name"),
        required=False,
        empty_label=_("Toutes"),
    )
    origin = SmallModelChoiceField(
        label=_("Apportée par"),
        queryset=Association.objects.order_by("name"),
        required=False,
        empty_label=_("Toutes"),
    )
    status = forms.ChoiceField(
        label=_("Statut"), required=False, choices=[("", _("Tous statuts")), *Membership.Status.choices]
    )
    since_year = forms.IntegerField(
        label=_("Adhérent depuis (année)"),
        required=False,
        min_value=1900,
        max_value=2100,
        widget=forms.NumberInput(attrs={"placeholder": _("ex. 2016")}),
    )

    def filters(self) -> MembershipFilters:
        data = self.valid_data()
        return MembershipFilters(
            q=" ".join((data.get("q") or "").split()),
            association=data.get("association"),
            origin=data.get("origin"),
            status=data.get("status") or "",
            since_year=data.get("since_year"),
            sort=data.get("tri") or "",
        )


class AsOfForm(forms.Form):
    """« À la date du » of the pages that show a structure on any date (``?date=``; today when empty or wrong)."""

    date = forms.DateField(
        label=_("À la date du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def day(self) -> datetime.date:
        today = timezone.localdate()
        if self.is_valid():
            return self.cleaned_data["date"] or today
        return today
