"""Registry services shared by the demo story and the merger workflow: nothing is lost, ids stay stable."""

from __future__ import annotations

import datetime

import pytest

from grappe.errors import UserError
from grappe.registry import services
from grappe.registry.models import (
    Association,
    Brand,
    Establishment,
    Lineage,
    Membership,
    Office,
    Organisation,
    SourceFile,
    SourceRecord,
    Territory,
)
from grappe.registry.stats import member_count, members_by_departement, members_by_territory

pytestmark = pytest.mark.django_db

D = datetime.date


def _member(org: Organisation, association: Association, *, departement: str, since: D) -> Membership:
    establishment = Establishment.objects.create(organisation=org, departement_code=departement)
    return Membership.objects.create(
        organisation=org,
        association=association,
        establishment=establishment,
        starts_on=since,
        origin=association,
    )


def _source_record(org: Organisation, association: Association, line: int) -> SourceRecord:
    source, _ = SourceFile.objects.get_or_create(
        sha256="a" * 64,
        sheet="",
        defaults={"original_name": "export.csv", "size": 1, "file_format": "csv", "association": association},
    )
    record = SourceRecord.objects.create(
        source_file=source,
        line_number=line,
        values=[org.name],
        status=SourceRecord.Status.IMPORTED,
        organisation=org,
    )
    Lineage.objects.create(source_record=record, target=org, field="name", value=org.name)
    return record


def test_merge_keeps_survivor_id_and_moves_everything():
    numelink = Association.objects.create(name="Numélink")
    survivor = Organisation.objects.create(name="Ardoise Numérique")
    duplicate = Organisation.objects.create(
        name="ARDOISE NUMERIQUE SAS", siren="732829320", naf_code="62.01Z"
    )
    _member(survivor, numelink, departement="42", since=D(2012, 5, 1))
    _member(duplicate, numelink, departement="69", since=D(2009, 1, 15))
    record = _source_record(duplicate, numelink, 7)

    merged = services.merge_organisations(survivor=survivor, duplicates=[duplicate])

    assert merged.pk == survivor.pk
    assert not Organisation.objects.filter(pk=duplicate.pk).exists()
    merged.refresh_from_db()
    assert merged.siren == "732829320" and merged.naf_code == "62.01Z"
    assert merged.establishments.count() == 2
    membership = merged.memberships.get()
    assert membership.starts_on == D(2009, 1, 15)  # seniority: the earliest start
    record.refresh_from_db()
    assert record.organisation_id == survivor.pk
    assert Lineage.objects.get(source_record=record).object_id == survivor.pk


def test_absorption_moves_members_with_origin_and_structure():
    numelink = Association.objects.create(name="Numélink")
    rhonealley = Association.objects.create(name="RhoneAlley")
    loire = Territory.objects.create(association=numelink, name="Loire", departement_codes=["42"])
    drome = Territory.objects.create(
        association=rhonealley, name="Drôme-Ardèche", departement_codes=["26", "07"]
    )
    Office.objects.create(association=rhonealley, territory=drome, kind="antenna", name="Valence")
    shared = Organisation.objects.create(name="Ardoise")
    only_absorbed = Organisation.objects.create(name="Valence Web")
    _member(shared, numelink, departement="42", since=D(2014, 1, 1))
    _member(shared, rhonealley, departement="42", since=D(2011, 1, 1))
    _member(only_absorbed, rhonealley, departement="26", since=D(2013, 1, 1))

    services.absorb_association(
        absorbed=rhonealley,
        into=numelink,
        effective_on=D(2015, 6, 30),
        keep_name_as_brand=True,
        brand_territories=[drome],
    )

    rhonealley.refresh_from_db()
    assert rhonealley.status == Association.Status.ABSORBED and rhonealley.absorbed_into == numelink
    assert member_count(numelink) == 2
    assert member_count(rhonealley) == 0
    assert Membership.objects.get(organisation=only_absorbed).origin == rhonealley
    assert Membership.objects.get(organisation=shared).starts_on == D(2011, 1, 1)
    assert members_by_departement(numelink) == {"26": 1, "42": 1}
    assert set(members_by_territory(numelink)) == {"Loire", "Drôme-Ardèche"}
    assert Office.objects.get(name="Valence").association == numelink
    brand = Brand.objects.get(name="RhoneAlley")
    assert brand.association == numelink and list(brand.territories.all()) == [drome]
    assert loire.association == numelink


def test_absorbing_twice_is_refused_and_changes_nothing():
    numelink = Association.objects.create(name="Numélink")
    tic = Association.objects.create(name="Auvergne TIC")
    services.absorb_association(absorbed=tic, into=numelink, effective_on=D(2016, 3, 31))
    with pytest.raises(UserError, match="déjà été absorbée"):
        services.absorb_association(absorbed=tic, into=numelink, effective_on=D(2016, 4, 1))
    tic.refresh_from_db()
    assert tic.absorbed_on == D(2016, 3, 31)


def test_an_association_cannot_absorb_itself():
    numelink = Association.objects.create(name="Numélink")
    with pytest.raises(UserError):
        services.absorb_association(absorbed=numelink, into=numelink, effective_on=D(2016, 3, 31))
