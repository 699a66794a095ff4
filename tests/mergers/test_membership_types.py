"""Membership types and colleges at a merger: the mapping points the absorbed network's types at the absorber's,
apply moves the members, undo brings every row back."""

from __future__ import annotations

import datetime

import pytest

from grappe.mergers import services
from grappe.mergers.models import Merger
from grappe.mergers.snapshot import registry_checksum
from grappe.registry.models import Association, College, Membership, MembershipType, Organisation

from . import scenario

pytestmark = pytest.mark.django_db


def plan(world, **kwargs):
    return services.plan_merger(
        absorbing=world.numelink, absorbed=world.auvergne_tic, effective_on=scenario.EFFECTIVE, **kwargs
    )


def names(association):
    return set(MembershipType.objects.filter(association=association).values_list("name", flat=True))


def test_the_import_made_each_network_its_own_types(world):
    assert names(world.numelink) == {"Entreprise", "Start-up"}
    assert names(world.auvergne_tic) == {"Membre actif", "Membre associé"}
    assert not Membership.objects.filter(association=world.auvergne_tic, membership_type=None).exists()


def test_apply_points_members_at_the_absorbers_types_and_undo_restores_every_row(world):
    college = College.objects.create(association=world.numelink, name="Entreprises")
    MembershipType.objects.filter(association=world.numelink, name="Entreprise").update(
        default_college=college, fee_category=MembershipType.FeeCategory.COMPANY
    )
    associate = MembershipType.objects.get(association=world.auvergne_tic, name="Membre associé")
    associate.fee_category = MembershipType.FeeCategory.ASSOCIATION
    associate.save()
    merger = plan(world)
    services.set_membership_type_mapping(merger=merger, mapping={"Membre actif": "Entreprise"}, user=None)
    before = registry_checksum()
    absorbed_types = set(MembershipType.objects.filter(association=world.auvergne_tic))

    merger = services.apply_merger(merger=merger, accept_auto_only=True)

    members = Membership.objects.filter(association=world.numelink)
    assert not members.exclude(membership_type__association=world.numelink).exists()
    entreprise = MembershipType.objects.get(association=world.numelink, name="Entreprise")
    brought = members.filter(origin=world.auvergne_tic)
    # Mapped onto « Entreprise », whose default college they join; « Membre associé » created like the old one.
    assert brought.filter(membership_type=entreprise, college=college).exists()
    created = MembershipType.objects.get(association=world.numelink, name="Membre associé")
    assert created.fee_category == MembershipType.FeeCategory.ASSOCIATION
    assert merger.outcome["memberships_mapped"] == brought.filter(membership_type=entreprise).count()
    # The absorbed network keeps its own types (history).
    assert set(MembershipType.objects.filter(association=world.auvergne_tic)) == absorbed_types

    services.undo_merger(merger=merger)

    assert registry_checksum() == before
    assert not MembershipType.objects.filter(pk=created.pk).exists()
    assert names(world.numelink) == {"Entreprise", "Start-up"}


def test_a_fusion_carries_every_type_and_college_into_the_new_association(world):
    college = College.objects.create(association=world.auvergne_tic, name="Partenaires")
    Membership.objects.filter(association=world.auvergne_tic).update(college=college)
    merger = plan(world, kind=Merger.Kind.FUSION, resulting_name="Numélink Auvergne")
    services.set_membership_type_mapping(merger=merger, mapping={}, user=None)
    before = registry_checksum()

    merger = services.apply_merger(merger=merger, accept_auto_only=True)

    into = Association.objects.get(name="Numélink Auvergne")
    assert names(into) == {"Entreprise", "Start-up", "Membre actif", "Membre associé"}
    members = Membership.objects.filter(association=into)
    assert not members.exclude(membership_type__association=into).exists()
    assert set(members.exclude(college=None).values_list("college__association", "college__name")) == {
        (into.pk, "Partenaires")
    }

    services.undo_merger(merger=merger)
    assert registry_checksum() == before


def test_a_mapping_target_name_longer_than_a_type_name_is_refused(world):
    merger = plan(world)
    with pytest.raises(services.UserError, match="trop long"):
        services.set_membership_type_mapping(merger=merger, mapping={"Membre actif": "x" * 81}, user=None)


def test_a_member_cannot_hold_another_networks_type(world):
    from django.core.exceptions import ValidationError

    membership = Membership(
        organisation=Organisation.objects.create(name="Cantal Numérique"),
        association=world.numelink,
        membership_type=MembershipType.objects.get(association=world.auvergne_tic, name="Membre actif"),
        starts_on=datetime.date(2016, 1, 1),
    )
    with pytest.raises(ValidationError, match="n'appartient pas"):
        membership.full_clean()
