"""The « Historique » pages: an object's audit events, newest first, under the object's visibility rule."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grappe.core.audit import record_event
from grappe.registry import services

pytestmark = pytest.mark.django_db


def test_the_organisation_page_links_to_its_history(registry, hq_client):
    org = registry.drome_logiciels
    page = hq_client.get(reverse("registry:organisation_detail", args=[org.pk])).content.decode()
    assert reverse("registry:history", args=[org.pk]) in page and "Historique" in page


def test_the_history_lists_edits_of_the_organisation_and_its_sites_newest_first(registry, hq_user, hq_client):
    org = registry.drome_logiciels
    services.update_organisation(organisation=org, user=hq_user, values={"phone": "04 75 06 05 08"})
    site = org.establishments.get()
    services.update_establishment(establishment=site, user=hq_user, values={"email": "Valence@Drome.fr"})

    response = hq_client.get(reverse("registry:history", args=[org.pk]))

    assert response.status_code == 200
    entries = response.context["entries"]
    assert [e.event.action for e in entries] == ["change", "change"]
    assert entries[0].about.startswith("établissement")
    assert entries[0].changes == [("e-mail", "—", "valence@drome.fr")]
    assert entries[1].about == "" and entries[1].changes == [("téléphone", "—", "+33475060508")]
    content = response.content.decode()
    assert "Sophie Bernard" in content and "modification" in content and "téléphone" in content


def test_the_history_is_paginated(registry, hq_client):
    org = registry.drome_logiciels
    for n in range(55):
        record_event(action="change", target=org, changes={"phone": (str(n), str(n + 1))})
    response = hq_client.get(reverse("registry:history", args=[org.pk]))
    assert len(response.context["entries"]) == 50
    assert response.context["entries"][0].changes == [("téléphone", "54", "55")]
    second = hq_client.get(reverse("registry:history", args=[org.pk]), {"page": 2})
    assert len(second.context["entries"]) == 5


def test_a_territorial_user_gets_404_outside_their_territory(registry, territorial_client):
    outside = registry.atelier_forezien
    assert territorial_client.get(reverse("registry:history", args=[outside.pk])).status_code == 404
    inside = registry.drome_logiciels
    assert territorial_client.get(reverse("registry:history", args=[inside.pk])).status_code == 200
    outside_membership = outside.memberships.first()
    url = reverse("registry:membership_history", args=[outside_membership.pk])
    assert territorial_client.get(url).status_code == 404
    assert (
        territorial_client.get(reverse("registry:person_history", args=[registry.paul.pk])).status_code == 404
    )


def test_people_memberships_and_sites_have_a_history(registry, hq_client, hq_user):
    person = registry.claire
    services.save_record(obj=person, user=hq_user, values={"phone": "+33475000000"})
    response = hq_client.get(reverse("registry:person_history", args=[person.pk]))
    assert [e.event.action for e in response.context["entries"]] == ["change"]
    membership = registry.drome_logiciels.memberships.first()
    assert hq_client.get(reverse("registry:membership_history", args=[membership.pk])).status_code == 200
    site = registry.drome_logiciels.establishments.first()
    assert hq_client.get(reverse("registry:establishment_history", args=[site.pk])).status_code == 200


def test_non_staff_cannot_read_a_history(registry, nonstaff_client):
    url = reverse("registry:history", args=[registry.drome_logiciels.pk])
    assert nonstaff_client.get(url).status_code == 403
