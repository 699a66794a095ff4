"""Deadline reminders e-mailed to the referent (locmem backend): once per file, kind and deadline."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from grappe.startups import services
from grappe.startups.models import ReminderSent

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 4, 1)


@pytest.fixture
def files(pipeline, hq_user):
    soon = services.save_application(
        user=hq_user, project=pipeline.drome, programme=pipeline.label, due_on=datetime.date(2026, 4, 11)
    )
    late = services.save_application(
        user=hq_user, project=pipeline.drome, programme=pipeline.bivouac, due_on=datetime.date(2026, 3, 20)
    )
    far = services.save_application(
        user=hq_user, project=pipeline.drome, programme=pipeline.bivouac, due_on=datetime.date(2026, 9, 1)
    )
    orphan = services.save_application(
        user=hq_user, project=pipeline.auvergne, programme=pipeline.label, due_on=datetime.date(2026, 4, 5)
    )
    return soon, late, far, orphan


def test_the_referent_is_reminded_of_near_and_past_deadlines_once(files, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    soon, late, _far, orphan = files

    first = services.send_reminders(today=TODAY)
    second = services.send_reminders(today=TODAY + datetime.timedelta(days=1))

    assert [r.application for r in first.sent] == [late, soon]
    assert first.without_recipient == [orphan]  # Volcan IA has no referent: named, not mailed
    assert second.sent == [] and second.already_sent == 2
    assert len(mail.outbox) == 2
    assert [message.to for message in mail.outbox] == [["ines.garnier@numelink.fr"]] * 2
    assert mail.outbox[0].subject == "Dossier en retard : Drômoise Robotique — Le Bivouac"
    assert "11 avril 2026" in mail.outbox[1].body and "dans 10 jour(s)" in mail.outbox[1].body


def test_a_deadline_moved_or_passed_is_reminded_again_and_a_submitted_file_no_more(
    files, hq_user, settings
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    soon, late, _far, _orphan = files
    services.send_reminders(today=TODAY)
    services.save_application(
        user=hq_user,
        project=soon.project,
        programme=soon.programme,
        due_on=soon.due_on,
        status="submitted",
        application=soon,
    )
    services.save_application(
        user=hq_user,
        project=late.project,
        programme=late.programme,
        due_on=datetime.date(2026, 4, 15),
        application=late,
    )

    again = services.send_reminders(today=TODAY)

    assert [(r.application, r.kind) for r in again.sent] == [(late, ReminderSent.Kind.UPCOMING)]


def test_a_failed_sending_records_nothing_and_is_tried_again(files, settings, monkeypatch) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("serveur SMTP injoignable")

    monkeypatch.setattr(services, "send_mail", broken)
    with pytest.raises(ConnectionRefusedError):
        services.send_reminders(today=TODAY)
    assert ReminderSent.objects.count() == 0

    monkeypatch.undo()
    assert len(services.send_reminders(today=TODAY).sent) == 2


def test_already_sent_reminders_are_read_in_one_query_whatever_the_number_of_files(
    pipeline, hq_user, settings
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for day in range(1, 9):
        services.save_application(
            user=hq_user, project=pipeline.drome, programme=pipeline.label, due_on=datetime.date(2026, 4, day)
        )
    services.send_reminders(today=TODAY)

    with CaptureQueriesContext(connection) as queries:
        again = services.send_reminders(today=TODAY)

    assert again.already_sent == 8 and again.sent == []
    reads = [q["sql"] for q in queries.captured_queries if "startups_remindersent" in q["sql"]]
    assert len(reads) == 1, reads


def test_a_reminder_recorded_meanwhile_by_another_run_counts_as_already_sent(
    files, settings, monkeypatch
) -> None:
    """Two runs at once: the other one records a file's reminder after this one read what was already sent."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    soon, late, _far, _orphan = files
    send_mail = services.send_mail

    def meanwhile(*args, **kwargs):
        if not ReminderSent.objects.filter(application=soon).exists():
            ReminderSent.objects.create(
                application=soon,
                kind=ReminderSent.Kind.UPCOMING,
                due_on=soon.due_on,
                recipient="autre@run.fr",
            )
        return send_mail(*args, **kwargs)

    monkeypatch.setattr(services, "send_mail", meanwhile)
    outcome = services.send_reminders(today=TODAY)

    assert [r.application for r in outcome.sent] == [late]
    assert outcome.already_sent == 1
    assert len(mail.outbox) == 1
    assert ReminderSent.objects.get(application=soon).recipient == "autre@run.fr"


def test_a_negative_number_of_days_is_refused_by_the_service_itself(files) -> None:
    """The rule lives in the service, so that every caller (command, page, task) refuses alike."""
    with pytest.raises(services.StartupError, match="positif ou nul"):
        services.send_reminders(today=TODAY, days_before=-1)
    assert len(mail.outbox) == 0 and not ReminderSent.objects.exists()
