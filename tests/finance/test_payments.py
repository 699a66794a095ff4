"""Recording payments (transfer, cheque, card), partial ones, one covering several dues; good standing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from grappe.core.models import AuditEvent
from grappe.finance import services
from grappe.finance.models import Allocation, Due, FeeSchedule, Payment
from grappe.finance.services import FinanceError, generate_dues, good_standing, record_payment, standings

from .conftest import schedule_for

FEB = datetime.date(2026, 2, 1)


def pay(network, membership, amount, *, method="transfer", reference="VIR COTIS 2026", **kwargs):
    return record_payment(
        organisation=membership.organisation,
        association=network.numelink,
        method=method,
        amount=Decimal(amount),
        received_on=FEB,
        reference=reference,
        **kwargs,
    )


@pytest.fixture
def dues(network):
    generate_dues(schedule=network.schedule)
    return network


def test_a_partial_payment_leaves_the_rest_open_and_the_member_not_in_good_standing(dues):
    due = Due.objects.get(membership=dues.small)
    pay(dues, dues.small, "100", method="cheque", reference="0001234")

    assert services.paid_amounts([due.pk]) == {due.pk: Decimal("100.00")}
    standing = good_standing(dues.small, year=2026, on=datetime.date(2026, 6, 1))
    assert not standing.in_good_standing
    assert standing.reason == "cotisation 2026 : 50,00\u00a0€ restant dus"

    pay(dues, dues.small, "50", method="card", reference="CB-889911")
    standing = good_standing(dues.small, year=2026, on=datetime.date(2026, 6, 1))
    assert (standing.in_good_standing, standing.reason) == (True, "cotisation 2026 réglée")
    assert AuditEvent.objects.filter(action="finance.payment").count() == 2


def test_one_transfer_pays_several_dues_oldest_first_and_keeps_the_surplus(dues):
    earlier = schedule_for(dues.numelink, year=2025)
    generate_dues(schedule=earlier)
    payment = pay(dues, dues.small, "400")

    assert sorted(payment.allocations.values_list("due__year", "amount")) == [
        (2025, Decimal("150.00")),
        (2026, Decimal("150.00")),
    ]
    # 100 € left unallocated on the payment: nothing else is owed.
    assert sum(a.amount for a in payment.allocations.all()) == Decimal("300.00")
    assert good_standing(dues.small, year=2025, on=FEB).in_good_standing


def test_explicit_allocations_are_checked_and_a_refusal_writes_nothing(dues):
    small_due = Due.objects.get(membership=dues.small)
    other_due = Due.objects.get(membership=dues.lab)
    cases = [
        ([(small_due, Decimal("151"))], "il reste 150.00 € à payer"),
        ([(other_due, Decimal("10"))], "n'est pas une cotisation ouverte de « Forez Web »"),
        ([(small_due, Decimal("0"))], "ne peut pas y être affecté"),
    ]
    for allocations, message in cases:
        with pytest.raises(FinanceError, match=message):
            pay(dues, dues.small, "200", allocations=allocations)
    with pytest.raises(FinanceError, match="dépassent le montant du paiement"):
        pay(dues, dues.small, "20", allocations=[(small_due, Decimal("30"))])
    assert not Payment.objects.exists() and not Allocation.objects.exists()

    pay(dues, dues.small, "200", allocations=[(small_due, Decimal("120"))])
    assert services.paid_amounts([small_due.pk]) == {small_due.pk: Decimal("120.00")}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "cheque", "reference": " "}, "indiquez le numéro du chèque"),
        ({"method": "card", "reference": ""}, "indiquez la référence de la transaction"),
        ({"method": "cash"}, "Moyen de paiement inconnu : « cash »"),
        ({"amount": "-5"}, "montant invalide \\(-5\\)"),
        ({"amount": "10.005"}, "montant invalide"),
        ({"received_on": datetime.date(2999, 1, 1)}, "dans le futur"),
    ],
)
def test_a_payment_with_bad_input_is_refused(dues, kwargs, message):
    values = {"method": "transfer", "reference": "VIR", "amount": "10", "received_on": FEB, **kwargs}
    with pytest.raises(FinanceError, match=message):
        record_payment(
            organisation=dues.small.organisation,
            association=dues.numelink,
            method=values["method"],
            reference=values["reference"],
            amount=Decimal(values["amount"]),
            received_on=values["received_on"],
        )
    assert not Payment.objects.exists()


def test_good_standing_within_the_grace_period_and_without_dues(network):
    FeeSchedule.objects.filter(pk=network.schedule.pk).update(grace_until=datetime.date(2026, 3, 31))

    before = good_standing(network.small, year=2026, on=datetime.date(2026, 3, 31))
    after = good_standing(network.small, year=2026, on=datetime.date(2026, 4, 1))

    assert (before.in_good_standing, before.reason) == (True, "délai de grâce jusqu'au 31/03/2026")
    assert (after.in_good_standing, after.reason) == (False, "aucune cotisation 2026 émise")


def test_honorary_members_are_in_good_standing_once_their_zero_due_is_issued(dues):
    assert good_standing(dues.honorary, year=2026, on=FEB).in_good_standing


def test_standings_take_a_fixed_number_of_queries(dues, django_assert_num_queries):
    memberships = [dues.small, dues.mid, dues.lab, dues.honorary]
    pay(dues, dues.lab, "300")
    # Dues, their payments, the schedules' grace periods: three queries whatever the number of members.
    with django_assert_num_queries(3):
        result = standings(memberships, year=2026, on=datetime.date(2026, 6, 1))
    assert {pk for pk, s in result.items() if s.in_good_standing} == {dues.lab.pk, dues.honorary.pk}


def test_a_due_with_payments_cannot_be_cancelled_and_a_reason_is_required(dues):
    due = Due.objects.get(membership=dues.small)
    with pytest.raises(FinanceError, match="Indiquez le motif"):
        services.cancel_due(due=due, reason=" ")
    pay(dues, dues.small, "10")
    with pytest.raises(FinanceError, match="a déjà reçu des paiements"):
        services.cancel_due(due=due, reason="doublon")
    assert Due.objects.get(pk=due.pk).cancelled_at is None
