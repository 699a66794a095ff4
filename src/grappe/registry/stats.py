"""Member counts: how many distinct organisations are current members, by association, territory, département.

One place for the counting rule, used by ``grappe stats``, the staff dashboard and the demo's checks: a member of
the network is an organisation with an active membership of an association of the network, that is, not of an
association in negotiation (the absorbed side of a merger planned but not applied: its members are a what-if,
shown apart, never in the network's figures). A member counts once per association, and once in each département where
its membership's establishment (or, failing that, any of its establishments) stands. A member with a site
outside France counts apart, once in each country where it has one (« hors de France »): a foreign site has no
département, so it is never counted in a French one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.apps import apps
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, When

from grappe.france import geo
from grappe.registry.models import Association, Establishment, Membership, Territory, site_country_name


@dataclass(frozen=True)
class AssociationCounts:
    association: str
    status: str
    members: int
    by_departement: dict[str, int] = field(default_factory=dict)
    by_territory: dict[str, int] = field(default_factory=dict)
    # ISO alpha-2 (or "" when an import could not read it) → members with a site in that country, France apart.
    abroad: dict[str, int] = field(default_factory=dict)
    absorbed_on: datetime.date | None = None
    absorbed_into: str | None = None
    # Absorbed by a merger planned but not applied: its members are not (yet) the network's.
    in_negotiation: bool = False


def _live_absorption(association_ref: str) -> Exists:
    # Looked up by name: the mergers app builds on the registry, not the other way round.
    merger = apps.get_model("mergers", "Merger")
    return Exists(
        merger.objects.filter(
            absorbed_id=OuterRef(association_ref),
            status__in=[merger.Status.DRAFT, merger.Status.PLANNED],
        ).exclude(kind=merger.Kind.DEDUPLICATION)
    )


def negotiating_associations() -> QuerySet[Association]:
    """Associations a merger would bring into the network once applied (drafted or planned, not applied)."""
    return Association.objects.filter(_live_absorption("pk"))


def outside_negotiation(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """``memberships`` of the network's associations only (any status): none of an association in negotiation."""
    return memberships.exclude(_live_absorption("association_id"))


def network_memberships(memberships: QuerySet[Membership] | None = None) -> QuerySet[Membership]:
    """The rule "member of the network": active memberships, outside associations in negotiation."""
    queryset = Membership.objects.all() if memberships is None else memberships
    return outside_negotiation(queryset).filter(status=Membership.Status.ACTIVE)


def active_memberships(association: Association | None = None) -> QuerySet[Membership]:
    """Active memberships of one association, or of every association (in negotiation included: see
    ``network_memberships`` for the network's own)."""
    qs = Membership.objects.filter(status=Membership.Status.ACTIVE)
    return qs.filter(association=association) if association else qs


def network_member_count() -> int:
    return count_members(network_memberships())


def count_members(memberships: QuerySet[Membership]) -> int:
    """Distinct organisations among ``memberships`` (already filtered to active ones and to a scope)."""
    return memberships.values("organisation_id").distinct().count()


def count_by_departement(
    memberships: QuerySet[Membership], *, codes: Iterable[str] | None = None
) -> dict[str, int]:
    """Distinct member organisations per département of their establishments, optionally only ``codes``."""
    establishments = Establishment.objects.filter(
        organisation_id__in=memberships.values("organisation_id")
    ).exclude(departement_code="")
    if codes is not None:
        establishments = establishments.filter(departement_code__in=sorted(codes))
    rows = (
        establishments.values("departement_code")
        .annotate(n=Count("organisation_id", distinct=True))
        .order_by("departement_code")
    )
    return {row["departement_code"]: row["n"] for row in rows}


def count_abroad(memberships: QuerySet[Membership]) -> dict[str, int]:
    """Distinct member organisations per country of their establishments outside France ("" = unknown)."""
    rows = (
        Establishment.objects.filter(organisation_id__in=memberships.values("organisation_id"))
        .exclude(country="FR")
        .values("country")
        .annotate(n=Count("organisation_id", distinct=True))
        .order_by("country")
    )
    return {row["country"]: row["n"] for row in rows}


def count_in_departements(memberships: QuerySet[Membership], codes: Iterable[str]) -> int:
    """Distinct member organisations with an establishment in any of ``codes`` (a territory)."""
    wanted = sorted(codes)
    if not wanted:
        return 0
    return (
        Establishment.objects.filter(
            organisation_id__in=memberships.values("organisation_id"), departement_code__in=wanted
        )
        .values("organisation_id")
        .distinct()
        .count()
    )


def member_count(association: Association) -> int:
    return count_members(active_memberships(association))


def members_by_departement(association: Association) -> dict[str, int]:
    return count_by_departement(active_memberships(association))


def members_by_territory(association: Association) -> dict[str, int]:
    memberships = active_memberships(association)
    return {
        territory.name: count_in_departements(memberships, territory.departement_codes or [])
        for territory in Territory.objects.filter(association=association).order_by("name")
    }


def association_counts(association: Association) -> AssociationCounts:
    return AssociationCounts(
        association=association.name,
        status=association.status,
        members=member_count(association),
        by_departement=members_by_departement(association),
        by_territory=members_by_territory(association),
        abroad=count_abroad(active_memberships(association)),
        absorbed_on=association.absorbed_on,
        absorbed_into=association.absorbed_into.name if association.absorbed_into_id else None,
        in_negotiation=bool(getattr(association, "in_negotiation", False)),
    )


def registry_counts() -> list[AssociationCounts]:
    # Networks in activity first, then those absorbed into them: the list reads as today's network.
    associations = (
        Association.objects.select_related("absorbed_into")
        .annotate(
            n=Count("memberships", filter=Q(memberships__status=Membership.Status.ACTIVE)),
            absorbed_or_dissolved=Case(When(status=Association.Status.ACTIVE, then=0), default=1),
            in_negotiation=_live_absorption("pk"),
        )
        # Networks in negotiation last: they are not part of today's network.
        .order_by("in_negotiation", "absorbed_or_dissolved", "-n", "name")
    )
    return [association_counts(a) for a in associations]


def counts_as_json(counts: list[AssociationCounts]) -> list[dict]:
    result = []
    for item in counts:
        data = asdict(item)
        data["absorbed_on"] = item.absorbed_on.isoformat() if item.absorbed_on else None
        data["by_departement"] = [
            {"code": code, "name": _departement_name(code), "members": n}
            for code, n in item.by_departement.items()
        ]
        data["abroad"] = [
            {"country": code, "name": site_country_name(code), "members": n}
            for code, n in item.abroad.items()
        ]
        result.append(data)
    return result


def _departement_name(code: str) -> str:
    found = geo.departement(code)
    return found.name if found else code
