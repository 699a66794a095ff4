"""Invoices (for a due) and receipts (for a payment) as numbered PDFs.

Numbers run per association, kind and calendar year without gaps: the sequence row is locked and bumped in
the transaction that renders the PDF and stores the document, so a failure anywhere leaves the number unused.
What a document says (seller, buyer, lines, VAT mention) is frozen in ``details`` with the PDF: an issued
invoice never changes, even when the member's address or the association's settings do.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core.audit import record_event
from grappe.finance import fees
from grappe.finance.matching import due_reference
from grappe.finance.models import BillingSettings, Document, DocumentSequence, Due, Payment
from grappe.finance.services import FinanceError
from grappe.registry.models import Association, Establishment, Organisation

ACTION_LABELS = {
    "finance.invoice": gettext_lazy("émission d'une facture"),
    "finance.receipt": gettext_lazy("émission d'un reçu"),
    "finance.receipt_cancelled": gettext_lazy("annulation d'un reçu (paiement rejeté)"),
}
PREFIXES = {Document.Kind.INVOICE: "FAC", Document.Kind.RECEIPT: "REC", Document.Kind.CANCELLATION: "ANN"}


def _billing(association: Association) -> BillingSettings:
    try:
        settings = association.billing_settings
    except BillingSettings.DoesNotExist:
        raise FinanceError(
            _(
                "« %(association)s » n'a pas de paramètres de facturation : ni adresse ni régime de TVA à imprimer."
            )
            % {"association": association},
            hint=_("Renseignez-les dans l'administration (Finances › Paramètres de facturation)."),
        ) from None
    if settings.vat_status == BillingSettings.VatStatus.TAXABLE and not settings.vat_number:
        raise FinanceError(
            _("« %(association)s » est assujettie à la TVA mais n'a pas de numéro de TVA intracommunautaire.")
            % {"association": association},
            hint=_("Renseignez-le dans ses paramètres de facturation."),
        )
    return settings


def next_number(association: Association, kind: str, year: int) -> tuple[int, str]:
    """The next rank and number of ``kind`` for ``year``. Call inside the transaction that stores the document."""
    sequence, _created = DocumentSequence.objects.select_for_update().get_or_create(
        association=association, kind=kind, year=year
    )
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last, f"{PREFIXES[Document.Kind(kind)]}-{year}-{sequence.last:05d}"


def _seller(settings: BillingSettings) -> dict[str, str]:
    association = settings.association
    return {
        "name": association.name,
        "address": f"{settings.street}, {settings.postcode} {settings.city}",
        "siren": association.siren,
        "rna": association.rna,
        "vat_number": settings.vat_number,
        "email": settings.email,
        "iban": settings.iban,
        "bic": settings.bic,
    }


def _buyer(organisation: Organisation) -> dict[str, str]:
    site = Establishment.objects.filter(organisation=organisation).order_by("-is_head_office", "pk").first()
    address = f"{site.street}, {site.postcode} {site.city}".strip(", ") if site is not None else ""
    return {
        "name": organisation.name,
        "address": address,
        "siren": organisation.siren,
        "vat_number": organisation.vat_number,
    }


def _vat(settings: BillingSettings, total_cents: int) -> tuple[str, int]:
    """The VAT mention and the VAT included in ``total_cents`` (members pay the total: it includes any VAT)."""
    if settings.vat_status != BillingSettings.VatStatus.TAXABLE:
        return str(BillingSettings.VatStatus(settings.vat_status).label), 0
    rate = settings.vat_rate
    net = int((Decimal(total_cents) * 100 / (100 + rate)).quantize(Decimal(1)))
    shown = f"{rate:f}".rstrip("0").rstrip(".").replace(".", ",")  # « 20 », « 5,5 »
    return _("TVA au taux de %(rate)s %%") % {"rate": shown}, total_cents - net


@dataclass(frozen=True)
class Rendered:
    document: Document
    created: bool


def _mentions(
    settings: BillingSettings, organisation: Organisation, total_cents: int
) -> tuple[dict[str, Any], int]:
    """What an invoice or a receipt prints from today's billing settings, and the VAT included in the total."""
    mention, vat_cents = _vat(settings, total_cents)
    printed = {
        "seller": _seller(settings),
        "buyer": _buyer(organisation),
        "vat_mention": mention,
        "payment_terms": settings.payment_terms,
    }
    return printed, vat_cents


def _store(
    *,
    kind: str,
    association: Association,
    organisation: Organisation,
    on: datetime.date,
    total_cents: int,
    vat_cents: int,
    details: dict[str, Any],
    **link: Any,
) -> Document:
    """Number, print and keep a document: ``details`` are its mentions, completed here with the number, the
    date and the amounts as printed. Call inside the transaction that needs the document."""
    sequence, number = next_number(association, kind, on.year)
    details = {
        **details,
        "kind": kind,
        "number": number,
        "issued_on": on.strftime("%d/%m/%Y"),
        "total": fees.format_cents(total_cents),
        "vat": fees.format_cents(vat_cents) if vat_cents else "",
        "net": fees.format_cents(total_cents - vat_cents) if vat_cents else "",
    }
    return Document.objects.create(
        association=association,
        organisation=organisation,
        kind=kind,
        year=on.year,
        sequence=sequence,
        number=number,
        issued_on=on,
        amount=fees.from_cents(total_cents),
        vat_amount=fees.from_cents(vat_cents),
        details=details,
        pdf=render_pdf(details),
        **link,
    )


@transaction.atomic
def issue_invoice(*, due: Due, user: Any = None, on: datetime.date | None = None) -> Rendered:
    """The invoice of ``due``: issued once; asking again gives the same document back."""
    due = (
        Due.objects.select_for_update()
        .select_related("membership__organisation", "membership__association")
        .get(pk=due.pk)
    )
    existing = Document.objects.filter(due=due, kind=Document.Kind.INVOICE).first()
    if existing is not None:
        return Rendered(existing, False)
    if due.cancelled_at is not None:
        raise FinanceError(_("« %(due)s » est annulée : elle ne peut pas être facturée.") % {"due": due})
    association, organisation = due.membership.association, due.membership.organisation
    settings = _billing(association)
    on = on or timezone.localdate()
    lines = [
        (
            _("Cotisation %(year)s, année pleine") % {"year": due.year},
            fees.format_cents(fees.to_cents(due.base_amount)),
        )
    ]
    if due.prorata_amount:
        lines.append(
            (
                _("Réduction au prorata : adhésion en cours d'année, %(months)d mois dus")
                % {"months": due.months},
                fees.format_cents(-fees.to_cents(due.prorata_amount)),
            )
        )
    if due.discount_amount:
        lines.append((_("Remise de première année"), fees.format_cents(-fees.to_cents(due.discount_amount))))
    total_cents = fees.to_cents(due.amount)
    printed, vat_cents = _mentions(settings, organisation, total_cents)
    document = _store(
        kind=Document.Kind.INVOICE,
        association=association,
        organisation=organisation,
        on=on,
        total_cents=total_cents,
        vat_cents=vat_cents,
        details={
            **printed,
            "lines": lines,
            "due_on": due.due_on.strftime("%d/%m/%Y"),
            # The creditor reference the bank reconciliation reads first (grappe.finance.matching).
            "transfer_reference": due_reference(due.year, due.pk),
        },
        due=due,
    )
    record_event(action="finance.invoice", user=user, target=document, parent=organisation)
    return Rendered(document, True)


@transaction.atomic
def issue_receipt(*, payment: Payment, user: Any = None, on: datetime.date | None = None) -> Rendered:
    """The receipt of ``payment`` (« reçu pour acquit »), listing the dues it settled."""
    payment = (
        Payment.objects.select_for_update().select_related("organisation", "association").get(pk=payment.pk)
    )
    existing = Document.objects.filter(payment=payment, kind=Document.Kind.RECEIPT).first()
    if existing is not None:
        return Rendered(existing, False)
    if payment.returned_on is not None:
        raise FinanceError(
            _("« %(payment)s » a été rejeté par la banque le %(date)s : il n'y a rien à attester.")
            % {"payment": payment, "date": payment.returned_on.strftime("%d/%m/%Y")}
        )
    settings = _billing(payment.association)
    allocations = list(
        payment.allocations.select_related("due__membership__organisation").order_by("due__year")
    )
    lines = [
        (_("Cotisation %(year)s") % {"year": a.due.year}, fees.format_cents(fees.to_cents(a.amount)))
        for a in allocations
    ]
    left = payment.amount - sum((a.amount for a in allocations), Decimal(0))
    if left:
        lines.append(
            (_("Non affecté (à valoir sur une prochaine cotisation)"), fees.format_cents(fees.to_cents(left)))
        )
    total_cents = fees.to_cents(payment.amount)
    printed, vat_cents = _mentions(settings, payment.organisation, total_cents)
    document = _store(
        kind=Document.Kind.RECEIPT,
        association=payment.association,
        organisation=payment.organisation,
        on=on or timezone.localdate(),
        total_cents=total_cents,
        vat_cents=vat_cents,
        details={
            **printed,
            "lines": lines,
            "method": str(payment.get_method_display()),
            "reference": payment.reference,
            "received_on": payment.received_on.strftime("%d/%m/%Y"),
        },
        payment=payment,
    )
    record_event(action="finance.receipt", user=user, target=document, parent=payment.organisation)
    return Rendered(document, True)


def cancel_receipt(*, payment: Payment, user: Any = None, on: datetime.date | None = None) -> Rendered | None:
    """Void the receipt of ``payment``, which the bank took back, with a numbered cancellation; None when no
    receipt was issued. Called by ``services.return_payment``, in its transaction: a return is never recorded
    without its cancellation, nor a cancellation without its return.

    The receipt itself is kept as it was issued (a numbered document is never changed nor withdrawn); the
    cancellation prints what the receipt printed (seller, buyer, amounts, with their signs reversed) from the
    receipt's frozen mentions, not from today's billing settings, which may have changed or gone since."""
    receipt = Document.objects.filter(payment=payment, kind=Document.Kind.RECEIPT).first()
    if receipt is None:
        return None
    existing = Document.objects.filter(cancels=receipt).first()
    if existing is not None:
        return Rendered(existing, False)
    printed = receipt.details
    total_cents = -fees.to_cents(receipt.amount)
    document = _store(
        kind=Document.Kind.CANCELLATION,
        association=receipt.association,
        organisation=receipt.organisation,
        on=on or timezone.localdate(),
        total_cents=total_cents,
        vat_cents=-fees.to_cents(receipt.vat_amount),
        details={
            **{key: printed.get(key, "") for key in ("seller", "buyer", "vat_mention")},
            "lines": [
                (
                    _("Reçu n° %(number)s du %(date)s, annulé")
                    % {"number": receipt.number, "date": receipt.issued_on.strftime("%d/%m/%Y")},
                    fees.format_cents(total_cents),
                )
            ],
            "cancels": receipt.number,
            **{key: printed.get(key, "") for key in ("method", "reference", "received_on")},
            "returned_on": payment.returned_on.strftime("%d/%m/%Y") if payment.returned_on else "",
            "return_reason": payment.return_reason,
        },
        payment=payment,
        cancels=receipt,
    )
    record_event(
        action="finance.receipt_cancelled",
        user=user,
        target=document,
        parent=receipt.organisation,
        details={"receipt": receipt.number, "amount": receipt.amount, "reason": payment.return_reason},
    )
    return Rendered(document, True)


def document_html(details: dict[str, Any]) -> str:
    return render_to_string("finance/document_pdf.html", {"d": details})


def render_pdf(details: dict[str, Any]) -> bytes:
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]

    stylesheet = CSS(
        string=(resources.files("grappe.finance") / "static/finance/document_pdf.css").read_text("utf-8")
    )
    return bytes(HTML(string=document_html(details)).write_pdf(stylesheets=[stylesheet]))
