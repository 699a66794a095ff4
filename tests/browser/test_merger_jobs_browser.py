"""The merger's background work as the director follows it, at a desk (1,400 px) and on a phone (390 px): apply
and undo wait in the queue while their progress page polls, then land on the merger; undo refused by its job
(the data apply changed has changed since) says why on that page — an undo that goes through is
``test_merger_browser``'s; the report of a large merger is prepared by
the worker, its page follows it, then its PDF and CSV download.

The queue is django-tasks' database backend, worked off here as ``grappe worker --batch`` would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser.test_merger_browser import _log_in, director, merger  # noqa: F401 (fixtures)
from browser.test_phone_browser import OVERFLOWING
from grappe.mergers import services
from grappe.mergers.models import Merger
from grappe.registry.models import Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {
    "desktop": {"viewport": {"width": 1400, "height": 900}, "locale": "fr-FR"},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "has_touch": True,
        "is_mobile": True,
        "locale": "fr-FR",
    },
}


@pytest.fixture(params=list(SCREENS))
def screen(request, browser):
    context = browser.new_context(**SCREENS[request.param])
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _fits(page) -> None:
    """Nothing but a table's own scroll area is wider than the screen."""
    assert page.evaluate(OVERFLOWING) == []


def test_apply_then_undo_follow_their_progress_pages(
    live_server,
    screen,
    merger,  # noqa: F811
    director,  # noqa: F811
    database_queue,
):
    services.set_membership_type_mapping(merger=merger, mapping={}, user=director)
    _log_in(screen, live_server, director)
    screen.goto(f"{live_server.url}/fusions/{merger.pk}/appliquer/")
    screen.get_by_label("Appliquer en ne gardant que les correspondances sûres").check()
    screen.get_by_label("Je confirme l'application de cette fusion au registre").check()
    screen.get_by_role("button", name="Appliquer maintenant").click()

    expect(screen.get_by_role("heading", name="Application de la fusion")).to_be_visible()
    progress = screen.locator("#action-progress")
    for stage in ("Vérifications", "Regroupement des adhérents", "Enregistrement de l'instantané"):
        expect(progress).to_contain_text(stage)
    expect(screen.get_by_text("Vous pouvez quitter cette page : l'opération continue.")).to_be_visible()
    _fits(screen)

    database_queue()
    expect(screen.get_by_text("Fusion appliquée au registre.")).to_be_visible(timeout=30_000)
    assert screen.url == f"{live_server.url}/fusions/{merger.pk}/"

    # Someone edits a member the merger changed: undo is queued, then its job refuses it and says why.
    organisation = Organisation.objects.filter(memberships__association=merger.absorbing).first()
    organisation.name = f"{organisation.name} (renommée)"
    organisation.save()
    screen.get_by_role("link", name="Annuler la fusion…").click()
    screen.get_by_label("Je confirme l'annulation de cette fusion").check()
    screen.get_by_role("button", name="Annuler la fusion maintenant").click()
    expect(screen.get_by_role("heading", name="Annulation de la fusion")).to_be_visible()
    expect(screen.locator("#action-progress")).to_contain_text("Retour du registre à son état d'avant")
    _fits(screen)
    database_queue()
    alert = screen.get_by_role("alert")
    expect(alert).to_contain_text("La fusion n'a pas été annulée.", timeout=30_000)
    expect(alert).to_contain_text("des données qu'elle a modifiées ont changé depuis (Organisation)")
    expect(screen.get_by_role("link", name="Relancer l'annulation")).to_be_visible()
    _fits(screen)
    merger.refresh_from_db()
    assert merger.status == Merger.Status.APPLIED  # nothing restored


def test_a_large_report_is_prepared_in_the_background_then_downloaded(
    live_server,
    screen,
    merger,  # noqa: F811
    director,  # noqa: F811
    database_queue,
    settings,
):
    settings.GRAPPE_MERGERS_REPORT_DIRECT_MAX_ROWS = 0  # this merger counts as large
    _log_in(screen, live_server, director)
    screen.goto(f"{live_server.url}/fusions/{merger.pk}/")
    files = screen.locator("#fichiers")
    expect(files).to_contain_text("Cette fusion est grande")
    expect(files.get_by_role("link", name=re.compile("Télécharger"))).to_have_count(0)
    files.get_by_role("button", name="Préparer le rapport").click()

    expect(screen.get_by_role("heading", name="Préparation du rapport")).to_be_visible()
    progress = screen.locator("#action-progress")
    for stage in ("Chiffres et listes du rapport", "Fichier CSV", "Document PDF"):
        expect(progress).to_contain_text(stage)
    _fits(screen)
    # The merger's page says the report is being prepared (at the top, and where its files go) and leads back.
    screen.goto(f"{live_server.url}/fusions/{merger.pk}/")
    expect(screen.get_by_text("Le rapport de cette fusion est en préparation.")).to_be_visible()
    expect(screen.locator("#fichiers")).to_contain_text("Le rapport est en préparation.")
    expect(screen.locator("#fichiers").get_by_role("button", name="Préparer le rapport")).to_have_count(0)
    screen.get_by_role("link", name="Suivre sa progression").first.click()
    expect(screen.get_by_role("heading", name="Préparation du rapport")).to_be_visible()

    database_queue()  # the polling page then reloads onto the report's files
    expect(screen.get_by_text("Rapport prêt")).to_be_visible(timeout=30_000)
    assert screen.url == f"{live_server.url}/fusions/{merger.pk}/rapport/#fichiers"
    files = screen.locator("#fichiers")
    expect(files).to_contain_text("Préparé le")
    _fits(screen)
    with screen.expect_download() as pdf:
        files.get_by_role("link", name="Télécharger (PDF)").click()
    assert pdf.value.suggested_filename == f"fusion-{merger.pk}-auvergne-tic-numelink-rapport.pdf"
    assert Path(pdf.value.path()).read_bytes()[:4] == b"%PDF"
    with screen.expect_download() as table:
        files.get_by_role("link", name="Télécharger (CSV)").click()
    assert table.value.suggested_filename.endswith("-rapport.csv")
    first_line = Path(table.value.path()).read_text(encoding="utf-8-sig").splitlines()[0]
    assert first_line.startswith(f"fusion;{merger.pk};")


def test_recomputing_the_plan_follows_its_progress_page_then_lands_on_the_plan(
    live_server,
    page,
    merger,  # noqa: F811
    director,  # noqa: F811
    database_queue,
):
    _log_in(page, live_server, director)
    page.goto(f"{live_server.url}/fusions/{merger.pk}/")
    page.get_by_role("button", name="Recalculer avec mes décisions").click()

    expect(page.get_by_role("heading", name="Nouveau calcul du plan")).to_be_visible()
    expect(page.locator("#action-progress")).to_contain_text("Lecture des deux registres")
    assert merger.audit.filter(action="plan").count() == 1  # queued, not run in the request

    database_queue()
    expect(page.get_by_text("Plan recalculé avec vos décisions.")).to_be_visible(timeout=30_000)
    assert page.url == f"{live_server.url}/fusions/{merger.pk}/"
    assert merger.audit.filter(action="plan").count() == 2
