"""Tagging as staff do it (issue 10): tick two organisations, « Ajouter une étiquette », type a new one, check
the count, confirm; the tag shows on the organisation's page and its link filters the list."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from browser.test_sort_browser import _session_cookie
from grappe.registry.models import Tag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_tag_two_organisations_then_find_them_by_the_tag(live_server, page, registry, hq_user):
    hq_user.user_permissions.add(
        Permission.objects.get(codename="change_organisation", content_type__app_label="registry")
    )
    page.context.add_cookies(_session_cookie(live_server, hq_user))
    page.goto(f"{live_server.url}/organisations/?departement=42")

    page.get_by_label(f"Sélectionner {registry.atelier_forezien.name}").check()
    page.get_by_label(f"Sélectionner {registry.multisite.name}").check()
    page.get_by_label("Action", exact=True).select_option("tag_add")
    page.get_by_role("button", name="Appliquer à la sélection").click()
    page.get_by_label("Nom (60 caractères au plus)").fill("Salon 2026")
    page.get_by_label("Association").select_option(label=registry.numelink.name)
    page.get_by_role("button", name="Vérifier avant de modifier").click()

    expect(page.get_by_text("L'étiquette « Salon 2026 » sera ajoutée à 2 organisations.")).to_be_visible()
    assert not Tag.objects.exists()
    page.get_by_role("button", name="Confirmer pour 2 organisations").click()

    expect(page.get_by_text("Étiquette « Salon 2026 » ajoutée à 2 organisations.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"departement=42"))
    page.goto(f"{live_server.url}/organisations/{registry.multisite.pk}/")
    page.get_by_role("link", name="Salon 2026").click()
    expect(page).to_have_url(re.compile(r"etiquette=\d+"))
    expect(page.locator("#results tbody tr")).to_have_count(2)
