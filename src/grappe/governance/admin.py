"""Back office of governance. A statutes version is recorded only through ``services.import_statutes`` (the
schema's checks, one audit event) and never edited afterwards: a change of statutes is a new version."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from grappe.errors import UserError
from grappe.governance import procedure, selectors, services
from grappe.governance.errors import StatutesRefused
from grappe.governance.models import Body, Mandate, MergerProcedure, ProcedureStep, Statutes
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


class MergerProcedureForm(forms.ModelForm):
    class Meta:
        model = MergerProcedure
        fields = [
            "merger",
            "board_lead_months",
            "notice_days",
            "documents_days",
            "contributions_euros",
            "treaty_effective_on",
            "notice_journal",
            "notes",
        ]

    def clean_merger(self) -> Any:
        merger = self.cleaned_data["merger"]
        if self.instance.pk is None:
            try:
                procedure.check_open(merger)
            except UserError as refused:
                raise forms.ValidationError(f"{refused.message} {refused.hint}".strip()) from None
        return merger


class ProcedureStepForm(forms.ModelForm):
    """A step passes ``procedure.check_step`` (party to the merger, no date in the future, one row per step, the
    document's size); it is written by ``procedure.record_step``."""

    class Meta:
        model = ProcedureStep
        fields = ["kind", "association", "planned_on", "done_on", "approved", "document", "note"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Inline: the procedure is the page's; on its own page: the one chosen.
        owner = self.instance.procedure if self.instance.procedure_id else cleaned.get("procedure")
        if not cleaned.get("kind") or owner is None:
            return cleaned
        upload = cleaned.get("document")
        try:
            procedure.check_step(
                procedure=owner,
                kind=cleaned["kind"],
                association=cleaned.get("association"),
                done_on=cleaned.get("done_on"),
                planned_on=cleaned.get("planned_on"),
                approved=cleaned.get("approved"),
                upload=upload if isinstance(upload, UploadedFile) else None,
                step=self.instance,
            )
        except UserError as refused:
            self.add_error(None, f"{refused.message} {refused.hint}".strip())
        return cleaned


class ProcedureStepInline(admin.TabularInline):
    model = ProcedureStep
    form = ProcedureStepForm
    extra = 1
    can_delete = False  # a step is corrected, never removed: the timeline then shows it as missing

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MergerProcedure)
class MergerProcedureAdmin(admin.ModelAdmin):
    form = MergerProcedureForm
    list_display = ("merger", "contributions_euros", "treaty_effective_on")
    inlines = [ProcedureStepInline]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        # Steps are checked against the merger's parties: the procedure must exist first.
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("merger",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = {name: form.cleaned_data[name] for name in form.Meta.fields if name != "merger"}
        saved = procedure.open_procedure(merger=form.cleaned_data["merger"], user=request.user, **data)
        obj.pk = saved.pk

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # The admin's change message reads these lists, which formset.save() would have filled.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for step_form in formset.forms:
            if step_form.has_changed() and step_form.cleaned_data:
                created = step_form.instance.pk is None
                saved = _record(request, form.instance, step_form)
                if created:
                    formset.new_objects.append(saved)
                else:
                    formset.changed_objects.append((saved, step_form.changed_data))


def _record(request: HttpRequest, owner: MergerProcedure, form: Any) -> ProcedureStep:
    data = form.cleaned_data
    document = data.get("document")
    return procedure.record_step(
        procedure=owner,
        step=form.instance if form.instance.pk else None,
        kind=data["kind"],
        association=data.get("association"),
        planned_on=data.get("planned_on"),
        done_on=data.get("done_on"),
        approved=data.get("approved"),
        upload=document if isinstance(document, UploadedFile) else None,
        clear_document=document is False,
        note=data.get("note") or "",
        user=request.user,
    )


class StandaloneStepForm(ProcedureStepForm):
    class Meta(ProcedureStepForm.Meta):
        fields = ["procedure", *ProcedureStepForm.Meta.fields]


@admin.register(ProcedureStep)
class ProcedureStepAdmin(admin.ModelAdmin):
    """Every step of every procedure, to find a document or a date; written through ``record_step``."""

    form = StandaloneStepForm
    list_display = ("procedure", "kind", "association", "planned_on", "done_on", "approved", "document_name")
    list_filter = ("kind", "procedure")
    search_fields = ("association__name", "document_name", "note")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("procedure",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        owner = obj.procedure if change else form.cleaned_data["procedure"]
        saved = _record(request, owner, form)
        obj.pk = saved.pk
