"""A small network to bill: Numélink's 2026 schedule and five members of different kinds."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from grappe.finance.models import Due, FeeBracket, FeeSchedule, FlatRate
from grappe.finance.services import generate_dues, record_payment
from grappe.registry.models import Association, Membership, MembershipType, Organisation

Category = MembershipType.FeeCategory


@dataclass
class Network:
    numelink: Association
    schedule: FeeSchedule
    company_type: MembershipType
    small: Membership  # 3 to 5 employees, member since 2015
    mid: Membership  # 20 to 49 employees, joined in October 2026
    lab: Membership  # a research lab, flat rate
    honorary: Membership
    lapsed: Membership  # did not renew: not billed


def member(
    association, name, kind, *, headcount="", starts_on=None, status=Membership.Status.ACTIVE, siren=""
):
    organisation = Organisation.objects.create(name=name, headcount_bracket=headcount, siren=siren)
    return Membership.objects.create(
        organisation=organisation,
        association=association,
        membership_type=kind,
        status=status,
        starts_on=starts_on,
    )


def schedule_for(association, year=2026, **fields) -> FeeSchedule:
    values = {
        "voted_on": datetime.date(year - 1, 11, 20),
        "due_on": datetime.date(year, 3, 31),
        "first_year_discount_percent": 50,
        **fields,
    }
    schedule = FeeSchedule.objects.create(association=association, year=year, **values)
    FeeBracket.objects.create(
        schedule=schedule, headcount_low="NN", headcount_high="03", amount=Decimal("150")
    )
    FeeBracket.objects.create(
        schedule=schedule, headcount_low="11", headcount_high="12", amount=Decimal("400")
    )
    FeeBracket.objects.create(
        schedule=schedule, headcount_low="21", headcount_high="53", amount=Decimal("1200")
    )
    FlatRate.objects.create(schedule=schedule, category=Category.EDUCATION_RESEARCH, amount=Decimal("300"))
    FlatRate.objects.create(schedule=schedule, category=Category.PUBLIC_BODY, amount=Decimal("500"))
    return schedule


@pytest.fixture
def network(db) -> Network:
    numelink = Association.objects.create(
        name="Numélink", siren="", rna="W423001234", seat_city="Saint-Étienne"
    )
    company = MembershipType.objects.create(
        association=numelink, name="Entreprise", fee_category=Category.COMPANY
    )
    research = MembershipType.objects.create(
        association=numelink, name="Recherche", fee_category=Category.EDUCATION_RESEARCH
    )
    honour = MembershipType.objects.create(
        association=numelink, name="Honneur", fee_category=Category.HONORARY
    )
    return Network(
        numelink=numelink,
        schedule=schedule_for(numelink),
        company_type=company,
        small=member(numelink, "Forez Web", company, headcount="02", starts_on=datetime.date(2015, 3, 1)),
        mid=member(numelink, "Data Loire", company, headcount="12", starts_on=datetime.date(2026, 10, 15)),
        lab=member(numelink, "Laboratoire Hubert Curien", research, starts_on=datetime.date(2010, 1, 1)),
        honorary=member(numelink, "Président fondateur", honour),
        lapsed=member(numelink, "Ancien Membre", company, headcount="02", status=Membership.Status.LAPSED),
    )


def bill_registry(registry):
    """The shared small registry's Numélink members, billed for 2026, one paid, one partly paid."""
    for kind in MembershipType.objects.all():
        kind.delete()
    flat = MembershipType.objects.create(
        association=registry.numelink, name="Membre", fee_category="association"
    )
    Membership.objects.filter(association=registry.numelink).update(membership_type=flat)
    schedule = schedule_for(registry.numelink)
    schedule.flat_rates.create(category="association", amount=Decimal("90"))
    generate_dues(schedule=schedule)
    paid, partial = list(Due.objects.order_by("membership__organisation__name"))[:2]
    for due, amount in ((paid, "90"), (partial, "40")):
        record_payment(
            organisation=due.membership.organisation,
            association=registry.numelink,
            method="transfer",
            amount=Decimal(amount),
            received_on=datetime.date(2026, 2, 1),
        )
    return paid, partial
