"""The registry lists' saved filters and bulk actions, as staff use them (issue 10): filter the list, save
the filter under a name, open it again from its link, tick two rows and download them as CSV; end a ticked
membership from the membership list."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from browser.sessions import log_in
from grappe.registry.models import Membership, SavedFilter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_save_a_filter_then_export_ticked_rows(live_server, page, registry, hq_user, tmp_path: Path):
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}/organisations/?departement=42")

    page.get_by_text("Enregistrer ce filtre", exact=True).first.click()
    page.get_by_label("Nom du filtre").fill("Loire")
    page.get_by_role("button", name="Enregistrer ce filtre").click()

    expect(page.get_by_text("Filtre « Loire » enregistré.")).to_be_visible()
    assert SavedFilter.objects.get(user=hq_user).query == "departement=42"

    page.goto(f"{live_server.url}/organisations/")
    page.get_by_role("link", name="Loire", exact=True).click()
    expect(page).to_have_url(re.compile(r"departement=42"))
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)

    page.get_by_label(f"Sélectionner {registry.atelier_forezien.name}").check()
    page.get_by_label(f"Sélectionner {registry.multisite.name}").check()
    page.get_by_label("Action", exact=True).select_option("export")
    with page.expect_download() as download:
        page.get_by_role("button", name="Appliquer à la sélection").click()
    saved = tmp_path / "selection.csv"
    download.value.save_as(saved)

    assert download.value.suggested_filename.startswith("selection-organisations-")
    rows_written = list(csv.reader(saved.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert sorted(row[0] for row in rows_written[1:]) == [
        registry.atelier_forezien.name,
        registry.multisite.name,
    ]


def test_an_empty_selection_is_refused_on_the_list(live_server, page, registry, hq_user):
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}/organisations/?departement=42")

    page.get_by_role("button", name="Appliquer à la sélection").click()

    expect(page.get_by_text("Aucune organisation sélectionnée.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"departement=42"))


def test_staff_end_a_ticked_membership_with_a_date_and_a_reason(live_server, page, registry, hq_user):
    hq_user.user_permissions.add(
        Permission.objects.get(codename="change_organisation", content_type__app_label="registry")
    )
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}/adhesions/?association={registry.numelink.pk}")

    page.get_by_label(f"Sélectionner l'adhésion de {registry.drome_logiciels.name} à Numélink").check()
    page.get_by_label("Action", exact=True).select_option("end")
    page.get_by_role("button", name="Appliquer à la sélection").click()
    page.get_by_label("Date de fin (jj/mm/aaaa)").fill("31/13/2025")
    page.get_by_label("Motif du départ").select_option("non_payment")
    page.get_by_role("button", name="Vérifier avant de modifier").click()
    expect(page.get_by_role("alert")).to_contain_text("le mois 13 n'existe pas")

    page.get_by_label("Date de fin (jj/mm/aaaa)").fill("31/12/2025")
    page.get_by_role("button", name="Vérifier avant de modifier").click()
    expect(page.get_by_text("1 adhésion en cours prendra fin le 31 décembre 2025")).to_be_visible()
    page.get_by_role("button", name="Confirmer la fin de 1 adhésion").click()

    expect(page.get_by_text("1 adhésion prend fin le 31 décembre 2025.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/adhesions/\?association={registry.numelink.pk}$"))
    ended = Membership.objects.get(organisation=registry.drome_logiciels)
    assert (ended.status, ended.end_reason) == (Membership.Status.ENDED, "non_payment")
