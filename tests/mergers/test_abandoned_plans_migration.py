"""The migration that lets a plan be abandoned, and a registry hold one deduplication in preparation at a time:
where the command line had planned several deduplications of one registry, the latest stays planned, the older
ones become abandoned (the constraint would otherwise refuse the upgrade), and nothing else moves."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.usefixtures("unmigrated_database")

BEFORE = [("mergers", "0006_mergerjob_language_alter_mergerjob_action")]
AFTER = [("mergers", "0007_abandoned_plans")]


def test_older_pending_deduplications_of_a_registry_are_abandoned_the_latest_kept():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    association_model = old.get_model("registry", "Association")
    merger_model = old.get_model("mergers", "Merger")
    numelink = association_model.objects.create(name="Numélink")
    auvergne = association_model.objects.create(name="Auvergne TIC")
    day = datetime.date(2016, 3, 31)

    def merger(name: str, absorbing, absorbed, kind: str, status: str) -> None:
        created = merger_model.objects.create(
            absorbing=absorbing, absorbed=absorbed, kind=kind, status=status, effective_on=day
        )
        names[created.pk] = name

    names: dict[int, str] = {}
    merger("first dedup", numelink, numelink, "deduplication", "planned")
    merger("second dedup", numelink, numelink, "deduplication", "planned")
    merger("applied dedup", numelink, numelink, "deduplication", "applied")
    merger("latest dedup", numelink, numelink, "deduplication", "planned")
    merger("other registry", auvergne, auvergne, "deduplication", "planned")
    merger("absorption", numelink, auvergne, "absorption", "planned")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    statuses = {
        names[pk]: status
        for pk, status in new.get_model("mergers", "Merger").objects.values_list("pk", "status")
    }

    assert statuses == {
        "first dedup": "abandoned",
        "second dedup": "abandoned",
        "applied dedup": "applied",
        "latest dedup": "planned",
        "other registry": "planned",
        "absorption": "planned",
    }
