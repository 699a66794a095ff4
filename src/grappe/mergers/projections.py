"""Read-only views of a merger: the registry before and after (``projection``), who ends in whom if it applied
now (``survivors``), the members the absorbed association brings (``new_members``) and the plan's counts.
Nothing here writes; the plan stores ``projection`` in its summary and the pages and the report recompute it
from the current decisions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from grappe.core.chunks import chunked
from grappe.mergers.models import CandidatePair, Merger
from grappe.registry.models import (
    Association,
    Establishment,
    Membership,
    Territory,
)


def member_ids(association: Association) -> set[int]:
    """Organisations with a current (not ended) membership of ``association``."""
    return set(
        Membership.objects.filter(association=association)
        .exclude(status=Membership.Status.ENDED)
        .values_list("organisation_id", flat=True)
    )


def projection(merger: Merger, pairs: Iterable[CandidatePair] | None = None) -> dict[str, Any]:
    """The member counts before and after (estimated: the pairs that would fold now — sure, or accepted)."""
    from grappe.registry.stats import active_memberships

    pairs = list(merger.pairs.all() if pairs is None else pairs)
    associations = (
        [merger.absorbing]
        if merger.kind == Merger.Kind.DEDUPLICATION
        else [merger.absorbing, merger.absorbed]
    )
    members = set(
        active_memberships().filter(association__in=associations).values_list("organisation_id", flat=True)
    )
    groups = survivors(merger, pairs)
    departements = _departements(members)
    territories = _territories_after(merger)
    before = {}
    for association in associations:
        own = set(active_memberships(association).values_list("organisation_id", flat=True))
        before[association.name] = _counts(
            {org: {org} for org in own}, departements, _territories_of(association)
        )
    folded: dict[int, set[int]] = defaultdict(set)
    for org in members:
        folded[groups.get(org, org)].add(org)
    return {"before": before, "after": _counts(folded, departements, territories)}


def survivors(merger: Merger, pairs: Iterable[CandidatePair] | None = None) -> dict[int, int]:
    """Organisation → the organisation it ends in when ``merger`` applies now: the pairs that fold (sure and
    pending, or accepted), grouped the way apply groups them. Organisations not folded are left out."""
    pairs = merger.pairs.all() if pairs is None else pairs
    anchors = set() if merger.kind == Merger.Kind.DEDUPLICATION else member_ids(merger.absorbing)
    return _groups([p for p in pairs if p.is_match], anchors)


def new_members(merger: Merger, groups: dict[int, int] | None = None) -> list[int]:
    """The organisations the absorbed association brings that are not the absorber's: its members that were not
    one organisation with an absorber member at import (same SIREN or SIRET) nor fold into one, each group of
    its own duplicates once (by its survivor). ``groups``: ``survivors(merger)`` unless given. None for a
    deduplication, which brings no one."""
    if merger.kind == Merger.Kind.DEDUPLICATION:
        return []
    groups = survivors(merger) if groups is None else groups
    absorber = member_ids(merger.absorbing)
    return sorted({groups.get(org, org) for org in member_ids(merger.absorbed) - absorber} - absorber)


def plan_counts(merger: Merger) -> dict[str, int]:
    """The plan's counts (``summary["counts"]``, stored at plan time) with ``new_members`` as apply counts
    them: measured once applied, projected from the current decisions while planned."""
    counts = dict((merger.summary or {}).get("counts", {}))
    if counts and (merger.outcome or {}).get("conflicts_resolved"):
        # The report's conflicts: the pairs flagged at plan time, and the fields apply had to choose between.
        counts["conflicts"] = counts.get("conflicts", 0) + len(merger.outcome["conflicts_resolved"])
    if "new_members" in (merger.outcome or {}):
        counts["new_members"] = len(merger.outcome["new_members"])
    elif counts and merger.status == Merger.Status.PLANNED:
        counts["new_members"] = len(new_members(merger))
    return counts


def _groups(pairs: list[CandidatePair], anchors: set[int]) -> dict[int, int]:
    """Union-find over matching pairs: org → its survivor. A group holds at most one ``anchors`` member (an
    absorber organisation is never merged with another); the survivor is that one, else the lowest id."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    anchor_of: dict[int, int | None] = {}
    for pair in sorted(pairs, key=lambda p: -p.match_probability):
        a, b = find(pair.left_org_id), find(pair.right_org_id)
        if a == b:
            continue
        anchor_a = anchor_of.get(a, a if a in anchors else None)
        anchor_b = anchor_of.get(b, b if b in anchors else None)
        if anchor_a is not None and anchor_b is not None:
            continue  # two absorber organisations: kept apart
        root, child = (a, b) if anchor_a is not None or (anchor_b is None and a < b) else (b, a)
        parent[child] = root
        anchor_of[root] = anchor_a if anchor_a is not None else anchor_b
    return {x: find(x) for x in list(parent)}


def _departements(org_ids: set[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    for chunk in chunked(sorted(org_ids)):
        for org_id, code in (
            Establishment.objects.filter(organisation_id__in=chunk)
            .exclude(departement_code="")
            .values_list("organisation_id", "departement_code")
        ):
            found[org_id].add(code)
    return found


def _territories_of(association: Association) -> dict[str, list[str]]:
    return {t.name: list(t.departement_codes) for t in Territory.objects.filter(association=association)}


def _territories_after(merger: Merger) -> dict[str, list[str]]:
    territories = _territories_of(merger.absorbing)
    if merger.kind != Merger.Kind.DEDUPLICATION:
        for name, codes in _territories_of(merger.absorbed).items():
            territories[name] = sorted({*territories.get(name, []), *codes})
    return territories


def _counts(
    groups: dict[int, set[int]], departements: dict[int, set[str]], territories: dict[str, list[str]]
) -> dict[str, Any]:
    by_departement: dict[str, int] = defaultdict(int)
    by_territory: dict[str, int] = {name: 0 for name in sorted(territories)}
    for orgs in groups.values():
        codes = set().union(*(departements.get(org, set()) for org in orgs))
        for code in codes:
            by_departement[code] += 1
        for name, territory_codes in territories.items():
            if codes & set(territory_codes):
                by_territory[name] += 1
    return {
        "members": len(groups),
        "by_departement": dict(sorted(by_departement.items())),
        "by_territory": by_territory,
    }
