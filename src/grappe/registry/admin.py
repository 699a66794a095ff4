"""Back office of the registry. Every changelist reads through ``selectors.restrict`` (same rule as the pages);
provenance (source files, rows, lineage) is shown but never editable: it is append-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from grappe.registry import selectors
from grappe.registry.models import (
    Association,
    Brand,
    College,
    Establishment,
    Lineage,
    Membership,
    MembershipType,
    Office,
    Organisation,
    Person,
    Role,
    SourceFile,
    SourceRecord,
    StaffMember,
    Territory,
)

admin.site.site_header = _("Grappe — administration")
admin.site.site_title = _("Grappe — administration")
admin.site.index_title = _("Registre et paramètres")


class ScopedAdmin(admin.ModelAdmin):
    """Lists, searches, autocompletes and change pages only reach what the user's scope allows."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.restrict(request.user, super().get_queryset(request))


class ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ScopedInline(admin.TabularInline):
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.restrict(request.user, super().get_queryset(request))


# --- Network structure --------------------------------------------------------------------------------------


class TerritoryInline(admin.TabularInline):
    model = Territory
    extra = 0
    fields = ["name", "departement_codes"]
    show_change_link = True


class OfficeInline(admin.TabularInline):
    model = Office
    extra = 0
    fields = ["kind", "name", "territory", "postcode", "city", "opened_on"]
    show_change_link = True


class BrandInline(admin.TabularInline):
    model = Brand
    fk_name = "association"
    extra = 0
    fields = ["name", "origin_association", "since", "until"]
    autocomplete_fields = ["origin_association"]
    show_change_link = True


@admin.register(Association)
class AssociationAdmin(ScopedAdmin):
    list_display = ["name", "short_name", "status", "seat_city", "absorbed_into", "absorbed_on"]
    list_filter = ["status"]
    search_fields = ["name", "short_name", "=siren", "=rna"]
    list_select_related = ["absorbed_into"]
    autocomplete_fields = ["absorbed_into"]
    inlines = [TerritoryInline, OfficeInline, BrandInline]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "siren", "rna", "website", "founded_on"]}),
        (_("Siège"), {"fields": ["seat_city", "seat_commune_code"]}),
        (_("Statut"), {"fields": ["status", "absorbed_on", "absorbed_into"]}),
    ]


@admin.register(Territory)
class TerritoryAdmin(ScopedAdmin):
    list_display = ["name", "association", "departements"]
    list_filter = ["association"]
    search_fields = ["name", "association__name"]
    list_select_related = ["association"]
    autocomplete_fields = ["association"]

    @admin.display(description=_("départements"))
    def departements(self, obj: Territory) -> str:
        return ", ".join(obj.departement_codes or [])


@admin.register(Brand)
class BrandAdmin(ScopedAdmin):
    list_display = ["name", "association", "origin_association", "since", "until"]
    list_filter = ["association"]
    search_fields = ["name"]
    list_select_related = ["association", "origin_association"]
    autocomplete_fields = ["association", "origin_association", "territories"]


@admin.register(Office)
class OfficeAdmin(ScopedAdmin):
    list_display = ["name", "kind", "association", "territory", "city"]
    list_filter = ["kind", "association"]
    search_fields = ["name", "city"]
    list_select_related = ["association", "territory"]
    autocomplete_fields = ["association", "territory"]


@admin.register(StaffMember)
class StaffMemberAdmin(ScopedAdmin):
    list_display = ["last_name", "first_name", "job_title", "association", "office", "user", "left_on"]
    list_filter = ["association", "office__kind", "office"]
    search_fields = ["last_name", "first_name", "email", "user__username"]
    list_select_related = ["association", "office", "user"]
    autocomplete_fields = ["association", "office", "user"]


# --- Members --------------------------------------------------------------------------------------------------


class EstablishmentInline(ScopedInline):
    model = Establishment
    fields = ["siret", "name", "street", "postcode", "city", "country", "departement_code", "is_head_office"]


class OrganisationRoleInline(ScopedInline):
    model = Role
    fields = ["person", "kind", "job_title", "starts_on", "ends_on"]
    autocomplete_fields = ["person"]


class PersonRoleInline(ScopedInline):
    model = Role
    fields = ["organisation", "kind", "job_title", "starts_on", "ends_on"]
    autocomplete_fields = ["organisation"]


class MembershipInline(ScopedInline):
    model = Membership
    fk_name = "organisation"
    fields = [
        "association",
        "status",
        "starts_on",
        "ends_on",
        "origin",
        "membership_type",
        "college",
        "annual_fee",
    ]
    autocomplete_fields = ["association", "origin"]


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    list_display = ["name", "siren", "naf_code", "headcount_bracket", "is_startup", "updated_at"]
    list_filter = ["is_startup", "memberships__association", "memberships__status", "headcount_bracket"]
    search_fields = ["name", "=siren", "=establishments__siret", "website_domain"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [EstablishmentInline, OrganisationRoleInline, MembershipInline]
    # Registries run to hundreds of thousands of rows: skip the second, unfiltered COUNT(*).
    show_full_result_count = False
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["name", "siren", "vat_number", "legal_form_code", "is_startup"]}),
        (_("Activité"), {"fields": ["naf_code", "naf_version", "headcount_bracket", "created_on", "skills"]}),
        (_("Contact"), {"fields": ["website", "website_domain", "email", "phone"]}),
        (_("Suivi"), {"fields": ["created_at", "updated_at"]}),
    ]


@admin.register(Establishment)
class EstablishmentAdmin(ScopedAdmin):
    list_display = ["__str__", "siret", "postcode", "city", "country", "departement_code", "is_head_office"]
    list_filter = ["is_head_office", "country"]
    search_fields = ["=siret", "city", "=postcode", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    show_full_result_count = False


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    list_display = ["last_name", "first_name", "email", "phone"]
    search_fields = ["last_name", "first_name", "email"]
    inlines = [PersonRoleInline]
    show_full_result_count = False


@admin.register(Role)
class RoleAdmin(ScopedAdmin):
    list_display = ["person", "kind", "organisation", "job_title", "starts_on", "ends_on"]
    list_filter = ["kind"]
    search_fields = ["person__last_name", "person__first_name", "organisation__name"]
    list_select_related = ["person", "organisation"]
    autocomplete_fields = ["person", "organisation"]
    show_full_result_count = False


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = [
        "organisation",
        "association",
        "status",
        "starts_on",
        "ends_on",
        "origin",
        "membership_type",
        "college",
        "annual_fee",
    ]
    list_filter = ["status", "association", "origin", "membership_type__fee_category"]
    search_fields = ["organisation__name", "=organisation__siren", "membership_type__name"]
    list_select_related = ["organisation", "association", "origin", "membership_type", "college"]
    autocomplete_fields = ["organisation", "establishment", "association", "origin"]
    date_hierarchy = "starts_on"
    show_full_result_count = False


@admin.register(MembershipType)
class MembershipTypeAdmin(ScopedAdmin):
    list_display = ["name", "association", "fee_category", "default_college", "is_active", "order"]
    list_filter = ["association", "fee_category", "is_active"]
    search_fields = ["name", "association__name"]
    list_select_related = ["association", "default_college"]


@admin.register(College)
class CollegeAdmin(ScopedAdmin):
    list_display = ["name", "association", "order"]
    list_filter = ["association"]
    search_fields = ["name", "association__name"]
    list_select_related = ["association"]


# --- Provenance (read-only) -----------------------------------------------------------------------------------


@admin.register(SourceFile)
class SourceFileAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "sheet",
        "association",
        "imported_at",
        "row_count",
        "imported_count",
        "rejected_count",
    ]
    list_filter = ["association", "file_format"]
    search_fields = ["original_name", "=sha256"]
    list_select_related = ["association"]
    date_hierarchy = "imported_at"


@admin.register(SourceRecord)
class SourceRecordAdmin(ReadOnlyAdmin):
    list_display = ["source_file", "line_number", "status", "organisation"]
    list_filter = ["status", "source_file__association"]
    search_fields = ["organisation__name", "source_file__original_name"]
    list_select_related = ["source_file", "organisation"]
    fields = ["source_file", "line_number", "status", "organisation", "verbatim", "issues"]
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("ligne telle que reçue"))
    def verbatim(self, obj: SourceRecord) -> str:
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", obj.as_dict().items())
        return format_html("<table>{}</table>", rows)


@admin.register(Lineage)
class LineageAdmin(ReadOnlyAdmin):
    list_display = ["field", "value", "retained", "target_link", "column", "source_record", "recorded_at"]
    list_filter = ["retained", "content_type"]
    search_fields = ["field", "value", "column"]
    list_select_related = ["source_record__source_file", "content_type"]
    show_full_result_count = False

    @admin.display(description=_("objet"))
    def target_link(self, obj: Lineage) -> str:
        opts = obj.content_type.model_class()._meta if obj.content_type.model_class() else None
        if opts is None or opts.app_label != "registry":
            return f"{obj.content_type} #{obj.object_id}"
        url = reverse(f"admin:registry_{opts.model_name}_change", args=[obj.object_id])
        return format_html('<a href="{}">{} #{}</a>', url, opts.verbose_name, obj.object_id)
