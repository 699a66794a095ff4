"""The network's own memberships and partnerships: what it belongs to, what it pays, who sits there, and
which renewals are coming."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from grappe.finance.budget_models import Affiliation, AffiliationFee, AffiliationRepresentative

# How far ahead a renewal is « coming »: a quarter leaves time for a board decision before the deadline.
RENEWAL_HORIZON_DAYS = 90


@dataclass(frozen=True)
class Renewal:
    affiliation: Affiliation
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def current_affiliations(*, on: datetime.date | None = None) -> QuerySet[Affiliation]:
    """Memberships and partnerships not ended on ``on``, with their fees and representatives."""
    day = on or timezone.localdate()
    return (
        Affiliation.objects.exclude(ended_on__lte=day)
        .select_related("association")
        .prefetch_related(
            Prefetch("fees", queryset=AffiliationFee.objects.order_by("-year")),
            Prefetch(
                "representatives",
                queryset=AffiliationRepresentative.objects.select_related("staff_member", "person"),
            ),
        )
        .order_by("association__name", "counterpart")
    )


def upcoming_renewals(
    affiliations: QuerySet[Affiliation],
    *,
    on: datetime.date | None = None,
    horizon: int = RENEWAL_HORIZON_DAYS,
) -> list[Renewal]:
    """Renewals due within ``horizon`` days of ``on``, or already past and not renewed, soonest first."""
    day = on or timezone.localdate()
    limit = day + datetime.timedelta(days=horizon)
    due = affiliations.filter(renewal_on__isnull=False, renewal_on__lte=limit).order_by("renewal_on")
    return [
        Renewal(affiliation, (affiliation.renewal_on - day).days)
        for affiliation in due
        if affiliation.renewal_on
    ]
