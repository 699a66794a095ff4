"""Saved filters of the registry lists (issue 10): « Enregistrer ce filtre » keeps the list's search under a
name, the list shows one's own and shared filters as links, one deletes one's own; refusals say why and save
nothing; every save and deletion is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grappe.core.models import AuditEvent
from grappe.registry.models import SavedFilter

pytestmark = pytest.mark.django_db


def _save(client, name: str, query: str = "departement=42&tri=-nom&page=3", **extra):
    data = {"liste": "organisations", "requete": query, "nom": name, **extra}
    return client.post(reverse("registry:filter_save"), data, follow=True)


def test_a_saved_filter_is_a_link_to_the_same_search(registry, hq_client, hq_user):
    response = _save(hq_client, "  Loire   par nom ")

    saved = SavedFilter.objects.get()
    assert (saved.user, saved.name, saved.list_name, saved.shared) == (
        hq_user,
        "Loire par nom",
        "organisations",
        False,
    )
    assert saved.query == "tri=-nom&departement=42"  # the page number is not part of a search
    assert "Filtre « Loire par nom » enregistré." in response.content.decode()
    listing = hq_client.get(reverse("registry:organisation_list")).content.decode()
    assert 'href="?tri=-nom&amp;departement=42"' in listing and "Loire par nom" in listing
    opened = hq_client.get(reverse("registry:organisation_list") + "?" + saved.query)
    typed = hq_client.get(reverse("registry:organisation_list"), {"departement": "42", "tri": "-nom"})
    names = [org.name for org in opened.context["page"].object_list]
    assert len(names) > 1 and names == [org.name for org in typed.context["page"].object_list]
    event = AuditEvent.objects.get(action="filter.save")
    assert event.user == hq_user and event.details["recherche"] == saved.query


def test_refusals_say_why_and_save_nothing(registry, hq_client):
    _save(hq_client, "Loire")

    empty = _save(hq_client, "   ").content.decode()
    duplicate = _save(hq_client, "loire", "q=atelier").content.decode()

    assert "Donnez un nom au filtre pour l&#x27;enregistrer." in empty
    assert "Vous avez déjà un filtre « loire » sur cette liste." in duplicate
    assert SavedFilter.objects.count() == 1
    assert AuditEvent.objects.filter(action="filter.save").count() == 1
    # Back on the list with the search that was being saved.
    assert _save(hq_client, "", "q=atelier").redirect_chain[-1][0].endswith("?q=atelier")


def test_shared_filters_are_listed_to_colleagues_who_cannot_delete_them(
    registry, hq_client, territorial_client, territorial_user
):
    _save(hq_client, "Partagé", "q=atelier", partage="oui")
    _save(hq_client, "Privé", "q=numelink")
    shared, private = SavedFilter.objects.get(name="Partagé"), SavedFilter.objects.get(name="Privé")

    listing = territorial_client.get(reverse("registry:organisation_list")).content.decode()
    assert "Partagé" in listing and "Privé" not in listing
    assert reverse("registry:filter_delete", args=[shared.pk]) not in listing
    refused = territorial_client.post(reverse("registry:filter_delete", args=[shared.pk]))
    assert refused.status_code == 404
    assert SavedFilter.objects.filter(pk=shared.pk).exists()

    hq_client.post(reverse("registry:filter_delete", args=[private.pk]))
    assert not SavedFilter.objects.filter(pk=private.pk).exists()
    assert AuditEvent.objects.filter(action="filter.delete", object_label="Privé").count() == 1


def test_each_list_keeps_its_own_filters(registry, hq_client):
    hq_client.post(
        reverse("registry:filter_save"), {"liste": "personnes", "requete": "q=martin&zzz=1", "nom": "Martin"}
    )
    hq_client.post(
        reverse("registry:filter_save"), {"liste": "adhesions", "requete": "status=active", "nom": "Martin"}
    )

    assert SavedFilter.objects.get(list_name="personnes").query == "q=martin"

    def shown(url_name: str) -> list[str]:
        return [saved.name for saved in hq_client.get(reverse(url_name)).context["saved_filters"]]

    assert shown("registry:person_list") == ["Martin"] == shown("registry:membership_list")
    assert shown("registry:organisation_list") == []


def test_only_staff_save_filters(registry, nonstaff_client):
    response = nonstaff_client.post(reverse("registry:filter_save"), {"liste": "organisations", "nom": "X"})
    assert response.status_code == 403
    assert not SavedFilter.objects.exists()


def test_a_private_filter_stays_its_authors_even_for_head_office(registry, hq_client, territorial_client):
    territorial_client.post(
        reverse("registry:filter_save"),
        {"liste": "organisations", "requete": "q=drome", "nom": "Mes Drômois"},
    )

    listed = hq_client.get(reverse("registry:organisation_list")).context["saved_filters"]
    assert list(listed) == []
    assert "Mes Drômois" in territorial_client.get(reverse("registry:organisation_list")).content.decode()
