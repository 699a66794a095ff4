"""Migrations 0006–0008: free-text membership types and colleges become rows, without loss, and come back.

Run on a real schema with Django's migration executor (SQLite here, PostgreSQL when ``DATABASE_URL`` says so).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.usefixtures("unmigrated_database")

BEFORE = [("registry", "0005_country")]
AFTER = [("registry", "0008_remove_membership_text")]

# (association, category, college) as the free text stood, spellings and blanks included.
ROWS = [
    ("Numélink", "Entreprise", "Entreprises"),
    ("Numélink", "Entreprise", "Entreprises"),
    ("Numélink", "entreprise ", "Entreprises"),  # another spelling stays another type: nothing is folded
    ("Numélink", "Start-up", ""),
    ("Numélink", "", "Collectivités et partenaires"),
    ("Numélink", "", ""),
    ("RhoneAlley", "Entreprise", "Collège entreprises"),
    ("RhoneAlley", "Membre associé", "Collège partenaires"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_registry():
    return _migrate(BEFORE)


def _seed(apps):
    Association = apps.get_model("registry", "Association")
    Organisation = apps.get_model("registry", "Organisation")
    Membership = apps.get_model("registry", "Membership")
    ContentType = apps.get_model("contenttypes", "ContentType")
    SourceFile = apps.get_model("registry", "SourceFile")
    SourceRecord = apps.get_model("registry", "SourceRecord")
    Lineage = apps.get_model("registry", "Lineage")
    networks = {name: Association.objects.create(name=name) for name in ("Numélink", "RhoneAlley")}
    texts = {}
    for index, (network, category, college) in enumerate(ROWS):
        organisation = Organisation.objects.create(name=f"Société {index}")
        membership = Membership.objects.create(
            organisation=organisation, association=networks[network], category=category, college=college
        )
        texts[membership.pk] = (category, college)
    source = SourceFile.objects.create(
        sha256="0" * 64,
        original_name="membres.csv",
        size=1,
        file_format="csv",
        association=networks["Numélink"],
    )
    record = SourceRecord.objects.create(
        source_file=source, line_number=2, values=["Entreprise"], status="imported"
    )
    kind, _ = ContentType.objects.get_or_create(app_label="registry", model="membership")
    first = min(texts)
    Lineage.objects.create(
        source_record=record, content_type=kind, object_id=first, field="category", value="Entreprise"
    )
    return texts


def test_free_text_becomes_rows_of_each_association_and_the_reverse_restores_it(old_registry):
    texts = _seed(old_registry)

    apps = _migrate(AFTER)

    MembershipType = apps.get_model("registry", "MembershipType")
    College = apps.get_model("registry", "College")
    Membership = apps.get_model("registry", "Membership")
    Lineage = apps.get_model("registry", "Lineage")
    names = set(MembershipType.objects.values_list("association__name", "name"))
    assert names == {
        ("Numélink", "Entreprise"),
        ("Numélink", "entreprise "),
        ("Numélink", "Start-up"),
        ("RhoneAlley", "Entreprise"),
        ("RhoneAlley", "Membre associé"),
    }
    assert set(College.objects.values_list("association__name", "name")) == {
        ("Numélink", "Entreprises"),
        ("Numélink", "Collectivités et partenaires"),
        ("RhoneAlley", "Collège entreprises"),
        ("RhoneAlley", "Collège partenaires"),
    }
    for membership in Membership.objects.select_related("membership_type", "college", "association"):
        category, college = texts[membership.pk]
        assert (membership.membership_type.name if membership.membership_type else "") == category
        assert (membership.college.name if membership.college else "") == college
        for row in (membership.membership_type, membership.college):
            assert row is None or row.association_id == membership.association_id
    assert list(Lineage.objects.values_list("field", flat=True)) == ["membership_type"]

    apps = _migrate(BEFORE)

    Membership = apps.get_model("registry", "Membership")
    restored = {m.pk: (m.category, m.college) for m in Membership.objects.all()}
    assert restored == texts
    assert list(apps.get_model("registry", "Lineage").objects.values_list("field", flat=True)) == ["category"]


def test_migrating_forward_twice_links_the_same_rows(old_registry):
    texts = _seed(old_registry)
    _migrate(AFTER)
    _migrate(BEFORE)

    apps = _migrate(AFTER)

    MembershipType = apps.get_model("registry", "MembershipType")
    assert MembershipType.objects.count() == 5
    Membership = apps.get_model("registry", "Membership")
    for membership in Membership.objects.select_related("membership_type"):
        assert (membership.membership_type.name if membership.membership_type else "") == texts[
            membership.pk
        ][0]
