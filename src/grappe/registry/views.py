"""Staff pages of the registry: thin views that read through ``selectors`` (which hold the visibility rule)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from grappe.core.access import staff_view
from grappe.errors import NotFound
from grappe.registry import exports, insights, saved_filters, selectors, sorting
from grappe.registry.forms import AsOfForm, MembershipFilterForm, OrganisationFilterForm, PersonSearchForm

PAGE_SIZE = 50

View = Callable[..., HttpResponse]


# Logged-in network staff only: anonymous users go to the login page, anyone else gets a 403 (grappe.core.access).
staff_required = staff_view(
    capability=selectors.has_registry_access, denied=_("Accès réservé aux salariés du réseau.")
)


def _page(request: HttpRequest, queryset: object) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _render_list(
    request: HttpRequest, list_name: str, template: str, results_template: str, context: dict
) -> HttpResponse:
    """The whole page, or only the results block when htmx asks for it (live search). The results block
    carries the saved filters and « Enregistrer ce filtre » with the search it shows."""
    context["saved_filters"] = saved_filters.filters_for(request.user, list_name)
    context["list_name"] = list_name
    context["current_query"] = saved_filters.clean_query(list_name, request.GET.urlencode())
    if request.htmx and request.htmx.target == "results":
        # The block answers alone: it updates the form's sort (_sort_field.html).
        context["results_only"] = True
        return render(request, results_template, context)
    return render(request, template, context)


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    context = {"dashboard": selectors.dashboard(request.user), "insights": insights.insights(request.user)}
    return render(request, "registry/home.html", context)


@staff_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(request.GET)
    page = _page(request, selectors.search_organisations(request.user, form.filters()))
    selectors.with_list_relations(page.object_list)
    context = {
        "form": form,
        "page": page,
        "filtered": bool(request.GET.get("q")) or form.active_filter_count(),
        "sort": selectors.sort_param("organisations", form.sort()),
    }
    return _render_list(
        request,
        "organisations",
        "registry/organisation_list.html",
        "registry/_organisation_results.html",
        context,
    )


@staff_required
def organisation_export(request: HttpRequest) -> StreamingHttpResponse:
    """The organisation list as CSV: the same search, filters and sort as the page, every page of it."""
    form = OrganisationFilterForm(request.GET)
    return csv_download(exports.organisations_csv(request.user, form.filters()), _("organisations"))


@staff_required
def person_export(request: HttpRequest) -> StreamingHttpResponse:
    """The people list as CSV: the same search and sort as the page."""
    form = PersonSearchForm(request.GET)
    return csv_download(exports.people_csv(request.user, form.query(), form.sort()), _("personnes"))


@staff_required
def membership_export(request: HttpRequest) -> StreamingHttpResponse:
    """The membership list as CSV: the same search, filters and sort as the page."""
    form = MembershipFilterForm(request.GET)
    return csv_download(exports.memberships_csv(request.user, form.filters()), _("adhesions"))


def csv_download(lines: Iterator[str], name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


@staff_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        detail = selectors.organisation_detail(request.user, pk)
    except NotFound:
        # A link to an organisation folded since into another (a bookmark, an e-mail, minutes) leads there.
        folded = selectors.folded_into(request.user, pk)
        if folded is None:
            raise
        messages.info(
            request,
            _("La fiche « %(name)s » (n° %(id)s) a été fusionnée dans celle-ci le %(date)s.")
            % {
                "name": folded.name,
                "id": folded.folded_id,
                "date": date_format(timezone.localtime(folded.folded_at), "SHORT_DATE_FORMAT"),
            },
        )
        return redirect("registry:organisation_detail", pk=folded.survivor_id)
    return render(request, "registry/organisation_detail.html", {"detail": detail})


@staff_required
def person_list(request: HttpRequest) -> HttpResponse:
    form = PersonSearchForm(request.GET)
    page = _page(request, selectors.search_people(request.user, form.query(), form.sort()))
    selectors.with_person_roles(request.user, page.object_list)
    context = {
        "form": form,
        "page": page,
        "filtered": bool(form.query()),
        "sort": selectors.sort_param("personnes", form.sort()),
    }
    return _render_list(
        request, "personnes", "registry/person_list.html", "registry/_person_results.html", context
    )


@staff_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person(request.user, pk)
    roles = selectors.person_roles(request.user, person)
    return render(request, "registry/person_detail.html", {"person": person, "roles": roles})


@staff_required
def membership_list(request: HttpRequest) -> HttpResponse:
    form = MembershipFilterForm(request.GET)
    filters = form.filters()
    page = _page(request, selectors.search_memberships(request.user, filters))
    context = {
        "form": form,
        "page": page,
        "filtered": dataclasses.replace(filters, sort="") != type(filters)(),
        "sort": selectors.sort_param("adhesions", form.sort()),
    }
    return _render_list(
        request, "adhesions", "registry/membership_list.html", "registry/_membership_results.html", context
    )


@staff_required
def association_list(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get(sorting.PARAMETER, "")
    associations = selectors.association_list(request.user, sort)
    return render(request, "registry/association_list.html", {"associations": associations, "sort": sort})


@staff_required
def association_detail(request: HttpRequest, pk: int) -> HttpResponse:
    detail = selectors.association_detail(request.user, pk)
    return render(request, "registry/association_detail.html", {"detail": detail})


@staff_required
def territory_list(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get(sorting.PARAMETER, "")
    territories = selectors.territory_list(request.user, sort)
    return render(request, "registry/territory_list.html", {"territories": territories, "sort": sort})


@staff_required
def territory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    detail = selectors.territory_detail(request.user, pk)
    return render(request, "registry/territory_detail.html", {"detail": detail})


@staff_required
def office_list(request: HttpRequest) -> HttpResponse:
    """The network's offices and who works where, today or on the date asked (``?date=``)."""
    form = AsOfForm(request.GET or None)
    day = form.day()
    context = {"offices": selectors.office_list(request.user, day), "form": form, "day": day}
    return render(request, "registry/office_list.html", context)


@staff_required
def history(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """« Historique »: who changed what on an object, newest first (not visible to the user: 404)."""
    obj, events = selectors.object_history(request.user, kind, pk)
    page = _page(request, events)
    context = {
        "object": obj,
        "kind": kind,
        "page": page,
        "entries": selectors.history_entries(obj, list(page.object_list)),
    }
    return render(request, "registry/history.html", context)
