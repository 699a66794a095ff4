"""The demo story's governance: Numélink's statutes before and after each merger, its boards (34, 40, about 50
for the year of the merger contract with Auvergne TIC, then the federal board), and the three merger procedures."""

from __future__ import annotations

import datetime

import pytest

from grappe.demo import governance_story as gov
from grappe.governance import procedure, selectors
from grappe.governance.models import Body, Mandate, MergerProcedure, Statutes
from grappe.governance.procedure_rules import Kind, State
from grappe.registry.models import Association

pytestmark = pytest.mark.django_db(transaction=False)

D = datetime.date


@pytest.fixture
def report(story):
    return story


@pytest.fixture
def board(report) -> Body:
    return Body.objects.get(association__name="Numélink", code="conseil")


def test_numelink_statutes_before_and_after_each_merger(report):
    versions = Statutes.objects.filter(association__name="Numélink").order_by("version")
    assert [(s.version, s.adopted_on) for s in versions] == [
        (1, D(2012, 6, 21)),
        (2, D(2015, 6, 25)),
        (3, D(2016, 3, 31)),
        (4, D(2017, 3, 31)),
    ]
    assert [s.rules["organes"]["conseil"]["taille"]["max"] for s in versions] == [36, 40, 40, 36]
    clause = versions[2].rules["dispositions_transitoires"][0]
    assert clause["taille"] == {"min": 48, "max": 52} and clause["jusqu_au"] == "2017-03-30"
    assert clause["sieges_reserves"]["nombre"] == 10
    assert "comite_territorial" in versions[3].rules["organes"]
    cluster = Statutes.objects.get(association__name="Numélink Clust'R")
    assert cluster.adopted_on == D(2017, 6, 29)
    assert cluster.rules["repartition_territoriale"]["methode"] == "sainte_lague"


@pytest.mark.parametrize(
    ("day", "filled", "maximum", "reserved"),
    [
        (D(2014, 1, 1), 34, 36, None),
        (D(2015, 6, 24), 34, 36, None),
        # The AGE of 25 June 2015: 33 administrators re-elected; RhoneAlley's six and the partnership's one sit
        # from the merger's effective date, when their companies are Numélink's members (their eligibility).
        (D(2015, 6, 25), 33, 40, None),
        (D(2015, 6, 30), 40, 40, None),
        (D(2016, 3, 30), 40, 40, None),
        # « Le contrat de fusion prévoit le passage temporaire de 40 à une cinquantaine d'administrateurs. »
        (D(2016, 3, 31), 50, 52, (10, 10)),
        (D(2017, 3, 30), 50, 52, (10, 10)),
        (D(2017, 3, 31), 30, 36, None),
    ],
)
def test_board_sizes_over_the_story(board, day, filled, maximum, reserved):
    seats = selectors.seats(board, day)
    assert (seats.filled, seats.maximum) == (filled, maximum)
    assert seats.filled <= seats.maximum and seats.short_of_minimum == 0
    if reserved is None:
        assert seats.reserved == ()
    else:
        (clause,) = seats.reserved
        assert (clause.filled, clause.seats) == reserved
        assert clause.reserved_for == "administrateurs d'Auvergne TIC" and clause.until == D(2017, 3, 30)


def test_who_sat_on_the_board_on_31_march_2016(board):
    sitting = list(selectors.composition(board, D(2016, 3, 31)))
    reserved = [m for m in sitting if m.reserved_seat == gov.RESERVED_CLAUSE]
    assert len(sitting) == 50 and len(reserved) == 10
    # The Auvergne TIC administrators come from Auvergne's members; nobody sits twice.
    assert {m.organisation.establishments.first().departement_code for m in reserved} <= {"63", "43"}
    assert len({m.person_id for m in sitting}) == 50


def test_federal_board_seats_per_territory(report, board):
    story = Statutes.objects.get(association__name="Numélink", version=4)
    rule = story.rules["repartition_territoriale"]
    assert (rule["sieges"], rule["methode"], rule["minimum_par_territoire"]) == (30, "plus_forts_restes", 3)
    by_territory: dict[str, int] = {}
    for mandate in selectors.composition(board, D(2017, 3, 31)):
        departement = mandate.organisation.establishments.order_by("pk").first().departement_code
        name = next(n for n, codes in _territories().items() if departement in codes)
        by_territory[name] = by_territory.get(name, 0) + 1
    # From the members each territory counted after Auvergne TIC (Loire 96, Auvergne 78, Drôme-Ardèche 64,
    # Rhône 37, Isère 24): Isère held up by the minimum of three.
    assert by_territory == {"Auvergne": 8, "Drôme-Ardèche": 6, "Isère": 3, "Loire": 9, "Rhône": 4}
    assert sum(by_territory.values()) == 30


def _territories() -> dict[str, list[str]]:
    cluster = Association.objects.get(name="Numélink Clust'R")
    return {t.name: t.departement_codes for t in cluster.territories.all()}


def test_president_and_territorial_vice_presidents(report, board):
    day = D(2017, 4, 1)
    bureau = Body.objects.get(association__name="Numélink", code="bureau")
    roles = [m.role for m in selectors.composition(bureau, day)]
    assert roles.count(Mandate.Role.PRESIDENT) == 1 and roles.count(Mandate.Role.VICE_PRESIDENT) == 5
    assert selectors.seats(bureau, day).filled == 8
    on_board = set(selectors.composition(board, day).values_list("person_id", flat=True))
    committees = Body.objects.filter(association__name="Numélink", kind=Body.Kind.COMMITTEE)
    assert sorted(c.territory.name for c in committees) == sorted(gov.FEDERAL_TERRITORIES)
    for committee in committees:
        members = list(selectors.composition(committee, day))
        (vice,) = [m for m in members if m.role == Mandate.Role.VICE_PRESIDENT]
        assert len(members) == 5 and vice.person_id in on_board
        assert bureau.mandates.filter(person=vice.person, role=Mandate.Role.VICE_PRESIDENT).exists()
    # Nobody sat on a committee before the federal statutes created them.
    assert all(selectors.composition(c, D(2017, 3, 30)).count() == 0 for c in committees)


def test_the_three_merger_procedures_are_complete_and_on_time(report):
    procedures = MergerProcedure.objects.select_related("merger__absorbed").order_by("merger__effective_on")
    assert [p.merger.absorbed.name for p in procedures] == ["RhoneAlley", "Auvergne TIC", "Clust'R Numérique"]
    for found in procedures:
        timeline = procedure.timeline(found, D(2018, 1, 1))
        assert timeline.flagged == [], found
    rhonealley, auvergne, clustr = (procedure.facts(p) for p in procedures)
    # Auvergne TIC: both AGEs on 31 March 2016 (Numélink's with its AGO), the merger effective that day.
    assert {a.held_on for a in auvergne.assemblies.values()} == {D(2016, 3, 31)}
    from grappe.governance import procedure_rules

    assert procedure_rules.effective_on(auvergne) == D(2016, 3, 31)
    assert procedure_rules.effective_on(rhonealley) == D(2015, 6, 30)
    # Clust'R Numérique: contributions past 1.55 M€, so the auditor's report was required, and done.
    states = {step.kind: step.state for step in procedure_rules.timeline(clustr, D(2018, 1, 1))}
    assert states[Kind.AUDITOR] == State.DONE
    assert {step.kind: step.state for step in procedure_rules.timeline(auvergne, D(2018, 1, 1))}[
        Kind.AUDITOR
    ] == State.NOT_REQUIRED


@pytest.fixture
def director(report):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from grappe.demo.accounts import DIRECTOR_USERNAME

    client = Client()
    client.force_login(get_user_model().objects.get(username=DIRECTOR_USERNAME))
    return client


def _section(page: str, start: str, end: str) -> str:
    return page.split(f'id="{start}"')[1].split(f'id="{end}"')[0]


def test_the_auvergne_territory_on_the_day_of_the_age_and_a_year_later(director):
    from django.urls import reverse

    from grappe.registry.models import Territory

    auvergne = Territory.objects.get(association__name="Numélink Clust'R", name="Auvergne")
    url = reverse("governance:territory_detail", args=[auvergne.pk])
    page = director.get(url, {"date": "2016-03-31"}).content.decode()
    # The day of the AGE: Auvergne TIC's seat still open (its employees left that day: in post the day before),
    # eleven administrators from Auvergne (the partnership's one and the ten reserved seats); no committee yet.
    offices = _section(page, "offices", "staff")
    assert "ancien siège de Auvergne TIC" in offices and "Bureau de Clermont-Ferrand" not in offices
    assert "Aucun salarié en poste dans ce territoire à cette date." in page
    before = director.get(url, {"date": "2016-03-30"}).content.decode().split('id="staff"')[1]
    assert "Éric Michel" in before and "Karim Morin" not in before
    board = _section(page, "board", "offices")
    assert board.count("<tr>") - 1 == 11 and board.count("siège réservé") == 10
    assert "Pas de vice-président·e territorial·e à cette date." in page

    later = director.get(url, {"date": "2017-04-03"}).content.decode()
    offices = _section(later, "offices", "staff")
    assert "Bureau de Clermont-Ferrand" in offices and "ancien siège de Auvergne TIC" not in offices
    staff = later.split('id="staff"')[1]
    assert "Karim Morin" in staff and "Éric Michel" not in staff
    vice = _section(later, "vice-president", "committee")
    assert "Comité territorial Auvergne" in vice and "depuis le 31 mars 2017" in vice
    assert _section(later, "board", "offices").count("<tr>") - 1 == 8  # Auvergne's eight federal seats


def test_every_mandate_was_recorded_through_the_mandate_service(report, board):
    """As a staff member records the minutes: each mandate checked and audited by ``start_mandate``, each
    administrator eligible on the day it began (a member of Numélink then, its designated representative)."""
    from grappe.core.models import AuditEvent

    mandates = Mandate.objects.filter(body__association__name="Numélink")
    started = AuditEvent.objects.filter(action="mandate.start")
    assert mandates.count() > 100 and started.count() == mandates.count()
    assert AuditEvent.objects.filter(action="mandate.end").count() == 40  # the forty of 2015, at the 2017 AGE
    numelink = board.association
    for mandate in mandates.select_related("person", "organisation"):
        assert selectors.in_good_standing(mandate.organisation, numelink, mandate.starts_on), mandate
        assert selectors.is_representative(mandate.person, mandate.organisation, mandate.starts_on), mandate


def test_numelink_s_staff_and_their_moves(report):
    """Numélink's staff, each with their offices over time: RhoneAlley's chargé de mission, carried over by the
    merger at RhoneAlley's former seat, takes his post at Numélink's own Valence antenna on 1 July 2015 (the
    loader's move, through ``registry.services.move_staff``); the others in one office since their hiring (the
    articles document no other move)."""
    from grappe.registry.models import StaffMember

    staff = StaffMember.objects.filter(association__name="Numélink Clust'R")
    histories = {
        str(s): [(a.office.name, a.starts_on, a.ends_on) for a in s.assignments.order_by("starts_on", "pk")]
        for s in staff.prefetch_related("assignments__office")
    }
    assert histories["Nicolas Perrin"] == [
        ("Antenne de Valence (ancien siège de RhoneAlley)", D(2012, 2, 1), D(2015, 7, 1)),
        ("Antenne de Valence", D(2015, 7, 1), None),
    ]
    numelink_seven = ["Laura Besson", "Sophie Robin", "Romain Lacroix", "Isabelle Roux", "Laurent Lambert"]
    numelink_seven += ["Nicolas Perrin", "Karim Morin"]
    for name in numelink_seven:
        if name != "Nicolas Perrin":
            (only,) = histories[name]
            assert only[2] is None
    # The current office is the last assignment's, for everyone.
    for member in staff.select_related("office"):
        assert member.office.name == histories[str(member)][-1][0]
