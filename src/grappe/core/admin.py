"""The back office's shared pieces: ``ReadOnlyMixin`` for the admins that only show rows, and the audit log,
read-only and for superusers only (events name objects of every territory; staff read an object's history from
its page, through the registry's visibility rule)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from grappe.core.audit import action_label
from grappe.core.models import AuditEvent


class ReadOnlyMixin:
    """An admin that shows rows and never writes them: their writes go through the services, which check and
    audit what a raw edit in the back office would not. Put it before ``admin.ModelAdmin`` in the bases."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["at", "actor", "action_display", "object_type", "object_label", "context_label"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_label", "actor", "context_label"]
    list_select_related = ["object_type"]
    date_hierarchy = "at"
    show_full_result_count = False

    @admin.display(description=_("action"), ordering="action")
    def action_display(self, obj: AuditEvent) -> str:
        return action_label(obj.action)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser
