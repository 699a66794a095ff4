"""The start-up pipeline board: a card moved with its own form, in place with htmx, by a plain POST without
JavaScript; filtered by territory; and on a phone, the columns stacked with nothing wider than the screen."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from browser.sessions import log_in
from browser.test_phone_browser import OVERFLOWING, PHONE
from startups.conftest import pipeline  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _column(page, stage: str):
    return page.locator(f'[data-stage="{stage}"]')


def test_moving_a_card_updates_the_board_in_place(live_server, page, pipeline, hq_user) -> None:  # noqa: F811
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}/start-up/")
    expect(page.get_by_role("heading", name="Vivier de start-up")).to_be_visible()
    expect(_column(page, "sourced")).to_contain_text("Drômoise Robotique")
    page.evaluate("window.kept = true")  # gone if the page reloads

    card = page.locator(f'[data-project="{pipeline.drome.pk}"]')
    card.get_by_label("Nouvelle étape de Drômoise Robotique").select_option("qualified")
    card.get_by_role("button", name="Déplacer").click()

    expect(_column(page, "qualified")).to_contain_text("Drômoise Robotique")
    expect(_column(page, "sourced")).not_to_contain_text("Drômoise Robotique")
    expect(page.locator("#board")).to_contain_text("« Drômoise Robotique » déplacé.")
    assert page.evaluate("window.kept === true")

    # An illegal move (a project skipping a stage cannot be offered; dropping without a reason can) is explained.
    card = page.locator(f'[data-project="{pipeline.drome.pk}"]')
    card.get_by_label("Nouvelle étape de Drômoise Robotique").select_option("dropped")
    card.get_by_role("button", name="Déplacer").click()
    expect(page.locator("#board")).to_contain_text("demande un motif")
    expect(_column(page, "qualified")).to_contain_text("Drômoise Robotique")


def test_the_board_works_without_javascript_and_filters_by_territory(
    live_server,
    browser,
    pipeline,  # noqa: F811
    hq_user,
    registry,
) -> None:
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}/start-up/")
    page.get_by_label("Territoire").select_option(str(registry.drome_ardeche.pk))
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#board")).not_to_contain_text("Volcan IA")

    card = page.locator(f'[data-project="{pipeline.drome.pk}"]')
    card.get_by_label("Nouvelle étape de Drômoise Robotique").select_option("qualified")
    card.get_by_role("button", name="Déplacer").click()

    expect(_column(page, "qualified")).to_contain_text("Drômoise Robotique")
    expect(page.locator("#board")).not_to_contain_text("Volcan IA")  # back to the filtered board
    assert f"territoire={registry.drome_ardeche.pk}" in page.url
    context.close()


def test_the_board_fits_a_phone_with_its_columns_stacked(live_server, browser, pipeline, hq_user) -> None:  # noqa: F811
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    log_in(live_server, phone, hq_user)
    phone.goto(f"{live_server.url}/start-up/")
    expect(_column(phone, "sourced")).to_contain_text("Drômoise Robotique")

    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.evaluate(OVERFLOWING) == []
    sourced, qualified = _column(phone, "sourced").bounding_box(), _column(phone, "qualified").bounding_box()
    assert qualified["y"] > sourced["y"] + sourced["height"] - 1  # one under the other, not side by side

    card = phone.locator(f'[data-project="{pipeline.drome.pk}"]')
    card.get_by_label("Nouvelle étape de Drômoise Robotique").select_option("qualified")
    card.get_by_role("button", name="Déplacer").tap()
    expect(_column(phone, "qualified")).to_contain_text("Drômoise Robotique")
    context.close()


def test_a_project_its_founders_and_an_application_are_edited_without_javascript(
    live_server,
    browser,
    pipeline,  # noqa: F811
    hq_user,
    registry,
) -> None:
    from grappe.startups import services

    services.save_application(
        user=hq_user, project=pipeline.drome, programme=pipeline.label, due_on=datetime.date(2026, 4, 11)
    )
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}/start-up/{pipeline.drome.pk}/")

    page.get_by_role("link", name="Modifier", exact=True).first.click()
    page.get_by_label("Nom du projet").fill("Drômoise Robotique SAS")
    page.get_by_label("Présentation").fill("Bras robotisés pour l'arboriculture.")
    page.get_by_label("Le Bivouac").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Drômoise Robotique SAS")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Bras robotisés pour l'arboriculture.")

    page.get_by_label("Rechercher (nom, e-mail, téléphone)").fill("claire")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("button", name="Ajouter Claire Martin").click()
    page.get_by_label("Prénom").fill("Nadia")
    page.get_by_label("Nom", exact=True).fill("Benali")
    page.get_by_label("E-mail", exact=True).fill("nadia@robotique.fr")
    page.get_by_role("button", name="Ajouter aux fondateurs").click()
    page.get_by_role("button", name="Retirer Claire Martin").click()
    expect(page.get_by_role("button", name="Retirer Nadia Benali")).to_be_visible()
    expect(page.get_by_role("button", name="Retirer Claire Martin")).to_have_count(0)

    page.get_by_role("row", name="French Tech Tremplin").get_by_role("link", name="Modifier").click()
    page.get_by_label("Statut").select_option("submitted")
    page.get_by_label("Notes").fill("Déposé par la fondatrice.")
    page.get_by_role("button", name="Enregistrer").click()
    row = page.get_by_role("row", name="French Tech Tremplin")
    expect(row).to_contain_text("Déposé par la fondatrice.")
    expect(row).to_contain_text("déposé")
    context.close()
