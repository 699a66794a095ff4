"""Lists in French order, sortable by any column, and a search that finds a member however it is typed
(issue 10). Run on SQLite and on PostgreSQL (``DATABASE_URL``): both must give the same answers."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from grappe.france.identifiers import complete_siren, complete_siret
from grappe.registry.models import Establishment, Membership, Organisation, Person, Role
from grappe.registry.search import phone_number

pytestmark = pytest.mark.django_db

# In French order: accents and case aside, « Afon » before « AJL », « ANDRÉ » before « AUBERT ».
FRENCH_ORDER = ["Afon", "AJL", "AJOX", "AL", "ANDRÉ", "AUBERT", "Émeraude", "eole", "Œuvre Numérique"]


@pytest.fixture
def alphabet(registry):
    cities = {"Afon": "Évian-les-Bains", "AJL": "annecy", "AJOX": "Zurich", "AL": "Lyon"}
    created = {}
    for n, name in enumerate(reversed(FRENCH_ORDER), start=1):
        org = Organisation.objects.create(name=name, siren=complete_siren(f"9{n:07d}"))
        Establishment.objects.create(organisation=org, city=cities.get(name, ""), departement_code="42")
        Membership.objects.create(
            organisation=org, association=registry.numelink, starts_on=datetime.date(2000 + n, 1, 1)
        )
        created[name] = org
    return created


def _names(response, among) -> list[str]:
    return [org.name for org in response.context["page"].object_list if org.name in among]


def test_the_organisation_list_reads_in_french_order_both_ways(alphabet, hq_client):
    url = reverse("registry:organisation_list")

    assert _names(hq_client.get(url), alphabet) == FRENCH_ORDER
    assert _names(hq_client.get(url, {"tri": "-nom"}), alphabet) == FRENCH_ORDER[::-1]
    assert _names(hq_client.get(url, {"tri": "n'importe quoi"}), alphabet) == FRENCH_ORDER


def test_the_list_sorts_by_city_and_by_seniority_with_empty_values_last(alphabet, hq_client):
    url = reverse("registry:organisation_list")

    by_city = _names(hq_client.get(url, {"tri": "ville", "departement": "42"}), alphabet)
    assert by_city[:4] == ["AJL", "Afon", "AL", "AJOX"]  # annecy, Évian, Lyon, Zurich; no city after
    by_city_desc = _names(hq_client.get(url, {"tri": "-ville", "departement": "42"}), alphabet)
    assert by_city_desc[:4] == ["AJOX", "AL", "Afon", "AJL"]
    oldest_first = _names(hq_client.get(url, {"tri": "depuis"}), alphabet)
    assert oldest_first == FRENCH_ORDER[::-1]  # created in reverse, one year apart


def test_the_headers_sort_keeping_the_search_and_filters_and_going_back_to_page_one(alphabet, hq_client):
    response = hq_client.get(reverse("registry:organisation_list"), {"q": "a", "tri": "nom", "page": "1"})
    page = response.content.decode()

    name_header = re.search(
        r'<th scope="col" aria-sort="ascending"><a class="sort-link" href="([^"]+)"', page
    )
    assert name_header, "the sorted column says so to screen readers"
    link = name_header.group(1).replace("&amp;", "&")
    assert "q=a" in link and "tri=-nom" in link and "page=" not in link
    assert 'name="tri" value="nom"' in page  # a new search keeps the sort


def test_people_sort_by_folded_name_also_when_written_in_bulk(registry, hq_client):
    people = Person.objects.bulk_create(
        [Person(last_name=name, first_name="A") for name in ("Zola", "étienne", "Eluard", "ÉMERY")]
    )
    for person in people:
        Role.objects.create(person=person, organisation=registry.atelier_forezien)

    response = hq_client.get(reverse("registry:person_list"))
    names = [p.last_name for p in response.context["page"].object_list if p.pk in {x.pk for x in people}]

    assert names == ["Eluard", "ÉMERY", "étienne", "Zola"]
    reverse_names = [
        p.last_name
        for p in hq_client.get(reverse("registry:person_list"), {"tri": "-nom"}).context["page"].object_list
        if p.last_name in names
    ]
    assert reverse_names == names[::-1]


def test_memberships_sort_by_organisation_in_french_order(alphabet, hq_client):
    response = hq_client.get(reverse("registry:membership_list"))
    names = [
        m.organisation.name for m in response.context["page"].object_list if m.organisation.name in alphabet
    ]
    assert names == FRENCH_ORDER


# -- search ---------------------------------------------------------------------------------------------------


def _found(client, q: str) -> set[str]:
    response = client.get(reverse("registry:organisation_list"), {"q": q})
    return {org.name for org in response.context["page"].object_list}


def test_a_city_is_found_whatever_its_accents_hyphens_and_case(registry, hq_client):
    expected = _found(hq_client, "Saint-Étienne")

    assert expected >= {registry.atelier_forezien.name}
    for typed in (
        "Saint-Etienne",
        "saint etienne",
        "SAINT ETIENNE",
        "saint-étienne",
    ):
        assert _found(hq_client, typed) == expected, typed


def test_a_name_is_found_whatever_its_accents_and_hyphens(registry, hq_client):
    assert _found(hq_client, "atelier numerique forezien") == {"Atelier Numérique Forézien"}
    assert _found(hq_client, "ATELIER-NUMÉRIQUE") == {"Atelier Numérique Forézien"}


@pytest.fixture
def reachable(registry):
    org = registry.volcans_cloud
    org.email = "Contact@Volcans-Cloud.fr"
    org.website = "https://www.volcans-cloud.fr/"
    org.website_domain = "volcans-cloud.fr"
    org.phone = "+33473123456"
    org.save()
    return org


@pytest.mark.parametrize(
    "typed",
    [
        "contact@volcans-cloud.fr",
        "CONTACT@VOLCANS-CLOUD.FR",
        "volcans-cloud.fr",
        "https://www.volcans-cloud.fr/contact",
        "04 73 12 34 56",
        "04.73.12.34.56",
        "0473123456",
        "+33 4 73 12 34 56",
        "+33473123456",
        "0033 4 73 12 34 56",
    ],
)
def test_contacts_are_found_however_typed(reachable, hq_client, typed):
    assert _found(hq_client, typed) == {reachable.name}


def test_a_contact_persons_email_and_phone_find_the_organisation(registry, hq_client):
    registry.claire.email = "claire.martin@drome-logiciels.fr"
    registry.claire.phone = "+33475060508"
    registry.claire.save()

    assert registry.drome_logiciels.name in _found(hq_client, "claire.martin@drome-logiciels.fr")
    assert registry.drome_logiciels.name in _found(hq_client, "04 75 06 05 08")


def test_siren_and_siret_are_found_with_spaces_and_dots(registry, hq_client):
    org = registry.atelier_forezien
    siren = org.siren
    siret = org.establishments.first().siret

    for typed in (siren, f"{siren[:3]} {siren[3:6]} {siren[6:]}", f"{siren[:3]}.{siren[3:6]}.{siren[6:]}"):
        assert _found(hq_client, typed) == {org.name}, typed
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    assert _found(hq_client, spaced) == {org.name}
    assert complete_siret(f"{siren}0001") == siret


def test_people_and_memberships_search_fold_accents(registry, hq_client):
    Person.objects.filter(pk=registry.paul.pk).update(first_name="Paul-Émile")
    registry.paul.refresh_from_db()
    registry.paul.save()  # keeps the folded key right

    people = hq_client.get(reverse("registry:person_list"), {"q": "paul emile"}).context["page"].object_list
    assert registry.paul in list(people)
    memberships = hq_client.get(reverse("registry:membership_list"), {"q": "numerique forezien"})
    assert {m.organisation.name for m in memberships.context["page"].object_list} == {
        "Atelier Numérique Forézien"
    }


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=9), st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_a_french_number_reads_the_same_however_written(area, rest):
    digits = f"0{area}{rest}"
    pairs = " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    national = {
        phone_number(form) for form in (digits, pairs, pairs.replace(" ", "."), pairs.replace(" ", "-"))
    }
    assert len(national) == 1
    number = national.pop()
    if number is not None and number.startswith("+33"):
        # Metropolitan: written with the country code, the same number (overseas ones have their own code).
        assert phone_number(f"+33 {digits[1:]}") == phone_number(f"0033{digits[1:]}") == number


def test_digits_that_are_not_a_phone_are_not_read_as_one():
    assert phone_number("732 829 320") is None  # a SIREN
    assert phone_number("42000") is None
    assert phone_number("Numélink") is None


def test_the_association_list_sorts_by_any_column_in_french_order(registry, hq_client):
    from grappe.registry.models import Association

    Association.objects.create(name="Échirolles Numérique", seat_city="Échirolles")
    Association.objects.create(name="ardèche connectée", seat_city="")
    url = reverse("registry:association_list")

    def names(**query: str) -> list[str]:
        return [a.name for a in hq_client.get(url, query).context["associations"]]

    by_name = names(tri="nom")
    assert by_name == sorted(by_name, key=lambda name: name.casefold().replace("é", "e").replace("è", "e"))
    assert by_name.index("ardèche connectée") < by_name.index("Échirolles Numérique")
    assert names(tri="-nom") == by_name[::-1]
    assert names(tri="siege")[-1] == "ardèche connectée"  # no seat: last either way
    assert names(tri="-siege")[-1] == "ardèche connectée"
    page = hq_client.get(url, {"tri": "nom"}).content.decode()
    assert 'aria-sort="ascending"' in page and "?tri=-nom" in page


def test_the_territory_list_sorts_by_its_counts(registry, hq_client):
    url = reverse("registry:territory_list")

    def rows(sort: str) -> list[tuple[str, int]]:
        return [(t.name, t.member_count) for t in hq_client.get(url, {"tri": sort}).context["territories"]]

    counts = [count for _name, count in rows("adherents")]
    assert counts == sorted(counts)
    assert [count for _name, count in rows("-adherents")] == sorted(counts, reverse=True)
    names = [name for name, _count in rows("nom")]
    assert names == sorted(names, key=str.casefold) and len(names) >= 3
    assert [name for name, _count in rows("inconnu")] == [
        name for name, _count in rows("")
    ]  # an unknown column: the list's own order


@pytest.mark.parametrize("sort", ["", "nom", "-nom"])
def test_postgresql_reads_a_page_of_the_list_by_name_from_an_index_instead_of_sorting_the_registry(
    registry, hq_user, sort
):
    """Migration 0019's indexes hold the list's own order by name, each expression as ``sorting.order`` writes
    it: a change to either that broke the match would bring back a sort of every organisation for each page."""
    from django.db import connection

    from grappe.registry.selectors import OrganisationFilters, search_organisations

    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only: SQLite cannot use such an index for Django's NULLS LAST (migration 0019)"
        )
    page = search_organisations(hq_user, OrganisationFilters(sort=sort))[100:150]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        # A test registry is a few rows, which the planner would rather sort (wholly, or the rest of an index's
        # order): tell it sorting is dear.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row for (row,) in cursor.fetchall())
    index = "registry_org_name_order_desc" if sort.startswith("-") else "registry_org_name_order_asc"
    assert index in plan, plan
    assert "Sort" not in plan, plan
