"""Manual edits (issue 9, point 6): the admin and the registry services check identifiers as an import does,
keep lineage « saisie manuelle » with the author, and leave exactly one audit event per change."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from grappe.core.models import AuditEvent
from grappe.france.identifiers import complete_siren, complete_siret, vat_of_siren
from grappe.registry import services
from grappe.registry.models import Establishment, Lineage, Membership, Organisation

pytestmark = pytest.mark.django_db

NEW_SIREN = complete_siren("73282932")
BAD_SIREN = NEW_SIREN[:-1] + str((int(NEW_SIREN[-1]) + 1) % 10)


def manual_lineage(obj, field):
    content_type = ContentType.objects.get_for_model(obj)
    return Lineage.objects.filter(
        content_type=content_type, object_id=obj.pk, field=field, source=Lineage.Source.MANUAL
    )


def organisation_form(organisation, **changes):
    """The admin change form of ``organisation`` as posted, inlines left untouched (no inline form sent)."""
    data = {
        "name": organisation.name,
        "siren": organisation.siren,
        "vat_number": organisation.vat_number,
        "legal_form_code": organisation.legal_form_code,
        "naf_code": organisation.naf_code,
        "naf_version": organisation.naf_version,
        "headcount_bracket": organisation.headcount_bracket,
        "created_on": "",
        "skills": "[]",
        "website": organisation.website,
        "website_domain": organisation.website_domain,
        "email": organisation.email,
        "phone": organisation.phone,
    }
    if organisation.is_startup:
        data["is_startup"] = "on"
    for prefix in ("establishments", "roles", "memberships"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(changes)
    return data


# -- the registry services ------------------------------------------------------------------------------------


def test_update_organisation_saves_checked_values_with_lineage_and_one_event(registry, hq_user):
    org = registry.drome_logiciels
    old_name = org.name

    services.update_organisation(
        organisation=org,
        user=hq_user,
        values={
            "name": "Drôme Logiciels SAS",
            "phone": "04 75 06 05 08",
            "website": "www.drome-logiciels.fr",
        },
    )

    org.refresh_from_db()
    assert (org.phone, org.website, org.website_domain) == (
        "+33475060508",
        "https://www.drome-logiciels.fr/",
        "drome-logiciels.fr",
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.user, event.actor, event.object_id) == (
        "change",
        hq_user,
        "Sophie Bernard",
        org.pk,
    )
    assert event.changes["name"] == [old_name, "Drôme Logiciels SAS"]
    assert event.changes["phone"][1] == "+33475060508"
    lineage = manual_lineage(org, "name").get()
    assert (lineage.value, lineage.author, lineage.author_label, lineage.retained, lineage.source_record) == (
        "Drôme Logiciels SAS",
        hq_user,
        "Sophie Bernard",
        True,
        None,
    )
    assert str(lineage.get_source_display()) == "saisie manuelle"
    # The imported name is no longer the stored one.
    assert not Lineage.objects.filter(source=Lineage.Source.IMPORT, field="name", retained=True).exists()


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("siren", BAD_SIREN, "clé de contrôle"),
        ("siren", "7,32829E+8", "Réexportez la colonne au format texte"),
        ("vat_number", "FR00" + NEW_SIREN, "la clé"),
        ("email", "contact(at)drome.fr", "nom@domaine.fr"),
    ],
)
def test_update_organisation_refuses_what_an_import_refuses_and_changes_nothing(
    registry, hq_user, field, value, expected
):
    org = registry.drome_logiciels
    before = Organisation.objects.filter(pk=org.pk).values().get()
    with pytest.raises(services.EditRefused) as refused:
        services.update_organisation(organisation=org, user=hq_user, values={field: value})
    assert expected in refused.value.errors[field]
    assert Organisation.objects.filter(pk=org.pk).values().get() == before
    assert not AuditEvent.objects.exists() and not Lineage.objects.filter(source="manual").exists()


def test_a_vat_number_of_another_siren_is_refused(registry, hq_user):
    org = registry.drome_logiciels
    other = vat_of_siren(NEW_SIREN)
    with pytest.raises(services.EditRefused, match="ne correspond pas au SIREN"):
        services.update_organisation(organisation=org, user=hq_user, values={"vat_number": other})


def test_a_siren_already_in_the_registry_is_refused_with_the_other_card(registry, hq_user):
    with pytest.raises(services.EditRefused, match="Atelier Numérique Forézien"):
        services.update_organisation(
            organisation=registry.drome_logiciels,
            user=hq_user,
            values={"siren": registry.atelier_forezien.siren},
        )


def test_update_establishment_places_the_site_from_its_postcode_and_city(registry, hq_user):
    site = registry.atelier_forezien.establishments.get()
    services.update_establishment(
        establishment=site, user=hq_user, values={"postcode": "26000", "city": "valence"}
    )
    site.refresh_from_db()
    assert (site.postcode, site.city, site.commune_code, site.departement_code) == (
        "26000",
        "Valence",
        "26362",
        "26",
    )
    event = AuditEvent.objects.get()
    assert event.parent_id == registry.atelier_forezien.pk and event.changes["departement_code"] == [
        "42",
        "26",
    ]
    assert manual_lineage(site, "departement_code").get().value == "26"


def test_update_establishment_refuses_a_postcode_that_is_not_the_city(registry, hq_user):
    site = registry.atelier_forezien.establishments.get()
    with pytest.raises(services.EditRefused) as refused:
        services.update_establishment(
            establishment=site, user=hq_user, values={"postcode": "42000", "city": "Valence"}
        )
    assert set(refused.value.errors) == {"city"}


def test_update_establishment_refuses_a_siret_of_another_company(registry, hq_user):
    site = registry.atelier_forezien.establishments.get()
    with pytest.raises(services.EditRefused, match="devrait commencer par son SIREN"):
        services.update_establishment(
            establishment=site, user=hq_user, values={"siret": complete_siret(NEW_SIREN + "0001")}
        )


# -- the admin ------------------------------------------------------------------------------------------------


def test_an_admin_edit_goes_through_the_service(registry, admin_client, admin_user):
    org = registry.atelier_forezien
    url = reverse("admin:registry_organisation_change", args=[org.pk])

    response = admin_client.post(url, organisation_form(org, name="Atelier Forézien SAS", siren=NEW_SIREN))

    assert response.status_code == 302, response.content.decode()[:3000]
    org.refresh_from_db()
    assert (org.name, org.siren) == ("Atelier Forézien SAS", NEW_SIREN)
    event = AuditEvent.objects.get()
    assert (event.action, event.user) == ("change", admin_user)
    assert set(event.changes) == {"name", "siren"}
    assert event.changes["name"] == ["Atelier Numérique Forézien", "Atelier Forézien SAS"]
    assert manual_lineage(org, "siren").get().author == admin_user


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("siren", BAD_SIREN, "la clé de contrôle ne correspond pas"),
        ("siren", "7,32829E+8", "le tableur l&#x27;a converti en nombre"),
        ("vat_number", "FR00" + NEW_SIREN, "Numéro de TVA"),
    ],
)
def test_the_admin_refuses_a_bad_identifier_on_its_field_and_changes_nothing(
    registry, admin_client, field, value, expected
):
    org = registry.atelier_forezien
    before = Organisation.objects.filter(pk=org.pk).values().get()
    url = reverse("admin:registry_organisation_change", args=[org.pk])

    response = admin_client.post(url, organisation_form(org, **{field: value}))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field]
    assert expected in response.content.decode()
    assert Organisation.objects.filter(pk=org.pk).values().get() == before
    assert not AuditEvent.objects.exists()


def test_the_admin_refuses_a_bad_siret_on_an_establishment(registry, admin_client):
    site = registry.atelier_forezien.establishments.get()
    url = reverse("admin:registry_establishment_change", args=[site.pk])
    data = {
        "organisation": site.organisation_id,
        "siret": "4,12E+13",
        "name": "",
        "street": "",
        "postcode": site.postcode,
        "city": site.city,
        "country": site.country,
        "commune_code": site.commune_code,
        "departement_code": site.departement_code,
        "email": "",
        "phone": "",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["siret"]
    assert Establishment.objects.get(pk=site.pk).siret == site.siret
    assert not AuditEvent.objects.exists()


def test_an_admin_delete_is_audited_with_the_last_values(registry, admin_client, admin_user):
    membership = registry.volcans_cloud.memberships.get()
    url = reverse("admin:registry_membership_delete", args=[membership.pk])

    assert admin_client.post(url, {"post": "yes"}).status_code == 302

    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get()
    assert (event.action, event.user, event.object_label) == ("delete", admin_user, str(membership))
    assert event.parent_id == registry.volcans_cloud.pk
    assert event.changes["status"] == ["active", None]
