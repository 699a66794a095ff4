"""The start-up pages: the board moves a card by a plain POST form, filters by territory and referent, shows
territorial staff their territory only; the deadlines, the report and its CSV."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from grappe.core.exports import BOM
from grappe.startups import services

pytestmark = pytest.mark.django_db


def test_the_board_shows_each_project_in_its_column_with_its_moves(pipeline, hq_client) -> None:
    page = hq_client.get(reverse("startups:board")).content.decode()

    assert "Drômoise Robotique" in page and "Volcan IA" in page
    assert 'data-stage="qualified"' in page
    assert reverse("startups:move", args=[pipeline.drome.pk]) in page
    assert "<script" not in page.split("</head>")[1]  # the board works without a script of its own


def test_moving_a_card_without_javascript_goes_back_to_the_filtered_board(
    pipeline, hq_client, registry
) -> None:
    query = f"territoire={registry.drome_ardeche.pk}"
    response = hq_client.post(
        reverse("startups:move", args=[pipeline.drome.pk]), {"stage": "qualified", "next": query}
    )

    assert response.status_code == 302 and response["Location"] == reverse("startups:board") + "?" + query
    pipeline.drome.refresh_from_db()
    assert pipeline.drome.stage == "qualified"
    board = hq_client.get(response["Location"]).content.decode()
    assert "« Drômoise Robotique » déplacé." in board and "Volcan IA" not in board


def test_an_illegal_move_is_explained_on_the_board(pipeline, hq_client) -> None:
    response = hq_client.post(
        reverse("startups:move", args=[pipeline.drome.pk]), {"stage": "labelled", "next": ""}, follow=True
    )
    assert "une étape à la fois" in response.content.decode()
    pipeline.drome.refresh_from_db()
    assert pipeline.drome.stage == "sourced"


def test_a_htmx_move_swaps_the_board_fragment(pipeline, hq_client) -> None:
    response = hq_client.post(
        reverse("startups:move", args=[pipeline.drome.pk]),
        {"stage": "qualified", "next": ""},
        headers={"HX-Request": "true", "HX-Target": "board"},
        follow=True,
    )
    body = response.content.decode()
    assert "<html" not in body and "data-pipeline" in body and "déplacé" in body


def test_the_board_filters_by_referent(pipeline, hq_client) -> None:
    page = hq_client.get(reverse("startups:board"), {"referent": pipeline.referent.pk}).content.decode()
    assert "Drômoise Robotique" in page and "Volcan IA" not in page


def test_territorial_staff_see_their_territory_s_projects_only(pipeline, territorial_client) -> None:
    board = territorial_client.get(reverse("startups:board")).content.decode()
    report = territorial_client.get(reverse("startups:report")).content.decode()

    assert "Drômoise Robotique" in board and "Volcan IA" not in board
    assert "Auvergne" not in report
    assert (
        territorial_client.get(reverse("startups:project_detail", args=[pipeline.auvergne.pk])).status_code
        == 404
    )
    refused = territorial_client.post(
        reverse("startups:move", args=[pipeline.auvergne.pk]), {"stage": "accompanied"}
    )
    assert refused.status_code == 404


def test_the_deadlines_page_lists_overdue_and_upcoming_files(pipeline, hq_client, hq_user) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    services.save_application(
        user=hq_user,
        project=pipeline.drome,
        programme=pipeline.label,
        due_on=today + datetime.timedelta(days=5),
    )
    services.save_application(
        user=hq_user,
        project=pipeline.auvergne,
        programme=pipeline.bivouac,
        due_on=today - datetime.timedelta(days=2),
    )
    page = hq_client.get(reverse("startups:deadlines")).content.decode()
    assert "French Tech Tremplin" in page and "dans 5 jours" in page
    assert "Le Bivouac" in page and "en retard" in page


def test_the_report_and_its_csv_count_stages_and_conversion(pipeline, hq_client, hq_user, settings) -> None:
    services.move_project(
        project=pipeline.drome, stage="qualified", user=hq_user, on=datetime.date(2026, 1, 15)
    )

    response = hq_client.get(reverse("startups:report_csv"))
    text = b"".join(response.streaming_content).decode("utf-8")

    assert text.startswith(BOM)
    rows = [line.split(";") for line in text.removeprefix(BOM).splitlines()]
    drome = {row[1]: row for row in rows if row[0] == "Drôme-Ardèche"}
    assert drome["repérée"][2:5] == ["0", "1", "10,0"]  # none now, one reached it, 10 days (5 → 15 January)
    assert drome["qualifiée"][2:4] == ["1", "1"] and drome["qualifiée"][5] == "0,0"  # French decimal commas

    hq_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = b"".join(hq_client.get(reverse("startups:report_csv")).streaming_content).decode("utf-8")
    rows = [line.split(";") for line in english.removeprefix(BOM).splitlines()]
    assert {row[4] for row in rows if row[0] == "Drôme-Ardèche" and row[4]} >= {"10.0"}


def test_the_csv_gives_the_conversion_rate_the_report_page_shows(
    pipeline, hq_client, hq_user, registry
) -> None:
    """One member out of 16 projects: 6.25 %, shown 6,3 on the page; the CSV rounds it the same way."""
    from grappe.france.identifiers import complete_siren

    for n in range(15):
        services.create_project(
            user=hq_user, name=f"Projet {n}", territory=registry.drome_ardeche, on=datetime.date(2026, 1, 5)
        )
    services.convert_to_member(
        project=pipeline.drome,
        user=hq_user,
        organisation_values={"siren": complete_siren("77123456")},
        establishment_values={"postcode": "26000", "city": "Valence", "country": "FR"},
        membership_values={"association": registry.numelink, "status": "active", "starts_on": "2026-06-01"},
        on=datetime.date(2026, 6, 1),
    )

    page = " ".join(hq_client.get(reverse("startups:report")).content.decode().split())
    text = b"".join(hq_client.get(reverse("startups:report_csv")).streaming_content).decode("utf-8")

    assert "conversion : 6,3 %" in page
    rows = [line.split(";") for line in text.removeprefix(BOM).splitlines()]
    assert {row[5] for row in rows if row[0] == "Drôme-Ardèche"} == {"6,3"}


def test_creating_and_converting_a_project_from_the_pages(pipeline, hq_client, registry) -> None:
    from grappe.france.identifiers import complete_siren
    from grappe.startups.models import StartupProject

    created = hq_client.post(
        reverse("startups:project_create"), {"name": "Ardèche Drones", "territory": registry.drome_ardeche.pk}
    )
    project = StartupProject.objects.get(name="Ardèche Drones")
    assert created["Location"] == reverse("startups:project_detail", args=[project.pk])

    converted = hq_client.post(
        reverse("startups:convert", args=[project.pk]),
        {
            "siren": complete_siren("77123456"),
            "postcode": "07000",
            "city": "Privas",
            "association": registry.numelink.pk,
            "starts_on": "2026-06-01",
        },
    )
    project.refresh_from_db()
    assert converted["Location"] == reverse("registry:timeline", args=[project.organisation_id])
    timeline = hq_client.get(converted["Location"]).content.decode()
    assert "Start-up « Ardèche Drones » repérée" in timeline

    again = hq_client.post(
        reverse("startups:convert", args=[project.pk]),
        {
            "postcode": "07000",
            "city": "Privas",
            "association": registry.numelink.pk,
            "starts_on": "2026-06-01",
        },
    )
    assert "déjà devenue adhérente" in again.content.decode()


def test_the_board_reads_a_fixed_number_of_queries(
    pipeline, hq_user, registry, django_assert_max_num_queries
) -> None:
    from grappe.startups import selectors

    for n in range(15):
        project = services.create_project(user=hq_user, name=f"Projet {n}", territory=registry.drome_ardeche)
        services.save_application(
            user=hq_user, project=project, programme=pipeline.label, due_on=datetime.date(2026, 4, 11)
        )
        if n % 3 == 0:
            services.move_project(project=project, stage="dropped", reason="arrêt", user=hq_user)
    hq_user = type(hq_user).objects.get(pk=hq_user.pk)  # the scope read afresh, as in a request

    with django_assert_max_num_queries(
        16
    ):  # scope, counts, then projects and their files per column (+ drops)
        columns = selectors.board(hq_user, selectors.BoardFilters())
    dropped = next(column for column in columns if column.stage == "dropped")
    assert dropped.count == 5 and all(card.targets == [("sourced", "repérée")] for card in dropped.cards)


def test_an_application_file_is_added_from_the_project_page_and_a_bad_date_is_named(
    pipeline, hq_client
) -> None:
    url = reverse("startups:application_create", args=[pipeline.drome.pk])
    hq_client.post(url, {"programme": pipeline.label.pk, "due_on": "2026-04-11", "status": "preparing"})
    refused = hq_client.post(
        url, {"programme": pipeline.label.pk, "due_on": "11 avril", "status": "preparing"}, follow=True
    )

    assert list(pipeline.drome.applications.values_list("due_on", flat=True)) == [datetime.date(2026, 4, 11)]
    page = refused.content.decode()
    assert "Saisissez une date valide" in page and "French Tech Tremplin" in page
