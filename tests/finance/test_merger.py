"""A merger carries the absorbed members' dues over as they were (paid, partly paid, due), and undo puts them back."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from grappe.finance import services
from grappe.finance.models import Due, FeeSchedule, FlatRate
from grappe.finance.services import generate_dues, good_standing, record_payment
from grappe.mergers import services as merger_services
from grappe.mergers.snapshot import registry_checksum
from grappe.registry.models import Membership, MembershipType, Organisation
from mergers import scenario

pytestmark = pytest.mark.django_db
ON = datetime.date(2026, 6, 1)


@pytest.fixture
def world(tmp_path):
    """Numélink and Auvergne TIC imported through the intake (the mergers' own scenario)."""
    return scenario.build(tmp_path)


def flat_schedule(association, amount: str) -> FeeSchedule:
    schedule = FeeSchedule.objects.create(
        association=association,
        year=2026,
        voted_on=datetime.date(2025, 11, 20),
        due_on=datetime.date(2026, 3, 31),
    )
    FlatRate.objects.create(schedule=schedule, category="association", amount=Decimal(amount))
    return schedule


def dues_state() -> set[tuple[int, int, Decimal, Decimal]]:
    """Every due: its id, its organisation, its amount and what it has been paid."""
    dues = list(Due.objects.select_related("membership"))
    paid = services.paid_amounts(due.pk for due in dues)
    return {(d.pk, d.membership.organisation_id, d.amount, paid.get(d.pk, Decimal(0))) for d in dues}


def test_a_merger_carries_the_absorbed_members_dues_and_undo_restores_them(world):
    MembershipType.objects.update(fee_category=MembershipType.FeeCategory.ASSOCIATION)
    generate_dues(schedule=flat_schedule(world.numelink, "200"))
    generate_dues(schedule=flat_schedule(world.auvergne_tic, "120"))
    puy = Organisation.objects.get(siren=scenario.SIREN_PUY)
    atelier = Organisation.objects.get(siren=scenario.SIREN_ATELIER)  # a member of both networks
    record_payment(
        organisation=puy,
        association=world.auvergne_tic,
        method="transfer",
        amount=Decimal("120"),
        received_on=datetime.date(2026, 2, 1),
        reference="COTIS AUVERGNE TIC",
    )
    record_payment(
        organisation=atelier,
        association=world.auvergne_tic,
        method="cheque",
        amount=Decimal("50"),
        received_on=datetime.date(2026, 2, 1),
        reference="0004567",
    )
    before_dues, before_checksum = dues_state(), registry_checksum()

    merger = merger_services.plan_merger(
        absorbing=world.numelink, absorbed=world.auvergne_tic, effective_on=scenario.EFFECTIVE
    )
    merger = merger_services.set_membership_type_mapping(merger=merger, mapping={}, user=None)
    merger = merger_services.apply_merger(merger=merger, accept_auto_only=True)

    # Every due lives on, with what it was paid, on the survivor's organisation and a Numélink membership.
    assert {(pk, amount, paid) for pk, _org, amount, paid in dues_state()} == {
        (pk, amount, paid) for pk, _org, amount, paid in before_dues
    }
    assert not Due.objects.exclude(membership__association=world.numelink).exists()
    puy_membership = Membership.objects.get(organisation=puy, association=world.numelink)
    assert good_standing(puy_membership, year=2026, on=ON).in_good_standing
    # The company in both networks keeps both dues of the year: Numélink's 200 € and Auvergne TIC's 120 €,
    # 50 € of which paid, so 270 € remain.
    atelier_membership = Membership.objects.exclude(status=Membership.Status.ENDED).get(
        organisation=atelier, association=world.numelink
    )
    assert sorted(atelier_membership.dues.values_list("amount", flat=True)) == [
        Decimal("120.00"),
        Decimal("200.00"),
    ]
    standing = good_standing(atelier_membership, year=2026, on=ON)
    assert (standing.in_good_standing, standing.outstanding) == (False, Decimal("270.00"))
    # Generating Numélink's dues again issues none to the members brought in: their 2026 due came with them.
    assert generate_dues(schedule=FeeSchedule.objects.get(association=world.numelink)).created == 0

    merger_services.undo_merger(merger=merger)

    assert dues_state() == before_dues
    assert registry_checksum() == before_checksum


def test_folding_a_duplicate_company_keeps_both_dues_its_payments_invoices_and_one_turnover(network):
    from grappe.finance.documents import issue_invoice
    from grappe.finance.models import BillingSettings, DeclaredTurnover, Document, Payment
    from grappe.registry import services as registry_services

    from .conftest import member

    duplicate = member(network.numelink, "FOREZ WEB", network.company_type, headcount="02")
    survivor = network.small.organisation
    generate_dues(schedule=network.schedule)
    BillingSettings.objects.create(
        association=network.numelink, street="1 rue", postcode="42000", city="Saint-Étienne"
    )
    invoice = issue_invoice(due=Due.objects.get(membership=duplicate), on=datetime.date(2026, 1, 5)).document
    payment = record_payment(
        organisation=duplicate.organisation,
        association=network.numelink,
        method="transfer",
        amount=Decimal("150"),
        received_on=datetime.date(2026, 2, 1),
    )
    DeclaredTurnover.objects.create(organisation=survivor, year=2025, amount=Decimal("500000"))
    DeclaredTurnover.objects.create(organisation=duplicate.organisation, year=2025, amount=Decimal("480000"))
    DeclaredTurnover.objects.create(organisation=duplicate.organisation, year=2024, amount=Decimal("450000"))

    registry_services.merge_organisations(survivor=survivor, duplicates=[duplicate.organisation])

    kept = Membership.objects.exclude(status=Membership.Status.ENDED).get(
        organisation=survivor, association=network.numelink
    )
    # Both dues were issued: they live on, side by side, on the one membership left; the duplicate's is paid.
    assert sorted(kept.dues.values_list("amount", flat=True)) == [Decimal("150.00"), Decimal("150.00")]
    assert good_standing(kept, year=2026, on=ON).outstanding == Decimal("150.00")
    assert Payment.objects.get(pk=payment.pk).organisation == survivor
    invoice = Document.objects.get(pk=invoice.pk)
    assert invoice.organisation == survivor and invoice.details["buyer"]["name"] == "FOREZ WEB"  # as issued
    # One declared turnover a year: the survivor's 2025 one stands; the duplicate's 2024 one moves over.
    assert sorted(DeclaredTurnover.objects.values_list("organisation_id", "year", "amount")) == [
        (survivor.pk, 2024, Decimal("450000.00")),
        (survivor.pk, 2025, Decimal("500000.00")),
    ]
