"""Reminder e-mails for overdue dues: one per due and level, French text with the due's reference, to the
billing contact; the CLI ``grappe dues remind`` and the dues page's action (Django's locmem backend)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from typer.testing import CliRunner

from grappe import cli
from grappe.core.models import AuditEvent
from grappe.finance.matching import due_reference
from grappe.finance.models import Due, Reminder
from grappe.finance.reminders import level_on, send_reminders
from grappe.finance.services import generate_dues, record_payment
from grappe.registry.models import Person, Role

DUE_ON = datetime.date(2026, 3, 31)


@pytest.fixture(autouse=True)
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def overdue(network):
    """Numélink's 2026 dues: Forez Web owes 150 € (with a billing contact), the lab paid, Data Loire has an
    address, the honorary member owes nothing."""
    generate_dues(schedule=network.schedule)
    forez, lab, data = (m.organisation for m in (network.small, network.lab, network.mid))
    person = Person.objects.create(first_name="Claire", last_name="Martin", email="compta@forezweb.fr")
    Role.objects.create(person=person, organisation=forez, kind=Role.Kind.BILLING)
    forez.email = "contact@forezweb.fr"
    forez.save()
    data.email = ""
    data.save()
    record_payment(
        organisation=lab,
        association=network.numelink,
        method="transfer",
        amount=Decimal("300"),
        received_on=datetime.date(2026, 3, 1),
    )
    return network


def test_levels_follow_the_days_since_the_due_date():
    assert [level_on(DUE_ON, DUE_ON + datetime.timedelta(days=d)) for d in (0, 1, 29, 30, 59, 60, 400)] == [
        0,
        1,
        1,
        2,
        2,
        3,
        3,
    ]


def test_a_reminder_goes_once_per_level_to_the_billing_contact_in_french(overdue):
    run = send_reminders(dues=Due.objects.all(), on=datetime.date(2026, 4, 2))
    assert run.sent == 1 and run.without_address == ["Data Loire"]
    [message] = mail.outbox
    forez_due = Due.objects.get(membership=overdue.small)
    assert message.to == ["compta@forezweb.fr"]
    assert message.subject == "Relance : cotisation 2026 de Forez Web, 150,00\xa0€ restant dus"
    assert (
        "Sauf erreur de notre part, la cotisation 2026 de Forez Web n'est pas entièrement réglée"
        in message.body
    )
    assert due_reference(2026, forez_due.pk) in message.body and "échéance : 31/03/2026" in message.body

    again = send_reminders(dues=Due.objects.all(), on=datetime.date(2026, 4, 20))
    assert (again.sent, again.already_sent, len(mail.outbox)) == (0, 1, 1)

    later = send_reminders(dues=Due.objects.all(), on=datetime.date(2026, 6, 15))  # 76 days late: last notice
    assert later.sent == 1 and mail.outbox[-1].subject.startswith("Dernière relance avant radiation")
    assert "dernière relance" in mail.outbox[-1].body
    assert list(Reminder.objects.filter(due=forez_due).values_list("level", flat=True).order_by("level")) == [
        1,
        3,
    ]
    assert AuditEvent.objects.filter(action="finance.reminders").count() == 3


def test_a_due_paid_meanwhile_or_not_yet_due_gets_no_reminder(overdue):
    due = Due.objects.get(membership=overdue.small)
    assert send_reminders(dues=Due.objects.all(), on=DUE_ON).sent == 0
    record_payment(
        organisation=overdue.small.organisation,
        association=overdue.numelink,
        method="transfer",
        amount=due.amount,
        received_on=datetime.date(2026, 4, 1),
    )
    assert send_reminders(dues=Due.objects.all(), on=datetime.date(2026, 4, 2)).sent == 0
    assert mail.outbox == []


def test_a_failed_send_leaves_no_trace_and_is_retried(overdue, monkeypatch):
    from django.core.mail import EmailMessage

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("serveur SMTP injoignable")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMessage, "send", refuse)
        run = send_reminders(dues=Due.objects.all(), on=datetime.date(2026, 4, 2))
    assert run.sent == 0 and "Forez Web" in run.failed[0] and not Reminder.objects.exists()
    assert send_reminders(dues=Due.objects.all(), on=datetime.date(2026, 4, 2)).sent == 1


def test_the_cli_sends_the_reminders_of_the_day_and_names_the_members_without_address(overdue):
    cli._register_commands()
    runner = CliRunner()
    result = runner.invoke(cli.app, ["dues", "remind", "--on", "2026-04-02"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "1 relance(s) envoyée(s), 0 déjà envoyée(s) à ce niveau." in text
    assert "Sans adresse e-mail : Data Loire." in text
    assert len(mail.outbox) == 1
    bad = runner.invoke(cli.app, ["dues", "remind", "--on", "02/04/2026"])
    assert bad.exit_code != 0 and "AAAA-MM-JJ" in bad.output


def test_the_dues_page_action_reminds_the_dues_the_user_sees(client, registry, hq_user, territorial_user):
    from .conftest import bill_registry

    bill_registry(registry)
    Due.objects.update(due_on=datetime.date(2020, 1, 31))
    Due.objects.first().membership.organisation.__class__.objects.update(email="adherent@example.fr")
    right = Permission.objects.get(codename="add_reminder", content_type__app_label="finance")
    client.force_login(hq_user)
    assert client.post(reverse("finance:send_reminders")).status_code == 403
    territorial_user.user_permissions.add(right)
    client.force_login(territorial_user)
    client.post(reverse("finance:send_reminders"))
    seen = {
        r.due.membership.organisation.name
        for r in Reminder.objects.select_related("due__membership__organisation")
    }
    assert seen and len(seen) < Due.objects.count() - 1  # their territory's members only
    hq_user.user_permissions.add(right)
    client.force_login(hq_user)
    response = client.post(reverse("finance:send_reminders"), follow=True)
    assert "relance(s) envoyée(s)" in response.content.decode()
    # Every open due was reminded once at its level, never twice.
    assert Reminder.objects.count() == len(mail.outbox) == Due.objects.count() - 1
