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
