"""A territory as the federal structure sees it, on any date: its committee and vice-president, its offices,
its staff in post, the board members it sent; mandates narrowed to what the user may see."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.urls import reverse

from grappe.errors import UserError
from grappe.governance import services
from grappe.governance.models import Body
from grappe.registry.models import Office, StaffMember, Territory

pytestmark = pytest.mark.django_db

FEDERAL = (Path(services.__file__).parents[1] / "demo" / "data" / "statuts" / "numelink_2017.yaml").read_text(
    encoding="utf-8"
)
D = datetime.date


@pytest.fixture
def federal(registry, statutes_2016):
    services.import_statutes(association=registry.numelink, text=FEDERAL)
    drome = Territory.objects.get(name="Drôme-Ardèche")
    committee = Body.objects.create(
        association=registry.numelink,
        code="comite_territorial",
        name="Comité territorial Drôme-Ardèche",
        kind=Body.Kind.COMMITTEE,
        territory=drome,
    )
    services.start_mandate(
        body=committee,
        person=registry.claire,
        organisation=registry.drome_logiciels,
        role="vice_president",
        starts_on=D(2017, 4, 3),
    )
    board = Body.objects.create(
        association=registry.numelink, code="conseil", name="Conseil d'administration", kind="board"
    )
    services.start_mandate(
        body=board, person=registry.paul, organisation=registry.atelier_forezien, starts_on=D(2016, 3, 31)
    )
    return drome


def _url(territory: Territory) -> str:
    return reverse("governance:territory_detail", args=[territory.pk])


def test_the_vice_president_is_the_committee_s_on_the_date_asked(federal, hq_client):
    before = hq_client.get(_url(federal), {"date": "2017-04-02"}).content.decode()
    assert "Pas de vice-président·e territorial·e à cette date." in before
    after = hq_client.get(_url(federal), {"date": "2017-04-03"}).content.decode()
    vice = after.split('id="vice-president"')[1].split('id="committee"')[0]
    assert "Claire Martin" in vice and "Comité territorial Drôme-Ardèche" in vice
    assert 'style="' not in after and "<script>" not in after


def test_offices_and_staff_as_of_the_date(federal, registry, hq_client):
    valence = Office.objects.get(name="Antenne de Valence")
    valence.opened_on, valence.closed_on = D(2015, 7, 1), D(2019, 6, 30)
    valence.save()
    StaffMember.objects.create(
        association=registry.numelink,
        office=valence,
        first_name="Inès",
        last_name="Garnier",
        job_title="Chargée de mission",
        hired_on=D(2016, 9, 1),
        left_on=D(2018, 1, 1),
    )
    pages = {
        day: hq_client.get(_url(federal), {"date": day}).content.decode().split('id="offices"')[1]
        for day in ("2015-06-30", "2017-01-01", "2018-01-01", "2019-06-30", "2019-07-01")
    }
    assert "Antenne de Valence" not in pages["2015-06-30"]
    assert "Antenne de Valence" in pages["2019-06-30"] and "Antenne de Valence" not in pages["2019-07-01"]
    assert "Inès Garnier" in pages["2017-01-01"] and "Inès Garnier" not in pages["2018-01-01"]


def test_board_members_from_the_territory_respect_the_visibility_rule(
    federal, registry, hq_client, territorial_client
):
    loire = Territory.objects.get(name="Loire")
    seen = hq_client.get(_url(loire), {"date": "2016-03-31"}).content.decode().split('id="board"')[1]
    assert "Paul Durand" in seen
    assert "Paul Durand" not in hq_client.get(_url(loire), {"date": "2016-03-30"}).content.decode()
    # The Valence permanent reads the Loire's structure but not the people of the Loire's members.
    hidden = territorial_client.get(_url(loire), {"date": "2016-03-31"})
    assert hidden.status_code == 200 and "Paul Durand" not in hidden.content.decode()


def test_a_bad_date_shows_today_and_says_so(federal, hq_client, nonstaff_client):
    response = hq_client.get(_url(federal), {"date": "31/02/2017"})
    assert response.status_code == 200
    assert "Saisissez une date valide." in response.content.decode()
    assert nonstaff_client.get(_url(federal)).status_code == 403
    assert hq_client.get(reverse("governance:territory_detail", args=[99999])).status_code == 404


def test_a_committee_seat_is_checked_like_any_other(federal, registry):
    # Committees are bodies of the federal statutes (organes.comite_territorial): the same checks apply.
    committee = Body.objects.get(code="comite_territorial")
    with pytest.raises(UserError, match="siège déjà"):
        services.start_mandate(
            body=committee,
            person=registry.claire,
            organisation=registry.drome_logiciels,
            starts_on=D(2017, 5, 1),
        )
