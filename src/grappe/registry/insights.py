"""What the dashboard shows beyond counts: the map of members, the network's growth across its mergers, the
year's arrivals and departures, the members' size and activity mix.

Every figure is read through the same visibility rule as the rest of the registry (``selectors``): a staff
member of a territory sees their territory's members. The growth across mergers is the exception by nature: it
is the network's history as each merger's report recorded it when it was applied (``Merger.outcome``), not a
recount, so it never changes when a member is edited later.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.france import maps
from grappe.france.naf import naf_section, naf_section_label
from grappe.registry import stats
from grappe.registry.models import Association, Membership, Organisation
from grappe.registry.selectors import (
    User,
    members_by_departement,
    require_registry_access,
    visible_memberships,
)


@dataclass(frozen=True)
class GrowthPoint:
    label: str
    date: datetime.date | None
    members: int
    height: int  # 0–100: share of the series' largest value, for the bar


@dataclass(frozen=True)
class Growth:
    association: str
    points: tuple[GrowthPoint, ...]


@dataclass(frozen=True)
class MixRow:
    label: str
    members: int
    share: int  # percentage of the members counted, rounded


@dataclass(frozen=True)
class YearMovements:
    year: int
    joined: int
    left: int


@dataclass(frozen=True)
class Insights:
    member_map: maps.ChoroplethMap | None
    attribution: str
    growth: tuple[Growth, ...]
    movements: YearMovements
    sizes: tuple[MixRow, ...]
    activities: tuple[MixRow, ...]


def insights(user: User, *, today: datetime.date | None = None) -> Insights:
    scope = require_registry_access(user)
    today = today or timezone.localdate()
    return Insights(
        member_map=maps.choropleth(
            members_by_departement(user), context=() if scope.everything else scope.departement_codes
        ),
        attribution=maps.ATTRIBUTION,
        growth=growth_across_mergers(),
        movements=year_movements(user, today.year),
        sizes=size_mix(user),
        activities=activity_mix(user),
    )


def _member_organisations(user: User):
    return Organisation.objects.filter(
        pk__in=stats.network_memberships(visible_memberships(user)).values("organisation_id")
    )


def year_movements(user: User, year: int) -> YearMovements:
    """Organisations whose membership started in ``year`` (and is still current or pending), and those whose
    membership ended in ``year`` without another membership still current."""
    # The network's own movements: an association in negotiation is a what-if (grappe.registry.stats).
    memberships = stats.outside_negotiation(visible_memberships(user))
    current = Q(status__in=[Membership.Status.ACTIVE, Membership.Status.PENDING])
    joined = memberships.filter(current, starts_on__year=year).values("organisation_id").distinct().count()
    still_members = memberships.filter(status=Membership.Status.ACTIVE).values("organisation_id")
    left = (
        memberships.filter(ends_on__year=year)
        .exclude(current)
        .exclude(organisation_id__in=still_members)
        .values("organisation_id")
        .distinct()
        .count()
    )
    return YearMovements(year=year, joined=joined, left=left)


# The usual size classes of French statistics, from INSEE headcount brackets (codes of SIRENE).
_SIZE_CLASSES: tuple[tuple[str, Any, frozenset[str]], ...] = (
    ("none", gettext_lazy("Sans salarié"), frozenset({"NN", "00"})),
    ("micro", gettext_lazy("1 à 9 salariés"), frozenset({"01", "02", "03"})),
    ("small", gettext_lazy("10 à 49 salariés"), frozenset({"11", "12"})),
    ("medium", gettext_lazy("50 à 249 salariés"), frozenset({"21", "22", "31"})),
    ("large", gettext_lazy("250 salariés et plus"), frozenset({"32", "41", "42", "51", "52", "53"})),
)


def _mix(counts: Counter[str], labels: list[tuple[str, str]]) -> tuple[MixRow, ...]:
    total = sum(counts.values())
    return tuple(
        MixRow(label=label, members=counts[key], share=round(100 * counts[key] / total) if total else 0)
        for key, label in labels
        if counts[key]
    )


def size_mix(user: User) -> tuple[MixRow, ...]:
    by_bracket = dict(
        _member_organisations(user)
        .values_list("headcount_bracket")
        .annotate(n=Count("pk"))
        .values_list("headcount_bracket", "n")
    )
    counts: Counter[str] = Counter()
    for bracket, n in by_bracket.items():
        key = next((key for key, _label, codes in _SIZE_CLASSES if bracket in codes), "")
        counts[key] += n
    labels = [(key, str(label)) for key, label, _codes in _SIZE_CLASSES] + [("", _("Effectif inconnu"))]
    return _mix(counts, labels)


def activity_mix(user: User) -> tuple[MixRow, ...]:
    """Members by NAF section (« Information et communication »…), largest first, unknown codes last."""
    by_code = (
        _member_organisations(user)
        .values_list("naf_code")
        .annotate(n=Count("pk"))
        .values_list("naf_code", "n")
    )
    counts: Counter[str] = Counter()
    for code, n in by_code:
        counts[naf_section(code) if code else ""] += n
    sections = sorted((s for s in counts if s), key=lambda s: (-counts[s], s))
    labels = [(s, naf_section_label(s) or s) for s in sections] + [("", _("Activité inconnue"))]
    return _mix(counts, labels)


def growth_across_mergers() -> tuple[Growth, ...]:
    """For each network in activity that went through applied mergers: its members before the first one, then
    after each, as recorded when each merger was applied (160 → 220 → 300 → 608 in the demo's story)."""
    if not apps.is_installed("grappe.mergers"):
        return ()
    # Through the app registry: the registry sits below the mergers and does not import them.
    merger_model = apps.get_model("mergers", "Merger")
    applied = list(
        merger_model.objects.filter(status="applied")
        .exclude(kind="deduplication")
        .select_related("absorbing", "absorbed", "resulting_association")
        .order_by("-effective_on", "-applied_at", "-pk")
    )
    series = []
    for association in Association.objects.filter(status=Association.Status.ACTIVE).order_by("name"):
        line, heirs = [], {association.pk}
        for merger in applied:  # newest first: each merger's absorbing association is the line before it
            result = merger.resulting_association_id or merger.absorbing_id
            if result in heirs:
                line.append(merger)
                heirs.add(merger.absorbing_id)
        if line:
            series.append(_series(association, list(reversed(line))))
    return tuple(series)


def _series(association: Association, line: list[Any]) -> Growth:
    first = line[0]
    values: list[tuple[str, datetime.date | None, int]] = [
        (
            first.absorbing.name,
            None,
            int(first.outcome.get("members_before", {}).get(first.absorbing.name, 0)),
        )
    ]
    for merger in line:
        values.append(
            (
                f"+ {merger.absorbed.name}",  # the same sign in every language
                merger.effective_on,
                int(merger.outcome.get("members_after", 0)),
            )
        )
    top = max(n for _label, _date, n in values) or 1
    return Growth(
        association=association.name,
        points=tuple(
            GrowthPoint(label=label, date=date, members=n, height=round(100 * n / top))
            for label, date, n in values
        ),
    )
