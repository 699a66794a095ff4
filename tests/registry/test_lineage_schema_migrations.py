"""Migration 0018 lightens the lineage table's writes (benchmarks/intake): the content type's own index goes,
and on PostgreSQL its foreign-key check. Lineage already recorded stays as it was, reads by type still find it,
and the migration can be unapplied."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.usefixtures("unmigrated_database")

BEFORE = [("registry", "0017_staff_assignments")]
AFTER = [("registry", "0018_lineage_content_type_key")]


def _migrate(target: list[tuple[str, str]]) -> object:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def _lineage_rows(apps: object) -> list[tuple]:
    lineage = apps.get_model("registry", "Lineage")  # type: ignore[attr-defined]
    return list(lineage.objects.order_by("pk").values_list("content_type_id", "object_id", "field", "value"))


def _content_type_constraints() -> tuple[set[str], set[str]]:
    """The lineage table's indexes and foreign keys that hold ``content_type_id`` alone."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "registry_lineage")
    alone = {name: spec for name, spec in constraints.items() if spec["columns"] == ["content_type_id"]}
    return (
        {name for name, spec in alone.items() if spec["index"] and not spec["primary_key"]},
        {name for name, spec in alone.items() if spec["foreign_key"]},
    )


def test_recorded_lineage_survives_both_ways_and_reads_by_type_still_find_it():
    old = _migrate(BEFORE)
    organisation = old.get_model("registry", "Organisation").objects.create(name="Atelier Forézien")
    # Content types come from the post_migrate signal, which a migration executor does not send.
    content_type, _ = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="registry", model="organisation"
    )
    old.get_model("registry", "Lineage").objects.create(
        source="manual",
        author_label="Camille Martin",
        content_type=content_type,
        object_id=organisation.pk,
        field="name",
        value="Atelier Forézien",
    )
    recorded = _lineage_rows(old)
    assert _content_type_constraints()[0], "before 0018 the content type has an index of its own"

    new = _migrate(AFTER)
    assert _lineage_rows(new) == recorded
    indexes, foreign_keys = _content_type_constraints()
    assert not indexes
    if connection.vendor == "postgresql":
        assert not foreign_keys
    # Reads by type use the (content_type, object_id, field) index, which starts with the same column.
    assert new.get_model("registry", "Lineage").objects.filter(content_type_id=content_type.pk).count() == 1

    back = _migrate(BEFORE)
    assert _lineage_rows(back) == recorded
    indexes, foreign_keys = _content_type_constraints()
    assert indexes
    if connection.vendor == "postgresql":
        assert foreign_keys


def test_a_deleted_content_type_still_takes_its_lineage_with_it():
    """Without the database's constraint, Django's own cascade keeps lineage from pointing at nothing."""
    apps = _migrate(AFTER)
    content_types = apps.get_model("contenttypes", "ContentType")
    gone = content_types.objects.create(app_label="registry", model="former_model")
    lineage = apps.get_model("registry", "Lineage")
    lineage.objects.create(source="manual", content_type=gone, object_id=1, field="name", value="x")

    gone.delete()

    assert not lineage.objects.filter(content_type_id=gone.pk).exists()
