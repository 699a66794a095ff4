"""Under the Content-Security-Policy (no inline script or style, no eval) the pages work and nothing is refused:
the dashboard's bars, the live search and the filters that reload the results when a list changes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-de-test-2016"


def test_pages_run_under_the_policy_without_a_single_violation(live_server, page, registry, hq_user):
    hq_user.set_password(PASSWORD)
    hq_user.save()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill(hq_user.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    bar = page.locator("td.w-35 .bar > span").first
    assert bar.evaluate("element => element.getBoundingClientRect().width") > 0  # the class gives the width

    page.goto(f"{live_server.url}/organisations/")
    results = page.locator("#results")
    expect(results).to_contain_text("1–5 sur 5")
    page.locator("summary", has_text="Filtres").click()
    status = page.locator("select[name=status]")
    chosen = status.locator("option").nth(1).get_attribute("value")
    with page.expect_response(
        lambda response: "/organisations/" in response.url and "status=" in response.url
    ):
        status.select_option(chosen)
    expect(page).to_have_url(re.compile(f"status={chosen}"))  # htmx pushed the filtered address
    page.get_by_role("searchbox").press_sequentially("drôme", delay=30)
    expect(results).not_to_contain_text("Volcans Cloud")
    assert refused == []
