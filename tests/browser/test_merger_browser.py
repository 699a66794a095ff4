"""A network director plans a merger from the web (its progress page polls, then lands on the plan), reviews it
in the browser (keyboard decisions, bulk accept), applies and undoes it through the task queue (the pages poll
the queued work, then land on the merger), then reads the report.

Auvergne TIC's export (``tests/mergers/scenario.py``) gets three more rows that share a name, an address and a
phone with Numélink members but carry another valid SIREN: four pairs land in the review queue.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from grappe.france.identifiers import complete_siren
from grappe.mergers import services
from grappe.mergers.models import CandidatePair, Merger
from mergers import scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-de-test-2016"


def _row(name: str, siren_digits: str, address: str, postcode: str, city: str, phone: str) -> list[str]:
    siren = complete_siren(siren_digits)
    return [
        name,
        siren,
        scenario._siret(siren),
        address,
        postcode,
        city,
        "",
        phone,
        "",
        "01/01/2015",
        "Membre actif",
        "à jour",
        "",
        "",
        "",
    ]


HOMONYMS = [
    _row("Forez Conseil", "82000004", "5 avenue de la Libération", "42600", "Montbrison", "04 77 58 00 11"),
    _row("Loire Logiciels", "82000002", "8 place Jean Jaurès", "42000", "Saint-Étienne", "04 77 55 66 77"),
    _row(
        "Atelier Forézien Studio",
        "82000001",
        "12 rue de la Résistance",
        "42000",
        "Saint-Étienne",
        "04 77 10 20 30",
    ),
]


@pytest.fixture
def director(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(
        "direction", password=PASSWORD, first_name="Sophie", last_name="Bernard", is_staff=True
    )
    user.user_permissions.add(
        Permission.objects.get(codename="manage_merger", content_type__app_label="mergers")
    )
    return user


@pytest.fixture
def merger(tmp_path: Path, director) -> Merger:
    world = scenario.build(tmp_path, import_absorbed=False)
    scenario.write_csv(world.auvergne_export, scenario.AUVERGNE_ROWS + HOMONYMS)
    return services.plan_merger(
        absorbing=world.numelink,
        absorbed=world.auvergne_tic,
        effective_on=scenario.EFFECTIVE,
        path=world.auvergne_export,
        user=director,
    )


def _log_in(page, live_server, director) -> None:
    page.goto(f"{live_server.url}/connexion/?next=/fusions/")
    page.get_by_label("Identifiant").fill(director.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Fusions", exact=True)).to_be_visible()


def _shown_pair(page) -> CandidatePair:
    return CandidatePair.objects.get(pk=int(page.locator("[data-pair]").get_attribute("data-pair")))


def test_keyboard_accept_and_reject_in_the_review_queue(live_server, page, merger, director):
    total = services.undecided_pairs(merger).count()
    assert total >= 2
    _log_in(page, live_server, director)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Fusions").click()
    page.get_by_role("link", name="Auvergne TIC → Numélink").click()
    page.get_by_role("link", name=re.compile("File de revue")).click()
    expect(page.locator("#review-progress")).to_have_text(f"0 / {total} décidées")
    expect(page.get_by_text("Raccourcis clavier :")).to_be_visible()

    first = _shown_pair(page)
    page.keyboard.press("a")
    expect(page.locator("#review-progress")).to_have_text(f"1 / {total} décidées")
    expect(page.locator("#decision-log")).to_contain_text(first.left_label)
    first.refresh_from_db()
    assert first.decision == CandidatePair.Decision.ACCEPTED
    assert first.decided_by == director and first.decided_at is not None

    second = _shown_pair(page)
    assert second.pk != first.pk
    page.keyboard.press("r")
    expect(page.locator("#review-progress")).to_have_text(f"2 / {total} décidées")
    second.refresh_from_db()
    assert second.decision == CandidatePair.Decision.REJECTED
    assert second.decided_by == director

    # Typing in a field is not a decision.
    third = _shown_pair(page)
    page.get_by_label(re.compile("Accepter toutes les paires")).press("a")
    third.refresh_from_db()
    assert third.decision == CandidatePair.Decision.PENDING


def test_keyboard_skip_moves_on_and_the_skipped_pair_comes_back_at_the_end(
    live_server, page, merger, director
):
    total = services.undecided_pairs(merger).count()
    assert total >= 2
    _log_in(page, live_server, director)
    page.goto(f"{live_server.url}/fusions/{merger.pk}/revue/")

    skipped = _shown_pair(page)
    page.keyboard.press("s")
    expect(page.locator(".review-progress")).to_contain_text("1 passée")
    expect(page.locator("#review-progress")).to_have_text(f"0 / {total} décidées")  # skipping decides nothing
    skipped.refresh_from_db()
    assert skipped.decision == CandidatePair.Decision.SKIPPED and skipped.decided_by == director
    assert services.undecided_pairs(merger).filter(pk=skipped.pk).exists()  # apply still waits on it
    assert _shown_pair(page).pk != skipped.pk

    for done in range(1, total):
        page.keyboard.press("a")
        expect(page.locator("#review-progress")).to_have_text(f"{done} / {total} décidées")
    expect(page.get_by_text("Plus aucune paire en attente.")).to_be_visible()
    page.get_by_role("link", name="Revoir la paire passée").click()
    expect(page.locator(f'[data-pair="{skipped.pk}"]')).to_be_visible()
    page.keyboard.press("r")
    expect(page.locator("#review-progress")).to_have_text(f"{total} / {total} décidées")
    skipped.refresh_from_db()
    assert skipped.decision == CandidatePair.Decision.REJECTED
    assert not services.undecided_pairs(merger).exists()


def test_bulk_accept_above_a_threshold(live_server, page, merger, director):
    pending = services.undecided_pairs(merger).count()
    _log_in(page, live_server, director)
    page.goto(f"{live_server.url}/fusions/{merger.pk}/revue/")
    page.get_by_label(re.compile("Accepter toutes les paires")).fill("90")
    page.get_by_role("button", name="Accepter au-dessus du seuil").click()
    expect(page.get_by_role("status").filter(has_text="acceptées")).to_contain_text(
        f"{pending} paires acceptées"
    )
    expect(page.locator("#review-progress")).to_have_text(f"{pending} / {pending} décidées")
    assert merger.pairs.filter(band="review", decision=CandidatePair.Decision.ACCEPTED).count() == pending


def test_the_report_page_shows_the_counts(live_server, page, merger, director):
    services.set_membership_type_mapping(merger=merger, mapping={}, user=director)
    services.apply_merger(merger=merger, user=director, accept_auto_only=True)
    merger.refresh_from_db()
    _log_in(page, live_server, director)
    page.goto(f"{live_server.url}/fusions/{merger.pk}/rapport/")
    expect(page.get_by_role("heading", name="Rapport de fusion")).to_be_visible()
    stats = page.locator("#avant-apres").locator("..")
    expect(stats).to_contain_text(f"{merger.outcome['after']['members']}")
    expect(stats.get_by_text("adhérents après")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"nouveaux membres"))).to_be_visible()
    expect(page.get_by_role("link", name="Télécharger (PDF)")).to_have_attribute(
        "href", f"/fusions/{merger.pk}/rapport.pdf"
    )


def test_planning_from_the_web_shows_its_progress_then_lands_on_the_plan(
    live_server, page, director, tmp_path
):
    world = scenario.build(tmp_path, import_absorbed=False)
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    _log_in(page, live_server, director)
    page.get_by_label("Association absorbée").select_option(label="Auvergne TIC")
    page.get_by_label("Association absorbante").select_option(label="Numélink")
    page.get_by_label("Date d'effet").fill("2016-03-31")
    page.get_by_label("Export des adhérents de l'absorbée (facultatif)").set_input_files(
        str(world.auvergne_export)
    )
    page.get_by_role("button", name="Préparer le plan").click()

    # The plan runs in its thread; the progress page polls until it is ready, then reloads onto the plan.
    expect(page.get_by_role("heading", name="Absorption de Auvergne TIC par Numélink")).to_be_visible(
        timeout=90_000
    )
    expect(page.get_by_text("Plan prêt : vérifiez-le avant de l'appliquer.")).to_be_visible()
    merger = Merger.objects.get()
    assert page.url == f"{live_server.url}/fusions/{merger.pk}/"
    assert any("/fusions/plans/" in url for url in visited)
    assert merger.source_file.original_name == "auvergne-tic.csv"


def test_apply_and_undo_from_the_web_wait_in_the_queue_and_the_page_follows_them(
    live_server, page, merger, director, database_queue
):
    services.set_membership_type_mapping(merger=merger, mapping={}, user=director)
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    _log_in(page, live_server, director)
    page.goto(f"{live_server.url}/fusions/{merger.pk}/appliquer/")
    page.get_by_label("Appliquer en ne gardant que les correspondances sûres").check()
    page.get_by_label("Je confirme l'application de cette fusion au registre").check()
    page.get_by_role("button", name="Appliquer maintenant").click()

    # The POST only queued the work: its page waits and polls, the registry is untouched.
    expect(page.get_by_role("heading", name="Application de la fusion")).to_be_visible()
    expect(page.locator("#action-progress")).to_contain_text("Vérifications")
    merger.refresh_from_db()
    assert merger.status == Merger.Status.PLANNED

    database_queue()  # the worker runs it; the polling page then reloads onto the merger
    expect(page.get_by_text("Fusion appliquée au registre.")).to_be_visible(timeout=30_000)
    assert page.url == f"{live_server.url}/fusions/{merger.pk}/"
    assert any("/progression/" in url for url in visited)  # htmx polled, under the CSP

    page.get_by_role("link", name="Annuler la fusion…").click()
    page.get_by_label("Je confirme l'annulation de cette fusion").check()
    page.get_by_role("button", name="Annuler la fusion maintenant").click()
    expect(page.get_by_role("heading", name="Annulation de la fusion")).to_be_visible()
    database_queue()
    expect(page.get_by_text("Fusion annulée : le registre est revenu")).to_be_visible(timeout=30_000)
    merger.refresh_from_db()
    assert merger.status == Merger.Status.UNDONE


def test_a_registry_s_duplicates_are_searched_from_the_web_then_the_plan_dropped(
    live_server, page, director, tmp_path
):
    """The director asks for Auvergne TIC's duplicates (its export names one company twice, without a SIREN in
    common), follows the plan to its page, then drops it: the registry unchanged, the plan on record."""
    from grappe.intake.services import import_file

    world = scenario.build(tmp_path, import_absorbed=False)
    import_file(path=world.auvergne_export, association=world.auvergne_tic)
    members = len(services.member_ids(world.auvergne_tic))
    _log_in(page, live_server, director)
    page.get_by_label("Registre de").select_option(label="Auvergne TIC")
    page.get_by_role("button", name="Chercher les doublons").click()

    expect(page.get_by_role("heading", name="Dédoublonnage de Auvergne TIC")).to_be_visible(timeout=90_000)
    expect(page.get_by_text("Plan prêt : vérifiez-le avant de l'appliquer.")).to_be_visible()
    merger = Merger.objects.get()
    assert merger.kind == Merger.Kind.DEDUPLICATION and page.url == f"{live_server.url}/fusions/{merger.pk}/"
    expect(page.get_by_text("adhérents comparés entre eux")).to_be_visible()

    page.get_by_text("Ne pas appliquer ce plan").click()
    page.get_by_role("button", name="Abandonner le plan").click()
    expect(page.get_by_text("Plan abandonné : le registre n'a pas changé")).to_be_visible()
    expect(page.locator(".page-head .badge")).to_have_text("abandonnée")
    merger.refresh_from_db()
    assert merger.status == Merger.Status.ABANDONED and merger.abandoned_by == director
    assert len(services.member_ids(world.auvergne_tic)) == members
