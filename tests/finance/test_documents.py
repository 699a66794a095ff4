"""Invoices and receipts: numbered without gaps per year, the mentions a French association prints, read back
from the PDF itself."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from grappe.core.models import AuditEvent
from grappe.finance import documents
from grappe.finance.documents import issue_invoice, issue_receipt
from grappe.finance.matching import due_reference
from grappe.finance.models import BillingSettings, Document, DocumentSequence, Due, Payment
from grappe.finance.services import FinanceError, generate_dues, record_payment, return_payment
from grappe.registry.models import Establishment

ISSUED = datetime.date(2026, 1, 10)


def text(document: Document) -> str:
    pages = PdfReader(io.BytesIO(bytes(document.pdf))).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


@pytest.fixture
def billed(network):
    network.numelink.siren = "775672272"
    network.numelink.save()
    BillingSettings.objects.create(
        association=network.numelink,
        street="3 rue Javelin Pagnon",
        postcode="42000",
        city="Saint-Étienne",
        iban="FR7630006000011234567890189",
    )
    Establishment.objects.create(
        organisation=network.mid.organisation,
        street="8 rue Balay",
        postcode="42000",
        city="Saint-Étienne",
        is_head_office=True,
    )
    generate_dues(schedule=network.schedule)
    return network


def test_an_invoice_prints_the_mentions_and_the_lines_that_make_its_total(billed):
    due = Due.objects.get(membership=billed.mid)
    invoice = issue_invoice(due=due, on=ISSUED).document

    assert (invoice.number, invoice.amount, invoice.vat_amount) == ("FAC-2026-00001", Decimal("50.00"), 0)
    pdf = text(invoice)
    for expected in [
        "Facture n° FAC-2026-00001",
        "Numélink",
        "3 rue Javelin Pagnon, 42000 Saint-Étienne",
        "RNA : W423001234",
        "SIREN : 775672272",
        "Data Loire",
        "8 rue Balay, 42000 Saint-Étienne",
        "Date d'émission : 10/01/2026",
        "Date d'échéance : 31/03/2026",
        "Cotisation 2026, année pleine 400,00 €",
        "Réduction au prorata : adhésion en cours d'année, 3 mois dus -300,00 €",
        "Remise de première année -50,00 €",
        "Total à payer 50,00 €",
        "TVA non applicable, art. 261-7-1° b du CGI",
        "IBAN FR7630006000011234567890189",
        # The creditor reference the bank reconciliation reads (grappe.finance.matching).
        f"indiquez la référence {due_reference(2026, due.pk)} dans le libellé du virement",
        "indemnité forfaitaire de 40 €",
    ]:
        assert expected in pdf, expected
    assert AuditEvent.objects.filter(action="finance.invoice").count() == 1


def test_numbers_run_without_gaps_per_year_and_asking_twice_gives_the_same_invoice(billed):
    dues = list(Due.objects.order_by("pk"))
    numbers = [issue_invoice(due=due, on=ISSUED).document.number for due in dues[:3]]
    assert numbers == ["FAC-2026-00001", "FAC-2026-00002", "FAC-2026-00003"]
    again = issue_invoice(due=dues[0], on=ISSUED)
    assert (again.created, again.document.number) == (False, "FAC-2026-00001")
    next_year = issue_invoice(due=dues[3], on=datetime.date(2027, 1, 2)).document
    assert next_year.number == "FAC-2027-00001"


def test_a_failure_while_rendering_leaves_no_gap_in_the_numbers(billed, monkeypatch):
    due = Due.objects.get(membership=billed.small)

    def broken(details):
        raise RuntimeError("Pango absent")

    monkeypatch.setattr(documents, "render_pdf", broken)
    with pytest.raises(RuntimeError):
        issue_invoice(due=due, on=ISSUED)
    assert not Document.objects.exists()
    assert not DocumentSequence.objects.filter(last__gt=0).exists()
    monkeypatch.undo()
    assert issue_invoice(due=due, on=ISSUED).document.number == "FAC-2026-00001"


def test_a_taxable_association_prints_vat_and_needs_its_vat_number(billed):
    settings = billed.numelink.billing_settings
    settings.vat_status = BillingSettings.VatStatus.TAXABLE
    settings.save()
    due = Due.objects.get(membership=billed.lab)
    with pytest.raises(FinanceError, match="n'a pas de numéro de TVA intracommunautaire"):
        issue_invoice(due=due, on=ISSUED)
    settings.vat_number = "FR40303265045"
    settings.save()

    invoice = issue_invoice(due=due, on=ISSUED).document

    # 300 € paid in full, VAT included at 20 %: 250 € before VAT, 50 € of VAT.
    assert invoice.vat_amount == Decimal("50.00")
    pdf = text(invoice)
    for expected in ["Total HT 250,00 €", "TVA au taux de 20 % 50,00 €", "N° TVA : FR40303265045"]:
        assert expected in pdf, pdf
    assert "non applicable" not in pdf, pdf


def test_without_billing_settings_nothing_is_issued(network):
    generate_dues(schedule=network.schedule)
    with pytest.raises(FinanceError, match="n'a pas de paramètres de facturation"):
        issue_invoice(due=Due.objects.first(), on=ISSUED)
    assert not DocumentSequence.objects.exists()


def test_a_cancelled_due_is_not_invoiced(billed):
    due = Due.objects.get(membership=billed.small)
    from grappe.finance.services import cancel_due

    cancel_due(due=due, reason="doublon")
    with pytest.raises(FinanceError, match="est annulée"):
        issue_invoice(due=due, on=ISSUED)


def test_a_receipt_lists_the_dues_a_transfer_settled_and_what_is_left(billed):
    payment = record_payment(
        organisation=billed.small.organisation,
        association=billed.numelink,
        method="cheque",
        reference="0004567",
        amount=Decimal("180"),
        received_on=datetime.date(2026, 2, 3),
    )
    receipt = issue_receipt(payment=payment, on=datetime.date(2026, 2, 4)).document

    assert receipt.number == "REC-2026-00001"
    pdf = text(receipt)
    for expected in [
        "Reçu n° REC-2026-00001",
        "Paiement reçu le 03/02/2026 (chèque, réf. 0004567)",
        "Cotisation 2026 150,00 €",
        "Non affecté (à valoir sur une prochaine cotisation) 30,00 €",
        "Montant reçu 180,00 €",
        "Reçu pour acquit.",
        "TVA non applicable, art. 261-7-1° b du CGI",
    ]:
        assert expected in pdf, expected


def _paid_with_receipt(billed, *, amount: str = "180") -> tuple[Payment, Document]:
    payment = record_payment(
        organisation=billed.small.organisation,
        association=billed.numelink,
        method="transfer",
        reference="VIR 2026-118",
        amount=Decimal(amount),
        received_on=datetime.date(2026, 2, 3),
    )
    return payment, issue_receipt(payment=payment, on=datetime.date(2026, 2, 4)).document


def test_a_returned_payment_cancels_its_receipt_with_a_numbered_cancellation(billed):
    """The bank takes a payment back after its receipt was sent: the receipt no longer attests anything, and
    the member (and the accounts) get a numbered cancellation that says which receipt it voids and why."""
    payment, receipt = _paid_with_receipt(billed)

    return_payment(payment=payment, on=datetime.date(2026, 2, 20), reason="AM04 provision insuffisante")

    cancellation = Document.objects.get(kind=Document.Kind.CANCELLATION)
    assert cancellation.cancels == receipt
    assert (cancellation.number, cancellation.amount) == ("ANN-2026-00001", Decimal("-180.00"))
    assert (cancellation.organisation, cancellation.payment) == (receipt.organisation, payment)
    pdf = text(cancellation)
    for expected in [
        "Annulation de reçu n° ANN-2026-00001",
        "Numélink",
        "Reçu n° REC-2026-00001 du 04/02/2026, annulé -180,00 €",
        "rejeté par la banque le 20/02/2026",
        "AM04 provision insuffisante",
        "Le reçu n° REC-2026-00001 est annulé : il ne vaut plus quittance.",
    ]:
        assert expected in pdf, expected
    receipt.refresh_from_db()
    assert receipt.number == "REC-2026-00001" and bytes(receipt.pdf)  # never changed nor withdrawn
    assert AuditEvent.objects.filter(action="finance.receipt_cancelled").count() == 1


def test_a_cancellation_copies_what_the_receipt_printed_even_when_the_settings_changed_since(billed):
    payment, receipt = _paid_with_receipt(billed)
    BillingSettings.objects.filter(
        association=billed.numelink
    ).delete()  # gone since: the return still counts

    return_payment(payment=payment, on=datetime.date(2026, 2, 20), reason="AC04 compte clos")

    cancellation = Document.objects.get(kind=Document.Kind.CANCELLATION)
    assert cancellation.details["seller"] == receipt.details["seller"]
    assert cancellation.details["buyer"] == receipt.details["buyer"]
    assert "3 rue Javelin Pagnon, 42000 Saint-Étienne" in text(cancellation)


def test_a_returned_payment_without_receipt_issues_nothing_and_numbers_stay_apart(billed):
    first, _receipt = _paid_with_receipt(billed)
    second = record_payment(
        organisation=billed.small.organisation,
        association=billed.numelink,
        method="cheque",
        reference="0004568",
        amount=Decimal("20"),
        received_on=datetime.date(2026, 2, 5),
    )
    return_payment(payment=second, on=datetime.date(2026, 2, 20), reason="chèque sans provision")
    assert not Document.objects.filter(kind=Document.Kind.CANCELLATION).exists()

    return_payment(payment=first, on=datetime.date(2026, 2, 21), reason="AM04")
    later, _ = _paid_with_receipt(billed, amount="15")
    assert Document.objects.get(payment=later, kind=Document.Kind.RECEIPT).number == "REC-2026-00002"
    assert Document.objects.get(kind=Document.Kind.CANCELLATION).number == "ANN-2026-00001"


def test_a_failed_cancellation_records_no_return(billed, monkeypatch):
    """The return and the cancellation are one act: if the PDF cannot be made, neither is recorded, and no
    number is used up."""
    payment, _receipt = _paid_with_receipt(billed)

    def broken(details):
        raise RuntimeError("moteur PDF indisponible")

    monkeypatch.setattr(documents, "render_pdf", broken)
    with pytest.raises(RuntimeError):
        return_payment(payment=payment, on=datetime.date(2026, 2, 20), reason="AM04")
    payment.refresh_from_db()
    assert payment.returned_on is None
    assert not Document.objects.filter(kind=Document.Kind.CANCELLATION).exists()
    assert not DocumentSequence.objects.filter(kind=Document.Kind.CANCELLATION).exists()


def test_only_cancellations_point_at_a_receipt_and_a_receipt_is_cancelled_once(billed):
    from django.db import IntegrityError, transaction

    payment, receipt = _paid_with_receipt(billed)
    return_payment(payment=payment, on=datetime.date(2026, 2, 20), reason="AM04")
    cancellation = Document.objects.get(kind=Document.Kind.CANCELLATION)
    for change in (
        {"kind": Document.Kind.CANCELLATION, "cancels": None, "number": "ANN-X-1", "sequence": 90},
        {
            "kind": Document.Kind.RECEIPT,
            "cancels": receipt,
            "number": "REC-X-1",
            "sequence": 91,
            "payment": None,
        },
        {"kind": Document.Kind.CANCELLATION, "cancels": receipt, "number": "ANN-X-2", "sequence": 92},
    ):
        copy = Document(
            **{
                f.attname: getattr(cancellation, f.attname)
                for f in Document._meta.concrete_fields
                if f.attname not in ("id", "cancels_id", "payment_id")
            }
        )
        for name, value in change.items():
            setattr(copy, name, value)
        with pytest.raises(IntegrityError), transaction.atomic():
            copy.save()
