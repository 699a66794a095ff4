"""The migration that adds ``Establishment.country`` fills every existing establishment with France."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.usefixtures("unmigrated_database")

BEFORE = [("registry", "0004_labels")]
AFTER = [("registry", "0005_country")]


def test_existing_establishments_are_french_after_the_migration():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    organisation = old.get_model("registry", "Organisation").objects.create(name="Atelier Forézien")
    old.get_model("registry", "Establishment").objects.create(
        organisation=organisation, postcode="42000", city="Saint-Étienne", departement_code="42"
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    site = new.get_model("registry", "Establishment").objects.get()

    assert (site.country, site.postcode, site.departement_code) == ("FR", "42000", "42")
    assert new.get_model("registry", "SourceFile")._meta.get_field("default_country").default == "FR"
