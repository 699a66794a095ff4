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

from grappe.governance import selectors, services
from grappe.governance.errors import StatutesRefused
from grappe.governance.models import Statutes


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
