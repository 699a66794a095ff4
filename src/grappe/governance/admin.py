"""Back office of governance. A statutes version is recorded only through ``services.import_statutes`` (the
schema's checks, one audit event) and never edited afterwards: a change of statutes is a new version."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from grappe.errors import UserError
from grappe.governance import selectors, services
from grappe.governance.errors import StatutesRefused
from grappe.governance.models import Body, Mandate, Statutes
from grappe.registry import selectors as registry_selectors


class StatutesImportForm(forms.ModelForm):
    source_text = forms.CharField(
        label=_("Statuts (YAML)"),
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "spellcheck": "false"}),
        help_text=_(
            "Le document complet de la version : adoption, organes, assemblées… Une règle absente se lira "
            "« non fixé par les statuts »."
        ),
    )

    class Meta:
        model = Statutes
        fields = ["association", "source_text"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("association") and cleaned.get("source_text"):
            try:
                services.check_statutes(association=cleaned["association"], text=cleaned["source_text"])
            except StatutesRefused as refused:
                self.add_error("source_text", f"{refused.message} {refused.hint}".strip())
        return cleaned


@admin.register(Statutes)
class StatutesAdmin(admin.ModelAdmin):
    list_display = ("association", "version", "adopted_on", "adopted_by")
    list_filter = ("association",)
    ordering = ("association__name", "-adopted_on")
    actions = ["export_yaml"]
    readonly_fields = ("association", "version", "adopted_on", "adopted_by", "rules_summary", "created_by")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = StatutesImportForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ("association", "source_text")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Adopted statutes do not change; the page is shown read-only (a new version is a new import).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = services.import_statutes(
            association=form.cleaned_data["association"],
            text=form.cleaned_data["source_text"],
            user=request.user,
        )
        # The admin logs and links the object it handed over: make it the recorded version.
        for field in Statutes._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))

    @admin.display(description=_("Règles"))
    def rules_summary(self, obj: Statutes) -> str:
        return format_html_join(
            "\n",
            "<div><strong>{}</strong> : {}</div>",
            ((label, value) for _path, label, value in selectors.summary(obj)),
        )

    @admin.action(description=_("Exporter en YAML"))
    def export_yaml(self, request: HttpRequest, queryset: QuerySet[Statutes]) -> HttpResponse | None:
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, _("Choisissez une seule version à exporter."), level="error")
            return None
        statutes = chosen[0]
        response = HttpResponse(
            services.export_statutes(statutes), content_type="application/yaml; charset=utf-8"
        )
        name = f"statuts-{statutes.association.pk}-v{statutes.version}.yaml"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ("name", "association", "kind", "code", "territory")
    list_filter = ("association", "kind")
    search_fields = ("name", "code")
    autocomplete_fields = ("territory",)


class MandateForm(forms.ModelForm):
    """A new mandate passes ``services.check_mandate`` (the statutes in force on its first day): each refusal
    shows above the form. An existing one can only be cut short (``services.end_mandate``)."""

    class Meta:
        model = Mandate
        fields = [
            "body",
            "person",
            "organisation",
            "role",
            "college",
            "reserved_seat",
            "starts_on",
            "term_ends_on",
            "elected_by",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        needed = ("body", "person", "role", "starts_on")
        if any(not cleaned.get(name) for name in needed):
            return cleaned
        try:
            cleaned["term_ends_on"] = services.check_mandate(
                body=cleaned["body"],
                person=cleaned["person"],
                organisation=cleaned.get("organisation"),
                role=cleaned["role"],
                starts_on=cleaned["starts_on"],
                term_ends_on=cleaned.get("term_ends_on"),
                college=cleaned.get("college") or "",
                reserved_seat=cleaned.get("reserved_seat") or "",
            )
        except UserError as refused:
            self.add_error(None, f"{refused.message} {refused.hint}".strip())
        return cleaned


class MandateEndForm(forms.ModelForm):
    class Meta:
        model = Mandate
        fields = ["ended_on", "end_reason"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.ended_on is not None:
            self.add_error(None, _("Ce mandat a déjà pris fin : il n'est plus modifiable."))
        elif not cleaned.get("ended_on"):
            self.add_error("ended_on", _("Indiquez le premier jour où le siège n'est plus occupé."))
        else:
            try:
                services.check_end_mandate(
                    mandate=self.instance, on=cleaned["ended_on"], reason=cleaned.get("end_reason") or ""
                )
            except UserError as refused:
                self.add_error(None, refused.message)
        return cleaned


@admin.register(Mandate)
class MandateAdmin(admin.ModelAdmin):
    list_display = ("person", "role", "body", "organisation", "starts_on", "term_ends_on", "ended_on")
    list_filter = ("body__association", "body", "role")
    search_fields = ("person__last_name", "person__first_name", "organisation__name")
    autocomplete_fields = ("person", "organisation")
    date_hierarchy = "starts_on"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Mandate]:
        return registry_selectors.restrict(request.user, super().get_queryset(request))

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = MandateEndForm if obj is not None else MandateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return MandateForm.Meta.fields
        return [*MandateForm.Meta.fields, "ended_on", "end_reason"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        done = ("ended_on", "end_reason") if obj.ended_on is not None else ()
        return (*MandateForm.Meta.fields, *done)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # history: a mandate ends, it is never removed

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            data = form.cleaned_data
            saved = services.start_mandate(
                body=data["body"],
                person=data["person"],
                organisation=data.get("organisation"),
                role=data["role"],
                starts_on=data["starts_on"],
                term_ends_on=data.get("term_ends_on"),
                college=data.get("college") or "",
                reserved_seat=data.get("reserved_seat") or "",
                elected_by=data.get("elected_by") or "",
                user=request.user,
            )
            obj.pk = saved.pk
            obj.term_ends_on = saved.term_ends_on
            return
        fresh = Mandate.objects.get(pk=obj.pk)
        services.end_mandate(
            mandate=fresh,
            on=form.cleaned_data["ended_on"],
            reason=form.cleaned_data["end_reason"],
            user=request.user,
        )
