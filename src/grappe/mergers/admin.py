"""Read-only admin of the merger workflow: every change goes through the services (permission and audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from grappe.core import access
from grappe.core.admin import ReadOnlyMixin
from grappe.mergers.models import AuditEntry, CandidatePair, Merger, MergerJob, PairDecision


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    def get_queryset(self, request: Any) -> QuerySet:
        """The territory rule (``grappe.core.access``): pairs, decisions and the log name members of both
        networks, the review page shows a permanent theirs; the admin shows them to head office only."""
        queryset = super().get_queryset(request)
        return queryset if access.sees_whole_network(request.user) else queryset.none()


@admin.register(Merger)
class MergerAdmin(ReadOnlyAdmin):
    def get_queryset(self, request: Any) -> QuerySet:
        return access.restrict_mergers(request.user, admin.ModelAdmin.get_queryset(self, request))

    list_display = ("pk", "__str__", "kind", "status", "effective_on", "applied_at")
    list_filter = ("kind", "status")
    exclude = ("summary", "outcome")


@admin.register(CandidatePair)
class CandidatePairAdmin(ReadOnlyAdmin):
    list_display = ("pk", "merger", "left_label", "right_label", "match_probability", "band", "decision")
    list_filter = ("band", "decision", "kind")
    search_fields = ("left_label", "right_label")


@admin.register(PairDecision)
class PairDecisionAdmin(ReadOnlyAdmin):
    list_display = ("low_label", "high_label", "decision", "decided_by_label", "decided_at")
    list_filter = ("decision",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "merger")
    list_filter = ("action",)


@admin.register(MergerJob)
class MergerJobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "merger", "action", "status", "created_by", "finished_at")
    list_filter = ("action", "status")
