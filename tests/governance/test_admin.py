"""The governance back office: every changelist loads; a mandate is added through the statutes' checks, cut short
through the service, never deleted."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.urls import reverse

from grappe.core.models import AuditEvent
from grappe.governance.models import Body, Mandate

pytestmark = pytest.mark.django_db

MODELS = [model._meta.model_name for model in apps.get_app_config("governance").get_models()]


@pytest.mark.parametrize("model_name", MODELS)
def test_every_changelist_and_add_page_loads_and_searches(statutes_2016, admin_client, model_name):
    assert (
        admin_client.get(reverse(f"admin:governance_{model_name}_changelist"), {"q": "Durand"}).status_code
        == 200
    )
    assert admin_client.get(reverse(f"admin:governance_{model_name}_add")).status_code == 200


@pytest.fixture
def board(statutes_2016, registry):
    return Body.objects.create(
        association=registry.numelink, code="conseil", name="Conseil d'administration", kind="board"
    )


def _mandate_form(board, person, organisation, **fields):
    return {
        "body": board.pk,
        "person": person.pk,
        "organisation": organisation.pk,
        "role": "member",
        "college": "",
        "reserved_seat": "",
        "starts_on": "2016-03-31",
        "term_ends_on": "",
        "elected_by": "AGO du 31 mars 2016",
        **fields,
    }


def test_a_mandate_added_in_the_admin_gets_its_term_from_the_statutes(board, registry, admin_client):
    response = admin_client.post(
        reverse("admin:governance_mandate_add"),
        _mandate_form(board, registry.paul, registry.atelier_forezien),
    )
    assert response.status_code == 302
    mandate = Mandate.objects.get()
    assert mandate.term_ends_on == datetime.date(2019, 3, 31)
    assert AuditEvent.objects.filter(action="mandate.start").count() == 1


def test_a_refused_mandate_shows_why_and_saves_nothing(board, registry, admin_client):
    response = admin_client.post(
        reverse("admin:governance_mandate_add"), _mandate_form(board, registry.paul, registry.volcans_cloud)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Paul Durand n&#x27;est pas éligible (eligibilite.candidature) : il faut être membre à jour" in page
    )
    assert not Mandate.objects.exists()


def test_a_mandate_is_cut_short_in_the_admin_then_frozen(board, registry, admin_client):
    admin_client.post(
        reverse("admin:governance_mandate_add"),
        _mandate_form(board, registry.paul, registry.atelier_forezien),
    )
    mandate = Mandate.objects.get()
    url = reverse("admin:governance_mandate_change", args=[mandate.pk])
    refused = admin_client.post(url, {"ended_on": "2020-01-10", "end_reason": "Démission"})
    assert "court du 31/03/2016 au 31/03/2019" in refused.content.decode()
    response = admin_client.post(url, {"ended_on": "2017-01-10", "end_reason": "Démission"})
    assert response.status_code == 302
    mandate.refresh_from_db()
    assert (mandate.ended_on, mandate.end_reason) == (datetime.date(2017, 1, 10), "Démission")
    assert admin_client.post(url, {"ended_on": "2017-02-01", "end_reason": "Autre"}).status_code in (200, 302)
    mandate.refresh_from_db()
    assert mandate.ended_on == datetime.date(2017, 1, 10)
    assert admin_client.get(reverse("admin:governance_mandate_delete", args=[mandate.pk])).status_code == 403
