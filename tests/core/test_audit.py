"""The audit log: append-only (the ORM and the admin refuse to change or delete an event), and what
``record_event`` keeps."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

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


def _detail_keys_written() -> dict[str, set[str]]:
    """Every key an app passes to ``record_event(details={...})`` as a literal or sets as ``details[key]``, with
    the files writing it."""
    import ast
    from pathlib import Path

    import grappe

    written: dict[str, set[str]] = {}
    for path in Path(grappe.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            for keyword in node.keywords if name == "record_event" else ():
                if keyword.arg == "details" and isinstance(keyword.value, ast.Dict):
                    for key in keyword.value.keys:
                        if isinstance(key, ast.Constant):
                            written.setdefault(key.value, set()).add(path.name)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # ``details["memberships_ended"] = …``: a detail added only when it says something.
            for target in node.targets if isinstance(node, ast.Assign) else ():
                if (
                    isinstance(target, ast.Subscript)
                    and getattr(target.value, "id", None) == "details"
                    and isinstance(target.slice, ast.Constant)
                ):
                    written.setdefault(target.slice.value, set()).add(path.name)
    return written


def test_every_detail_an_app_writes_has_a_label_people_read():
    from grappe.core.audit import DETAIL_LABELS

    written = _detail_keys_written()
    assert {"amount", "reason", "receipt", "dues", "memberships_ended"} <= set(written)  # the scan sees them
    unlabelled = {key: sorted(files) for key, files in written.items() if key not in DETAIL_LABELS}
    assert unlabelled == {}


def test_a_payment_s_details_read_as_amounts_and_dates_in_the_organisation_s_history(organisation):
    from grappe.core.audit import described_details

    event = record_event(
        action="finance.receipt_cancelled",
        target=organisation,
        details={
            "receipt": "REC-2026-00001",
            "amount": "1450.00",
            "on": "2026-03-02",
            "reason": "compte clos",
        },
    )
    budget = record_event(
        action="finance.budget_actuals_imported",
        target=organisation,
        details={"file": "réalisé.csv", "entries": 3, "total_cents": 123456, "on": "pas une date"},
    )

    assert described_details(event) == [
        ("reçu", "REC-2026-00001"),
        ("montant", "1\u202f450,00\u00a0€"),
        ("date", "2 mars 2026"),
        ("motif", "compte clos"),
    ]
    # A value that does not read as what its key says is shown as stored, not dropped.
    assert described_details(budget) == [
        ("fichier", "réalisé.csv"),
        ("écritures", "3"),
        ("total", "1\u202f234,56\u00a0€"),
        ("date", "pas une date"),
    ]
    with translation.override("en"):
        assert described_details(event)[0][0] == "receipt"


def test_a_change_reads_with_the_field_s_name_and_choice_label_even_after_the_field_is_gone(organisation):
    from grappe.core.audit import described_changes

    event = record_event(
        action="update",
        target=organisation,
        changes={
            "name": ["Alpha", "Alpha Conseil"],
            "headcount_bracket": ["", "01"],
            "created_on": [None, "2016-03-01"],
            "fax": ["04", None],
        },
    )

    described = {field: (old, new) for field, old, new in described_changes(event)}
    assert described["raison sociale"] == ("Alpha", "Alpha Conseil")
    assert described["tranche d'effectif"] == ("—", "1 ou 2 salariés")
    assert described["date de création"] == ("—", "1 mars 2016")
    assert described["fax"] == ("04", "—")  # a field since removed keeps its code name and its values
