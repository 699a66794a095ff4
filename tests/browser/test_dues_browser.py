"""The dues page: the director narrows the year's dues to those partly paid, then searches a member, without
leaving the page (htmx swaps the results)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser.sessions import log_in
from finance.conftest import bill_registry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filtering_the_dues_by_state_and_name_updates_the_list_in_place(live_server, page, registry, hq_user):
    paid, partial = bill_registry(registry)
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}/cotisations/?year=2026")
    expect(page.get_by_role("heading", name="Cotisations", exact=True)).to_be_visible()
    results = page.locator("#results")
    expect(results).to_contain_text(paid.membership.organisation.name)
    page.evaluate("window.kept = true")  # gone if the page reloads

    page.get_by_label("État").select_option("partial")

    expect(results).not_to_contain_text(paid.membership.organisation.name)
    expect(results).to_contain_text(partial.membership.organisation.name)
    expect(results).to_contain_text("partiellement réglée")
    assert page.evaluate("window.kept === true")
    assert "state=partial" in page.url

    page.get_by_label("État").select_option("")
    page.get_by_role("searchbox").press_sequentially(paid.membership.organisation.name[:8])  # live search
    expect(results).to_contain_text(paid.membership.organisation.name)
    expect(results).not_to_contain_text(partial.membership.organisation.name)
