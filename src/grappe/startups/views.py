"""Staff pages of start-up sourcing: thin views over ``selectors`` (visibility) and ``services`` (changes).

The board works without JavaScript: each card carries its own small POST form to move it; with htmx (already
loaded by every page), the form swaps the board in place instead of reloading the page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from grappe.core.access import staff_view
from grappe.core.exports import streaming_writer
from grappe.errors import NotFound, UserError
from grappe.registry.editing import MemberRefused
from grappe.registry.models import Person
from grappe.registry.search import person_condition
from grappe.registry.selectors import has_registry_access
from grappe.startups import selectors, services
from grappe.startups.forms import (
    ApplicationEditForm,
    ApplicationForm,
    BoardFilterForm,
    ConversionForm,
    FounderForm,
    MoveForm,
    ProjectEditForm,
    ProjectForm,
)

staff_required = staff_view(capability=has_registry_access, denied=_("Accès réservé aux salariés du réseau."))


def _board_context(request: HttpRequest) -> dict[str, object]:
    form = BoardFilterForm(request.user, request.GET or None)
    filters = form.filters()
    return {
        "form": form,
        "columns": selectors.board(request.user, filters),
        "deadlines": selectors.deadlines(request.user, filters=filters)[:10],
        "query": request.GET.urlencode(),
    }


@staff_required
def board(request: HttpRequest) -> HttpResponse:
    context = _board_context(request)
    if request.htmx and request.htmx.target == "board":
        return render(request, "startups/_board.html", context)
    return render(request, "startups/board.html", context)


@require_POST
@staff_required
def move(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for(request.user, pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            services.move_project(
                project=project,
                stage=form.cleaned_data["stage"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
            messages.success(request, _("« %(project)s » déplacé.") % {"project": project.name})
        except UserError as error:
            messages.error(request, str(error))
    back = request.POST.get("next", "")
    if back == "detail":
        return redirect("startups:project_detail", pk=project.pk)
    # Back to the board as it was filtered (the query re-encoded: only its parameters, never another address).
    # An htmx request follows this redirect with its headers, and so gets the board's fragment to swap in.
    query = QueryDict(back).urlencode()
    return redirect(reverse("startups:board") + (f"?{query}" if query else ""))


@staff_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for(request.user, pk)
    query = request.GET.get("fondateur", "").strip()[:100]
    context = {
        "project": project,
        "history": selectors.history(project),
        "applications": project.applications.select_related("programme").order_by("due_on"),
        "targets": selectors.move_targets(project),
        "application_form": ApplicationForm(),
        "founder_form": FounderForm(),
        "founder_query": query,
        "founder_results": list(
            services.founder_candidates(request.user).filter(person_condition(query))[:10]
        )
        if query
        else [],
    }
    return render(request, "startups/project_detail.html", context)


@staff_required
def project_create(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.create_project(user=request.user, **form.cleaned_data)
        except UserError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Projet ajouté au vivier."))
            return redirect("startups:project_detail", pk=project.pk)
    return render(request, "startups/project_create.html", {"form": form})


@staff_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for(request.user, pk)
    initial = {
        "name": project.name,
        "summary": project.summary,
        "territory": project.territory,
        "referent": project.referent,
        "programmes": list(project.programmes.all()),
    }
    form = ProjectEditForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_project(user=request.user, project=project, **form.cleaned_data)
        except UserError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Projet modifié."))
            return redirect("startups:project_detail", pk=project.pk)
    context = {"project": project, "form": form, "closed": services.is_closed(project)}
    return render(request, "startups/project_edit.html", context)


@require_POST
@staff_required
def founder_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for(request.user, pk)
    form = FounderForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect("startups:project_detail", pk=project.pk)
    data = form.cleaned_data
    try:
        if data["person"]:
            person = Person.objects.filter(pk=data["person"]).first()
            if person is None:
                raise NotFound(_("Personne n° %(id)s introuvable.") % {"id": data["person"]})
            services.add_founder(user=request.user, project=project, person=person)
        else:
            values = {key: data[key] for key in ("first_name", "last_name", "email") if data[key]}
            person = services.add_founder(user=request.user, project=project, person_values=values)
        messages.success(request, _("%(person)s ajouté aux fondateurs.") % {"person": person})
    except UserError as error:
        messages.error(request, str(error))
    return redirect("startups:project_detail", pk=project.pk)


@require_POST
@staff_required
def founder_remove(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for(request.user, pk)
    chosen = request.POST.get("person", "")
    person = project.founders.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    if person is None:
        messages.error(request, _("Aucun fondateur de ce projet indiqué."))
    else:
        try:
            services.remove_founder(user=request.user, project=project, person=person)
            messages.success(request, _("%(person)s retiré des fondateurs.") % {"person": person})
        except UserError as error:
            messages.error(request, str(error))
    return redirect("startups:project_detail", pk=project.pk)


@staff_required
def application_edit(request: HttpRequest, pk: int, application: int) -> HttpResponse:
    project = selectors.project_for(request.user, pk)
    found = project.applications.select_related("programme").filter(pk=application).first()
    if found is None:
        raise NotFound(_("Dossier de candidature n° %(id)s introuvable.") % {"id": application})
    initial = {"status": found.status, "due_on": found.due_on, "notes": found.notes}
    form = ApplicationEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_application(
                user=request.user,
                project=project,
                programme=found.programme,
                application=found,
                **form.cleaned_data,
            )
        except UserError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Dossier de candidature modifié."))
            return redirect("startups:project_detail", pk=project.pk)
    context = {"project": project, "application": found, "form": form}
    return render(request, "startups/application_edit.html", context)


@require_POST
@staff_required
def application_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for(request.user, pk)
    form = ApplicationForm(request.POST)
    if form.is_valid():
        try:
            services.save_application(user=request.user, project=project, **form.cleaned_data)
            messages.success(request, _("Dossier de candidature enregistré."))
        except UserError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    return redirect("startups:project_detail", pk=project.pk)


@staff_required
def convert(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for(request.user, pk)
    form = ConversionForm(request.POST or None, initial={"siren": project.siren})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = services.convert_to_member(
                project=project,
                user=request.user,
                organisation_values={"siren": data["siren"], "is_startup": True},
                establishment_values={
                    "siret": data["siret"],
                    "postcode": data["postcode"],
                    "city": data["city"],
                    "country": "FR",
                },
                membership_values={
                    "association": data["association"],
                    "membership_type": data["membership_type"],
                    "status": "active",
                    "starts_on": data["starts_on"].isoformat(),
                },
            )
        except MemberRefused as refusal:
            for error in refusal.parts.values():
                form.add_error(None, str(error))
        except UserError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("La start-up est devenue adhérente : son parcours est sur sa chronologie.")
            )
            return redirect("registry:timeline", pk=organisation.pk)
    return render(request, "startups/convert.html", {"project": project, "form": form})


@staff_required
def deadline_list(request: HttpRequest) -> HttpResponse:
    return render(request, "startups/deadlines.html", {"deadlines": selectors.deadlines(request.user)})


@staff_required
def report(request: HttpRequest) -> HttpResponse:
    return render(request, "startups/report.html", {"reports": selectors.territory_reports(request.user)})


@staff_required
def report_csv(request: HttpRequest) -> StreamingHttpResponse:
    writer = streaming_writer()
    rows = [selectors.REPORT_HEADER, *selectors.report_rows(selectors.territory_reports(request.user))]
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="start-up-bilan.csv"'
    return response
