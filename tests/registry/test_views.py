"""The staff pages: what they show, how search, filters and pagination behave, and how many queries they cost."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from grappe.france.identifiers import complete_siren
from grappe.registry import selectors
from grappe.registry.models import Establishment, Membership, Organisation, Person, Role, SourceRecord

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    return [organisation.name for organisation in response.context["page"].object_list]


def test_login_page_is_french(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Connexion à Grappe" in content
    assert 'lang="fr"' in content
    assert reverse("set_language") in content


def test_login_page_switches_to_english(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    content = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in content


def test_dashboard_counts_members_by_association_territory_and_departement(registry, hq_client):
    response = hq_client.get(reverse("registry:home"))
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.member_count == 4
    by_association = {row["name"]: row["members"] for row in dashboard.by_association}
    assert by_association == {"Numélink": 3, "Auvergne TIC": 1}
    by_territory = {t.name: t.member_count for t in dashboard.territories}
    assert by_territory == {"Loire": 2, "Drôme-Ardèche": 2, "Auvergne": 1}
    assert dict((code, n) for code, _name, n in dashboard.by_departement) == {"42": 2, "26": 2, "63": 1}
    content = response.content.decode()
    assert "Loire" in content and "Puy-de-Dôme" in content


def test_dashboard_of_an_empty_registry_says_what_to_do(hq_client):
    Membership.objects.all().delete()
    Organisation.objects.all().delete()
    content = hq_client.get(reverse("registry:home")).content.decode()
    assert "Le registre est vide" in content
    assert "grappe demo" in content


def test_organisation_list_shows_columns(registry, hq_client):
    response = hq_client.get(reverse("registry:organisation_list"))
    assert response.status_code == 200
    assert _names(response) == [
        "Ardèche Data",
        "Atelier Numérique Forézien",
        "Drôme Logiciels",
        "Multisite Industries",
        "Volcans Cloud",
    ]
    content = response.content.decode()
    siren = registry.drome_logiciels.siren
    assert f"{siren[:3]} {siren[3:6]} {siren[6:]}" in content
    assert "Valence" in content and "(26)" in content
    assert "mars 2015" in content  # member since
    assert "1–5 sur 5" in content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "drôme"}, ["Drôme Logiciels"]),
        ({"q": "privas"}, ["Ardèche Data"]),
        ({"q": "numérique atelier"}, ["Atelier Numérique Forézien"]),
        ({"departement": "26"}, ["Drôme Logiciels", "Multisite Industries"]),
        ({"status": "pending"}, ["Ardèche Data"]),
        ({"startup": "oui"}, ["Ardèche Data"]),
        ({"headcount": "11"}, ["Atelier Numérique Forézien"]),
        ({"naf": "63"}, ["Ardèche Data", "Volcans Cloud"]),
        ({"naf": "6202a"}, ["Drôme Logiciels"]),
    ],
)
def test_organisation_search_and_filters(registry, hq_client, params, expected):
    response = hq_client.get(reverse("registry:organisation_list"), params)
    assert _names(response) == expected


def test_search_by_siren_siret_and_postcode(registry, hq_client):
    url = reverse("registry:organisation_list")
    drome = registry.drome_logiciels
    siret = drome.establishments.get().siret
    assert _names(hq_client.get(url, {"q": drome.siren})) == ["Drôme Logiciels"]
    spaced = f"{drome.siren[:3]} {drome.siren[3:6]} {drome.siren[6:]}"
    assert _names(hq_client.get(url, {"q": spaced})) == ["Drôme Logiciels"]
    assert _names(hq_client.get(url, {"q": siret})) == ["Drôme Logiciels"]
    assert _names(hq_client.get(url, {"q": "07000"})) == ["Ardèche Data"]


def test_filters_by_association_territory_and_status_together(registry, hq_client):
    url = reverse("registry:organisation_list")
    params = {"association": registry.numelink.pk, "status": "active", "territory": registry.drome_ardeche.pk}
    assert _names(hq_client.get(url, params)) == ["Drôme Logiciels", "Multisite Industries"]
    assert _names(hq_client.get(url, {"association": registry.auvergne_tic.pk, "status": "pending"})) == []


def test_an_invalid_filter_is_reported_and_ignored(registry, hq_client):
    response = hq_client.get(reverse("registry:organisation_list"), {"naf": "info", "q": "volcans"})
    assert _names(response) == ["Volcans Cloud"]
    assert "n&#x27;est pas un code NAF" in response.content.decode()


def test_no_result_says_what_to_do(registry, hq_client):
    content = hq_client.get(reverse("registry:organisation_list"), {"q": "zzzz"}).content.decode()
    assert "Aucune organisation ne correspond" in content
    assert "retirez des filtres" in content


def test_htmx_search_returns_only_the_results(registry, hq_client):
    response = hq_client.get(
        reverse("registry:organisation_list"),
        {"q": "drôme"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    content = response.content.decode()
    assert "Drôme Logiciels" in content
    assert "<html" not in content
    # Not the search form again (the block carries only its own forms: saved filters, bulk actions).
    assert 'role="search"' not in content and 'name="q"' not in content


@pytest.mark.parametrize("name", ["organisation_list", "person_list", "membership_list"])
def test_page_and_sort_links_swap_only_the_results_and_keep_the_sort_for_the_next_search(
    registry, hq_client, name
):
    for n in range(60):  # more than a page (50) of each list
        org = Organisation.objects.create(name=f"Société {n:02d}")
        Membership.objects.create(organisation=org, association=registry.numelink)
        Role.objects.create(organisation=org, person=Person.objects.create(last_name=f"Martin {n:02d}"))
    url = reverse(f"registry:{name}")
    page = hq_client.get(url).content.decode()
    # The links still lead somewhere without JavaScript; with it, htmx asks for the results block only.
    assert re.search(r'<nav class="pagination"[^>]* hx-boost="true" hx-target="#results"', page)
    assert re.search(r'<thead hx-boost="true" hx-target="#results"', page)
    assert 'href="?page=2"' in page
    assert page.count('id="id_tri"') == 1 and "hx-swap-oob" not in page  # the form's own field

    block = hq_client.get(
        url, {"tri": "-nom", "page": "2"}, headers={"HX-Request": "true", "HX-Target": "results"}
    ).content.decode()
    assert "<html" not in block and 'role="search"' not in block
    # The search form's hidden sort is replaced out of band, so the next search keeps the sort shown.
    assert '<input type="hidden" name="tri" value="-nom" id="id_tri" hx-swap-oob="true">' in block


def test_htmx_reloading_a_page_from_its_address_gets_the_form_s_own_sort_field_once(registry, hq_client):
    """htmx asks for a whole page (no results target) when « Précédent » reaches a page not in its history cache."""
    page = hq_client.get(
        reverse("registry:organisation_list"),
        {"tri": "-nom"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    ).content.decode()
    assert 'role="search"' in page
    assert page.count('id="id_tri"') == 1 and "hx-swap-oob" not in page


def test_other_lists_pagination_reloads_the_page(registry, hq_client):
    """Only the registry's lists answer with their results block; a page elsewhere keeps plain links."""
    from django.template.loader import render_to_string

    from grappe.registry.views import _page

    request = RequestFactory().get("/", {"page": "2"})
    html = render_to_string(
        "registry/_pagination.html", {"page": _page(request, list(range(120)))}, request=request
    )
    assert "Page 2 / 3" in html and "hx-boost" not in html


def test_list_page_has_live_search_and_works_without_javascript(registry, hq_client):
    content = hq_client.get(reverse("registry:organisation_list")).content.decode()
    assert 'hx-trigger="keyup changed delay:300ms, search"' in content
    assert 'method="get" action="/organisations/"' in content
    assert "htmx" in content and "/static/django_htmx/htmx-2.min.js" in content


def _many_organisations(count: int) -> None:
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Société {n:04d}", siren=complete_siren(f"7{n:07d}")) for n in range(count)
    )
    Establishment.objects.bulk_create(
        Establishment(organisation=o, postcode="26000", city="Valence", departement_code="26")
        for o in organisations
    )


def test_pagination_shows_range_and_total_with_thousands_separator(registry, hq_client):
    _many_organisations(1230)
    response = hq_client.get(reverse("registry:organisation_list"), {"page": 2})
    content = response.content.decode()
    assert "51–100 sur 1\u00a0235" in content
    assert len(response.context["page"].object_list) == 50
    assert "Page 2 / 25" in content


def test_organisation_list_query_count_does_not_grow_with_rows(
    registry, hq_client, django_assert_max_num_queries
):
    _many_organisations(120)
    # 13: the account's permissions are read once, to show « Ajouter un membre » to those who may edit;
    # the saved filters in one query; the tags filter's choices in one.
    with django_assert_max_num_queries(13):
        hq_client.get(reverse("registry:organisation_list"), {"page": 2})
    with django_assert_max_num_queries(13):
        hq_client.get(
            reverse("registry:organisation_list"), {"q": "société", "departement": "26", "status": ""}
        )


def test_organisation_detail_shows_identity_sites_people_memberships_and_provenance(registry, hq_client):
    drome = registry.drome_logiciels
    response = hq_client.get(reverse("registry:organisation_detail", args=[drome.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Drôme Logiciels" in content
    assert "Programmation informatique" not in content and "62.02A" in content
    assert "5499" in content and "Société à responsabilité limitée" in content  # the legal form's label
    assert "Claire Martin" in content and "représentant titulaire" in content
    assert "RhoneAlley" in content  # origin of the membership
    assert "adherents-rhonealley-2016.csv" in content and "ligne 2" in content
    assert "DROME LOGICIELS SARL" in content  # verbatim cell
    assert "non retenue" in content and "retenue" in content
    assert "colonne « Raison sociale »" in content


def test_organisation_detail_shows_each_establishments_country(registry, hq_client):
    from grappe.registry.models import Establishment

    site = Establishment.objects.filter(organisation=registry.drome_logiciels).first()
    Establishment.objects.filter(pk=site.pk).update(
        country="CH", postcode="1201", city="Genève", departement_code=""
    )

    content = hq_client.get(
        reverse("registry:organisation_detail", args=[registry.drome_logiciels.pk])
    ).content.decode()

    assert 'data-country="CH">Suisse' in content and "1201 Genève" in content and "hors de France" in content


def test_organisation_detail_query_count_is_fixed(registry, hq_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        hq_client.get(reverse("registry:organisation_detail", args=[registry.drome_logiciels.pk]))


def test_person_list_search_and_detail(registry, hq_client):
    response = hq_client.get(reverse("registry:person_list"), {"q": "martin"})
    assert [p.last_name for p in response.context["page"].object_list] == ["Martin"]
    assert "Drôme Logiciels" in response.content.decode()
    detail = hq_client.get(reverse("registry:person_detail", args=[registry.claire.pk]))
    assert detail.status_code == 200
    assert "Gérante" in detail.content.decode()


def test_membership_list_filters(registry, hq_client):
    url = reverse("registry:membership_list")
    response = hq_client.get(url, {"origin": registry.rhonealley.pk})
    assert [m.organisation.name for m in response.context["page"].object_list] == [
        "Ardèche Data",
        "Drôme Logiciels",
    ]
    response = hq_client.get(
        url, {"association": registry.numelink.pk, "status": "active", "since_year": 2015}
    )
    assert [m.organisation.name for m in response.context["page"].object_list] == ["Drôme Logiciels"]
    assert "150,00" in response.content.decode()


def test_membership_list_query_count(registry, hq_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        hq_client.get(reverse("registry:membership_list"))


def test_association_pages(registry, hq_client):
    content = hq_client.get(reverse("registry:association_list")).content.decode()
    assert "Numélink" in content and "RhoneAlley" in content and "absorbée" in content
    detail = hq_client.get(reverse("registry:association_detail", args=[registry.numelink.pk]))
    content = detail.content.decode()
    assert detail.context["detail"].member_count == 3
    for text in ["Drôme-Ardèche", "Antenne de Valence", "Sophie", "RhoneAlley", "Associations absorbées"]:
        assert text in content


def test_territory_and_office_pages(registry, hq_client, territorial_user):
    content = hq_client.get(reverse("registry:territory_list")).content.decode()
    assert "26 Drôme" in content and "07 Ardèche" in content
    detail = hq_client.get(reverse("registry:territory_detail", args=[registry.drome_ardeche.pk]))
    assert detail.context["detail"].member_count == 2
    assert "Lucas" in detail.content.decode()
    offices = hq_client.get(reverse("registry:office_list")).content.decode()
    assert "Antenne de Valence" in offices and "Chargé de mission Drôme-Ardèche" in offices


@pytest.mark.django_db
def test_search_ignores_accents_and_case(hq_client):
    created = Organisation.objects.create(name="Ardèche Numérique Développement")
    Organisation.objects.bulk_create([Organisation(name="Société Générale du Numérique Éducatif")])

    response = hq_client.get(reverse("registry:organisation_list"), {"q": "ardeche NUMERIQUE"})
    assert created.name in response.content.decode()
    response = hq_client.get(reverse("registry:organisation_list"), {"q": "educatif"})
    assert "Numérique Éducatif" in response.content.decode()


def test_planning_a_merger_leaves_the_networks_figures_and_shows_the_what_if_apart(registry, hq_client):
    from grappe.mergers.models import Merger

    merger = Merger.objects.create(
        absorbing=registry.numelink,
        absorbed=registry.auvergne_tic,
        status="planned",
        effective_on="2027-01-01",
    )

    response = hq_client.get(reverse("registry:home"))
    dashboard = response.context["dashboard"]
    assert dashboard.member_count == 3
    assert {row["name"] for row in dashboard.by_association} == {"Numélink"}
    assert "63" not in {code for code, _name, _n in dashboard.by_departement}
    assert "Auvergne" not in {t.name for t in dashboard.territories}
    [what_if] = dashboard.in_negotiation
    assert (what_if.name, what_if.members, what_if.new_members, what_if.network_after) == (
        "Auvergne TIC",
        1,
        1,
        4,
    )
    assert "En négociation" in response.content.decode()

    # Applied, the association is no longer in negotiation: no what-if left.
    Merger.objects.filter(pk=merger.pk).update(status="applied")
    assert hq_client.get(reverse("registry:home")).context["dashboard"].in_negotiation == []


def test_the_territory_and_the_offices_page_agree_on_who_is_in_post(registry, hq_client):
    import datetime

    from grappe.registry.models import StaffMember

    StaffMember.objects.create(
        association=registry.numelink,
        office=registry.valence,
        first_name="Hélène",
        last_name="Partie",
        left_on=datetime.date(2016, 6, 30),
    )
    StaffMember.objects.create(
        association=registry.numelink, office=registry.valence, first_name="Marc", last_name="Enposte"
    )

    territory = hq_client.get(reverse("registry:territory_detail", args=[registry.drome_ardeche.pk]))
    offices = hq_client.get(reverse("registry:office_list"))

    in_territory = {s.last_name for s in territory.context["detail"].staff}
    valence = next(o for o in offices.context["offices"] if o.pk == registry.valence.pk)
    assert in_territory == {s.last_name for s in valence.current_staff} == {"Enposte"}
    assert "Partie" not in territory.content.decode()


@pytest.mark.parametrize(("extra", "shown_note"), [(0, False), (1, False), (2, True)])
def test_organisation_page_counts_its_import_lines_past_the_limit(
    registry, hq_client, monkeypatch, extra: int, shown_note: bool
):
    """The lines an organisation was built from: all of them up to the limit (counted from the rows shown),
    the first ones past it with the true count."""
    monkeypatch.setattr(selectors, "PROVENANCE_LIMIT", 2)
    organisation = registry.drome_logiciels
    for n in range(extra):
        SourceRecord.objects.create(
            source_file=registry.source_file,
            line_number=10 + n,
            status=SourceRecord.Status.IMPORTED,
            organisation=organisation,
            values=["DROME LOGICIELS SARL", "", "VALENCE", ""],
        )
    detail = hq_client.get(f"/organisations/{organisation.pk}/").context["detail"]
    assert detail.source_record_count == 1 + extra
    assert len(detail.provenance) == min(2, 1 + extra)
    page = hq_client.get(f"/organisations/{organisation.pk}/").content.decode()
    assert ("Les 2 premières sont affichées." in page) is shown_note
