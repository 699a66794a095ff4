"""The staff pages of governance: a body as of any date with its history, a statutes version with its rules
not set, a merger's seats before and after; staff only, French, no inline script or style."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from governance.test_apportionment import FEDERAL, add_members
from grappe.governance import services
from grappe.governance.models import Body
from grappe.mergers.models import Merger
from grappe.registry.models import Territory

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(statutes_2016, registry):
    board = Body.objects.create(
        association=registry.numelink, code="conseil", name="Conseil d'administration", kind="board"
    )
    first = services.start_mandate(
        body=board,
        person=registry.paul,
        organisation=registry.atelier_forezien,
        role="president",
        starts_on=datetime.date(2016, 3, 31),
        elected_by="AGO du 31 mars 2016",
    )
    services.end_mandate(mandate=first, on=datetime.date(2017, 1, 10), reason="Démission")
    services.start_mandate(
        body=board,
        person=registry.claire,
        organisation=registry.drome_logiciels,
        role="president",
        starts_on=datetime.date(2017, 1, 10),
    )
    return board


def _clean(page: str) -> None:
    assert "<script>" not in page and 'style="' not in page


def test_the_body_page_shows_who_sat_on_a_date_and_the_whole_history(board, hq_client):
    url = reverse("governance:body_detail", args=[board.pk])
    page = hq_client.get(url, {"date": "2016-03-31"}).content.decode()
    _clean(page)
    composition = page.split('id="composition"')[1].split('id="history"')[0]
    assert "Paul Durand" in composition and "Claire Martin" not in composition
    assert "Sièges au 31 mars 2016" in page
    assert "de 48 à 52" in page  # the transitional enlarged board
    assert "Réservés aux administrateurs d&#x27;Auvergne TIC" in page
    later = hq_client.get(url, {"date": "2017-06-01"}).content.decode()
    composition = later.split('id="composition"')[1].split('id="history"')[0]
    assert "Claire Martin" in composition and "Paul Durand" not in composition
    history = later.split('id="history"')[1]
    assert "Paul Durand" in history and "Démission" in history and "Claire Martin" in history


def test_the_body_page_says_when_the_statutes_do_not_size_it(statutes_2016, registry, hq_client):
    committee = Body.objects.create(
        association=registry.numelink, code="comite", name="Comité Loire", kind="committee"
    )
    page = hq_client.get(
        reverse("governance:body_detail", args=[committee.pk]), {"date": "2016-04-01"}
    ).content.decode()
    assert "organes.comite : non fixé par les statuts" in page
    page = hq_client.get(
        reverse("governance:body_detail", args=[committee.pk]), {"date": "2010-01-01"}
    ).content.decode()
    assert "Aucuns statuts de Numélink en vigueur le 01/01/2010" in page


def test_a_bad_date_falls_back_to_today_and_says_so(board, hq_client):
    response = hq_client.get(reverse("governance:body_detail", args=[board.pk]), {"date": "31/02/2016"})
    assert response.status_code == 200
    assert "Saisissez une date valide" in response.content.decode()


def test_the_statutes_page_lists_rules_and_what_is_not_set(statutes_2016, hq_client):
    page = hq_client.get(reverse("governance:statutes_detail", args=[statutes_2016.pk])).content.decode()
    _clean(page)
    assert "non fixé par les statuts" in page
    assert "conseil_elargi_auvergne_tic" in page and "10 sièges réservés aux administrateurs" in page
    index = hq_client.get(reverse("governance:index")).content.decode()
    assert "version 1" in index


def test_the_merger_page_shows_seats_before_and_after(registry, hq_client):
    Territory.objects.create(association=registry.numelink, name="Haute-Loire", departement_codes=["43"])
    add_members(registry.numelink, "42", 1)
    add_members(registry.numelink, "26", 3)
    add_members(registry.numelink, "43", 5)
    services.import_statutes(association=registry.numelink, text=FEDERAL.format(method="plus_forts_restes"))
    merger = Merger.objects.create(
        absorbing=registry.numelink, absorbed=registry.auvergne_tic, effective_on=datetime.date(2017, 4, 1)
    )
    page = hq_client.get(reverse("governance:merger_seats", args=[merger.pk])).content.decode()
    _clean(page)
    assert "7 sièges, méthode des plus forts restes, 1 au minimum par territoire" in page
    assert "Paradoxe de la méthode des plus forts restes" in page
    row = re.search(r"<tr><td>Auvergne</td>(.*?)</tr>", page).group(1)
    assert re.findall(r">([^<]+)</td>", row) == ["—", "1", "—", "1"]


def test_the_merger_page_without_rule_says_not_set(registry, hq_client, statutes_2016):
    merger = Merger.objects.create(
        absorbing=registry.numelink, absorbed=registry.auvergne_tic, effective_on=datetime.date(2016, 4, 1)
    )
    page = hq_client.get(reverse("governance:merger_seats", args=[merger.pk])).content.decode()
    assert "repartition_territoriale : non fixé par les statuts" in page


def test_pages_are_for_staff_only(board, client, nonstaff_client):
    url = reverse("governance:body_detail", args=[board.pk])
    assert client.get(url).status_code == 302
    assert nonstaff_client.get(url).status_code == 403
    assert nonstaff_client.get(reverse("governance:index")).status_code == 403


def test_territorial_staff_see_the_mandates_of_people_in_their_territory_only(
    board, territorial_client, hq_client
):
    url = reverse("governance:body_detail", args=[board.pk])
    page = territorial_client.get(url, {"date": "2017-06-01"}).content.decode()
    history = page.split('id="history"')[1]
    assert "Claire Martin" in history  # Drôme Logiciels, Valence: in the antenna's territory
    assert "Paul Durand" not in history  # Atelier Forézien, Saint-Étienne: not
    assert "Paul Durand" in hq_client.get(url).content.decode()
