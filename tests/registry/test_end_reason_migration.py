"""The migration giving a membership's reason for leaving its own fields: the reason last recorded in the
audit log (the edit page's « motif du départ » until now) is carried over, its kind read from its words."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.usefixtures("unmigrated_database")

BEFORE = [("registry", "0012_folded_sort_keys"), ("core", "0001_initial")]
AFTER = [("registry", "0013_membership_end_reason")]


def test_the_last_recorded_reason_of_each_membership_is_carried_over_with_its_kind():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    association = old.get_model("registry", "Association").objects.create(name="Numélink")
    organisation_model = old.get_model("registry", "Organisation")
    membership_model = old.get_model("registry", "Membership")
    event_model = old.get_model("core", "AuditEvent")
    content_type = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="registry", model="membership"
    )[0]
    reasons = {
        "Démission": ["Départ", "Démission du dirigeant"],  # the later one wins
        "Impayés": ["Cotisation impayée depuis 2023"],
        "Absorbée": ["Absorption de RhoneAlley par Numélink"],
        "Fermée": ["Cessation d'activité"],
        "Exclue": ["Exclue pour impayés"],
        "Autre": ["Déménagement à l'étranger"],
        "Sans motif": [],
    }
    moment = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    for name, texts in reasons.items():
        membership = membership_model.objects.create(
            organisation=organisation_model.objects.create(name=name),
            association=association,
            status="ended",
            ends_on=datetime.date(2025, 1, 1),
        )
        for offset, text in enumerate(texts):
            event_model.objects.create(
                at=moment + datetime.timedelta(days=offset),
                actor="test",
                action="change",
                object_type=content_type,
                object_id=membership.pk,
                details={"end_reason": text},
            )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    carried = {
        name: (kind, detail)
        for name, kind, detail in new.get_model("registry", "Membership").objects.values_list(
            "organisation__name", "end_reason", "end_reason_detail"
        )
    }

    assert carried == {
        "Démission": ("resignation", "Démission du dirigeant"),
        "Impayés": ("non_payment", "Cotisation impayée depuis 2023"),
        "Absorbée": ("merger", "Absorption de RhoneAlley par Numélink"),
        "Fermée": ("dissolution", "Cessation d'activité"),
        "Exclue": ("exclusion", "Exclue pour impayés"),
        "Autre": ("other", "Déménagement à l'étranger"),
        "Sans motif": ("", ""),
    }
