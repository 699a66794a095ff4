"""Mandates follow the people and organisations they hang off through a merger, and undo puts them back."""

from __future__ import annotations

import datetime

import pytest

from grappe.core import dependents
from grappe.governance import selectors
from grappe.governance.models import Body, Mandate
from grappe.mergers import services as merger_services
from grappe.mergers.snapshot import dump_rows, registry_checksum
from grappe.registry import services
from grappe.registry.models import Organisation, Person, Role
from mergers import scenario

DAY = datetime.date(2016, 3, 31)


def _board(association) -> Body:
    return Body.objects.create(association=association, code="conseil", name="Conseil", kind="board")


@pytest.mark.django_db
def test_folding_a_duplicate_keeps_both_mandates_and_one_per_seat_and_person(registry):
    board = _board(registry.numelink)
    survivor, duplicate = registry.drome_logiciels, registry.ardeche_data
    claire = Mandate.objects.create(body=board, person=registry.claire, organisation=survivor, starts_on=DAY)
    # The same person entered twice, holding the same seat from the same day under the duplicate.
    ghost = Person.objects.create(first_name="Claire", last_name="Martin", email=registry.claire.email)
    Role.objects.create(person=ghost, organisation=duplicate, kind=Role.Kind.REPRESENTATIVE)
    Mandate.objects.create(body=board, person=ghost, organisation=duplicate, starts_on=DAY)
    # A past mandate of the duplicate, held by someone else: history, kept.
    former = Person.objects.create(first_name="Luc", last_name="Ancien")
    past = Mandate.objects.create(
        body=board,
        person=former,
        organisation=duplicate,
        starts_on=datetime.date(2013, 3, 31),
        term_ends_on=datetime.date(2016, 3, 31),
    )

    services.merge_organisations(survivor=survivor, duplicates=[duplicate])
    services.deduplicate_people({survivor.pk})

    assert sorted(Mandate.objects.values_list("pk", "person_id", "organisation_id")) == [
        (claire.pk, registry.claire.pk, survivor.pk),
        (past.pk, former.pk, survivor.pk),
    ]
    assert [m.person for m in selectors.composition(board, DAY)] == [registry.claire]
    assert [m.person for m in selectors.composition(board, datetime.date(2015, 1, 1))] == [former]


@pytest.mark.django_db
def test_a_merger_moves_mandates_and_undo_brings_them_back_exactly(tmp_path):
    world = scenario.build(tmp_path)
    board = _board(world.numelink)
    for n, organisation in enumerate(Organisation.objects.order_by("pk")):
        person = Person.objects.create(first_name=f"Admin{n}", last_name=f"Nom{n}")
        Mandate.objects.create(
            body=board, person=person, organisation=organisation, starts_on=datetime.date(2015, 1, n % 28 + 1)
        )
    merger = merger_services.plan_merger(
        absorbing=world.numelink, absorbed=world.auvergne_tic, effective_on=scenario.EFFECTIVE
    )
    merger_services.set_membership_type_mapping(merger=merger, mapping={}, user=None)
    merger.refresh_from_db()
    rows_before, checksum_before = dump_rows(Mandate), registry_checksum()
    assert Mandate in dependents.dependent_models()

    merger = merger_services.apply_merger(merger=merger, accept_auto_only=True)

    surviving = set(Organisation.objects.values_list("pk", flat=True))
    assert Mandate.objects.count() == len(rows_before)
    assert set(Mandate.objects.values_list("organisation_id", flat=True)) <= surviving
    assert [row for row in rows_before if row["organisation_id"] not in surviving], "a mandate had to move"

    merger_services.undo_merger(merger=merger)

    assert dump_rows(Mandate) == rows_before
    assert registry_checksum() == checksum_before
