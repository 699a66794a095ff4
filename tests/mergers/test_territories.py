"""A merger joins an absorbed territory into the absorber's territory of the same name: whatever hung on the
absorbed one (budget lines, actual entries, action-plan shares, the territorial committee and its mandates,
start-up projects, offices and their staff, brands) lives on under the joined territory, and undo gives back the
absorbed territory and every one of those rows exactly (``grappe.core.dependents``, ``registry.Territory``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from grappe.finance.budget_models import ActionPlan, ActionPlanShare, ActualEntry, Budget, BudgetLine
from grappe.governance.models import Body, Mandate
from grappe.mergers import services as merger_services
from grappe.mergers.models import Merger
from grappe.mergers.snapshot import dump_rows, registry_checksum
from grappe.registry.models import Association, Brand, Office, Organisation, Person, StaffMember, Territory
from grappe.startups.models import StartupProject
from mergers import scenario

pytestmark = pytest.mark.django_db

# Every model whose rows hang on a territory, compared row for row before apply and after undo.
HANGING = (
    Territory,
    Office,
    StaffMember,
    Brand.territories.through,
    Body,
    Mandate,
    Budget,
    BudgetLine,
    ActualEntry,
    ActionPlan,
    ActionPlanShare,
    StartupProject,
)


@dataclass
class Auvergne:
    """Both networks' « Auvergne » territories and what hangs on the absorbed one."""

    kept: Territory
    absorbed: Territory
    shared_plan: ActionPlan
    own_plan: ActionPlan
    line: BudgetLine
    entry: ActualEntry
    committee: Body
    mandate: Mandate
    project: StartupProject
    antenna: Office
    staff: StaffMember
    brand: Brand


def _hang_on_auvergne(world: scenario.Scenario) -> Auvergne:
    tic = world.auvergne_tic
    kept = Territory.objects.create(association=world.numelink, name="Auvergne", departement_codes=["03"])
    absorbed = Territory.objects.get(association=tic, name="Auvergne")
    # A plan Numélink already shared with Auvergne TIC's territory (weights 30 and 20), and one of Auvergne TIC's.
    shared_plan = ActionPlan.objects.create(association=world.numelink, year=2016, name="Cap Numérique")
    ActionPlanShare.objects.create(plan=shared_plan, territory=kept, weight=30)
    ActionPlanShare.objects.create(plan=shared_plan, territory=absorbed, weight=20)
    own_plan = ActionPlan.objects.create(association=tic, year=2016, name="Tournée des volcans")
    ActionPlanShare.objects.create(plan=own_plan, territory=absorbed, weight=7)
    budget = Budget.objects.create(association=tic, year=2016)
    line = BudgetLine.objects.create(
        budget=budget, category="events", label="Salon Auvergne", territory=absorbed, forecast_cents=1_500_000
    )
    entry = ActualEntry.objects.create(
        budget=budget,
        category="events",
        label="Location du salon",
        territory=absorbed,
        date=datetime.date(2016, 2, 3),
        amount_cents=420_000,
    )
    committee = Body.objects.create(
        association=tic, code="comite", name="Comité Auvergne", kind=Body.Kind.COMMITTEE, territory=absorbed
    )
    Body.objects.create(
        association=world.numelink,
        code="comite",
        name="Comité Auvergne de Numélink",
        kind=Body.Kind.COMMITTEE,
        territory=kept,
    )
    president = Person.objects.create(first_name="Anne", last_name="Volcan")
    mandate = Mandate.objects.create(
        body=committee,
        person=president,
        organisation=Organisation.objects.get(siren=scenario.SIREN_PUY),
        role=Mandate.Role.PRESIDENT,
        starts_on=datetime.date(2014, 6, 1),
    )
    project = StartupProject.objects.create(
        name="Lave Analytics", territory=absorbed, stage_since=datetime.date(2015, 11, 2)
    )
    antenna = Office.objects.create(
        association=tic, territory=absorbed, kind=Office.Kind.ANTENNA, name="Antenne du Puy", city="Le Puy"
    )
    staff = StaffMember.objects.create(association=tic, office=antenna, first_name="Léa", last_name="Basalte")
    brand = Brand.objects.create(association=tic, name="Volcans Numériques")
    brand.territories.add(absorbed)
    return Auvergne(
        kept, absorbed, shared_plan, own_plan, line, entry, committee, mandate, project, antenna, staff, brand
    )


def _rows() -> dict[str, list[dict]]:
    return {model._meta.label: dump_rows(model) for model in HANGING}


def _plan(world: scenario.Scenario, kind: str) -> Merger:
    merger = merger_services.plan_merger(
        absorbing=world.numelink,
        absorbed=world.auvergne_tic,
        effective_on=scenario.EFFECTIVE,
        kind=kind,
        resulting_name="Numélink Auvergne" if kind == Merger.Kind.FUSION else "",
    )
    merger_services.set_membership_type_mapping(merger=merger, mapping={}, user=None)
    merger.refresh_from_db()
    return merger


@pytest.mark.parametrize("kind", [Merger.Kind.ABSORPTION, Merger.Kind.FUSION])
def test_joining_a_territory_of_the_same_name_keeps_all_that_hung_on_it_and_undo_restores_it(tmp_path, kind):
    world = scenario.build(tmp_path)
    auvergne = _hang_on_auvergne(world)
    merger = _plan(world, kind)
    before, rows_before = registry_checksum(), _rows()

    merger = merger_services.apply_merger(merger=merger, accept_auto_only=True)

    into = merger.resulting_association or world.numelink
    joined = Territory.objects.get(pk=auvergne.kept.pk)
    assert not Territory.objects.filter(pk=auvergne.absorbed.pk).exists()
    assert (joined.association, joined.departement_codes) == (into, ["03", "43", "63"])
    assert list(Territory.objects.filter(association=into, name="Auvergne")) == [joined]
    # The money stays placed where it was spent: nothing falls back to « network-wide ».
    assert BudgetLine.objects.get(pk=auvergne.line.pk).territory == joined
    assert ActualEntry.objects.get(pk=auvergne.entry.pk).territory == joined
    # A plan both territories shared has one share for the joined territory, worth both; the other plan's moves.
    assert list(auvergne.shared_plan.shares.values_list("territory_id", "weight")) == [(joined.pk, 50)]
    assert list(auvergne.own_plan.shares.values_list("territory_id", "weight")) == [(joined.pk, 7)]
    # The absorbed network's committee lives on, seats and all, beside the absorber's one.
    assert Body.objects.get(pk=auvergne.committee.pk).territory == joined
    assert Body.objects.filter(territory=joined).count() == 2
    assert Mandate.objects.get(pk=auvergne.mandate.pk).body_id == auvergne.committee.pk
    assert StartupProject.objects.get(pk=auvergne.project.pk).territory == joined
    antenna = Office.objects.get(pk=auvergne.antenna.pk)
    assert (antenna.territory, antenna.association) == (joined, into)
    staff = StaffMember.objects.get(pk=auvergne.staff.pk)
    assert (staff.office_id, staff.association) == (antenna.pk, into)
    assert list(Brand.objects.get(pk=auvergne.brand.pk).territories.all()) == [joined]

    merger_services.undo_merger(merger=merger)

    assert _rows() == rows_before  # same ids, same values: the absorbed territory and all that hung on it
    assert registry_checksum() == before
    assert not Association.objects.filter(name="Numélink Auvergne").exists()


def test_a_merger_failing_after_joining_territories_leaves_them_and_their_rows_untouched(
    tmp_path, monkeypatch
):
    from grappe.registry import services as registry_services

    world = scenario.build(tmp_path)
    _hang_on_auvergne(world)
    merger = _plan(world, Merger.Kind.ABSORPTION)
    before, rows_before = registry_checksum(), _rows()
    transfer = registry_services.transfer_structure

    def transfer_then_fail(**kwargs):
        transfer(**kwargs)
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(registry_services, "transfer_structure", transfer_then_fail)
    with pytest.raises(RuntimeError, match="panne simulée"):
        merger_services.apply_merger(merger=merger, accept_auto_only=True)

    assert _rows() == rows_before
    assert registry_checksum() == before
    assert Merger.objects.get(pk=merger.pk).status == Merger.Status.PLANNED
