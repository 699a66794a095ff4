"""The budget page: the director opens the year's budget from the list, reads the network's totals and an
office's figures, follows the shared action plan to its split, and downloads the spreadsheet."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from browser.sessions import log_in
from finance.test_budgets import budget  # noqa: F401  (the fixture: a 2026 budget with two shared plans)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_director_reads_the_budget_follows_a_shared_plan_and_downloads_it(
    live_server,
    page,
    budget,  # noqa: F811
    hq_user,
):
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}/budgets/")
    page.get_by_role("navigation").get_by_role("link", name="Budgets").first.wait_for()
    page.get_by_role("link", name="Budget 2026").click()

    expect(page.get_by_role("heading", name="Budget 2026", exact=True)).to_be_visible()
    totals = page.locator("#budget-totals")
    expect(totals).to_contain_text("Total des dépenses")
    expect(totals.get_by_role("row", name="salaires et charges")).to_contain_text("90 000,00 €")
    territories = page.locator("#budget-territories")
    expect(territories.get_by_role("row", name="Drôme-Ardèche")).to_be_visible()
    loire = territories.locator("details", has_text="Détail : Loire")
    expect(loire.get_by_role("row", name="salaires et charges")).to_be_hidden()
    loire.locator("summary").click()
    expect(loire.get_by_role("row", name="salaires et charges")).to_contain_text("48 000,00 €")
    offices = page.locator("#budget-offices")
    expect(offices.get_by_role("row", name="Siège de Saint-Étienne")).to_contain_text("48 000,00 €")

    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter (Excel)").click()
    # The saved download has no extension, which openpyxl reads as "not a workbook": hand it the bytes.
    with open(download.value.path(), "rb") as saved:
        sheet = load_workbook(io.BytesIO(saved.read())).active
    assert sheet.cell(1, 1).value == "Territoire"

    page.locator("#budget-plans").get_by_role("link", name="Export").click()
    expect(page.get_by_role("heading", name="Export", exact=True)).to_be_visible()
    split = page.locator("#plan-allocation")
    expect(split.get_by_role("row", name="Loire")).to_contain_text("750,00 €")
    expect(split.get_by_role("row", name="Drôme-Ardèche")).to_contain_text("250,00 €")


def test_the_director_adds_an_actual_entry_and_the_budget_shows_it(
    live_server,
    page,
    budget,  # noqa: F811
    hq_user,
):
    from grappe.finance.budget_models import BudgetLine

    BudgetLine.objects.filter(label="Valence").update(code="641-VAL")
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}/budgets/{budget.pk}/")
    drome = page.locator("#budget-territories").get_by_role("row", name="Drôme-Ardèche")
    expect(drome.locator("td").nth(3)).to_have_text("2 500,00 €")  # actual expenses: its share of a plan
    page.get_by_role("link", name="Saisir un réalisé").click()

    expect(page.get_by_role("heading", name="Saisir un réalisé")).to_be_visible()
    page.get_by_label("Ligne de budget").select_option(label="641-VAL — Valence (salaires et charges)")
    page.get_by_label("Libellé").fill("Salaires de mars, Valence")
    page.get_by_label("Date").fill("2026-03-31")
    page.get_by_label("Montant (€)").fill("-1 234,56")
    page.get_by_role("button", name="Enregistrer").click()
    # Refused on its field, the typed values kept.
    expect(page.locator(".field--error")).to_contain_text("négatif")
    expect(page.get_by_label("Libellé")).to_have_value("Salaires de mars, Valence")

    page.get_by_label("Montant (€)").fill("1 234,56")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_role("heading", name="Budget 2026", exact=True)).to_be_visible()
    expect(page.get_by_text("Réalisé enregistré")).to_be_visible()
    # Drôme-Ardèche's actual expenses: its share of a plan, and the entry now.
    expect(drome.locator("td").nth(3)).to_have_text("3 734,56 €")
    page.get_by_role("link", name="Réalisés saisis").click()
    expect(
        page.locator("#actual-entries").get_by_role("row", name="Salaires de mars, Valence")
    ).to_contain_text("1 234,56 €")


@pytest.mark.parametrize("page_name", ["detail", "action_plan", "affiliations", "actual_create", "actuals"])
def test_the_budget_pages_pass_axe_core_wcag_rules(
    live_server,
    page,
    budget,  # noqa: F811
    hq_user,
    page_name,
):
    from django.urls import reverse

    from grappe.finance.budget_models import ActionPlan

    from .test_accessibility_browser import AXE, RUN_AXE, WCAG_TAGS

    urls = {
        "detail": reverse("budgets:detail", args=[budget.pk]),
        "action_plan": reverse("budgets:action_plan", args=[ActionPlan.objects.get(name="Start-up").pk]),
        "affiliations": reverse("budgets:affiliations"),
        "actual_create": reverse("budgets:actual_create", args=[budget.pk]),
        "actuals": reverse("budgets:actuals", args=[budget.pk]),
    }
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}{urls[page_name]}")
    # As the accessibility suite does: evaluated through DevTools, so the app's script policy stays untouched.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    violations = page.evaluate(RUN_AXE, WCAG_TAGS)
    assert violations == []
