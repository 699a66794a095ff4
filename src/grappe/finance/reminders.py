"""Reminder e-mails for overdue dues, one per due and level, never sent twice.

Levels follow the days since the due date: a first reminder as soon as it has passed, a second after 30 days,
a last notice after 60. A run sends each overdue due the highest level it has reached, unless that level (or
a higher one) was already sent: a due first seen 65 days late gets the last notice only, and running twice in
a day sends nothing the second time. The ``Reminder`` row is written in the same transaction as the sending,
so a failed send leaves no row and the next run tries again; the unique (due, level) constraint stops two runs
at once from both sending.

The e-mail goes to the organisation's billing contact (role « contact facturation », current), else to the
organisation's own address; an organisation with neither is listed in the run's outcome, to be completed.
The text is French: neither organisations nor associations record a language in Grappe.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core.audit import record_event
from grappe.finance import fees, matching, selectors
from grappe.finance.models import BillingSettings, Document, Due, Reminder
from grappe.registry.models import Organisation, Role

ACTION_LABELS = {"finance.reminders": gettext_lazy("envoi des relances de cotisation")}
# (level, days after the due date from which it is sent)
LEVELS = ((1, 1), (2, 30), (3, 60))
LEVEL_LABELS = {
    1: gettext_lazy("Relance"),
    2: gettext_lazy("Deuxième relance"),
    3: gettext_lazy("Dernière relance avant radiation"),
}


def level_on(due_on: datetime.date, on: datetime.date) -> int:
    """The reminder level a due dated ``due_on`` has reached on ``on`` (0: not overdue)."""
    late = (on - due_on).days
    return max((level for level, days in LEVELS if late >= days), default=0)


@dataclass
class ReminderRun:
    sent: int = 0
    already_sent: int = 0
    without_address: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _recipient(organisation: Organisation, on: datetime.date) -> str:
    billing = (
        Role.objects.filter(organisation=organisation, kind=Role.Kind.BILLING)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .exclude(person__email="")
        .select_related("person")
        .order_by("pk")
        .first()
    )
    return billing.person.email if billing else organisation.email


def _message(due: Any, level: int, to: str, connection: Any) -> EmailMessage:
    association = due.membership.association
    billing = BillingSettings.objects.filter(association=association).first()
    invoice = (
        Document.objects.filter(due=due, kind=Document.Kind.INVOICE).values_list("number", flat=True).first()
    )
    outstanding = due.amount - due.paid
    context = {
        "due": due,
        "organisation": due.membership.organisation,
        "association": association,
        "level": level,
        "level_label": LEVEL_LABELS[level],
        "outstanding": fees.format_cents(fees.to_cents(outstanding)),
        "amount": fees.format_cents(fees.to_cents(due.amount)),
        "reference": matching.due_reference(due.year, due.pk),
        "invoice": invoice or "",
        "billing": billing,
    }
    with translation.override("fr"):
        subject = _("%(level)s : cotisation %(year)s de %(organisation)s, %(outstanding)s restant dus") % {
            "level": LEVEL_LABELS[level],
            "year": due.year,
            "organisation": due.membership.organisation.name,
            "outstanding": context["outstanding"],
        }
        body = render_to_string("finance/reminder_email.txt", context)
    reply_to = [billing.email] if billing and billing.email else []
    return EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, [to], reply_to=reply_to, connection=connection
    )


def overdue(dues: QuerySet[Due], on: datetime.date) -> QuerySet[Due]:
    """Among ``dues``: not cancelled, past their date, not fully paid, with ``paid`` and the last level sent."""
    return (
        selectors.with_paid(dues.filter(cancelled_at__isnull=True, due_on__lt=on))
        .annotate(last_level=Max("reminders__level"))
        .select_related("membership__organisation", "membership__association")
        .order_by("due_on", "pk")
    )


def send_reminders(*, dues: QuerySet[Due], on: datetime.date, user: Any = None) -> ReminderRun:
    """Send the reminders ``dues`` call for on ``on`` (see the module doc)."""
    run = ReminderRun()
    connection = get_connection()
    due: Any  # annotated with ``paid`` and ``last_level``
    for due in overdue(dues, on).iterator(chunk_size=500):
        if due.paid >= due.amount:
            continue
        level = level_on(due.due_on, on)
        if level == 0:
            continue
        if due.last_level is not None and due.last_level >= level:
            run.already_sent += 1
            continue
        to = _recipient(due.membership.organisation, on)
        if not to:
            run.without_address.append(due.membership.organisation.name)
            continue
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    due=due,
                    level=level,
                    sent_to=to,
                    outstanding=due.amount - due.paid,
                    sent_by=user if getattr(user, "is_authenticated", False) else None,
                )
                _message(due, level, to, connection).send()
        except IntegrityError:  # another run sent it a moment ago
            run.already_sent += 1
            continue
        except OSError as error:  # the mail server refused or was unreachable: no row, retried next run
            run.failed.append(f"{due.membership.organisation.name} ({error})")
            continue
        run.sent += 1
    record_event(
        action="finance.reminders",
        user=user,
        details={
            "on": on,
            "sent": run.sent,
            "already_sent": run.already_sent,
            "without_address": len(run.without_address),
            "failed": len(run.failed),
        },
    )
    return run
