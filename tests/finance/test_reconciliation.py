"""Importing a bank statement: confident payments recorded, every line kept, re-imports idempotent, bad files
changing nothing; the queue's decisions (confirm, choose, reject with a reason), audited; the pages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from finance import noisy_statements as noisy
from finance.noisy_statements import Generated
from grappe.core.models import AuditEvent
from grappe.finance import reconciliation
from grappe.finance.matching import due_reference
from grappe.finance.models import Allocation, BankLine, BankStatement, Due, Payment
from grappe.finance.reconciliation import confirm_line, import_statement, reject_line
from grappe.finance.services import FinanceError, generate_dues
from grappe.finance.statements import StatementError

MARCH = datetime.date(2026, 3, 10)


@pytest.fixture
def dues(network):
    generate_dues(schedule=network.schedule)
    return {
        due.membership.organisation.name: due
        for due in Due.objects.select_related("membership__organisation")
    }


def lines_for(dues) -> list[Generated]:
    small = dues["Forez Web"]
    return [
        # Its creditor reference, spaces dropped, and a name in capitals: matched.
        Generated(MARCH, 15000, "FOREZ WEB", due_reference(2026, small.pk).replace(" ", ""), None),
        # No reference; the lab's name and its only due's exact amount: matched.
        Generated(MARCH, 30000, "LABORATOIRE HUBERT CURIEN", "COTISATION", None),
        # A subsidy: queued.
        Generated(MARCH, 500000, "REGION AUVERGNE RHONE ALPES", "SUBVENTION 2026", None),
        # A debit: kept, never matched.
        Generated(MARCH, -85000, "SCI DU FOREZ", "LOYER", None),
    ]


def run_import(network, tmp_path: Path, data: bytes, name: str = "releve.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return import_statement(association=network.numelink, path=path, file_name=name)


def test_an_import_records_the_confident_payments_and_keeps_every_line(network, dues, tmp_path):
    outcome = run_import(network, tmp_path, noisy.as_csv(lines_for(dues)))
    assert (outcome.new_lines, outcome.matched, outcome.queued) == (4, 2, 1)
    statuses = dict(BankLine.objects.values_list("counterparty", "status"))
    assert statuses == {
        "FOREZ WEB": "matched",
        "LABORATOIRE HUBERT CURIEN": "matched",
        "REGION AUVERGNE RHONE ALPES": "queued",
        "": "debit",  # a debit's label names no « /DE » payer: kept whole as its text
    }
    assert BankLine.objects.get(status="debit").remittance == "SCI DU FOREZ LOYER"
    allocations = {(a.due_id, a.amount) for a in Allocation.objects.all()}
    assert allocations == {
        (dues["Forez Web"].pk, Decimal("150.00")),
        (dues["Laboratoire Hubert Curien"].pk, Decimal("300.00")),
    }
    payment = Payment.objects.get(organisation__name="Forez Web")
    assert (payment.method, payment.received_on, payment.bank_line.counterparty) == (
        "transfer",
        MARCH,
        "FOREZ WEB",
    )
    line = BankLine.objects.get(counterparty="FOREZ WEB")
    assert "reference.exact" in line.explanation["evidence"], (
        line.remittance,
        line.explanation,
    ) and line.raw["Crédit"] == "150,00"
    assert AuditEvent.objects.filter(action="finance.statement_import").count() == 1
    assert AuditEvent.objects.filter(action="finance.payment").count() == 2


def test_importing_the_same_file_or_an_overlapping_export_adds_nothing_twice(network, dues, tmp_path):
    lines = lines_for(dues)
    run_import(network, tmp_path, noisy.as_csv(lines))
    again = run_import(network, tmp_path, noisy.as_csv(lines))
    assert again.already_imported and again.new_lines == 0
    later = Generated(MARCH, int(dues["Data Loire"].amount * 100), "DATA LOIRE", "COTISATION", None)
    overlapping = run_import(network, tmp_path, noisy.as_csv([*lines[2:], later], first=3), "releve-2.csv")
    assert (overlapping.already_imported, overlapping.new_lines, overlapping.known_lines) == (False, 1, 2)
    assert BankLine.objects.count() == 5 and Payment.objects.count() == 3
    assert BankStatement.objects.count() == 2


def test_a_camt_statement_is_reconciled_the_same_way(network, dues, tmp_path):
    outcome = run_import(network, tmp_path, noisy.as_camt(lines_for(dues)), "releve.xml")
    assert (outcome.new_lines, outcome.matched, outcome.queued) == (4, 2, 1)
    assert BankStatement.objects.get().account == "FR7630006000011234567890189"


def test_a_bad_file_is_refused_where_it_is_bad_and_changes_nothing(network, dues, tmp_path):
    data = noisy.as_csv(lines_for(dues)).replace(b"10/03/2026;SCI", b"32/03/2026;SCI")
    with pytest.raises(StatementError, match=r"releve.csv, ligne 8, colonne « Date opération »"):
        run_import(network, tmp_path, data)
    assert (
        not BankStatement.objects.exists() and not BankLine.objects.exists() and not Payment.objects.exists()
    )


@pytest.fixture
def queued(network, dues, tmp_path):
    small = dues["Forez Web"]
    lines = [
        # Forez Web's name with a partial amount and no reference: proposed, not decided.
        Generated(MARCH, 10000, "FOREZ WEB", "ADHESION", None),
        Generated(MARCH, 500000, "REGION AUVERGNE RHONE ALPES", "SUBVENTION 2026", None),
    ]
    run_import(network, tmp_path, noisy.as_csv(lines))
    return small, BankLine.objects.get(counterparty="FOREZ WEB"), BankLine.objects.get(amount=5000)


@pytest.fixture
def clerk(django_user_model):
    return django_user_model.objects.create_user("comptable")


def test_confirming_the_proposal_records_the_payment_and_audits_it(queued, clerk):
    small, proposed, _subsidy = queued
    assert proposed.status == "queued" and proposed.explanation["reason"] == "unsure"
    [payment] = confirm_line(line=proposed, user=clerk)
    assert payment.allocations.get().due == small and payment.amount == Decimal("100.00")
    proposed.refresh_from_db()
    assert (proposed.status, proposed.decided_by) == ("confirmed", clerk)
    assert AuditEvent.objects.filter(action="finance.bank_line_confirm", user=clerk).exists()
    with pytest.raises(FinanceError, match="déjà été traitée"):
        confirm_line(line=proposed, user=clerk)


def test_a_person_may_choose_the_due_a_line_settles(queued, dues, clerk):
    _small, _proposed, subsidy = queued
    lab = dues["Laboratoire Hubert Curien"]
    [payment] = confirm_line(line=subsidy, due=lab, user=clerk, reason="virement groupé du CNRS")
    # 300 € go to the lab's due; the rest of the 5,000 € stays on the payment, unallocated.
    assert payment.allocations.get().amount == Decimal("300.00") and payment.amount == Decimal("5000.00")


def test_rejecting_a_line_needs_a_reason_and_keeps_it(queued, clerk):
    _small, _proposed, subsidy = queued
    with pytest.raises(FinanceError, match="Indiquez pourquoi"):
        reject_line(line=subsidy, reason="  ", user=clerk)
    reject_line(line=subsidy, reason="Subvention de la Région", user=clerk)
    subsidy.refresh_from_db()
    assert (subsidy.status, subsidy.reject_reason) == ("rejected", "Subvention de la Région")
    event = AuditEvent.objects.get(action="finance.bank_line_reject")
    assert event.details == {"reason": "Subvention de la Région"}
    assert not Payment.objects.exists()


# -- pages ------------------------------------------------------------------------------------------------------


@pytest.fixture
def accountant(hq_user):
    hq_user.user_permissions.add(
        Permission.objects.get(codename="add_payment", content_type__app_label="finance")
    )
    return hq_user


def test_the_statements_page_imports_a_file_and_the_queue_shows_what_waits(
    client, accountant, registry, tmp_path
):
    from .conftest import bill_registry

    bill_registry(registry)
    client.force_login(accountant)
    upload = SimpleUploadedFile(
        "releve.csv", noisy.as_csv([Generated(MARCH, 5000, "REGION AUVERGNE", "SUBVENTION", None)])
    )
    response = client.post(
        reverse("finance:statements"), {"association": registry.numelink.pk, "file": upload}, follow=True
    )
    text = response.content.decode()
    assert "1 ligne(s) importée(s)" in text and "REGION AUVERGNE" in text
    assert "ni référence ni payeur reconnus" in text
    line = BankLine.objects.get()
    response = client.post(
        reverse("finance:decide_line", args=[line.pk]), {"action": "reject", "reason": "Subvention"}
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.status == "rejected"


def test_a_bad_file_is_shown_on_the_form_with_where_it_is_bad(client, accountant, registry):
    client.force_login(accountant)
    upload = SimpleUploadedFile("releve.xml", b"<?xml version='1.0'?><Document><BkToCstmrStmt>")
    response = client.post(
        reverse("finance:statements"), {"association": registry.numelink.pk, "file": upload}
    )
    assert response.status_code == 200 and "releve.xml, ligne 1" in response.content.decode()
    assert not BankStatement.objects.exists()


def test_territorial_staff_and_staff_without_the_right_are_told_why(client, territorial_user, hq_user):
    territorial_user.user_permissions.add(
        Permission.objects.get(codename="add_payment", content_type__app_label="finance")
    )
    client.force_login(territorial_user)
    response = client.get(reverse("finance:queue"))
    assert response.status_code == 403 and "comptabilité du siège" in response.content.decode()
    client.force_login(hq_user)  # head office, but not allowed to record payments
    assert client.get(reverse("finance:statements")).status_code == 403


def test_a_crash_while_recording_the_payments_leaves_no_line_and_no_payment(
    network, dues, tmp_path, monkeypatch
):
    calls = []
    real = reconciliation.record_payment

    def failing(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("panne au milieu de l'import")
        return real(**kwargs)

    monkeypatch.setattr(reconciliation, "record_payment", failing)
    with pytest.raises(RuntimeError):
        run_import(network, tmp_path, noisy.as_csv(lines_for(dues)))
    assert not BankStatement.objects.exists() and not BankLine.objects.exists()
    assert (
        not Payment.objects.exists()
        and not AuditEvent.objects.filter(action__in=("finance.statement_import", "finance.payment")).exists()
    )
    monkeypatch.undo()
    assert run_import(network, tmp_path, noisy.as_csv(lines_for(dues))).matched == 2  # nothing half-imported


def _queue_of(registry, count: int) -> None:
    """``count`` queued lines, each with a proposal and candidates among the billed dues."""
    from grappe.finance.selectors import with_paid

    billed = with_paid(Due.objects.filter(membership__association=registry.numelink)).order_by("pk")
    dues = [due for due in billed.select_related("membership") if due.paid < due.amount]
    statement = BankStatement.objects.create(
        association=registry.numelink, sha256=f"{count:064d}", file_name=f"releve-{count}.csv", format="csv"
    )
    BankLine.objects.bulk_create(
        BankLine(
            statement=statement,
            association=registry.numelink,
            fingerprint=f"{count}-{n}",
            position=n + 2,
            booked_on=datetime.date(2026, 3, 1 + n % 28),
            amount=Decimal("90"),
            counterparty=f"PAYEUR {n}",
            status=BankLine.Status.QUEUED,
            explanation={
                "reason": "unsure",
                "evidence": ["name"],
                "shares": [[dues[n % len(dues)].pk, dues[n % len(dues)].membership.organisation_id, 9000]],
                "candidates": [due.pk for due in dues[:3]],
            },
        )
        for n in range(count)
    )


def _queue_queries(client) -> tuple[int, str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("finance:queue"))
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


def test_the_queue_costs_the_same_queries_with_5_or_50_lines(client, accountant, registry):
    from .conftest import bill_registry

    bill_registry(registry)
    client.force_login(accountant)
    _queue_of(registry, 5)
    few, page = _queue_queries(client)
    assert page.count("Confirmer la proposition") == 5
    BankLine.objects.all().delete()
    _queue_of(registry, 50)

    many, page = _queue_queries(client)

    assert page.count("Confirmer la proposition") == 50  # one page: 50 lines
    # 9 queries here (session, user, permissions, count, lines, the dues of every line…, the returns waiting
    # for a person); 22 and 157 before.
    assert many == few <= 9, (few, many)
    # What each row shows is what the one-line services say.
    line = BankLine.objects.order_by("booked_on", "pk").first()
    [row] = reconciliation.queue_rows([line])
    assert row.proposal == reconciliation.proposal(line)
    assert [due.pk for due in row.candidates] == [due.pk for due in reconciliation.candidate_dues(line)]


# -- returns: a payment the bank takes back ---------------------------------------------------------------------

RETURNED_ON = datetime.date(2026, 3, 20)


def _camt_return(payer: str, cents: int, reason: str = "AM04") -> bytes:
    """A camt.053 statement holding one returned direct debit of ``payer``, with its ISO return reason."""
    data = noisy.as_camt(
        [Generated(RETURNED_ON, -cents, payer, "PRLV SEPA COTISATION", None)], statement_id="R1"
    )
    return data.replace(b"</TxDtls>", f"<RtrInf><Rsn><Cd>{reason}</Cd></Rsn></RtrInf></TxDtls>".encode())


def test_a_returned_direct_debit_reopens_the_due_it_had_paid(network, dues, tmp_path):
    from grappe.finance.services import good_standing, paid_amounts

    run_import(network, tmp_path, noisy.as_csv(lines_for(dues)))
    forez = dues["Forez Web"]
    assert paid_amounts([forez.pk])[forez.pk] == Decimal("150.00")
    assert good_standing(forez.membership, year=2026, on=datetime.date(2026, 9, 1)).in_good_standing

    outcome = run_import(network, tmp_path, _camt_return("FOREZ WEB", 15000), "rejets.xml")

    assert outcome.returned == 1
    payment = Payment.objects.get(organisation__name="Forez Web")
    assert payment.returned_on == RETURNED_ON and payment.return_reason == "AM04 — provision insuffisante"
    assert payment.return_line.status == BankLine.Status.RETURN
    assert paid_amounts([forez.pk]).get(forez.pk, Decimal(0)) == 0  # open again, the payment still on record
    assert not good_standing(forez.membership, year=2026, on=datetime.date(2026, 9, 1)).in_good_standing
    assert forez.pk in {due.id for due in reconciliation.open_dues(network.numelink)}
    event = AuditEvent.objects.get(action="finance.payment_returned")
    assert event.details["reason"] == "AM04 — provision insuffisante"
    # The other payment of the first statement is untouched.
    assert Payment.objects.get(organisation__name="Laboratoire Hubert Curien").returned_on is None


def test_a_csv_return_names_its_payer_in_its_label(network, dues, tmp_path):
    run_import(network, tmp_path, noisy.as_csv(lines_for(dues)))
    rejected = Generated(RETURNED_ON, -30000, "", "REJET VIR LABORATOIRE HUBERT CURIEN", None)

    outcome = run_import(network, tmp_path, noisy.as_csv([rejected], first=9), "rejets.csv")

    assert outcome.returned == 1
    assert Payment.objects.get(organisation__name="Laboratoire Hubert Curien").returned_on == RETURNED_ON


def test_a_return_tied_to_nothing_or_to_two_payments_stays_a_debit_saying_so(network, dues, tmp_path):
    run_import(network, tmp_path, noisy.as_csv(lines_for(dues)))
    outcome = run_import(network, tmp_path, _camt_return("ENTREPRISE INCONNUE", 15000), "rejets.xml")
    assert outcome.returned == 0
    line = BankLine.objects.get(counterparty="ENTREPRISE INCONNUE")
    assert (line.status, line.explanation) == (BankLine.Status.DEBIT, {"return": "unmatched"})
    assert not Payment.objects.filter(returned_on__isnull=False).exists()
    # A return of the right payer but another amount: nothing guessed either.
    outcome = run_import(network, tmp_path, _camt_return("FOREZ WEB", 14999), "rejets-2.xml")
    assert outcome.returned == 0 and not Payment.objects.filter(returned_on__isnull=False).exists()


def test_a_payment_is_returned_once_never_before_it_came_and_never_without_a_reason(network, dues, tmp_path):
    from grappe.finance.documents import issue_receipt
    from grappe.finance.services import return_payment

    run_import(network, tmp_path, noisy.as_csv(lines_for(dues)))
    payment = Payment.objects.get(organisation__name="Forez Web")
    with pytest.raises(FinanceError, match="avant d'avoir été reçu"):
        return_payment(payment=payment, on=MARCH - datetime.timedelta(days=1), reason="AM04")
    with pytest.raises(FinanceError, match="motif"):
        return_payment(payment=payment, on=RETURNED_ON, reason="  ")
    return_payment(payment=payment, on=RETURNED_ON, reason="chèque sans provision")
    with pytest.raises(FinanceError, match="déjà été rejeté"):
        return_payment(payment=payment, on=RETURNED_ON, reason="encore")
    with pytest.raises(FinanceError, match="rien à attester"):
        issue_receipt(payment=payment)
    assert AuditEvent.objects.filter(action="finance.payment_returned").count() == 1


def test_a_waiting_return_is_tied_by_a_person_on_the_queue_page(
    network, dues, tmp_path, admin_client, admin_user
):
    run_import(network, tmp_path, noisy.as_csv(lines_for(dues)))
    # The payer's name is written otherwise by its bank: the import cannot tie the return alone.
    run_import(network, tmp_path, _camt_return("SARL FOREZ WEB LYON", 15000), "rejets.xml")
    line = reconciliation.unmatched_returns().get()

    page = admin_client.get(reverse("finance:queue")).content.decode()

    assert "1 rejet à examiner" in page and "SARL FOREZ WEB LYON" in page
    original = BankLine.objects.get(counterparty="FOREZ WEB")
    assert f'value="{original.pk}"' in page
    url = reverse("finance:decide_return", args=[line.pk])
    assert admin_client.post(url, {"action": "tie", "original": "999999"}).status_code == 302
    assert not Payment.objects.filter(returned_on__isnull=False).exists()  # refused: no such credit

    admin_client.post(url, {"action": "tie", "original": str(original.pk)})

    payment = Payment.objects.get(organisation__name="Forez Web")
    assert payment.returned_on == RETURNED_ON and payment.return_line_id == line.pk
    line.refresh_from_db()
    assert (line.status, line.decided_by) == (BankLine.Status.RETURN, admin_user)
    assert AuditEvent.objects.filter(action="finance.bank_line_return_tied").count() == 1
    assert "rejet à examiner" not in admin_client.get(reverse("finance:queue")).content.decode()
    with pytest.raises(FinanceError, match="déjà été traité"):
        reconciliation.tie_return(line=line, original=original)


def test_tying_a_return_voids_the_receipt_sent_for_the_payment_and_says_so(
    network, dues, tmp_path, admin_client
):
    from grappe.finance.documents import issue_receipt
    from grappe.finance.models import BillingSettings, Document

    BillingSettings.objects.create(
        association=network.numelink, street="3 rue Javelin Pagnon", postcode="42000", city="Saint-Étienne"
    )
    run_import(network, tmp_path, noisy.as_csv(lines_for(dues)))
    payment = Payment.objects.get(organisation__name="Forez Web")
    receipt = issue_receipt(payment=payment).document
    run_import(network, tmp_path, _camt_return("SARL FOREZ WEB LYON", 15000), "rejets.xml")
    line = reconciliation.unmatched_returns().get()
    original = BankLine.objects.get(counterparty="FOREZ WEB")

    response = admin_client.post(
        reverse("finance:decide_return", args=[line.pk]),
        {"action": "tie", "original": str(original.pk)},
        follow=True,
    )

    cancellation = Document.objects.get(kind=Document.Kind.CANCELLATION)
    assert (cancellation.cancels, cancellation.amount) == (receipt, -receipt.amount)
    page = response.content.decode()
    assert f"Le reçu {receipt.number} est annulé : {cancellation.number}." in page
    pdf = admin_client.get(reverse("finance:document_pdf", args=[cancellation.pk]))
    assert pdf.status_code == 200 and bytes(pdf.content).startswith(b"%PDF")


def test_a_waiting_return_is_dismissed_only_with_a_reason(network, dues, tmp_path, admin_client):
    run_import(network, tmp_path, _camt_return("ANCIEN ADHERENT", 9000), "rejets.xml")
    line = reconciliation.unmatched_returns().get()
    url = reverse("finance:decide_return", args=[line.pk])

    response = admin_client.post(url, {"action": "dismiss", "reason": "  "}, follow=True)
    assert "ne rend aucun paiement" in response.content.decode()
    assert reconciliation.unmatched_returns().exists()

    admin_client.post(url, {"action": "dismiss", "reason": "Cotisation 2019, avant Grappe"})
    line.refresh_from_db()
    assert (line.status, line.reject_reason, line.explanation) == (
        BankLine.Status.DEBIT,
        "Cotisation 2019, avant Grappe",
        {"return": "dismissed"},
    )
    assert not reconciliation.unmatched_returns().exists()
