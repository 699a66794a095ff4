"""Back office of start-up sourcing: programmes are edited here; projects, their stage history and reminders
are shown, read through the same territory rule as the pages, and changed only through the pages' services
(a stage move is audited and checked, which a raw edit would not be)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from grappe.core.access import restrict_startups
from grappe.core.admin import ReadOnlyMixin
from grappe.startups.models import Application, Programme, ReminderSent, StageChange, StartupProject


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "operator")
    list_filter = ("kind",)
    search_fields = ("name", "operator")


class ShownOnly(ReadOnlyMixin, admin.ModelAdmin):
    territory_field = "territory"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return restrict_startups(request.user, super().get_queryset(request), self.territory_field)


@admin.register(StartupProject)
class StartupProjectAdmin(ShownOnly):
    list_display = ("name", "territory", "stage", "stage_since", "referent", "organisation")
    list_filter = ("stage", "territory")
    search_fields = ("name", "siren")


@admin.register(StageChange)
class StageChangeAdmin(ShownOnly):
    territory_field = "project__territory"
    list_display = ("project", "from_stage", "to_stage", "on", "actor")


@admin.register(Application)
class ApplicationAdmin(ShownOnly):
    territory_field = "project__territory"
    list_display = ("project", "programme", "due_on", "status")
    list_filter = ("status", "programme")


@admin.register(ReminderSent)
class ReminderSentAdmin(ShownOnly):
    territory_field = "application__project__territory"
    list_display = ("application", "kind", "due_on", "recipient", "sent_at")
