"""A staff member logs in, opens the registry, finds an organisation with the live search and reads its record."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-de-test-2016"


def test_staff_member_finds_an_organisation_and_reads_its_provenance(live_server, page, registry, hq_user):
    hq_user.set_password(PASSWORD)
    hq_user.save()

    page.goto(f"{live_server.url}/connexion/")
    expect(page.get_by_role("heading", name="Connexion à Grappe")).to_be_visible()
    page.get_by_label("Identifiant").fill(hq_user.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Organisations"
    ).click()
    expect(page.get_by_role("heading", name="Organisations", exact=True)).to_be_visible()
    results = page.locator("#results")
    expect(results).to_contain_text("1–5 sur 5")

    # Live search: typing is enough, htmx swaps the results table in place.
    page.get_by_role("searchbox").press_sequentially("drôme", delay=30)
    expect(results).to_contain_text("1–1 sur 1")
    expect(results).not_to_contain_text("Volcans Cloud")
    expect(page).to_have_url(re.compile(r"q=dr%C3%B4me|q=drôme"))

    results.get_by_role("link", name="Drôme Logiciels").click()
    expect(page.get_by_role("heading", name="Drôme Logiciels", level=1)).to_be_visible()
    expect(page.get_by_text("DROME LOGICIELS SARL").first).to_be_visible()
    expect(page.get_by_text("adherents-rhonealley-2016.csv").first).to_be_visible()
    expect(page.get_by_role("link", name="Claire Martin")).to_be_visible()
