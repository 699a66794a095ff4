"""Forms of the staff's editing pages: they only read what was typed (as text) and show the services' errors.

Every rule (identifiers, places, dates, duplicates, territory) lives in ``grappe.registry.editing``: a form
hands the fields a person changed to the service, and places each ``EditRefused`` message on its field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.france.countries import country_codes, country_name
from grappe.registry.editing import EditRefused
from grappe.registry.models import Association, Membership, MembershipType, Organisation, Role

# Dates are typed in the browser's date picker (ISO) or by hand (« 31/03/2016 »): the service reads both.
_DATE = forms.TextInput(attrs={"type": "date"})


def _text(label: Any, *, required: bool = False, max_length: int = 250, **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.TextInput(attrs=attrs) if attrs else None,
    )


def _country_choices() -> list[tuple[str, str]]:
    others = sorted((code for code in country_codes() if code != "FR"), key=country_name)
    return [("FR", country_name("FR"))] + [(code, country_name(code)) for code in others]


class EditForm(forms.Form):
    """A form over one registry object: ``values()`` gives the fields changed from ``initial``, and
    ``show_refusal`` places a service's messages on their fields (elsewhere: on the form)."""

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}

    def show_refusal(self, refusal: EditRefused) -> None:
        for name, message in refusal.errors.items():
            self.add_error(name if name in self.fields else None, message)


class OrganisationForm(EditForm):
    name = _text(_("Raison sociale"), required=True, autocomplete="organization")
    siren = _text(_("SIREN"), max_length=20, inputmode="numeric")
    vat_number = _text(_("N° TVA intracommunautaire"), max_length=20)
    legal_form_code = _text(
        _("Forme juridique"), max_length=60, placeholder=_("code INSEE (5710) ou SAS, SARL…")
    )
    naf_code = _text(_("Code NAF/APE"), max_length=10, placeholder=_("ex. 62.01Z"))
    headcount_bracket = forms.ChoiceField(
        label=_("Tranche d'effectif"),
        required=False,
        choices=[("", _("Inconnue")), *(Organisation._meta.get_field("headcount_bracket").choices or [])],
    )
    email = _text(_("E-mail"), max_length=254, type="email", autocomplete="email")
    phone = _text(_("Téléphone"), max_length=40, type="tel", autocomplete="tel")
    website = _text(_("Site web"), max_length=300, placeholder="https://")
    is_startup = forms.BooleanField(label=_("Start-up"), required=False)

    @classmethod
    def of(cls, organisation: Organisation, data: Any = None) -> OrganisationForm:
        initial = {name: getattr(organisation, name) for name in cls.base_fields}
        return cls(data, initial=initial)


class EstablishmentForm(EditForm):
    siret = _text(_("SIRET"), max_length=20, inputmode="numeric")
    name = _text(_("Enseigne"))
    street = _text(_("Adresse"), autocomplete="street-address")
    postcode = _text(_("Code postal"), max_length=12, autocomplete="postal-code")
    city = _text(_("Commune"), max_length=120, autocomplete="address-level2")
    country = forms.ChoiceField(label=_("Pays"), choices=_country_choices, initial="FR")
    email = _text(_("E-mail de l'établissement"), max_length=254, type="email")
    phone = _text(_("Téléphone de l'établissement"), max_length=40, type="tel")
    is_head_office = forms.BooleanField(label=_("Siège"), required=False)

    @classmethod
    def of(cls, establishment: Any, data: Any = None, **kwargs: Any) -> EstablishmentForm:
        initial = {name: getattr(establishment, name) for name in cls.base_fields}
        return cls(data, initial=initial, **kwargs)


class HeadOfficeForm(EstablishmentForm):
    """The new member's head office: every field typed is given (the country too), « siège » goes without
    saying."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        del self.fields["is_head_office"]

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class MembershipForm(EditForm):
    association = forms.ModelChoiceField(
        label=_("Association"),
        # Absorbed networks too: a membership held before a merger is part of the member's history.
        queryset=Association.objects.order_by("name"),
        empty_label=_("Choisissez…"),
    )
    membership_type = forms.ModelChoiceField(
        label=_("Type d'adhésion"),
        queryset=MembershipType.objects.select_related("association").order_by("association__name", "order"),
        required=False,
        empty_label=_("Non précisé"),
    )
    status = forms.ChoiceField(label=_("Statut"), choices=Membership.Status.choices)
    starts_on = _text(_("Adhérent depuis"), max_length=40, type="date")
    ends_on = _text(_("Jusqu'au"), max_length=40, type="date")
    end_reason = forms.ChoiceField(
        label=_("Motif du départ"),
        required=False,
        choices=[("", _("— aucun —")), *Membership.EndReason.choices],
        help_text=_("Avec la date de fin ; montré dans la chronologie de l'organisation."),
    )
    end_reason_detail = forms.CharField(
        label=_("Précisions sur le départ"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Obligatoires pour « autre motif »."),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["membership_type"]
        assert isinstance(field, forms.ModelChoiceField)
        field.label_from_instance = lambda t: f"{t.association} — {t.name}"  # type: ignore[method-assign,assignment]

    @classmethod
    def of(cls, membership: Membership, data: Any = None, **kwargs: Any) -> MembershipForm:
        initial = {
            "association": membership.association_id,
            "membership_type": membership.membership_type_id,
            "status": membership.status,
            "starts_on": membership.starts_on.isoformat() if membership.starts_on else "",
            "ends_on": membership.ends_on.isoformat() if membership.ends_on else "",
            "end_reason": membership.end_reason,
            "end_reason_detail": membership.end_reason_detail,
        }
        return cls(data, initial=initial, **kwargs)


class NewMembershipForm(MembershipForm):
    """On the new member's page the membership is optional: no association, no membership recorded."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["association"]
        assert isinstance(field, forms.ModelChoiceField)
        field.required = False
        field.empty_label = _("Aucune pour l'instant")
        del self.fields["ends_on"], self.fields["end_reason"]

    def values(self) -> dict[str, Any] | None:  # type: ignore[override]
        if not self.cleaned_data.get("association"):
            return None
        return {name: self.cleaned_data[name] for name in self.fields if self.cleaned_data.get(name)}


PERSON_FIELDS = ("first_name", "last_name", "email", "phone")


class ContactForm(EditForm):
    first_name = _text(_("Prénom"), max_length=80, autocomplete="given-name")
    last_name = _text(_("Nom"), required=True, max_length=80, autocomplete="family-name")
    email = _text(_("E-mail"), max_length=254, type="email")
    phone = _text(_("Téléphone"), max_length=40, type="tel")
    kind = forms.ChoiceField(label=_("Rôle"), choices=Role.Kind.choices, initial=Role.Kind.CONTACT)
    job_title = _text(_("Fonction"), max_length=120)
    starts_on = _text(_("Depuis"), max_length=40, type="date")
    ends_on = _text(_("Jusqu'au"), max_length=40, type="date")

    @classmethod
    def of(cls, role: Role, data: Any = None) -> ContactForm:
        initial: dict[str, Any] = {"kind": role.kind, "job_title": role.job_title}
        for name in ("starts_on", "ends_on"):
            value = getattr(role, name)
            initial[name] = value.isoformat() if value else ""
        if role.person_id:
            initial.update({name: getattr(role.person, name) for name in PERSON_FIELDS})
        return cls(data, initial=initial)

    def split(self) -> tuple[dict[str, Any], dict[str, Any]]:
        values = self.values()
        person = {name: value for name, value in values.items() if name in PERSON_FIELDS}
        return person, {name: value for name, value in values.items() if name not in PERSON_FIELDS}


class LookupForm(forms.Form):
    """The first step of adding a member: is this SIREN or SIRET already in the registry?"""

    identifiant = forms.CharField(
        label=_("SIREN ou SIRET"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
