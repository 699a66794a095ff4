"""The registry's busiest pages cost a fixed number of queries, however many rows they show.

The load benchmark (benchmarks/load/) drives these pages with 50 clients; one query per row would multiply the
database's work by the page size. Each test counts the queries of a page on the small registry, adds enough rows
to fill the page (and several export batches' worth of relations), and expects the same count.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grappe.france.identifiers import complete_siren
from grappe.registry.models import Establishment, Membership, Organisation, Person, Role

# session, user, scope, permissions, count, page, sites, memberships, saved filters, 3 filter choices (the tags
# one included)…
LIST_QUERIES_MAX = 13


def _grow(registry, count: int = 120) -> None:
    """``count`` more organisations, each with two sites, a membership and a contact: every relation a row shows."""
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Société {n:04d}", siren=complete_siren(f"7{n:07d}")) for n in range(count)
    )
    Establishment.objects.bulk_create(
        Establishment(
            organisation=o, postcode=code, city=city, departement_code=code[:2], is_head_office=head
        )
        for o in organisations
        for code, city, head in (("26000", "Valence", True), ("07000", "Privas", False))
    )
    Membership.objects.bulk_create(
        Membership(organisation=o, association=registry.numelink, starts_on=datetime.date(2015, 1, 1))
        for o in organisations
    )
    people = Person.objects.bulk_create(
        Person(first_name="Alex", last_name=f"Contact {n}") for n in range(count)
    )
    Role.objects.bulk_create(
        Role(person=p, organisation=o) for p, o in zip(people, organisations, strict=True)
    )


def _queries(client, url: str, params: dict[str, str] | None = None, **headers: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {}, headers=headers)
        if response.streaming:
            b"".join(response.streaming_content)  # an export runs its queries while it streams
    assert response.status_code == 200
    return len(context.captured_queries)


LIST_REQUESTS = [
    pytest.param({}, {}, id="first page"),
    pytest.param({"page": "2"}, {}, id="second page"),
    *(pytest.param({"tri": sort}, {}, id=f"sort {sort}") for sort in ("-nom", "siren", "ville", "-depuis")),
    pytest.param({"departement": "26", "status": "active", "tri": "ville"}, {}, id="filters"),
    pytest.param({"q": "VALENCE"}, {}, id="folded search"),
    pytest.param({"q": "valen"}, {"HX-Request": "true", "HX-Target": "results"}, id="live search block"),
]


@pytest.mark.parametrize(("params", "headers"), LIST_REQUESTS)
def test_organisation_list_queries_do_not_grow_with_the_rows_shown(registry, hq_client, params, headers):
    url = reverse("registry:organisation_list")
    few = _queries(hq_client, url, params, **headers)
    _grow(registry)
    assert _queries(hq_client, url, params, **headers) == few <= LIST_QUERIES_MAX


@pytest.mark.parametrize("name", ["organisation_export", "person_export", "membership_export"])
def test_exports_queries_do_not_grow_with_the_rows_written(registry, hq_client, name):
    url = reverse(f"registry:{name}")
    few = _queries(hq_client, url)
    _grow(registry)
    assert _queries(hq_client, url) == few


@pytest.mark.parametrize("name", ["person_list", "membership_list"])
def test_people_and_membership_lists_queries_do_not_grow_with_the_rows_shown(registry, hq_client, name):
    url = reverse(f"registry:{name}")
    few = _queries(hq_client, url)
    _grow(registry)
    assert _queries(hq_client, url) == few <= LIST_QUERIES_MAX


def test_organisation_page_queries_do_not_grow_with_its_sites_and_members(registry, hq_client):
    organisation = registry.drome_logiciels
    url = reverse("registry:organisation_detail", args=[organisation.pk])
    _queries(hq_client, url)  # the first visit also fills Django's content-type cache, once per process
    few = _queries(hq_client, url)
    Establishment.objects.bulk_create(
        Establishment(organisation=organisation, postcode="26000", city=f"Valence {n}", departement_code="26")
        for n in range(30)
    )
    people = Person.objects.bulk_create(
        Person(first_name="Alex", last_name=f"Contact {n}") for n in range(30)
    )
    Role.objects.bulk_create(Role(person=person, organisation=organisation) for person in people)
    assert _queries(hq_client, url) == few


@pytest.mark.parametrize("name", ["organisation_list", "membership_list"])
def test_filter_choices_are_read_without_a_server_side_cursor(registry, hq_client, name):
    """The filters' associations, territories and tags are a few rows: one plain query each, not the DECLARE,
    FETCH and CLOSE of ``QuerySet.iterator()`` on PostgreSQL; the choices are all there."""
    with CaptureQueriesContext(connection) as context:
        page = hq_client.get(reverse(f"registry:{name}")).content.decode()
    assert not [query["sql"] for query in context.captured_queries if query["sql"].startswith("DECLARE")]
    for association in (registry.numelink, registry.rhonealley, registry.auvergne_tic):
        assert f'<option value="{association.pk}">{association.name}</option>' in page
