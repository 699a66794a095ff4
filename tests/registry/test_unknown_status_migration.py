"""The migration adding « statut inconnu »: imported memberships that said neither a status nor a start date
stop being counted as in good standing; those a person or an import said active keep their status."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.usefixtures("unmigrated_database")

BEFORE = [("registry", "0010_lineage_author_without_index")]
AFTER = [("registry", "0011_membership_status_unknown")]


def test_imported_memberships_that_said_nothing_become_unknown_and_the_others_keep_their_status():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    association = old.get_model("registry", "Association").objects.create(name="Numélink")
    source_file = old.get_model("registry", "SourceFile").objects.create(
        sha256="0" * 64, original_name="membres.csv", size=1, file_format="csv", association=association
    )
    organisation_model = old.get_model("registry", "Organisation")
    membership_model = old.get_model("registry", "Membership")
    content_type = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="registry", model="membership"
    )[0]
    memberships = {}
    for name, imported, starts_on, status_said in [
        ("Silent import", True, None, False),
        ("Dated import", True, datetime.date(2016, 3, 12), False),
        ("Said active", True, None, True),
        ("Typed by hand", False, None, False),
    ]:
        organisation = organisation_model.objects.create(name=name)
        record = None
        if imported:
            record = old.get_model("registry", "SourceRecord").objects.create(
                source_file=source_file,
                line_number=len(memberships) + 2,
                values=[name],
                status="imported",
                organisation=organisation,
            )
        membership = membership_model.objects.create(
            organisation=organisation, association=association, status="active", starts_on=starts_on
        )
        if status_said:
            old.get_model("registry", "Lineage").objects.create(
                source_record=record, content_type=content_type, object_id=membership.pk, field="status"
            )
        memberships[name] = membership.pk

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    status = dict(new.get_model("registry", "Membership").objects.values_list("organisation__name", "status"))

    assert status == {
        "Silent import": "unknown",
        "Dated import": "active",
        "Said active": "active",
        "Typed by hand": "active",
    }
