"""A staff member adds a member (after checking its SIREN is new), is refused a wrong value on its field, then
edits the new member and finds the change in its timeline (issue 10)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from grappe.france.identifiers import complete_siren
from grappe.registry.models import Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-de-test-2016"
NEW_SIREN = complete_siren("73282932")


def _log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill(user.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()


def test_staff_member_adds_a_member_and_edits_it(live_server, page, registry, hq_user):
    hq_user.set_password(PASSWORD)
    hq_user.save()
    hq_user.user_permissions.add(
        Permission.objects.get(codename="change_organisation", content_type__app_label="registry")
    )
    _log_in(page, live_server, hq_user)

    page.goto(f"{live_server.url}/organisations/")
    page.get_by_role("link", name="Ajouter un membre").click()
    expect(page.get_by_role("heading", name="Ajouter un membre", level=1)).to_be_visible()

    # A SIREN already in the registry: the existing organisation is shown, no form to duplicate it.
    page.get_by_label("SIREN ou SIRET").fill(registry.drome_logiciels.siren)
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("link", name="Drôme Logiciels")).to_be_visible()
    expect(page.get_by_label("Raison sociale")).to_have_count(0)

    page.get_by_label("SIREN ou SIRET").fill(NEW_SIREN)
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_label("SIREN", exact=True)).to_have_value(NEW_SIREN)
    page.get_by_label("Raison sociale").fill("Forez Robotique")
    page.get_by_label("Code NAF/APE").fill("62.01Z")
    page.get_by_label("Code postal").fill("99999")
    page.get_by_label("Commune").fill("Saint-Étienne")
    page.get_by_label("Association").select_option(label="Numélink")
    page.get_by_label("Adhérent depuis").fill("2026-01-15")
    page.get_by_role("button", name="Ajouter au registre").click()

    # Refused on its field, nothing created, what was typed kept.
    expect(page.get_by_text("Rien n'a été enregistré")).to_be_visible()
    expect(page.locator("#id_site-postcode_error")).to_be_visible()
    expect(page.get_by_label("Raison sociale")).to_have_value("Forez Robotique")
    assert not Organisation.objects.filter(siren=NEW_SIREN).exists()

    page.get_by_label("Code postal").fill("42000")
    page.get_by_role("button", name="Ajouter au registre").click()
    expect(page.get_by_role("heading", name="Forez Robotique", level=1)).to_be_visible()
    expect(page.get_by_text("Organisation ajoutée au registre.")).to_be_visible()

    page.get_by_role("link", name="Modifier", exact=True).click()
    page.get_by_label("Téléphone").fill("04 77 12 34 56")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Modifications enregistrées.")).to_be_visible()
    # Shown as stored or as read in France, whichever the identity card chooses.
    expect(page.locator("dl.facts")).to_contain_text(re.compile(r"\+33477123456|04 77 12 34 56"))

    page.get_by_role("link", name="Chronologie").click()
    expect(page.get_by_role("heading", name="Chronologie", level=1)).to_be_visible()
    expect(page.get_by_text("Adhésion à Numélink")).to_be_visible()
    expect(page.get_by_text("Sophie Bernard").first).to_be_visible()
