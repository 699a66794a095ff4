"""The finance back office: every model listed in French, generation as an action, dues and payments read-only."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from grappe.finance.models import Due, FeeBracket, Payment
from grappe.finance.services import generate_dues, record_payment


@pytest.mark.parametrize(
    "model", ["feeschedule", "due", "payment", "declaredturnover", "billingsettings", "document"]
)
def test_each_changelist_opens_in_french(admin_client, network, model):
    generate_dues(schedule=network.schedule)
    response = admin_client.get(reverse(f"admin:finance_{model}_changelist"))
    assert response.status_code == 200
    assert "Finances" in response.text


def test_the_generate_action_issues_dues_and_reports_a_refusal(admin_client, network):
    url = reverse("admin:finance_feeschedule_changelist")
    response = admin_client.post(
        url, {"action": "generate", "_selected_action": [network.schedule.pk]}, follow=True
    )
    assert "4 cotisation(s) émise(s), 0 déjà émise(s)" in response.text
    assert Due.objects.count() == 4

    FeeBracket.objects.create(
        schedule=network.schedule, headcount_low="00", headcount_high="00", amount=Decimal(1)
    )
    listing = admin_client.get(url)
    assert "La tranche d&#x27;effectif « 00 » figure dans deux barèmes." in listing.text
    response = admin_client.post(
        url, {"action": "generate", "_selected_action": [network.schedule.pk]}, follow=True
    )
    assert "figure dans deux barèmes" in response.text
    assert Due.objects.count() == 4


def test_dues_and_payments_cannot_be_edited_in_the_admin(admin_client, network):
    generate_dues(schedule=network.schedule)
    payment = record_payment(
        organisation=network.small.organisation,
        association=network.numelink,
        method="transfer",
        amount=Decimal("150"),
        received_on=datetime.date(2026, 2, 1),
    )
    due = Due.objects.get(membership=network.small)
    assert admin_client.get(reverse("admin:finance_due_add")).status_code == 403
    page = admin_client.get(reverse("admin:finance_payment_change", args=[payment.pk]))
    assert page.status_code == 200 and "Cotisation 2026 de Forez Web" in page.text
    admin_client.post(reverse("admin:finance_due_delete", args=[due.pk]), {"post": "yes"})
    assert Due.objects.filter(pk=due.pk).exists() and Payment.objects.filter(pk=payment.pk).exists()


def test_invoices_and_receipts_are_issued_from_the_admin(admin_client, network):
    from grappe.finance.models import BillingSettings, Document

    generate_dues(schedule=network.schedule)
    url = reverse("admin:finance_due_changelist")
    due = Due.objects.get(membership=network.small)
    refused = admin_client.post(url, {"action": "invoice", "_selected_action": [due.pk]}, follow=True)
    assert "n&#x27;a pas de paramètres de facturation" in refused.text and not Document.objects.exists()

    BillingSettings.objects.create(
        association=network.numelink, street="1 rue", postcode="42000", city="Saint-Étienne"
    )
    done = admin_client.post(url, {"action": "invoice", "_selected_action": [due.pk]}, follow=True)
    assert "1 document(s) émis." in done.text
    payment = record_payment(
        organisation=network.small.organisation,
        association=network.numelink,
        method="transfer",
        amount=Decimal("150"),
        received_on=datetime.date(2026, 2, 1),
    )
    admin_client.post(
        reverse("admin:finance_payment_changelist"), {"action": "receipt", "_selected_action": [payment.pk]}
    )
    assert sorted(Document.objects.values_list("kind", "sequence")) == [("invoice", 1), ("receipt", 1)]


def test_a_payment_recorded_in_the_admin_settles_dues_and_a_bad_one_shows_the_fix(admin_client, network):
    generate_dues(schedule=network.schedule)
    url = reverse("admin:finance_payment_add")
    values = {
        "organisation": network.small.organisation.pk,
        "association": network.numelink.pk,
        "method": "cheque",
        "reference": "",
        "amount": "150",
        "received_on": "2026-02-01",
    }
    refused = admin_client.post(url, values)
    assert refused.status_code == 200 and "indiquez le numéro du chèque" in refused.text
    assert not Payment.objects.exists()

    admin_client.post(url, {**values, "reference": "0004567"})
    payment = Payment.objects.get()
    assert list(payment.allocations.values_list("due__membership", "amount")) == [
        (network.small.pk, Decimal("150.00"))
    ]
    assert payment.recorded_by.username == "admin"
