"""Back office of the registry. Every changelist reads through ``selectors.restrict`` (same rule as the pages);
every save and delete goes through ``registry.editing`` (the import's checks for organisations and
establishments, lineage « saisie manuelle », one audit event with old → new values); provenance (source files,
rows, lineage) is shown but never editable: it is append-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from grappe.core.admin import ReadOnlyMixin
from grappe.errors import UserError
from grappe.registry import editing, selectors, services
from grappe.registry.models import (
    Association,
    Brand,
    College,
    Establishment,
    FoldedOrganisation,
    Lineage,
    Membership,
    MembershipType,
    Office,
    Organisation,
    Person,
    Role,
    SavedFilter,
    SourceFile,
    SourceRecord,
    StaffAssignment,
    StaffMember,
    Tag,
    Territory,
)

admin.site.site_header = _("Grappe — administration")
admin.site.site_title = _("Grappe — administration")
admin.site.index_title = _("Registre et paramètres")


class CheckedForm(forms.ModelForm):
    """A form whose changed values pass the registry's checks (``check``: the import's, for organisations and
    establishments): each refusal shows on its field, with the fix."""

    check: Any = None
    # The account editing (set by the admin's get_form / get_formset): territorial staff stay in their territory.
    editing_user: Any = None
    # Typed values longer than the stored ones ("4,12E+13", "FR 40 303 265 045"): the check, not a bare
    # « at most 9 characters », says what is wrong and how to fix it.
    LENIENT = ("siren", "siret", "vat_number", "postcode", "phone")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.LENIENT:
            field = self.fields.get(name)
            if field is None:
                continue
            field.max_length = None
            field.widget.attrs.pop("maxlength", None)
            field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.check is None:
            return cleaned
        values = {name: cleaned[name] for name in self.changed_data if name in cleaned}
        try:
            normalised = type(self).check(values, self.instance, self.editing_user)
        except editing.EditRefused as refused:
            for name, message in refused.errors.items():
                self.add_error(name if name in self.fields else None, message)
            return cleaned
        cleaned.update({name: value for name, value in normalised.items() if name in values})
        return cleaned


class OrganisationForm(CheckedForm):
    @staticmethod
    def check(values: dict[str, Any], instance: Any, user: Any = None) -> dict[str, Any]:
        return editing.check_organisation_values(values, organisation=instance)


class EstablishmentForm(CheckedForm):
    @staticmethod
    def check(values: dict[str, Any], instance: Any, user: Any = None) -> dict[str, Any]:
        return editing.check_establishment_values(values, establishment=instance, user=user)


class ScopedAdmin(admin.ModelAdmin):
    """Lists, searches, autocompletes and change pages only reach what the user's scope allows; saves and
    deletes, inlines included, go through ``registry.editing`` (checked, audited, lineage kept)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.restrict(request.user, super().get_queryset(request))

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        return _for_user(super().get_form(request, obj, change=change, **kwargs), request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        editing.save_manual_edit(obj=obj, user=request.user, fields=form.changed_data)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        editing.delete_record(obj=obj, user=request.user)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            editing.delete_record(obj=obj, user=request.user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            editing.delete_record(obj=obj, user=request.user)
        changed = {id(inline.instance): inline.changed_data for inline in formset.forms}
        for obj in instances:
            editing.save_manual_edit(obj=obj, user=request.user, fields=changed.get(id(obj), ()))
        formset.save_m2m()


class ReadOnlyAdmin(ReadOnlyMixin, ScopedAdmin):
    """Shown only: these rows are written by the services (the import, staff moves, the pages), never by hand."""


class ScopedInline(admin.TabularInline):
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.restrict(request.user, super().get_queryset(request))

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = _for_user(formset.form, request)
        return formset


def _for_user(form: Any, request: HttpRequest) -> Any:
    """The checked form class bound to the account editing, so its check holds them to their territory."""
    if not (isinstance(form, type) and issubclass(form, CheckedForm)):
        return form
    return type(form.__name__, (form,), {"editing_user": request.user})


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


class StaffAssignmentInline(admin.TabularInline):
    """Where the staff member worked, from when until when: written by a change of office, never by hand."""

    model = StaffAssignment
    fields = ["office", "starts_on", "ends_on"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("Affectations successives (historique des implantations)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StaffMemberForm(forms.ModelForm):
    """A change of office is a move: dated, checked and kept in the history (``services.move_staff``)."""

    moved_on = forms.DateField(
        label=_("Changement d'implantation à compter du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Premier jour dans la nouvelle implantation ; requis quand vous changez l'implantation d'un salarié "
            "déjà enregistré. L'affectation précédente est gardée dans l'historique."
        ),
    )

    class Meta:
        model = StaffMember
        fields = [
            "association",
            "office",
            "moved_on",
            "user",
            "first_name",
            "last_name",
            "job_title",
            "email",
            "phone",
            "hired_on",
            "left_on",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk is None or "office" not in self.changed_data:
            return data
        office, moved_on = data.get("office"), data.get("moved_on")
        if office is None:
            self.add_error(
                "office", _("Un salarié garde une implantation : choisissez celle où il travaille.")
            )
        elif moved_on is None:
            self.add_error(
                "moved_on", _("Indiquez à partir de quel jour il travaille dans cette implantation.")
            )
        else:
            stored = StaffMember.objects.get(pk=self.instance.pk)
            try:
                services.check_move(staff_member=stored, office=office, on=moved_on)
            except UserError as refused:
                self.add_error("office", refused.message)
        return data


@admin.register(StaffMember)
class StaffMemberAdmin(ScopedAdmin):
    form = StaffMemberForm
    list_display = ["last_name", "first_name", "job_title", "association", "office", "user", "left_on"]
    list_filter = ["association", "office__kind", "office"]
    search_fields = ["last_name", "first_name", "email", "user__username"]
    list_select_related = ["association", "office", "user"]
    autocomplete_fields = ["association", "office", "user"]
    inlines = [StaffAssignmentInline]

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = [name for name in form.changed_data if name != "moved_on"]
        if not change or "office" not in fields:
            editing.save_manual_edit(obj=obj, user=request.user, fields=fields)
            return
        office = obj.office
        obj.office = StaffMember.objects.get(pk=obj.pk).office
        editing.save_manual_edit(obj=obj, user=request.user, fields=[f for f in fields if f != "office"])
        services.move_staff(
            staff_member=obj, office=office, on=form.cleaned_data["moved_on"], user=request.user
        )


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(ReadOnlyAdmin):
    """Every move of every staff member, read-only: moves are recorded from the staff member's page."""

    list_display = ["staff_member", "office", "starts_on", "ends_on"]
    list_filter = ["office__association", "office"]
    search_fields = ["staff_member__last_name", "staff_member__first_name", "office__name"]
    list_select_related = ["staff_member", "office"]


# --- Members --------------------------------------------------------------------------------------------------


class EstablishmentInline(ScopedInline):
    model = Establishment
    form = EstablishmentForm
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
    form = OrganisationForm
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
    form = EstablishmentForm
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


@admin.register(Tag)
class TagAdmin(ScopedAdmin):
    list_display = ["name", "association", "created_at"]
    list_filter = ["association"]
    search_fields = ["name", "association__name"]
    list_select_related = ["association"]
    readonly_fields = ["created_at"]


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


@admin.register(FoldedOrganisation)
class FoldedOrganisationAdmin(ReadOnlyAdmin):
    """Written by merges only (``registry.services.merge_organisations``): where an old link now leads."""

    list_display = ["folded_id", "name", "survivor", "folded_at"]
    search_fields = ["name", "survivor__name"]
    list_select_related = ["survivor"]


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


@admin.register(SavedFilter)
class SavedFilterAdmin(ReadOnlyAdmin):
    """Shown for support; saved and deleted from the lists themselves (audited there)."""

    list_display = ["name", "list_name", "user", "shared", "created_at"]
    list_filter = ["list_name", "shared"]
    search_fields = ["name", "user__username"]
    list_select_related = ["user"]
