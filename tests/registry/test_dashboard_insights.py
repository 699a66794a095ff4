"""The dashboard beyond counts: the map of members, the growth across mergers, the year's arrivals and
departures, the size and activity mix; each through the registry's visibility rule."""

from __future__ import annotations

import datetime

from django.urls import reverse

from grappe.mergers.models import Merger
from grappe.registry import insights
from grappe.registry.models import Association, Membership

TODAY = datetime.date(2026, 12, 4)


def _map_links(content: str) -> set[str]:
    return {part.split('"')[0] for part in content.split("?departement=")[1:]}


def test_the_map_shows_each_departement_with_its_members_and_links_to_them(registry, hq_client):
    response = hq_client.get(reverse("registry:home"))
    member_map = response.context["insights"].member_map
    values = {shape.code: shape.value for shape in member_map.shapes if shape.value}
    # The same figures as the dashboard's table: one counting rule.
    assert values == {code: n for code, _name, n in response.context["dashboard"].by_departement}
    assert values == {"42": 2, "26": 2, "63": 1}
    content = response.content.decode()
    assert '<svg class="map__svg"' in content
    assert "42 Loire : 2 adhérents" in content and "63 Puy-de-Dôme : 1 adhérent" in content
    assert "IGN Admin Express" in content  # the outlines' attribution


def test_a_territorial_staff_member_sees_only_their_territory_on_the_map(registry, territorial_client):
    member_map = territorial_client.get(reverse("registry:home")).context["insights"].member_map
    values = {shape.code: shape.value for shape in member_map.shapes if shape.value}
    assert values == {"26": 2}
    assert "07" in {shape.code for shape in member_map.shapes}  # their territory frames the map, even empty


def _applied(absorbing, absorbed, *, on, before, after, status=Merger.Status.APPLIED, **fields):
    return Merger.objects.create(
        absorbing=absorbing,
        absorbed=absorbed,
        effective_on=on,
        status=status,
        outcome={"members_before": {absorbing.name: before, absorbed.name: 70}, "members_after": after},
        **fields,
    )


def test_growth_follows_the_applied_mergers_as_each_report_recorded_them(registry):
    fused = Association.objects.create(name="Numélink Clust'R")
    absorbed = {
        "status": Association.Status.ABSORBED,
        "absorbed_into": fused,
        "absorbed_on": datetime.date(2017, 6, 1),
    }
    clustr = Association.objects.create(name="Clust'R Numérique", **absorbed)
    Association.objects.filter(pk=registry.numelink.pk).update(**absorbed)
    _applied(registry.numelink, registry.rhonealley, on=datetime.date(2015, 6, 1), before=160, after=220)
    _applied(registry.numelink, registry.auvergne_tic, on=datetime.date(2016, 3, 31), before=220, after=300)
    _applied(
        registry.numelink,
        clustr,
        on=datetime.date(2017, 6, 1),
        before=300,
        after=608,
        kind=Merger.Kind.FUSION,
        resulting_association=fused,
    )
    # Neither an undone merger nor a de-duplication is a step of the network's growth.
    _applied(
        registry.numelink,
        registry.rhonealley,
        on=datetime.date(2016, 1, 1),
        before=1,
        after=2,
        status=Merger.Status.UNDONE,
    )
    _applied(
        fused, fused, on=datetime.date(2018, 1, 1), before=608, after=600, kind=Merger.Kind.DEDUPLICATION
    )

    (series,) = insights.growth_across_mergers()
    assert series.association == "Numélink Clust'R"
    assert [p.members for p in series.points] == [160, 220, 300, 608]
    assert [p.label for p in series.points] == [
        "Numélink",
        "+ RhoneAlley",
        "+ Auvergne TIC",
        "+ Clust'R Numérique",
    ]
    assert series.points[0].date is None and series.points[-1].date == datetime.date(2017, 6, 1)
    assert [p.height for p in series.points] == [26, 36, 49, 100]


def test_no_applied_merger_means_no_growth_series_and_the_page_says_so(registry, hq_client):
    assert insights.growth_across_mergers() == ()
    assert (
        "Aucune fusion appliquée pour l'instant" in hq_client.get(reverse("registry:home")).content.decode()
    )


def test_the_year_counts_arrivals_and_departures_once_each(registry, hq_user):
    Membership.objects.filter(organisation=registry.volcans_cloud).update(starts_on=datetime.date(2026, 2, 1))
    # Atelier Forézien left Numélink this year...
    Membership.objects.filter(organisation=registry.atelier_forezien).update(
        status=Membership.Status.ENDED, ends_on=datetime.date(2026, 6, 30)
    )
    # ... Multisite's old Auvergne TIC membership ended this year too, but it is still a Numélink member.
    Membership.objects.create(
        organisation=registry.multisite,
        association=registry.auvergne_tic,
        status=Membership.Status.ENDED,
        starts_on=datetime.date(2014, 1, 1),
        ends_on=datetime.date(2026, 3, 31),
    )
    movements = insights.year_movements(hq_user, 2026)
    assert (movements.joined, movements.left) == (1, 1)
    assert insights.year_movements(hq_user, 2025) == insights.YearMovements(year=2025, joined=0, left=0)


def test_size_and_activity_mix_count_current_members_with_unknowns_apart(registry, hq_user):
    sizes = {row.label: (row.members, row.share) for row in insights.size_mix(hq_user)}
    assert sizes == {"1 à 9 salariés": (1, 25), "10 à 49 salariés": (1, 25), "Effectif inconnu": (2, 50)}
    activities = {row.label: row.members for row in insights.activity_mix(hq_user)}
    assert activities == {"Information et communication": 3, "Activité inconnue": 1}
    assert list(activities)[-1] == "Activité inconnue"


def test_the_dashboard_shows_the_mix_and_the_year_in_english_too(registry, hq_client):
    hq_client.cookies["django_language"] = "en"
    content = hq_client.get(reverse("registry:home")).content.decode()
    assert "Members by size" in content and "new members in" in content and "Members map" in content


def test_the_dashboard_lists_sizes_and_activities(registry, hq_client):
    content = hq_client.get(reverse("registry:home")).content.decode()
    assert "Taille des adhérents" in content and "Information et communication" in content
    assert "nouveaux adhérents en" in content
