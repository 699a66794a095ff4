"""The merger workflow on a small hand-made pair of registries: plan, review, apply, undo, permissions, audit."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from grappe.errors import UserError
from grappe.mergers import selectors, services
from grappe.mergers.models import AuditEntry, CandidatePair, Merger, PairDecision
from grappe.mergers.snapshot import registry_checksum
from grappe.registry.models import (
    Association,
    Brand,
    Lineage,
    Membership,
    MembershipType,
    Organisation,
    Person,
    Role,
    SourceFile,
)

from . import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(django_user_model):
    user = django_user_model.objects.create_user(
        "fusion", first_name="Sophie", last_name="Bernard", is_staff=True
    )
    user.user_permissions.add(Permission.objects.get(codename="manage_merger"))
    return django_user_model.objects.get(pk=user.pk)


def plan(world, *, confirm_types=True, **kwargs):
    """Auvergne TIC → Numélink, planned; its proposed membership types confirmed (apply requires it) unless
    ``confirm_types`` is False."""
    merger = services.plan_merger(
        absorbing=world.numelink,
        absorbed=world.auvergne_tic,
        effective_on=scenario.EFFECTIVE,
        keep_name_as_brand=True,
        **kwargs,
    )
    if confirm_types:
        services.set_membership_type_mapping(merger=merger, mapping={}, user=None)
        merger.refresh_from_db()
    return merger


def org(siren):
    return Organisation.objects.get(siren=siren)


def pair_between(merger, name_left, name_right):
    return merger.pairs.get(left_label__startswith=name_left, right_label__startswith=name_right)


def test_plan_finds_sure_matches_review_pairs_new_members_and_conflicts(world):
    merger = plan(world)

    assert merger.status == Merger.Status.PLANNED
    counts = merger.summary["counts"]
    assert counts["already_common"] == 1  # Atelier Forézien: same SIREN, one organisation since the import
    assert counts["sure_matches"] == 1  # Loire Logiciels, by score
    assert counts["internal_duplicates"] == 1  # Volcans Cloud twice in the export
    assert counts["to_review"] == 1
    assert counts["conflicts"] == 1
    sure = pair_between(merger, "Loire Logiciels SAS", "Loire Logiciels")
    assert sure.band == CandidatePair.Band.AUTO_MATCH and sure.kind == CandidatePair.Kind.CROSS
    conflict = pair_between(merger, "Web Roanne Studio", "Web Roanne")
    assert conflict.band == CandidatePair.Band.REVIEW
    assert "siren_conflict" in conflict.conflicts
    assert any(item.get("comparison") for item in conflict.evidence)
    internal = merger.pairs.get(kind=CandidatePair.Kind.INTERNAL)
    assert internal.left_label.startswith("Volcans Cloud")
    assert merger.summary["after"]["members"] == 6
    assert set(merger.summary["after"]["by_territory"]) == {"Loire", "Auvergne"}
    assert AuditEntry.objects.filter(merger=merger, action="plan").exists()


def test_plan_imports_the_file_when_given(tmp_path):
    world = scenario.build(tmp_path, import_absorbed=False)
    merger = plan(world, path=world.auvergne_export)
    assert merger.source_file is not None and merger.source_file.association == world.auvergne_tic
    assert merger.summary["counts"]["absorbed_members"] == 6
    assert AuditEntry.objects.filter(action="import").exists()


def test_decisions_are_stored_with_who_and_when_and_rejections_remembered(world, manager):
    merger = plan(world, user=manager)
    conflict = pair_between(merger, "Web Roanne Studio", "Web Roanne")

    services.decide_pair(pair=conflict, decision="rejected", user=manager)

    conflict.refresh_from_db()
    assert conflict.decision == "rejected" and conflict.decided_by == manager and conflict.decided_at
    memory = PairDecision.objects.get()
    assert memory.decision == "non_match" and memory.decided_by == manager
    # A later run remembers "not the same company".
    services.abandon_plan(merger=merger, user=manager)
    again = plan(world, user=manager)
    remembered = pair_between(again, "Web Roanne Studio", "Web Roanne")
    assert remembered.decision == "rejected"
    assert "mémorisée" in remembered.decided_by_label
    assert AuditEntry.objects.filter(action="decide", user=manager).exists()


def test_an_abandoned_plan_changes_nothing_keeps_its_decisions_and_frees_the_absorbed_network(world, manager):
    """A plan that will not be applied (wrong export, merger called off) is dropped: the registry as it was, the
    merger read-only with its journal, its review's decisions remembered by the next plan."""
    before = registry_checksum()
    merger = plan(world, user=manager)
    services.decide_pair(
        pair=pair_between(merger, "Web Roanne Studio", "Web Roanne"), decision="rejected", user=manager
    )
    with pytest.raises(UserError, match="ne peut pas être absorbée deux fois") as refused:
        plan(world, user=manager)
    assert f"grappe merge abandon {merger.pk}" in refused.value.hint

    services.abandon_plan(merger=merger, user=manager)

    merger.refresh_from_db()
    assert merger.status == Merger.Status.ABANDONED
    assert merger.abandoned_by == manager and merger.abandoned_at
    assert registry_checksum() == before
    assert AuditEntry.objects.filter(merger=merger, action="abandon", user=manager).exists()
    with pytest.raises(UserError, match="Impossible d'appliquer la fusion"):
        services.apply_merger(merger=merger, accept_auto_only=True)
    with pytest.raises(UserError, match="Impossible d'abandonner le plan de la fusion"):
        services.abandon_plan(merger=merger, user=manager)
    with pytest.raises(UserError, match="Impossible de réviser la fusion"):
        services.decide_pair(pair=merger.pairs.first(), decision="accepted", user=manager)
    again = plan(world, user=manager)
    assert pair_between(again, "Web Roanne Studio", "Web Roanne").decision == "rejected"


def test_an_applied_merger_s_plan_cannot_be_abandoned(world, manager):
    merger = services.apply_merger(merger=plan(world), accept_auto_only=True)
    with pytest.raises(UserError, match="il faut qu'elle soit « planifiée »") as refused:
        services.abandon_plan(merger=merger, user=manager)
    assert "grappe merge undo" in refused.value.hint
    assert Merger.objects.get(pk=merger.pk).status == Merger.Status.APPLIED


def test_a_registry_has_one_deduplication_in_preparation_at_a_time(world, manager):
    first = services.plan_deduplication(association=world.auvergne_tic, user=manager)
    with pytest.raises(
        UserError, match=f"Le dédoublonnage n° {first.pk} de « Auvergne TIC » est déjà préparé"
    ):
        services.plan_deduplication(association=world.auvergne_tic, user=manager)
    # Another registry's is not held up; an abandoned one frees its registry.
    services.plan_deduplication(association=world.numelink, user=manager)
    services.abandon_plan(merger=first, user=manager)
    second = services.plan_deduplication(association=world.auvergne_tic, user=manager)
    assert second.status == Merger.Status.PLANNED


def test_apply_refuses_undecided_pairs_unless_told(world):
    merger = plan(world)
    with pytest.raises(UserError, match="à vérifier sans décision"):
        services.apply_merger(merger=merger)
    assert Merger.objects.get(pk=merger.pk).status == Merger.Status.PLANNED


def test_apply_merges_with_survivorship_lineage_seniority_origin_and_brand(world):
    atelier, loire = org(scenario.SIREN_ATELIER), org(scenario.SIREN_LOIRE_LOGICIELS)
    loire_duplicate_id = Organisation.objects.get(name="Loire Logiciels SAS").pk
    merger = plan(world, confirm_types=False)
    services.set_membership_type_mapping(merger=merger, mapping={"Membre actif": "Entreprise"}, user=None)
    services.decide_pair(
        pair=pair_between(merger, "Web Roanne Studio", "Web Roanne"), decision="rejected", user=None
    )

    merger = services.apply_merger(merger=merger)

    assert merger.status == Merger.Status.APPLIED
    # Ids stable: the absorber's organisations keep theirs; the absorbed duplicate is gone.
    assert Organisation.objects.filter(pk=loire.pk).exists()
    assert not Organisation.objects.filter(pk=loire_duplicate_id).exists()
    loire.refresh_from_db()
    # Survivorship: the valid SIREN is kept; the most recent name (the later import) wins.
    assert loire.siren == scenario.SIREN_LOIRE_LOGICIELS
    assert loire.name == "Loire Logiciels SAS"
    org_type = ContentType.objects.get_for_model(Organisation)
    names = Lineage.objects.filter(content_type=org_type, object_id=loire.pk, field="name")
    assert {(row.value, row.retained) for row in names} >= {
        ("Loire Logiciels", False),
        ("Loire Logiciels SAS", True),
    }
    # Seniority (earliest start), origin, mapped type, one membership of Numélink.
    current = Membership.objects.exclude(status=Membership.Status.ENDED)
    membership = current.get(organisation=loire, association=world.numelink)
    assert membership.starts_on == datetime.date(2011, 1, 1)
    atelier_membership = current.get(organisation=atelier, association=world.numelink)
    assert atelier_membership.starts_on == datetime.date(2008, 6, 10)
    assert atelier_membership.origin == world.auvergne_tic
    volcans = Organisation.objects.get(siren=scenario.SIREN_VOLCANS)
    volcans_membership = current.get(organisation=volcans, association=world.numelink)
    assert volcans_membership.origin == world.auvergne_tic and volcans_membership.category == "Entreprise"
    puy = Membership.objects.get(organisation__siren=scenario.SIREN_PUY)
    assert puy.status == Membership.Status.PENDING and puy.category == "Membre associé"
    # The conflict kept apart: both Web Roanne are members now.
    assert Organisation.objects.filter(name__startswith="Web Roanne").count() == 2
    # People de-duplicated within the organisation: Claire Durand appears once at Loire Logiciels.
    people = Person.objects.filter(roles__organisation=loire).distinct()
    assert people.count() == 1
    # Every distinct e-mail kept (on a site when not on the organisation).
    emails = {loire.email, *loire.establishments.values_list("email", flat=True)}
    assert "bonjour@loire-logiciels.fr" in emails
    # The absorbed association is absorbed on the effective date; its name is a brand.
    world.auvergne_tic.refresh_from_db()
    assert world.auvergne_tic.status == Association.Status.ABSORBED
    assert world.auvergne_tic.absorbed_on == scenario.EFFECTIVE
    assert Brand.objects.filter(association=world.numelink, name="Auvergne TIC").exists()
    assert merger.outcome["members_after"] == 6  # Puy Data is pending
    assert any(item["field"] == "name" for item in merger.outcome["conflicts_resolved"])
    assert AuditEntry.objects.filter(merger=merger, action="apply", actor=services.COMMAND_LINE).exists()


def test_people_with_the_same_email_at_one_organisation_are_one_person(world):
    atelier = org(scenario.SIREN_ATELIER)
    assert Person.objects.filter(roles__organisation=atelier).distinct().count() == 1
    other = Person.objects.create(
        first_name="P.", last_name="Martin", email="paul.martin@atelier-forezien.fr"
    )
    Role.objects.create(person=other, organisation=atelier, kind=Role.Kind.CONTACT)
    assert services.deduplicate_people({atelier.pk}) == 1
    assert Person.objects.filter(roles__organisation=atelier).distinct().count() == 1


def test_crash_in_the_middle_of_apply_changes_nothing(world, monkeypatch):
    merger = plan(world)
    before = registry_checksum()

    def crash(point, index):
        if point == "associations":
            raise RuntimeError("panne simulée")

    monkeypatch.setattr("grappe.mergers.apply.FAULT_HOOK", crash)
    with pytest.raises(RuntimeError):
        services.apply_merger(merger=merger, accept_auto_only=True)

    assert registry_checksum() == before
    assert Merger.objects.get(pk=merger.pk).status == Merger.Status.PLANNED
    assert AuditEntry.objects.filter(merger=merger, action="apply_failed").exists()


def test_rerunning_an_applied_merger_is_refused(world):
    merger = services.apply_merger(merger=plan(world), accept_auto_only=True)
    with pytest.raises(UserError, match="grappe merge undo"):
        services.apply_merger(merger=merger, accept_auto_only=True)
    with pytest.raises(UserError, match=r"deux fois|plus active"):
        plan(world)


def test_undo_restores_the_registry_exactly(world, manager):
    merger = plan(world)
    before = registry_checksum()
    merger = services.apply_merger(merger=merger, accept_auto_only=True, user=manager)
    assert registry_checksum() != before

    services.undo_merger(merger=merger, user=manager)

    assert registry_checksum() == before
    assert Merger.objects.get(pk=merger.pk).status == Merger.Status.UNDONE
    assert AuditEntry.objects.filter(merger=merger, action="undo", user=manager).exists()
    # The association may be planned again.
    assert plan(world).status == Merger.Status.PLANNED


def test_a_member_of_both_keeps_one_current_membership_and_the_other_ends_by_the_merger(world):
    from grappe.mergers.snapshot import dump_rows

    atelier = org(scenario.SIREN_ATELIER)  # Numélink since 15/01/2010, Auvergne TIC since 10/06/2008
    own = Membership.objects.get(organisation=atelier, association=world.numelink)
    brought = Membership.objects.get(organisation=atelier, association=world.auvergne_tic)
    before = dump_rows(Membership)
    merger = services.apply_merger(merger=plan(world), accept_auto_only=True)

    current = Membership.objects.exclude(status=Membership.Status.ENDED).get(organisation=atelier)
    assert (current.pk, current.association, current.origin) == (
        brought.pk,
        world.numelink,
        world.auvergne_tic,
    )
    assert current.starts_on == datetime.date(2008, 6, 10)  # seniority
    ended = Membership.objects.get(pk=own.pk)
    assert (ended.association, ended.status, ended.starts_on, ended.ends_on) == (
        world.numelink,
        Membership.Status.ENDED,
        datetime.date(2010, 1, 15),
        scenario.EFFECTIVE,
    )
    assert ended.get_end_reason_display() == "fusion" and f"n° {brought.pk}" in ended.end_reason_detail
    # The same for Loire Logiciels (folded into the absorber's organisation first) and for the duplicate Volcans
    # Cloud of Auvergne TIC's export (two memberships of one association, ended on the merger's date too).
    ends = Membership.objects.filter(status=Membership.Status.ENDED).values_list(
        "organisation__name", "ends_on"
    )
    assert sorted(ends) == [
        ("Atelier Forézien", scenario.EFFECTIVE),
        ("Loire Logiciels SAS", scenario.EFFECTIVE),
        ("Volcans Cloud", scenario.EFFECTIVE),
    ]
    # Ended memberships count no member: the report's figures are the current memberships'.
    assert merger.outcome["members_after"] == 6
    assert merger.outcome["members_before"] == {"Numélink": 4, "Auvergne TIC": 5}
    assert len(services.member_ids(world.numelink)) == 7  # Puy Data pending: a member, not counted active

    services.undo_merger(merger=merger)

    assert dump_rows(Membership) == before  # both original memberships, exactly


def test_second_merger_on_top_works_and_blocks_undo_of_the_first(world):
    first = services.apply_merger(merger=plan(world), accept_auto_only=True)
    rhone = Association.objects.create(name="RhoneAlley")
    volcans = Organisation.objects.create(name="Drôme Soft")
    Membership.objects.create(organisation=volcans, association=rhone, origin=rhone)
    second = services.plan_merger(
        absorbing=world.numelink, absorbed=rhone, effective_on=datetime.date(2016, 6, 1)
    )
    between = registry_checksum()
    second = services.apply_merger(merger=second, accept_auto_only=True)
    assert second.outcome["members_after"] == 7

    with pytest.raises(UserError, match=f"n° {second.pk}"):
        services.undo_merger(merger=first)

    services.undo_merger(merger=second)
    assert registry_checksum() == between
    services.undo_merger(merger=first)  # the second is undone: the first may be now
    assert Association.objects.get(pk=world.auvergne_tic.pk).status == Association.Status.ACTIVE


def test_undo_refused_when_touched_rows_changed_later(world):
    merger = services.apply_merger(merger=plan(world), accept_auto_only=True)
    loire = org(scenario.SIREN_LOIRE_LOGICIELS)
    loire.website = "https://nouveau.example.fr"
    loire.save()
    with pytest.raises(UserError, match="ont changé depuis"):
        services.undo_merger(merger=merger)


def test_permission_is_required(world, django_user_model):
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    with pytest.raises(services.MergerForbidden):
        plan(world, user=staff)
    merger = plan(world)
    for action in (
        lambda: services.decide_pair(pair=merger.pairs.first(), decision="accepted", user=staff),
        lambda: services.accept_above(merger=merger, threshold=0.5, user=staff),
        lambda: services.apply_merger(merger=merger, user=staff, accept_auto_only=True),
        lambda: services.undo_merger(merger=merger, user=staff),
    ):
        with pytest.raises(services.MergerForbidden):
            action()
    assert Merger.objects.get(pk=merger.pk).status == Merger.Status.PLANNED


def test_the_merger_right_on_an_account_outside_the_staff_is_not_enough(world, django_user_model):
    """A member company's account given the permission by mistake still cannot act on a merger."""
    member = django_user_model.objects.create_user("representant", is_staff=False)
    member.user_permissions.add(Permission.objects.get(codename="manage_merger"))
    member = django_user_model.objects.get(pk=member.pk)
    assert member.has_perm("mergers.manage_merger")
    with pytest.raises(services.MergerForbidden, match="droit"):
        plan(world, user=member)
    assert not selectors.can_manage_mergers(member)
    assert not selectors.mergers_for(member).exists()


def test_accept_above_a_threshold(world, manager):
    merger = plan(world)
    assert services.accept_above(merger=merger, threshold=0.99, user=manager) == 1
    assert merger.pairs.filter(decision="accepted", decided_by=manager).count() == 1
    entry = AuditEntry.objects.get(action="bulk_accept")
    assert entry.details == {"threshold": 0.99, "accepted": 1} and entry.actor == "Sophie Bernard"


def test_deduplication_of_one_registry(world):
    world_numelink_members = services.member_ids(world.auvergne_tic)
    merger = services.plan_deduplication(association=world.auvergne_tic)
    assert merger.summary["counts"]["internal_duplicates"] == 1
    merger = services.apply_merger(merger=merger, accept_auto_only=True)
    assert len(services.member_ids(world.auvergne_tic)) == len(world_numelink_members) - 1


def test_rows_an_import_made_separate_organisations_are_one_after_deduplication(tmp_path):
    """An export naming a company on 60 rows (no SIREN, nothing else): the import makes 60 organisations, and
    the deduplication finds them one, beyond the engine's block cap, in the sure band (they were never
    merged: each row's own organisation made every row look kept apart)."""
    network = Association.objects.create(name="Brevets", seat_city="Eindhoven")
    rows = [["* AKZO NOBEL N.V."] + [""] * 9 + ["Membre", "Actif", "", "", ""]] * 60
    rows.append(["Zèbre Logiciels"] + [""] * 9 + ["Membre", "Actif", "", "", ""])
    scenario.import_file(path=scenario.write_csv(tmp_path / "brevets.csv", rows), association=network)
    assert len(services.member_ids(network)) == 61

    merger = services.plan_deduplication(association=network)
    assert merger.summary["counts"]["internal_duplicates"] == 59
    assert merger.summary["counts"]["to_review"] == 0
    services.apply_merger(merger=merger, accept_auto_only=True)

    names = sorted(
        Organisation.objects.filter(pk__in=services.member_ids(network)).values_list("name", flat=True)
    )
    assert names == ["* AKZO NOBEL N.V.", "Zèbre Logiciels"]


def test_the_report_lists_every_shared_and_every_new_member_before_and_after_apply(world):
    """Members the import already made one organisation (same SIREN) are overlaps though no pair names them;
    new members are every member brought that folds into no existing one, each duplicate group once."""
    from grappe.mergers.report import merger_report

    merger = plan(world)
    services.decide_pair(
        pair=pair_between(merger, "Web Roanne Studio", "Web Roanne"), decision="rejected", user=None
    )

    def names(items):
        return sorted(item["name"] for item in items)

    planned = merger_report(merger)
    assert names(planned.already_common) == ["Atelier Forézien"]
    assert [pair.right_label.split(" — ")[0] for pair in planned.overlaps] == ["Loire Logiciels"]
    assert [pair.left_label.split(" — ")[0] for pair in planned.duplicates] == ["Volcans Cloud"]
    assert planned.overlap_count == 2
    assert names(planned.new_members) == ["Puy Data", "Volcans Cloud", "Web Roanne Studio"]

    applied = merger_report(services.apply_merger(merger=merger))
    assert names(applied.new_members) == names(planned.new_members)
    assert len(applied.new_members) == applied.merger.outcome["created"]
    assert names(applied.already_common) == ["Atelier Forézien"] and applied.overlap_count == 2


# -- membership types: confirmed before apply ----------------------------------------------------------------


def test_apply_is_refused_until_the_membership_types_are_confirmed(world):
    merger = plan(world, confirm_types=False)
    assert merger.membership_type_mapping == {
        "Membre actif": "Membre actif",
        "Membre associé": "Membre associé",
    }
    before = registry_checksum()

    with pytest.raises(services.MergerRefused) as refused:
        services.apply_merger(merger=merger, accept_auto_only=True)

    message = str(refused.value)
    assert f"fusion n° {merger.pk} (Auvergne TIC → Numélink)" in message
    assert "« Membre actif », « Membre associé »" in message and "n'est pas confirmée" in message
    assert f"grappe merge mapping {merger.pk} --confirm" in message and "Rien n'a été modifié" in message
    assert registry_checksum() == before
    assert Merger.objects.get(pk=merger.pk).status == Merger.Status.PLANNED
    assert not AuditEntry.objects.filter(merger=merger, action__in=["apply", "apply_failed"]).exists()

    services.set_membership_type_mapping(merger=merger, mapping={}, user=None)  # the proposal, confirmed
    assert services.apply_merger(merger=merger, accept_auto_only=True).status == Merger.Status.APPLIED


def test_a_membership_type_that_appears_after_the_confirmation_refuses_apply(world):
    merger = plan(world)
    newcomer = Organisation.objects.create(name="Cantal Numérique")
    Membership.objects.create(
        organisation=newcomer,
        association=world.auvergne_tic,
        membership_type=MembershipType.objects.create(association=world.auvergne_tic, name="Bienfaiteur"),
        origin=world.auvergne_tic,
    )

    with pytest.raises(services.MergerRefused, match=r"« Bienfaiteur » .* est apparu depuis la confirmation"):
        services.apply_merger(merger=merger, accept_auto_only=True)
    assert services.unconfirmed_types(merger) == ["Bienfaiteur"]


def test_a_partial_mapping_changes_only_the_types_it_names(world):
    merger = plan(world, confirm_types=False)
    services.set_membership_type_mapping(merger=merger, mapping={"Membre actif": "Entreprise"}, user=None)
    services.set_membership_type_mapping(merger=merger, mapping={"Membre associé": "Start-up"}, user=None)
    merger.refresh_from_db()
    assert merger.membership_type_mapping == {"Membre actif": "Entreprise", "Membre associé": "Start-up"}
    assert merger.mapping_confirmed


def test_a_deduplication_carries_no_types_over_and_needs_no_mapping(world):
    merger = services.plan_deduplication(association=world.auvergne_tic)
    assert services.unconfirmed_types(merger) == []


# -- the plan's projection agrees with apply ------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["accepted", "rejected"])
def test_the_plan_counts_new_members_as_apply_counts_them(world, decision):
    merger = plan(world)
    # Web Roanne Studio (to review), Volcans Cloud (twice in the export: one member) and Puy Data.
    assert merger.summary["counts"]["new_members"] == 3
    services.decide_pair(
        pair=pair_between(merger, "Web Roanne Studio", "Web Roanne"), decision=decision, user=None
    )
    projected = services.plan_counts(merger)["new_members"]
    assert projected == (2 if decision == "accepted" else 3)

    merger = services.apply_merger(merger=merger)

    assert merger.outcome["created"] == len(merger.outcome["new_members"]) == projected
    assert services.plan_counts(merger)["new_members"] == projected


def test_a_former_member_of_the_absorbed_network_is_not_counted_as_brought(world):
    former = Organisation.objects.create(name="Cantal Numérique")
    Membership.objects.create(
        organisation=former,
        association=world.auvergne_tic,
        origin=world.auvergne_tic,
        status=Membership.Status.ENDED,
        starts_on=datetime.date(2009, 1, 1),
        ends_on=datetime.date(2012, 12, 31),
        end_reason=Membership.EndReason.RESIGNATION,
    )

    merger = services.apply_merger(merger=plan(world), accept_auto_only=True)

    assert former.pk not in merger.outcome["new_members"]
    assert merger.outcome["created"] == len(merger.outcome["new_members"]) == 3


def test_a_plan_that_fails_after_the_import_leaves_the_export_not_imported(tmp_path, monkeypatch):
    world = scenario.build(tmp_path, import_absorbed=False)
    before = registry_checksum()
    files = SourceFile.objects.count()

    def broken_linkage(*args, **kwargs):
        raise RuntimeError("moteur de rapprochement en panne")

    monkeypatch.setattr("grappe.mergers.plan.link", broken_linkage)
    with pytest.raises(RuntimeError):
        plan(world, path=world.auvergne_export)

    assert registry_checksum() == before and SourceFile.objects.count() == files
    assert not Merger.objects.exists() and not AuditEntry.objects.filter(action="import").exists()


# -- the report and the audit log read in French -------------------------------------------------------------


def test_field_conflicts_in_the_report_name_the_field_and_the_organisation(world):
    from grappe.mergers.report import merger_report, report_html

    merger = plan(world)
    services.decide_pair(
        pair=pair_between(merger, "Web Roanne Studio", "Web Roanne"), decision="rejected", user=None
    )
    report = merger_report(services.apply_merger(merger=merger))

    fields = [c for c in report.conflicts if c["pair"] is None]
    assert {"organisation": "Loire Logiciels SAS", "labels": ["Raison sociale"]}.items() <= fields[0].items()
    assert all(label != "name" for c in fields for label in c["labels"])
    assert "retenu « Loire Logiciels SAS »" in fields[0]["resolution"]
    html = report_html(report)
    assert "Rapprochements sûrs" in html and "sure_matches" not in html


def test_audit_details_read_as_labels_not_keys(world):
    from grappe.mergers.labels import audit_details

    merger = plan(world)
    services.decide_pair(
        pair=pair_between(merger, "Web Roanne Studio", "Web Roanne"), decision="rejected", user=None
    )
    services.accept_above(merger=merger, threshold=0.9, user=None)
    decided = AuditEntry.objects.get(merger=merger, action="decide")
    planned = AuditEntry.objects.get(merger=merger, action="plan")
    bulk = AuditEntry.objects.get(merger=merger, action="bulk_accept")

    assert audit_details(decided.details)[1] == ("Décision", "pas la même entreprise")
    assert audit_details(decided.details)[0][0] == "Paire"
    assert audit_details(planned.details)[0][1].startswith("Adhérents de l'absorbée 6, ")
    assert audit_details(bulk.details) == [("Seuil", "90,0 %"), ("Paires acceptées", "0")]


def test_apply_leaves_exactly_the_expected_audit_events(world, manager):
    from grappe.core.models import AuditEvent

    merger = plan(world)
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    merger = services.apply_merger(merger=merger, accept_auto_only=True, user=manager)

    events = list(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))
    actions = [event.action for event in events]
    folds = [event for event in events if event.action == "organisation.merge"]
    assert actions == [*["organisation.merge"] * len(folds), "association.absorb", "merger.apply"]
    assert folds and sum(len(event.details["folded"]) for event in folds) == (
        merger.outcome["merged"] + merger.outcome["internal_merged"]
    )
    assert {(event.user_id, event.context_id) for event in events} == {(manager.pk, merger.pk)}
    absorbed = events[-2]
    assert (absorbed.object_id, absorbed.changes["status"]) == (world.auvergne_tic.pk, ["active", "absorbed"])
    assert events[-1].details["merged"] == merger.outcome["merged"]
    # Undo is one more event; nothing recorded is taken back.
    services.undo_merger(merger=merger, user=manager)
    assert AuditEvent.objects.filter(pk__gt=last).count() == len(events) + 1
    assert AuditEvent.objects.order_by("-pk").first().action == "merger.undo"


def test_checksums_are_the_sha_256_of_each_row_as_json_so_those_stored_with_applied_mergers_stay_valid(world):
    # Undo compares the checksums stored when a merger was applied with the registry's now: their format is a
    # promise across upgrades. Each table's label, then each row as sorted-key JSON (dates in ISO 8601).
    import hashlib
    import json

    from grappe.mergers.snapshot import dump_rows, registry_models, scope_checksum, scope_checksums

    def expected(parts):
        digest = hashlib.sha256()
        for label, rows in parts:
            digest.update(label.encode())
            for row in rows:
                digest.update(
                    json.dumps(row, sort_keys=True, ensure_ascii=False, default=str).encode() + b"\n"
                )
        return digest.hexdigest()

    assert registry_checksum() == expected((m._meta.label, dump_rows(m)) for m in registry_models())
    memberships = set(Membership.objects.values_list("pk", flat=True)[:3])
    assert scope_checksum({"registry.Membership": memberships | {10**9}}) == expected(
        [("registry.Membership", dump_rows(Membership, memberships))]
    )
    # Apply stores the whole scope's checksum and each table's, from one read of the rows: the same figures.
    scope = {"registry.Membership": memberships, "registry.Organisation": {1, 2, 10**9}}
    assert scope_checksums(scope) == (
        scope_checksum(scope),
        {label: scope_checksum({label: pks}) for label, pks in scope.items()},
    )
