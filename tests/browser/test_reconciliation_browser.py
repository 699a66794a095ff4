"""The reconciliation pages: the accountant imports a bank export, sees the transfer Grappe recorded on its own
and the one it could not place, and sets that one aside with a reason."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from browser.sessions import log_in
from finance import noisy_statements as noisy
from finance.conftest import bill_registry
from grappe.finance.matching import due_reference
from grappe.finance.models import BankLine, Due, Payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_importing_a_statement_then_setting_a_line_aside(live_server, page, registry, hq_user, tmp_path):
    bill_registry(registry)
    hq_user.user_permissions.add(
        Permission.objects.get(codename="add_payment", content_type__app_label="finance")
    )
    open_due = Due.objects.order_by("membership__organisation__name")[2]  # neither paid nor partly paid
    day = datetime.date(2026, 4, 2)
    statement = tmp_path / "releve.csv"
    statement.write_bytes(
        noisy.as_csv(
            [
                noisy.Generated(day, 9000, "X", due_reference(2026, open_due.pk), None),
                noisy.Generated(day, 250000, "REGION AUVERGNE RHONE ALPES", "SUBVENTION 2026", None),
            ]
        )
    )
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}/cotisations/releves/")
    page.get_by_label("Compte de l'association").select_option(label="Numélink")
    page.get_by_label("Relevé bancaire").set_input_files(str(statement))
    page.get_by_role("button", name="Importer et rapprocher").click()

    expect(page.get_by_role("heading", name="Rapprochement bancaire")).to_be_visible()
    expect(page.get_by_text("1 paiement(s) rapproché(s), 1 à rapprocher")).to_be_visible()
    row = page.locator("tr", has_text="REGION AUVERGNE RHONE ALPES")
    expect(row).to_contain_text("ni référence ni payeur reconnus")
    row.get_by_label("Motif").fill("Subvention de la Région")
    row.get_by_role("button", name="Écarter").click()

    expect(page.get_by_text("Aucune ligne à rapprocher.")).to_be_visible()
    assert (
        BankLine.objects.get(counterparty="REGION AUVERGNE RHONE ALPES").reject_reason
        == "Subvention de la Région"
    )
    assert Payment.objects.get(bank_line__isnull=False).allocations.get().due == open_due

    # The bank takes the first transfer back, naming its payer otherwise: the accountant ties the return.
    returned = tmp_path / "rejets.xml"
    camt = noisy.as_camt(
        [noisy.Generated(day, -9000, "SOCIETE X LYON", "PRLV SEPA", None)], statement_id="R1"
    )
    returned.write_bytes(camt.replace(b"</TxDtls>", b"<RtrInf><Rsn><Cd>AM04</Cd></Rsn></RtrInf></TxDtls>"))
    page.goto(f"{live_server.url}/cotisations/releves/")
    page.get_by_label("Compte de l'association").select_option(label="Numélink")
    page.get_by_label("Relevé bancaire").set_input_files(str(returned))
    page.get_by_role("button", name="Importer et rapprocher").click()

    expect(page.get_by_role("heading", name="1 rejet à examiner")).to_be_visible()
    row = page.locator("tr", has_text="SOCIETE X LYON")
    row.get_by_role("button", name="Rattacher").click()

    expect(page.get_by_text("Rejet rattaché")).to_be_visible()
    expect(page.get_by_role("heading", name="1 rejet à examiner")).to_have_count(0)
    payment = Payment.objects.get(bank_line__isnull=False)
    assert payment.return_reason == "AM04 — provision insuffisante"
