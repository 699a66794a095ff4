"""The declared contract for dependents: complete, applied by every fold, snapshotted and restored by undo.

``core.dependent_app`` (installed for the tests only) stands in for the apps to come: a mandate (organisation
and person), a yearly due (membership, summed), an open ballot (refuses the merger), a directory listing (one
per organisation) and a programme's participants (a many-to-many).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models
from django.db.models.signals import pre_delete

from core.dependent_app.models import Ballot, Due, Listing, Mandate, Programme
from grappe.core import dependents
from grappe.core.dependents import DependentRefused, Fold
from grappe.mergers import services as merger_services
from grappe.mergers.models import Merger
from grappe.mergers.snapshot import dump_rows, registry_checksum
from grappe.registry import selectors, services
from grappe.registry.models import Membership, Organisation, Person, Role
from mergers import scenario

# A merger deletes these only after ``fold_dependents`` has moved what points at them (an absorbed territory
# joining the absorber's one of the same name included); no merger deletes an establishment (they move with
# their organisation), so nothing may cascade from one.
FOLDED_THEN_DELETED = {
    "registry.Organisation",
    "registry.Person",
    "registry.Membership",
    "registry.Territory",
}


def _relations_to_folded_models() -> set[tuple[str, str]]:
    """(model, field) of every foreign key, one-to-one and many-to-many of every installed model that points at
    an organisation, establishment, person, membership or territory (a many-to-many also when it starts from
    one). A many-to-many through a model of its own is walked as that model's foreign keys."""
    folded = set(dependents.folded_models())
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not field.is_relation or (field.auto_created and not field.concrete):
                continue  # reverse relations are walked from the side that holds them
            if getattr(field, "remote_field", None) is None or field.related_model is None:
                continue  # generic foreign keys are declared as such, the walker cannot see their targets
            if field.many_to_many and not field.remote_field.through._meta.auto_created:
                continue  # its through model's foreign keys are found (and declared) as any model's
            if field.related_model in folded or (field.many_to_many and model in folded):
                found.add((model._meta.label, field.name))
    return found


def test_every_relation_to_a_folded_model_is_declared_once():
    declared = [(d.model, d.field) for d in dependents.declarations()]
    assert len(declared) == len(set(declared)), "a relation is declared twice"
    missing = _relations_to_folded_models() - set(declared)
    assert not missing, (
        f"declare these in their app's dependents.py (grappe.core.dependents): {sorted(missing)}"
    )


def test_a_territory_is_folded_like_a_member_record():
    # A merger joins an absorbed territory into the absorber's one of the same name and deletes it: whatever
    # hangs on a territory (budget lines, action-plan shares, committees, start-up projects, offices) is
    # declared, or the census above fails.
    assert apps.get_model("registry.Territory") in dependents.folded_models()


def test_a_many_to_many_through_a_model_of_its_own_is_declared_by_that_model():
    declaration = dependents.Dependent("finance.ActionPlan", "territories", Fold.MOVE)
    with pytest.raises(ValueError, match=r"goes through finance\.ActionPlanShare: declare its foreign keys"):
        dependents._resolve(declaration)


def test_rows_are_compared_on_their_own_columns_only():
    # A due's « same » naming a reverse relation (the payments allocated to it) has no value to compare.
    declaration = dependents.Dependent("finance.Due", "membership", Fold.MOVE, same=("allocations",))
    with pytest.raises(ValueError, match=r"names 'allocations', which is not one of its columns"):
        dependents._resolve(declaration)


def test_every_declaration_resolves_to_a_relation_to_a_folded_model():
    resolved = {(r.declaration.model, r.declaration.field) for r in dependents.relations()}
    assert resolved == {(d.model, d.field) for d in dependents.declarations()}


def test_no_declared_relation_would_cascade_from_a_delete_no_fold_precedes():
    cascading = [
        f"{r.label}.{r.field.name} → {r.target._meta.label}"
        for r in dependents.relations()
        if r.field is not None
        and r.declaration.fold is not Fold.REFUSE
        and r.field.remote_field.on_delete is models.CASCADE
        and r.target._meta.label not in FOLDED_THEN_DELETED
        and not r.model._meta.auto_created
    ]
    assert not cascading, f"PROTECT or SET_NULL these, or fold their target before deleting it: {cascading}"


@pytest.fixture
def deletions():
    """Every row deleted while the test runs, cascades included (a receiver turns off Django's fast delete)."""
    deleted: list[tuple[str, int]] = []

    def record(sender, instance, **kwargs):
        deleted.append((sender._meta.label, instance.pk))

    pre_delete.connect(record, weak=False, dispatch_uid="test-dependents-deletions")
    yield deleted
    pre_delete.disconnect(dispatch_uid="test-dependents-deletions")


def _hang_everything_on(organisation: Organisation, person: Person, *, year_fee: str) -> None:
    Mandate.objects.create(organisation=organisation, person=person, body="conseil", role="administrateur")
    membership = organisation.memberships.get()
    Due.objects.create(membership=membership, year=2024, amount=Decimal(year_fee))
    Listing.objects.create(organisation=organisation, text=f"Fiche de {organisation.name}")
    Programme.objects.get_or_create(name="French Tech Tremplin")[0].participants.add(organisation)


@pytest.mark.django_db
def test_merging_organisations_moves_every_dependent_and_cascades_nothing(registry, deletions):
    survivor, duplicate = registry.drome_logiciels, registry.ardeche_data
    _hang_everything_on(survivor, registry.claire, year_fee="150")
    ghost = Person.objects.create(first_name="Claire", last_name="Martin", email=registry.claire.email)
    Role.objects.create(person=ghost, organisation=duplicate, kind=Role.Kind.REPRESENTATIVE)
    _hang_everything_on(duplicate, ghost, year_fee="90")
    mandates = sorted(Mandate.objects.values_list("pk", flat=True))

    services.merge_organisations(survivor=survivor, duplicates=[duplicate])
    services.deduplicate_people({survivor.pk})

    # Both mandates live on (KEEP_BOTH on the organisation); the person folded in takes the ghost's one, which
    # duplicated Claire's own (MOVE with same=organisation, body, role) and so is the only one dropped.
    assert set(Mandate.objects.values_list("organisation_id", flat=True)) == {survivor.pk}
    assert list(Mandate.objects.values_list("person_id", flat=True)) == [registry.claire.pk]
    assert sorted(pk for label, pk in deletions if label == "dependent_app.Mandate") == mandates[1:]
    # One current membership (the other ended « fusion »), one due a year: the sum of both (SUM on the
    # membership).
    membership = survivor.memberships.exclude(status=Membership.Status.ENDED).get()
    assert list(Due.objects.values_list("membership_id", "year", "amount")) == [
        (membership.pk, 2024, Decimal("240.00"))
    ]
    # One listing per organisation (a one-to-one): the survivor's stands; one participation in the programme.
    assert list(Listing.objects.values_list("organisation_id", "text")) == [
        (survivor.pk, "Fiche de Drôme Logiciels")
    ]
    assert list(Programme.objects.get().participants.all()) == [survivor]
    # Nothing was deleted but what the declarations fold away (the ghost's role duplicated Claire's); the
    # duplicate's membership is ended, not deleted.
    assert {label for label, _pk in deletions} <= {
        "registry.Organisation",
        "registry.Person",
        "registry.Role",
        "dependent_app.Mandate",
        "dependent_app.Due",
        "dependent_app.Listing",
        "dependent_app.Programme_participants",
    }
    assert ("registry.Organisation", duplicate.pk) in deletions and ("registry.Person", ghost.pk) in deletions


@pytest.mark.django_db
def test_a_refuse_declaration_refuses_the_merge_with_its_message_and_changes_nothing(registry):
    survivor, duplicate = registry.drome_logiciels, registry.ardeche_data
    Ballot.objects.create(organisation=duplicate, title="Élection du conseil 2025")
    before = registry_checksum()

    with pytest.raises(DependentRefused) as refused:
        services.merge_organisations(survivor=survivor, duplicates=[duplicate])

    assert refused.value.message == (
        "La fusion de « Ardèche Data » dans « Drôme Logiciels » est refusée : le scrutin « Élection du conseil "
        "2025 » est ouvert à son nom."
    )
    assert refused.value.hint == "Clôturez le scrutin, puis relancez la fusion."
    assert registry_checksum() == before


@pytest.mark.django_db
def test_a_dependent_is_visible_where_what_it_hangs_off_is(registry, territorial_user, hq_user):
    inside = Mandate.objects.create(organisation=registry.drome_logiciels, body="conseil")
    Mandate.objects.create(organisation=registry.volcans_cloud, body="conseil")
    assert list(selectors.restrict(territorial_user, Mandate.objects.all())) == [inside]
    assert selectors.restrict(hq_user, Mandate.objects.all()).count() == 2
    due = Due.objects.create(membership=registry.drome_logiciels.memberships.get(), year=2024, amount=1)
    Due.objects.create(membership=registry.volcans_cloud.memberships.get(), year=2024, amount=1)
    assert list(selectors.restrict(territorial_user, Due.objects.all())) == [due]


# -- through a whole merger ----------------------------------------------------------------------------------


@pytest.fixture
def world(tmp_path):
    return scenario.build(tmp_path)


def _plan(world) -> Merger:
    merger = merger_services.plan_merger(
        absorbing=world.numelink, absorbed=world.auvergne_tic, effective_on=scenario.EFFECTIVE
    )
    merger_services.set_membership_type_mapping(merger=merger, mapping={}, user=None)
    merger.refresh_from_db()
    return merger


def _dependent_rows() -> dict[str, list[dict]]:
    return {model._meta.label: dump_rows(model) for model in dependents.dependent_models()}


@pytest.mark.django_db
def test_a_merger_moves_dependents_to_the_survivor_and_undo_brings_them_back_exactly(world):
    for n, organisation in enumerate(Organisation.objects.order_by("pk")):
        Mandate.objects.create(
            organisation=organisation,
            body="conseil",
            role=f"siège {n}",
            starts_on=datetime.date(2015, 1, n + 1),
        )
        for membership in Membership.objects.filter(organisation=organisation):
            Due.objects.create(membership=membership, year=2016, amount=Decimal(100 + n))
    merger = _plan(world)
    before, rows_before = registry_checksum(), _dependent_rows()

    merger = merger_services.apply_merger(merger=merger, accept_auto_only=True)

    assert merger.outcome["merged"] >= 1
    surviving = set(Organisation.objects.values_list("pk", flat=True))
    assert Mandate.objects.count() == len(rows_before["dependent_app.Mandate"])  # none deleted
    assert set(Mandate.objects.values_list("organisation_id", flat=True)) <= surviving
    moved = [row for row in rows_before["dependent_app.Mandate"] if row["organisation_id"] not in surviving]
    assert moved, "the scenario folds at least one organisation that had a mandate"

    merger_services.undo_merger(merger=merger)

    assert _dependent_rows() == rows_before  # same ids, same values
    assert registry_checksum() == before


@pytest.mark.django_db
def test_a_merger_refused_by_a_declaration_changes_nothing(world):
    for organisation in Organisation.objects.all():
        Ballot.objects.create(organisation=organisation, title=f"Scrutin de {organisation.name}")
    merger = _plan(world)
    before = registry_checksum()

    with pytest.raises(DependentRefused, match=r"est refusée : le scrutin « Scrutin de .* » est ouvert"):
        merger_services.apply_merger(merger=merger, accept_auto_only=True)

    assert registry_checksum() == before
    assert Merger.objects.get(pk=merger.pk).status == Merger.Status.PLANNED
