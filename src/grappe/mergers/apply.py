"""Applying a planned merger, in one transaction: take a snapshot of every row it may touch (``_scope``, with
checksums), fold the matching organisations (survivorship, lineage), map membership types, de-duplicate
contacts, then carry the absorbed association over. A failure rolls everything back and is audited; undo
(``grappe.mergers.undo``) restores the snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grappe.core import dependents
from grappe.core.chunks import chunked
from grappe.core.locks import take_bulk_write_turn
from grappe.errors import UserError
from grappe.jobs import ProgressCallback
from grappe.mergers import snapshot as snapshots
from grappe.mergers.access import MergerRefused, audit, check_can_manage, check_status
from grappe.mergers.models import AuditEntry, Merger, MergerSnapshot
from grappe.mergers.projections import member_ids, new_members, survivors
from grappe.mergers.review import check_membership_types, undecided_pairs
from grappe.registry import services as registry_services
from grappe.registry.models import (
    Association,
    Brand,
    Establishment,
    Lineage,
    Membership,
    MembershipType,
    Office,
    Organisation,
    Person,
    Role,
    SourceRecord,
    StaffAssignment,
    StaffMember,
    Territory,
)
from grappe.registry.services import deduplicate_people

# Test seam: called at named points of apply (``"organisation"`` after each fold). Tests inject a crash here.
FAULT_HOOK: Callable[[str, int], None] | None = None


def apply_merger(
    *,
    merger: Merger,
    user: Any = None,
    accept_auto_only: bool = False,
    progress: ProgressCallback | None = None,
) -> Merger:
    """Apply a planned merger in one transaction: fold the matching organisations (survivorship, lineage),
    map membership types, de-duplicate contacts, then carry the absorbed association over. Undoable.
    ``progress`` hears its stages (``labels.ACTION_STEPS``), as the web's background job shows them."""
    check_can_manage(user, whole_network=True)
    try:
        with transaction.atomic():
            take_bulk_write_turn()  # an import's write or another merger's first (core.locks)
            merger = Merger.objects.select_for_update().get(pk=merger.pk)
            _report(progress, "checks", 0, None)
            check_apply(merger, accept_auto_only=accept_auto_only)
            _report(progress, "snapshot", 0, None)
            checksum_before = snapshots.registry_checksum()
            scope = _scope(merger)
            data = snapshots.take_snapshot(scope)
            outcome = _apply(merger, user, progress)
            _report(progress, "record", 0, None)
            created = snapshots.created_since(data)
            after_scope = {
                label: sorted({*data["scope"].get(label, []), *created.get(label, [])})
                for label in {*data["scope"], *created}
            }
            touched_checksum, after_checksums = snapshots.scope_checksums(after_scope)
            MergerSnapshot.objects.create(
                merger=merger,
                data={
                    **data,
                    "created": created,
                    "after_scope": after_scope,
                    "after_checksums": after_checksums,
                },
                touched_checksum=touched_checksum,
            )
            merger.status = Merger.Status.APPLIED
            merger.applied_by = user
            merger.applied_at = timezone.now()
            merger.outcome = outcome
            merger.checksum_before = checksum_before
            merger.checksum_after = snapshots.registry_checksum()
            merger.save()
            audit(
                merger,
                user,
                AuditEntry.Action.APPLY,
                **{
                    k: outcome[k]
                    for k in ("merged", "internal_merged", "created", "people_merged", "members_after")
                },
            )
    except Exception as error:
        if not isinstance(error, UserError):
            _audit_failure(merger, user, error)
        raise
    return merger


def check_apply(merger: Merger, *, accept_auto_only: bool) -> None:
    """Raise ``MergerRefused`` with the reason when ``merger`` cannot be applied now: not planned, review pairs
    without a decision (unless they become new members), membership types unconfirmed, a network no longer
    active. The web checks this before queueing apply; apply checks it again in its transaction."""
    check_status(merger, Merger.Status.PLANNED, "apply")
    undecided = undecided_pairs(merger).count()
    if undecided and not accept_auto_only:
        raise MergerRefused(
            ngettext(
                "La fusion n° %(id)s a encore %(count)d paire à vérifier sans décision.",
                "La fusion n° %(id)s a encore %(count)d paires à vérifier sans décision.",
                undecided,
            )
            % {"id": merger.pk, "count": undecided},
            hint=_(
                "Décidez-les (file de revue, grappe merge decisions import) ou appliquez avec "
                "--accept-auto-only : elles deviendront de nouveaux adhérents."
            ),
        )
    check_membership_types(merger)
    _check_plannable_at_apply(merger)


def _report(progress: ProgressCallback | None, stage: str, done: int, total: int | None) -> None:
    if progress is not None:
        progress(stage, done, total)


def _audit_failure(merger: Merger, user: Any, error: Exception) -> None:
    """The transaction of apply rolled back; the failure itself is kept in the audit log when possible."""
    try:
        with transaction.atomic():
            audit(
                merger, user, AuditEntry.Action.APPLY_FAILED, error=f"{type(error).__name__}: {error}"[:500]
            )
    except DatabaseError:
        pass  # the enclosing transaction is broken too: the caller's rollback carries the error


def _check_plannable_at_apply(merger: Merger) -> None:
    for association in {merger.absorbing, merger.absorbed}:
        association.refresh_from_db()
        if association.status != Association.Status.ACTIVE:
            raise MergerRefused(
                _("« %(association)s » n'est plus active : la fusion n° %(id)s ne peut plus s'appliquer.")
                % {"association": association, "id": merger.pk}
            )


# -- the snapshot's scope ----------------------------------------------------------------------------------


def _scope(merger: Merger) -> dict[str, set[int]]:
    """Every row apply may change or delete: the members of both networks and all that hangs on them."""
    associations = {merger.absorbing_id, merger.absorbed_id}
    orgs = member_ids(merger.absorbing) | member_ids(merger.absorbed)
    orgs |= {p.right_org_id for p in merger.pairs.all()} | {p.left_org_id for p in merger.pairs.all()}
    orgs = _ids(Organisation.objects, "pk", orgs)  # only those still in the registry
    establishments = _ids(Establishment.objects, "organisation_id", orgs)
    roles = _ids(Role.objects, "organisation_id", orgs)
    people = _people(roles)
    memberships = _ids(Membership.objects, "organisation_id", orgs) | set(
        Membership.objects.filter(association_id__in=associations).values_list("pk", flat=True)
    )
    territories = set(Territory.objects.filter(association_id__in=associations).values_list("pk", flat=True))
    brands = set(
        Brand.objects.filter(Q(association_id__in=associations) | Q(territories__in=territories)).values_list(
            "pk", flat=True
        )
    )
    through = Brand.territories.through
    types = ContentType.objects.get_for_models(Organisation, Establishment, Person, Role, Membership)
    lineage: set[int] = set()
    for model, ids in (
        (Organisation, orgs),
        (Establishment, establishments),
        (Person, people),
        (Role, roles),
        (Membership, memberships),
    ):
        lineage |= _ids(Lineage.objects.filter(content_type=types[model]), "object_id", ids)
    scope = {
        "registry.Association": set(associations),
        "registry.Territory": territories,
        "registry.Office": set(
            Office.objects.filter(association_id__in=associations).values_list("pk", flat=True)
        ),
        "registry.StaffMember": set(
            StaffMember.objects.filter(association_id__in=associations).values_list("pk", flat=True)
        ),
        # Their moves between offices, which follow them into the absorber.
        "registry.StaffAssignment": set(
            StaffAssignment.objects.filter(
                Q(staff_member__association_id__in=associations) | Q(office__association_id__in=associations)
            ).values_list("pk", flat=True)
        ),
        "registry.Brand": brands,
        "registry.Brand_territories": set(
            through.objects.filter(Q(brand_id__in=brands) | Q(territory_id__in=territories)).values_list(
                "pk", flat=True
            )
        ),
        "registry.Organisation": orgs,
        "registry.Establishment": establishments,
        "registry.Person": people,
        "registry.Role": roles,
        "registry.Membership": memberships,
        "registry.SourceRecord": _ids(SourceRecord.objects, "organisation_id", orgs),
        "registry.Lineage": lineage,
    }
    # Every declared dependent of these organisations, sites, people, memberships and territories, whichever app
    # owns it (a territory of the same name as the absorber's is folded into it).
    folded = {
        Organisation: orgs,
        Establishment: establishments,
        Person: people,
        Membership: memberships,
        Territory: territories,
    }
    for relation in dependents.relations():
        pks = scope.setdefault(relation.label, set())
        for rows in relation.pointing_at(folded[relation.target]):
            pks |= set(rows.values_list("pk", flat=True))
    return scope


def _ids(queryset: Any, field: str, values: set[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunked(sorted(values)):
        found |= set(queryset.filter(**{f"{field}__in": chunk}).values_list("pk", flat=True))
    return found


def _people(roles: set[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunked(sorted(roles)):
        found |= set(Role.objects.filter(pk__in=chunk).values_list("person_id", flat=True))
    return found


# -- folding -----------------------------------------------------------------------------------------------


def _recency(org_ids: set[int]) -> dict[int, Any]:
    """How recent each organisation's data is: its latest imported row, else its latest membership start."""
    recency: dict[int, Any] = {}
    for chunk in chunked(sorted(org_ids)):
        for row in (
            Membership.objects.filter(organisation_id__in=chunk)
            .values("organisation_id")
            .annotate(d=Max("starts_on"))
        ):
            if row["d"]:
                recency[row["organisation_id"]] = row["d"]
        for row in (
            SourceRecord.objects.filter(organisation_id__in=chunk)
            .values("organisation_id")
            .annotate(d=Max("source_file__imported_at"))
        ):
            if row["d"]:
                recency[row["organisation_id"]] = row["d"]
    return recency


def _fault(point: str, index: int) -> None:
    if FAULT_HOOK is not None:
        FAULT_HOOK(point, index)


def _apply(merger: Merger, user: Any, progress: ProgressCallback | None = None) -> dict[str, Any]:
    from grappe.registry.stats import association_counts

    dedup = merger.kind == Merger.Kind.DEDUPLICATION
    absorber_ids = set() if dedup else member_ids(merger.absorbing)
    before = {a.name: _counts_json(association_counts(a), a) for a in {merger.absorbing, merger.absorbed}}
    matching = [p for p in merger.pairs.all() if p.is_match]
    groups = survivors(merger, matching)
    members: dict[int, list[int]] = defaultdict(list)
    for org, root in groups.items():
        if org != root:
            members[root].append(org)
    kept_apart = [p.pk for p in matching if groups.get(p.left_org_id) != groups.get(p.right_org_id)]
    brought = new_members(merger, groups)  # before folding: the memberships say who is whose
    policy = registry_services.Survivorship(recency=_recency(set(groups)))
    resolutions: list[dict[str, Any]] = []
    merged = internal_merged = 0
    organisations = Organisation.objects.in_bulk([*members, *(o for v in members.values() for o in v)])
    _report(progress, "organisations", 0, len(members))
    for index, (root, others) in enumerate(sorted(members.items())):
        if index % 100 == 0:
            _report(progress, "organisations", index, len(members))
        choices: list[registry_services.FieldChoice] = []
        registry_services.merge_organisations(
            survivor=organisations[root],
            duplicates=[organisations[o] for o in sorted(others)],
            survivorship=policy,
            choices=choices,
            user=user,
            context=merger,
            on=merger.effective_on,
        )
        if root in absorber_ids:
            merged += len(others)
        else:
            internal_merged += len(others)
        resolutions += [
            {
                "organisation": root,
                "name": organisations[root].name,
                "field": c.field,
                "kept": c.kept,
                "kept_from": c.kept_from,
                "dropped": [v for _org, v in c.dropped],
            }
            for c in choices
        ]
        _fault("organisation", index)
    _report(progress, "associations", 0, None)
    mapped = _map_membership_types(merger)
    people_merged = deduplicate_people(set(members) | set(groups.values()))
    _fault("associations", 0)
    into = _absorb(merger, user)
    after = _counts_json(association_counts(into), into)
    absorbed_total = len(member_ids(merger.absorbed)) if dedup else None
    created = (
        len(
            set(
                Membership.objects.filter(association=into, origin=merger.absorbed)
                .exclude(status=Membership.Status.ENDED)  # a former member is brought by no one
                .values_list("organisation_id", flat=True)
            )
            - absorber_ids
        )
        if not dedup
        else 0
    )
    return {
        "merged": merged,
        "internal_merged": internal_merged,
        "created": created,
        "kept_apart": kept_apart,
        "people_merged": people_merged,
        "memberships_mapped": mapped,
        "conflicts_resolved": resolutions,
        "resulting_association": into.name,
        "members_before": {name: counts["members"] for name, counts in before.items()},
        "members_after": after["members"],
        "before": before,
        "after": after,
        "deduplicated_members": absorbed_total,
        "new_members": brought,
    }


def _counts_json(counts: Any, association: Association) -> dict[str, Any]:
    from grappe.mergers.report import profile_counts

    return {
        "members": counts.members,
        "by_departement": counts.by_departement,
        "by_territory": counts.by_territory,
        **profile_counts(association),
    }


def _map_membership_types(merger: Merger) -> int:
    """Point the absorbed association's memberships at the absorber's types the mapping names (created like
    the absorbed type when the absorber has none of that name), and at the target type's default college when
    it has one: the absorbed network's colleges are not the absorber's (without one, the member's college
    carries over under its name, ``absorb_association``). The absorbed association's own types and colleges
    stay as they were (its history; undo needs them). Returns how many memberships changed type name."""
    if merger.kind == Merger.Kind.DEDUPLICATION:
        return 0
    changed = 0
    sources = MembershipType.objects.filter(association=merger.absorbed).select_related("default_college")
    by_name = {kind.name: kind for kind in sources}
    for old, new in merger.membership_type_mapping.items():
        source = by_name.get(old)
        if source is None:
            continue
        target = _absorber_type(merger.absorbing, new or old, like=source)
        changes: dict[str, Any] = {"membership_type": target}
        if target.default_college_id:
            changes["college_id"] = target.default_college_id
        moved = Membership.objects.filter(association=merger.absorbed, membership_type=source).update(
            **changes
        )
        if target.name != old:
            changed += moved
    return changed


def _absorber_type(absorber: Association, name: str, *, like: MembershipType) -> MembershipType:
    """The absorber's type called ``name`` exactly (the proposal already matched folded names; a type kept
    under its own spelling stays so), else a new one like the absorbed type."""
    created = registry_services.membership_type_named(association=absorber, name=name, like=like)
    assert created is not None  # a non-empty name
    return created


def _absorb(merger: Merger, user: Any) -> Association:
    if merger.kind == Merger.Kind.DEDUPLICATION:
        return merger.absorbing
    if merger.kind == Merger.Kind.ABSORPTION:
        registry_services.absorb_association(
            absorbed=merger.absorbed,
            into=merger.absorbing,
            effective_on=merger.effective_on,
            keep_name_as_brand=merger.keep_name_as_brand,
            brand_territories=list(merger.absorbed.territories.all()),
            user=user,
            context=merger,
        )
        return merger.absorbing
    into = Association.objects.create(
        name=merger.resulting_name,
        seat_city=merger.absorbing.seat_city,
        seat_commune_code=merger.absorbing.seat_commune_code,
        founded_on=merger.effective_on,
    )
    for network in (merger.absorbing, merger.absorbed):
        registry_services.absorb_association(
            absorbed=network,
            into=into,
            effective_on=merger.effective_on,
            keep_name_as_brand=merger.keep_name_as_brand,
            brand_territories=list(network.territories.all()),
            user=user,
            context=merger,
        )
    merger.resulting_association = into
    return into
