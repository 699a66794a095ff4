"""Generating a year's dues: priced by the schedule, all or nothing, idempotent, paid dues kept."""

from __future__ import annotations

import datetime
import sqlite3
from decimal import Decimal

import pytest
from django.db import connection

from grappe.core.models import AuditEvent
from grappe.finance import services
from grappe.finance.models import DeclaredTurnover, Due, FeeBracket, FeeSchedule
from grappe.finance.services import FinanceError, generate_dues, record_payment

from .conftest import member


def dues_by_name() -> dict[str, tuple[Decimal, Decimal, Decimal, Decimal, int]]:
    return {
        due.membership.organisation.name: (
            due.base_amount,
            due.prorata_amount,
            due.discount_amount,
            due.amount,
            due.months,
        )
        for due in Due.objects.select_related("membership__organisation")
    }


def test_each_billed_member_gets_the_due_its_category_and_joining_month_say(network):
    result = generate_dues(schedule=network.schedule)

    assert (result.created, result.already_due, result.total) == (4, 0, Decimal("500.00"))
    assert dues_by_name() == {
        "Forez Web": (Decimal("150.00"), Decimal("0.00"), Decimal("0.00"), Decimal("150.00"), 12),
        # Joined in October: 3/12 of 400 €, then half of it off in the first year.
        "Data Loire": (Decimal("400.00"), Decimal("300.00"), Decimal("50.00"), Decimal("50.00"), 3),
        "Laboratoire Hubert Curien": (
            Decimal("300.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("300.00"),
            12,
        ),
        "Président fondateur": (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), 12),
    }
    assert set(Due.objects.values_list("year", "due_on")) == {(2026, datetime.date(2026, 3, 31))}
    event = AuditEvent.objects.get(action="finance.generate_dues")
    assert event.details == {"created": 4, "already_due": 0, "total": "500.00"}


def test_regenerating_creates_nothing_and_keeps_paid_dues(network):
    generate_dues(schedule=network.schedule)
    small_due = Due.objects.get(membership=network.small)
    record_payment(
        organisation=network.small.organisation,
        association=network.numelink,
        method="transfer",
        amount=Decimal("150"),
        received_on=datetime.date(2026, 2, 1),
    )
    before = sorted(Due.objects.values_list("pk", "membership_id", "amount"))

    again = generate_dues(schedule=network.schedule)

    assert (again.created, again.already_due) == (0, 4)
    assert sorted(Due.objects.values_list("pk", "membership_id", "amount")) == before
    assert services.paid_amounts([small_due.pk]) == {small_due.pk: Decimal("150.00")}


def test_a_new_member_and_a_cancelled_due_are_issued_on_the_next_run(network):
    generate_dues(schedule=network.schedule)
    services.cancel_due(due=Due.objects.get(membership=network.lab), reason="catégorie erronée")
    member(
        network.numelink,
        "Nouvelle Pousse",
        network.company_type,
        headcount="01",
        starts_on=datetime.date(2026, 7, 1),
    )

    again = generate_dues(schedule=network.schedule)

    assert (again.created, again.already_due) == (2, 3)
    assert Due.objects.filter(membership=network.lab).count() == 2  # the cancelled one stays on record
    assert Due.objects.get(membership__organisation__name="Nouvelle Pousse").amount == Decimal("37.50")


def test_a_member_the_schedule_cannot_price_refuses_the_whole_run_by_name(network):
    member(network.numelink, "Sans Effectif", network.company_type)
    member(network.numelink, "Sans Type", None, headcount="12")

    with pytest.raises(FinanceError) as refused:
        generate_dues(schedule=network.schedule)

    message = str(refused.value)
    assert message.startswith(
        "Aucune cotisation 2026 n'a été émise : 2 adhérent(s) ne peuvent pas être chiffrés."
    )
    assert "« Sans Effectif » : tranche d'effectif inconnue" in message
    assert "« Sans Type » : catégorie de cotisation non renseignée" in message
    assert "Corrigez ces fiches ou le barème" in message
    assert not Due.objects.exists()
    assert not AuditEvent.objects.filter(action="finance.generate_dues").exists()


def test_an_inconsistent_schedule_is_refused_before_anything_is_written(network):
    FeeBracket.objects.create(
        schedule=network.schedule, headcount_low="12", headcount_high="21", amount=Decimal(1)
    )
    with pytest.raises(FinanceError, match="La tranche d'effectif « 12 » figure dans deux barèmes"):
        generate_dues(schedule=network.schedule)
    assert not Due.objects.exists()


def test_turnover_schedule_reads_the_last_closed_year(network):
    schedule = FeeSchedule.objects.create(
        association=network.numelink,
        year=2027,
        voted_on=datetime.date(2026, 11, 20),
        due_on=datetime.date(2027, 3, 31),
        basis=FeeSchedule.Basis.TURNOVER,
    )
    FeeBracket.objects.create(schedule=schedule, turnover_up_to=Decimal("1000000"), amount=Decimal("200"))
    FeeBracket.objects.create(schedule=schedule, turnover_up_to=None, amount=Decimal("900"))
    schedule.flat_rates.create(category="education_research", amount=Decimal("300"))
    for membership, year, amount in [
        (network.small, 2025, "2500000"),  # an older, bigger year: the 2026 one is read
        (network.small, 2026, "800000"),
        (network.mid, 2026, "1000000.01"),
        (network.mid, 2027, "1"),  # not closed before 2027: ignored
    ]:
        DeclaredTurnover.objects.create(
            organisation=membership.organisation, year=year, amount=Decimal(amount)
        )

    generate_dues(schedule=schedule)

    amounts = {name: values[3] for name, values in dues_by_name().items()}
    assert amounts["Forez Web"] == Decimal("200.00")
    assert amounts["Data Loire"] == Decimal("900.00")


def test_generation_in_many_batches_under_a_small_variable_limit(network):
    for n in range(30):
        member(network.numelink, f"Membre {n}", network.company_type, headcount="00")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    result = generate_dues(schedule=network.schedule, batch_size=7)
    assert result.created == 34
    assert Due.objects.count() == 34


def test_cents_that_binary_floats_cannot_hold_are_stored_and_reconcile(network):
    # 123.45 € for six months, then half off: 61.73 € prorated (61.725 rounded half up), 30.87 € off, 30.86 €
    # due. SQLite keeps decimals as floats, where these lines do not subtract exactly.
    network.schedule.flat_rates.filter(category="education_research").update(amount=Decimal("123.45"))
    lab = network.lab
    lab.starts_on = datetime.date(2026, 7, 1)
    lab.save()

    generate_dues(schedule=network.schedule)

    due = Due.objects.get(membership=lab)
    assert (due.base_amount, due.prorata_amount, due.discount_amount, due.amount) == (
        Decimal("123.45"),
        Decimal("61.72"),
        Decimal("30.87"),
        Decimal("30.86"),
    )


def test_the_database_refuses_a_due_whose_lines_do_not_add_up(network):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Due.objects.create(
            membership=network.small,
            schedule=network.schedule,
            year=2026,
            base_amount=Decimal("150.00"),
            prorata_amount=Decimal("0.00"),
            discount_amount=Decimal("0.00"),
            amount=Decimal("149.99"),
            due_on=datetime.date(2026, 3, 31),
        )
