"""The dashboard's map: a director clicks a département on the map and lands on its members; on a phone the
map fits the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser.sessions import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(live_server, page, user) -> None:
    log_in(live_server, page, user)
    page.goto(f"{live_server.url}/")


def test_a_click_on_a_departement_of_the_map_lists_its_members(live_server, page, registry, hq_user):
    _log_in(live_server, page, hq_user)
    expect(page.get_by_role("heading", name="Carte des adhérents")).to_be_visible()
    loire = page.get_by_role("link", name="42 Loire : 2 adhérents")
    expect(loire).to_be_visible()
    loire.click()
    expect(page.get_by_role("heading", name="Organisations", exact=True)).to_be_visible()
    results = page.locator("#results")
    expect(results).to_contain_text("Atelier Numérique Forézien")
    expect(results).not_to_contain_text("Volcans Cloud")


def test_on_a_phone_the_map_and_the_charts_fit_the_screen(live_server, browser, registry, hq_user):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    try:
        _log_in(live_server, page, hq_user)
        svg = page.locator("svg.map__svg")
        expect(svg).to_be_visible()
        box = svg.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
