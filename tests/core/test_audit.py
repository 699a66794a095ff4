"""The audit log: append-only (the ORM and the admin refuse to change or delete an event), and what
``record_event`` keeps."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from grappe.core.audit import COMMAND_LINE, history, record_event
from grappe.core.models import AppendOnlyError, AuditEvent
from grappe.registry.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return Organisation.objects.create(name="Atelier Forézien")


@pytest.fixture
def event(organisation):
    return record_event(
        action="change", target=organisation, changes={"name": ("Atelier", "Atelier Forézien")}
    )


def test_an_event_keeps_who_what_on_which_object_and_old_new_values(organisation, django_user_model):
    user = django_user_model.objects.create_user("sophie", first_name="Sophie", last_name="Bernard")
    event = record_event(
        action="change",
        user=user,
        target=organisation,
        changes={"created_on": (None, datetime.date(2008, 6, 10)), "skills": ([], ["cloud"])},
        details={"fee": Decimal("150.00")},
    )
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor, event.user, event.object_label) == ("Sophie Bernard", user, "Atelier Forézien")
    assert event.object_type.model_class() is Organisation and event.object_id == organisation.pk
    assert event.changes == {"created_on": [None, "2008-06-10"], "skills": [[], ["cloud"]]}
    assert event.details == {"fee": "150.00"}


def test_the_command_line_is_the_author_when_there_is_no_user(event):
    assert (event.actor, event.user) == (COMMAND_LINE, None)


def test_the_label_survives_the_object(organisation, event):
    organisation.delete()
    assert AuditEvent.objects.get(pk=event.pk).object_label == "Atelier Forézien"


def test_an_event_cannot_be_updated_or_deleted_through_the_orm(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="delete")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    event.action = "delete"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == "change"


def test_deleting_the_author_keeps_the_event_and_its_name(organisation, django_user_model):
    user = django_user_model.objects.create_user("sophie", first_name="Sophie", last_name="Bernard")
    event = record_event(action="change", user=user, target=organisation)
    user.delete()
    kept = AuditEvent.objects.get(pk=event.pk)
    assert (kept.user, kept.actor) == (None, "Sophie Bernard")


def test_history_lists_events_about_an_object_and_what_hangs_off_it_newest_first(organisation):
    other = Organisation.objects.create(name="Autre")
    first = record_event(action="create", target=organisation)
    second = record_event(action="create", target=other, parent=organisation)
    record_event(action="create", target=other)
    assert list(history(organisation)) == [second, first]


def test_the_admin_shows_events_but_refuses_to_add_change_or_delete_them(admin_client, event):
    assert admin_client.get(reverse("admin:core_auditevent_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:core_auditevent_add")).status_code == 403
    change = admin_client.post(reverse("admin:core_auditevent_change", args=[event.pk]), {"action": "x"})
    assert change.status_code == 403
    delete = admin_client.post(reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "change"


def test_a_merge_s_details_read_as_words_not_as_stored_keys(organisation):
    from grappe.core.audit import described_details

    merged = record_event(
        action="registry.merge",
        target=organisation,
        details={
            "folded": [{"id": 7, "name": "Atelier Forezien"}],
            "memberships_ended": 1,
            "establishments_collapsed": [{"id": 9, "place": "42000 Saint-Étienne", "into": "77567227200018"}],
        },
    )

    assert described_details(merged) == [
        ("fiches fusionnées dans celle-ci", "Atelier Forezien"),
        ("adhésions en double terminées (fusion)", "1"),
        ("établissements sans SIRET réunis à celui de même adresse", "42000 Saint-Étienne → 77567227200018"),
    ]
