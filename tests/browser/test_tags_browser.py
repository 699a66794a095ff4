"""Tagging as staff do it (issue 10): tick two organisations, « Ajouter une étiquette », type a new one, check
the count, confirm; the tag shows on the organisation's page and its link filters the list. Head office renames
and merges tags on their page, reached from the list's filters."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from browser.sessions import log_in
from grappe.registry.models import Tag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_tag_two_organisations_then_find_them_by_the_tag(live_server, page, registry, hq_user):
    hq_user.user_permissions.add(
        Permission.objects.get(codename="change_organisation", content_type__app_label="registry")
    )
    log_in(live_server, page, hq_user)
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


def test_head_office_renames_then_merges_tags_from_the_list_s_filter(live_server, page, registry, hq_user):
    hq_user.user_permissions.add(
        Permission.objects.get(codename="change_organisation", content_type__app_label="registry")
    )
    salon = Tag.objects.create(association=registry.numelink, name="Salon 2026")
    relancer = Tag.objects.create(association=registry.numelink, name="À relancer")
    registry.multisite.tags.add(salon)
    registry.drome_logiciels.tags.add(salon, relancer)
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}/organisations/")

    page.get_by_text("Filtres", exact=True).click()
    page.get_by_role("link", name="Voir et gérer les étiquettes").click()
    page.get_by_label("Association", exact=True).select_option(label=registry.numelink.name)
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_role("link", name="2 organisations étiquetées « Salon 2026 »")).to_be_visible()

    page.get_by_role("link", name="Renommer « Salon 2026 »").click()
    page.get_by_label("Nom de l'étiquette").fill("a relancer")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".errorlist")).to_contain_text("Numélink a déjà l'étiquette « À relancer ».")
    page.get_by_label("Nom de l'étiquette").fill("Salon du numérique")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Étiquette « Salon 2026 » renommée « Salon du numérique ».")).to_be_visible()

    page.get_by_role("link", name="Fusionner « Salon du numérique »").click()
    page.get_by_label("Fondre « Salon du numérique » dans").select_option(label="À relancer")
    page.get_by_role("button", name="Vérifier avant de fusionner").click()
    expect(page.get_by_text("1 organisation recevra « À relancer ».")).to_be_visible()
    page.get_by_role("button", name="Confirmer la fusion dans « À relancer »").click()

    expect(page.get_by_role("link", name="2 organisations étiquetées « À relancer »")).to_be_visible()
    assert list(Tag.objects.values_list("name", flat=True)) == ["À relancer"]
