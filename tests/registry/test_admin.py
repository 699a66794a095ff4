"""The back office: every registry model has a changelist that loads; provenance is read-only."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

pytestmark = pytest.mark.django_db

REGISTRY_MODELS = [model._meta.model_name for model in apps.get_app_config("registry").get_models()]


@pytest.mark.parametrize("model_name", REGISTRY_MODELS)
def test_changelist_loads_for_every_registry_model(registry, admin_client, model_name):
    response = admin_client.get(reverse(f"admin:registry_{model_name}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model_name", REGISTRY_MODELS)
def test_changelist_search_works(registry, admin_client, model_name):
    response = admin_client.get(reverse(f"admin:registry_{model_name}_changelist"), {"q": "Drôme"})
    assert response.status_code == 200


def test_site_header(admin_client):
    assert "Grappe — administration" in admin_client.get(reverse("admin:index")).content.decode()


def test_organisation_change_page_has_inlines(registry, admin_client):
    response = admin_client.get(
        reverse("admin:registry_organisation_change", args=[registry.drome_logiciels.pk])
    )
    content = response.content.decode()
    assert response.status_code == 200
    for text in ["Établissements", "Rôles", "Adhésions"]:
        assert text in content


def test_association_change_page_has_territories_offices_and_brands(registry, admin_client):
    response = admin_client.get(reverse("admin:registry_association_change", args=[registry.numelink.pk]))
    content = response.content.decode()
    for text in ["Territoires", "Implantations", "Marques"]:
        assert text in content


@pytest.mark.parametrize("model_name", ["sourcefile", "sourcerecord", "lineage"])
def test_provenance_cannot_be_added_changed_or_deleted(registry, admin_client, model_name):
    assert admin_client.get(reverse(f"admin:registry_{model_name}_add")).status_code == 403
    model = apps.get_model("registry", model_name)
    obj = model.objects.first()
    change = admin_client.post(reverse(f"admin:registry_{model_name}_change", args=[obj.pk]), {})
    assert change.status_code == 403
    assert (
        admin_client.post(
            reverse(f"admin:registry_{model_name}_delete", args=[obj.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert model.objects.filter(pk=obj.pk).exists()


def test_source_record_page_shows_the_row_verbatim(registry, admin_client):
    response = admin_client.get(
        reverse("admin:registry_sourcerecord_change", args=[registry.drome_record.pk])
    )
    assert "DROME LOGICIELS SARL" in response.content.decode()


def test_organisation_autocomplete_is_scoped(registry, territorial_user):
    from django.contrib.auth.models import Permission
    from django.test import Client

    territorial_user.is_staff = True
    territorial_user.save()
    territorial_user.user_permissions.set(Permission.objects.filter(content_type__app_label="registry"))
    client = Client()
    client.force_login(territorial_user)
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": "", "app_label": "registry", "model_name": "role", "field_name": "organisation"},
    )
    names = {item["text"] for item in response.json()["results"]}
    assert names == {"Ardèche Data", "Drôme Logiciels", "Multisite Industries"}


def test_establishments_show_and_filter_by_country(registry, admin_client):
    from grappe.registry.models import Establishment

    site = Establishment.objects.filter(organisation=registry.drome_logiciels).first()
    Establishment.objects.filter(pk=site.pk).update(country="CH", departement_code="")
    url = reverse("admin:registry_establishment_changelist")

    swiss = admin_client.get(url, {"country": "CH"})

    assert swiss.status_code == 200 and list(swiss.context["cl"].result_list) == [site]
    assert "column-country" in swiss.content.decode()
    organisation = admin_client.get(
        reverse("admin:registry_organisation_change", args=[site.organisation_id])
    )
    assert 'name="establishments-0-country"' in organisation.content.decode()
