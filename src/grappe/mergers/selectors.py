"""Reads of the merger workflow, with the permission check in the same call (missing looks like forbidden)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, FloatField, Func, QuerySet, Value

from grappe.errors import NotFound
from grappe.mergers.models import AuditEntry, CandidatePair, Merger


def can_manage_mergers(user: Any) -> bool:
    """Only staff holding the merger right (or superusers, who hold every right) act on mergers: a member
    company's account given the permission by mistake still cannot (the same rule as imports)."""
    return bool(
        user is not None
        and user.is_active
        and (user.is_staff or user.is_superuser)
        and user.has_perm("mergers.manage_merger")
    )


def mergers_for(user: Any) -> QuerySet[Merger]:
    """The mergers ``user`` may see (all of them with the merger right, none otherwise)."""
    queryset = Merger.objects.select_related("absorbing", "absorbed", "resulting_association")
    return queryset if can_manage_mergers(user) else queryset.none()


def merger_for(user: Any, merger_id: int) -> Merger:
    merger = mergers_for(user).filter(pk=merger_id).first()
    if merger is None:
        raise NotFound(f"Fusion n° {merger_id} introuvable.")
    return merger


def pair_for(user: Any, pair_id: int) -> CandidatePair:
    pair = None
    if can_manage_mergers(user):
        pair = CandidatePair.objects.select_related("merger").filter(pk=pair_id).first()
    if pair is None:
        raise NotFound(f"Paire n° {pair_id} introuvable.")
    return pair


def review_queue(merger: Merger, *, include_decided: bool = False) -> QuerySet[CandidatePair]:
    """Pairs for a person: the review band and every pair with a conflict, most uncertain first."""
    queryset = merger.pairs.filter(band=CandidatePair.Band.REVIEW) | merger.pairs.exclude(
        conflicts=[]
    ).exclude(band=CandidatePair.Band.NON_MATCH)
    if not include_decided:
        queryset = queryset.filter(
            decision__in=[CandidatePair.Decision.PENDING, CandidatePair.Decision.SKIPPED]
        )
    uncertainty = Func(F("match_probability") - Value(0.5), function="ABS", output_field=FloatField())
    return queryset.distinct().annotate(uncertainty=uncertainty).order_by("decision", "uncertainty", "pk")


def pairs_in_band(merger: Merger, band: str) -> QuerySet[CandidatePair]:
    return merger.pairs.filter(band=band).order_by("-match_probability", "pk")


def decision_log(merger: Merger) -> QuerySet[CandidatePair]:
    return merger.pairs.exclude(decided_at=None).order_by("decided_at", "pk")


def audit_log(merger: Merger) -> QuerySet[AuditEntry]:
    return merger.audit.select_related("user").order_by("at", "pk")
