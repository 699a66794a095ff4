"""Staff pages that change the registry (issue 10): a new member, an organisation, its establishments, contacts
and memberships, and the organisation's timeline.

Thin views: look up through ``selectors`` (outside one's territory is a 404; a reader without the right to
edit gets a 403), hand the typed values to one ``editing`` service (the import's checks, lineage « saisie
manuelle », one audit event per change) and show its refusal on the fields. Nothing is saved on error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core.access import staff_view
from grappe.france.identifiers import check_siren, check_siret
from grappe.registry import editing, selectors, timeline
from grappe.registry.edit_forms import (
    ContactForm,
    EditForm,
    EstablishmentForm,
    HeadOfficeForm,
    LookupForm,
    MembershipForm,
    NewMembershipForm,
    OrganisationForm,
)
from grappe.registry.models import Establishment, Membership, Organisation, Role

edit_required = staff_view(
    capability=selectors.can_edit_registry,
    denied=gettext_lazy("Modification réservée aux salariés du réseau qui en ont le droit."),
)
read_required = staff_view(
    capability=selectors.has_registry_access, denied=gettext_lazy("Accès réservé aux salariés du réseau.")
)


def _detail(organisation_id: int) -> str:
    return reverse("registry:organisation_detail", args=[organisation_id])


def _form_page(
    request: HttpRequest,
    *,
    form: EditForm,
    save: Callable[[], Any],
    organisation: Organisation,
    title: str,
    anchor: str = "",
) -> HttpResponse:
    """Render ``form``; on a valid POST call ``save`` (a service), then back to the organisation's page."""
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except editing.EditRefused as refusal:
            form.show_refusal(refusal)
        else:
            messages.success(
                request, _("Modifications enregistrées.") if form.has_changed() else _("Aucune modification.")
            )
            return redirect(_detail(organisation.pk) + anchor)
    context = {
        "organisation": organisation,
        "title": title,
        "sections": [("", form)],
        "cancel": _detail(organisation.pk) + anchor,
    }
    return render(request, "registry/edit/form.html", context)


@edit_required
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.editable_organisation(request.user, pk)
    form = OrganisationForm.of(organisation, request.POST or None)
    return _form_page(
        request,
        form=form,
        save=lambda: editing.update_organisation(
            organisation=organisation, user=request.user, values=form.values()
        ),
        organisation=organisation,
        title=_("Modifier l'organisation"),
    )


@edit_required
def establishment_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.editable_organisation(request.user, pk)
    form = EstablishmentForm(request.POST or None, initial={"country": "FR"})
    return _form_page(
        request,
        form=form,
        save=lambda: editing.create_establishment(
            organisation=organisation, user=request.user, values=dict(form.cleaned_data)
        ),
        organisation=organisation,
        title=_("Ajouter un établissement"),
        anchor="#establishments",
    )


@edit_required
def establishment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    establishment = selectors.editable_part(
        request.user,
        Establishment.objects.select_related("organisation"),
        pk,
        _("Établissement n° %(id)s introuvable."),
    )
    form = EstablishmentForm.of(establishment, request.POST or None)
    return _form_page(
        request,
        form=form,
        save=lambda: editing.update_establishment(
            establishment=establishment, user=request.user, values=form.values()
        ),
        organisation=establishment.organisation,
        title=_("Modifier l'établissement"),
        anchor="#establishments",
    )


def _contact_page(request: HttpRequest, role: Role, title: str) -> HttpResponse:
    form = ContactForm.of(role, request.POST or None)

    def save() -> Role:
        person_values, role_values = form.split()
        return editing.save_contact(
            role=role, user=request.user, person_values=person_values, role_values=role_values
        )

    return _form_page(
        request, form=form, save=save, organisation=role.organisation, title=title, anchor="#people"
    )


@edit_required
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.editable_organisation(request.user, pk)
    return _contact_page(request, Role(organisation=organisation), _("Ajouter un contact"))


@edit_required
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    role = selectors.editable_part(
        request.user,
        Role.objects.select_related("organisation", "person"),
        pk,
        _("Contact n° %(id)s introuvable."),
    )
    return _contact_page(request, role, _("Modifier le contact"))


def _membership_page(request: HttpRequest, membership: Membership, title: str) -> HttpResponse:
    form = MembershipForm.of(membership, request.POST or None)
    return _form_page(
        request,
        form=form,
        save=lambda: editing.save_membership(membership=membership, user=request.user, values=form.values()),
        organisation=membership.organisation,
        title=title,
    )


@edit_required
def membership_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.editable_organisation(request.user, pk)
    membership = Membership(organisation=organisation)
    return _membership_page(request, membership, _("Enregistrer une adhésion"))


@edit_required
def membership_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.editable_part(
        request.user,
        Membership.objects.select_related("organisation", "association"),
        pk,
        _("Adhésion n° %(id)s introuvable."),
    )
    return _membership_page(request, membership, _("Modifier l'adhésion"))


# -- a new member -----------------------------------------------------------------------------------------


def _identifiers(text: str) -> tuple[str, str]:
    """(SIREN, SIRET) read from what was typed; empty when not a valid one."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 14:
        return "", check_siret(text).value or ""
    return check_siren(text).value or "", ""


@edit_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    """Add a member: first the SIREN or SIRET is looked up (an existing organisation is shown, never
    duplicated), then the organisation, its head office and its membership are created in one service call."""
    lookup = LookupForm(request.GET if "identifiant" in request.GET else None)
    existing = None
    initial: dict[str, str] = {}
    if lookup.is_valid():
        siren, siret = _identifiers(lookup.cleaned_data["identifiant"])
        if not siren and not siret:
            lookup.add_error("identifiant", _("Ni un SIREN (9 chiffres) ni un SIRET (14 chiffres) valide."))
        existing = selectors.existing_organisation(request.user, siren=siren, siret=siret)
        initial = {"siren": siren or siret[:9], "siret": siret}
    posted = request.POST or None
    forms: dict[str, Form] = {
        "organisation": OrganisationForm(posted, initial={"siren": initial.get("siren", "")}, prefix="org"),
        "establishment": HeadOfficeForm(
            posted, initial={"siret": initial.get("siret", ""), "country": "FR"}, prefix="site"
        ),
        "membership": NewMembershipForm(posted, initial={"status": Membership.Status.ACTIVE}, prefix="adh"),
    }
    if posted and all(form.is_valid() for form in forms.values()):
        existing = _existing_from(request, forms)
        if existing is None:
            created = _create_member(request, forms)
            if created is not None:
                messages.success(request, _("Organisation ajoutée au registre."))
                return redirect(_detail(created.pk))
    context = {
        "title": _("Ajouter un membre"),
        "lookup": lookup,
        "existing": existing,
        "sections": [
            (_("Organisation"), forms["organisation"]),
            (_("Siège"), forms["establishment"]),
            (_("Adhésion"), forms["membership"]),
        ],
        "cancel": reverse("registry:organisation_list"),
        "show_form": bool(posted)
        or (lookup.is_valid() and existing is None)
        or "sans_identifiant" in request.GET,
    }
    return render(request, "registry/edit/organisation_create.html", context)


def _existing_from(request: HttpRequest, forms: dict[str, Form]) -> selectors.ExistingOrganisation | None:
    """The lookup again on what was posted, before anything is created; the field says where it clashes."""
    siren = check_siren(forms["organisation"].cleaned_data["siren"]).value or ""
    siret = check_siret(forms["establishment"].cleaned_data["siret"]).value or ""
    existing = selectors.existing_organisation(request.user, siren=siren, siret=siret)
    if existing is not None:
        message = (
            _("Déjà au registre : complétez la fiche existante ci-dessus plutôt que d'en créer une seconde.")
            if existing.organisation is not None
            else _("Déjà au registre, hors de votre territoire : adressez-vous au siège.")
        )
        field_form, name = (forms["establishment"], "siret") if siret else (forms["organisation"], "siren")
        field_form.add_error(name, message)
    return existing


def _create_member(request: HttpRequest, forms: dict[str, Any]) -> Organisation | None:
    try:
        return editing.create_member(
            user=request.user,
            # Every field of a new organisation is given (a SIREN prefilled by the lookup is unchanged).
            organisation_values=dict(forms["organisation"].cleaned_data),
            establishment_values=forms["establishment"].values(),
            membership_values=forms["membership"].values(),
        )
    except editing.MemberRefused as refusal:
        for part, error in refusal.parts.items():
            forms[part].show_refusal(error)
        return None


# -- the timeline -----------------------------------------------------------------------------------------


@read_required
def organisation_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request,
        "registry/edit/timeline.html",
        {"timeline": timeline.organisation_timeline(request.user, pk)},
    )
