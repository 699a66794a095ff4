"""A staff member imports new members from a spreadsheet with neither dates nor statuses: the association is
already chosen, the mapping page is skipped, an anomaly is corrected in place, the import asks what the file
cannot say, and the done page links to what it created (issue 10). Desktop and phone."""

from __future__ import annotations

import csv

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from grappe.registry.models import Membership, Organisation
from intake.conftest import HEADERS, member_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-de-test-2016"
BARE = [header for header in HEADERS if header not in {"Date d'adhésion", "Statut"}]


def _bare_row(n: int, **overrides: str) -> list[str]:
    full = dict(zip(HEADERS, member_row(n, **overrides), strict=True))
    return [full[header] for header in BARE]


@pytest.mark.parametrize("viewport", [(1400, 900), (390, 844)], ids=["desktop", "phone"])
def test_an_import_asks_what_it_cannot_guess_and_corrects_an_anomaly_in_place(
    live_server, browser, registry, hq_user, tmp_path, settings, viewport
):
    settings.MEDIA_ROOT = tmp_path / "media"
    hq_user.set_password(PASSWORD)
    hq_user.is_staff = True
    hq_user.save()
    hq_user.user_permissions.add(Permission.objects.get(codename="add_importjob"))
    path = tmp_path / "nouveaux.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(BARE)
        writer.writerow(_bare_row(901))
        writer.writerow(_bare_row(902, **{"E-mail": "contact-at-entreprise902"}))
    width, height = viewport
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/connexion/")
        page.get_by_label("Identifiant").fill(hq_user.username)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()

        page.goto(f"{live_server.url}/imports/")
        # The user's own association is already chosen.
        expect(page.get_by_label("Association qui fournit le fichier")).to_have_value(
            str(registry.numelink.pk)
        )
        page.get_by_label("Export des adhérents (CSV, XLSX ou ODS)").set_input_files(str(path))
        page.get_by_role("button", name="Déposer et vérifier").click()

        # Every column recognised: straight to the report, the anomaly with its company's name.
        expect(page.get_by_role("heading", name="Rapport de validation")).to_be_visible()
        expect(page.get_by_text("Toutes les colonnes ont été reconnues")).to_be_visible()
        row = page.locator("tr", has_text="Entreprise 902 SAS")
        expect(row).to_be_visible()
        row.get_by_role("textbox").fill("contact@entreprise902.fr")
        row.get_by_role("button", name="Corriger").click()
        expect(page.get_by_text("Ligne 3 corrigée")).to_be_visible()
        expect(page.get_by_text("Aucune anomalie : toutes les valeurs ont été comprises.")).to_be_visible()
        assert not Organisation.objects.filter(name__startswith="Entreprise 90").exists()

        # Asked, not guessed: unanswered, the import waits and says what is missing.
        page.get_by_label("Statut des nouveaux adhérents").select_option(label="en attente")
        page.get_by_role("button", name="Importer les 2 lignes").click()
        expect(page.get_by_text("Indiquez depuis quand ces membres adhèrent")).to_be_visible()
        assert not Organisation.objects.filter(name__startswith="Entreprise 90").exists()
        page.get_by_label("Date d'adhésion inconnue").check()
        page.get_by_role("button", name="Importer les 2 lignes").click()

        expect(page.get_by_text("Import terminé")).to_be_visible()
        expect(page.get_by_role("heading", name="Adhésions créées par cet import")).to_be_visible()
        page.get_by_role("link", name="Entreprise 902 SAS").click()
        expect(page.get_by_role("heading", name="Entreprise 902 SAS", level=1)).to_be_visible()
    finally:
        context.close()
    created = Membership.objects.filter(organisation__name__startswith="Entreprise 90")
    assert set(created.values_list("starts_on", "status")) == {(None, "pending")}
    assert Organisation.objects.get(name="Entreprise 902 SAS").email == "contact@entreprise902.fr"
