"""A staff member's moves between offices: a dated history (office, from, until) written by one audited service,
read by the territory page and the offices page on any date, carried through a merger and put back by undo."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from grappe.core.models import AuditEvent
from grappe.errors import UserError
from grappe.governance import selectors as governance_selectors
from grappe.registry import services
from grappe.registry.models import Association, Office, StaffAssignment, StaffMember

pytestmark = pytest.mark.django_db

D = datetime.date
MOVE = D(2020, 9, 1)


@pytest.fixture
def lucie(registry) -> StaffMember:
    """Hired at the Valence antenna in 2018."""
    return StaffMember.objects.create(
        association=registry.numelink,
        office=registry.valence,
        first_name="Lucie",
        last_name="Fabre",
        job_title="Chargée de mission",
        hired_on=D(2018, 1, 8),
    )


def _history(staff: StaffMember) -> list[tuple[str, datetime.date | None, datetime.date | None]]:
    return [(a.office.name, a.starts_on, a.ends_on) for a in staff.assignments.order_by("starts_on", "pk")]


def test_a_new_staff_member_is_assigned_to_their_office_since_their_hiring(lucie):
    assert _history(lucie) == [("Antenne de Valence", D(2018, 1, 8), None)]
    unplaced = StaffMember.objects.create(
        association=lucie.association, first_name="Sans", last_name="Bureau"
    )
    assert _history(unplaced) == []


def test_a_move_closes_the_assignment_opens_the_next_and_is_audited(registry, lucie):
    services.move_staff(staff_member=lucie, office=registry.head_office, on=MOVE)

    lucie.refresh_from_db()
    assert lucie.office == registry.head_office  # the current office, in step with the history
    assert _history(lucie) == [
        ("Antenne de Valence", D(2018, 1, 8), MOVE),
        ("Siège de Saint-Étienne", MOVE, None),
    ]
    event = AuditEvent.objects.get(action="staff.move")
    assert event.object_label == "Lucie Fabre"
    assert event.changes == {"office": ["Antenne de Valence", "Siège de Saint-Étienne"]}
    # Back to Valence later: a third assignment, the first two kept.
    services.move_staff(staff_member=lucie, office=registry.valence, on=D(2022, 1, 3))
    assert [office for office, _start, _end in _history(lucie)] == [
        "Antenne de Valence",
        "Siège de Saint-Étienne",
        "Antenne de Valence",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"office": "valence"}, "Lucie Fabre est déjà affecté·e à « Antenne de Valence »."),
        ({"on": D(2017, 12, 1)}, "Lucie Fabre a été embauché·e le 08/01/2018."),
        ({"on": D(2018, 1, 8)}, "l'affectation en cours (« Antenne de Valence ») commence le 08/01/2018"),
        ({"on": D(2999, 1, 1)}, "le changement ne peut pas être daté après aujourd'hui"),
        ({"office": "elsewhere"}, "« Siège de Clermont » n'est pas une implantation de Numélink."),
        ({"closed": D(2020, 6, 30)}, "« Siège de Saint-Étienne » n'est pas ouverte à cette date."),
        ({"left": D(2020, 3, 1)}, "Lucie Fabre a quitté l'association le 01/03/2020."),
    ],
)
def test_a_move_that_cannot_be_is_refused_and_changes_nothing(registry, lucie, change, message):
    office = registry.head_office
    if change.get("office") == "valence":
        office = registry.valence
    elif change.get("office") == "elsewhere":
        office = Office.objects.create(
            association=registry.auvergne_tic, kind=Office.Kind.HEAD_OFFICE, name="Siège de Clermont"
        )
    if "closed" in change:
        Office.objects.filter(pk=office.pk).update(closed_on=change["closed"])
        office.refresh_from_db()
    if "left" in change:
        StaffMember.objects.filter(pk=lucie.pk).update(left_on=change["left"])
        lucie.refresh_from_db()
    before = _history(lucie)
    with pytest.raises(UserError) as caught:
        services.move_staff(staff_member=lucie, office=office, on=change.get("on", MOVE))
    assert caught.value.message.startswith("Changement d'implantation refusé au ")
    assert message in caught.value.message
    assert caught.value.hint == "Rien n'a été enregistré."
    lucie.refresh_from_db()
    assert lucie.office == registry.valence and _history(lucie) == before
    assert not AuditEvent.objects.filter(action="staff.move").exists()


def test_the_territory_page_lists_who_worked_there_on_the_day(registry, lucie, hq_client):
    services.move_staff(staff_member=lucie, office=registry.head_office, on=MOVE)
    drome = governance_selectors.staff_in_post(registry.drome_ardeche, MOVE - datetime.timedelta(days=1))
    assert [(a.staff_member, a.office) for a in drome] == [(lucie, registry.valence)]
    assert not governance_selectors.staff_in_post(registry.drome_ardeche, MOVE).exists()
    loire = governance_selectors.staff_in_post(registry.loire, MOVE)
    assert lucie in [a.staff_member for a in loire]

    url = reverse("governance:territory_detail", args=[registry.drome_ardeche.pk])
    before = hq_client.get(url, {"date": "2020-08-31"}).content.decode().split('id="staff"')[1]
    assert "Lucie Fabre" in before and "Antenne de Valence" in before and "8 janvier 2018" in before
    after = hq_client.get(url, {"date": "2020-09-01"}).content.decode().split('id="staff"')[1]
    assert "Lucie Fabre" not in after
    page = hq_client.get(
        reverse("governance:territory_detail", args=[registry.loire.pk]), {"date": "2020-09-01"}
    )
    staff = page.content.decode().split('id="staff"')[1]
    assert "Lucie Fabre" in staff and "Siège de Saint-Étienne" in staff and "1 septembre 2020" in staff


def test_the_offices_page_shows_each_office_s_staff_on_the_date_asked(registry, lucie, hq_client):
    services.move_staff(staff_member=lucie, office=registry.head_office, on=MOVE)

    def staff_of(page: str, office: str) -> str:
        return page.split(f"{office} <span")[1].split("</section>")[0]

    url = reverse("registry:office_list")
    then = hq_client.get(url, {"date": "2019-05-01"}).content.decode()
    assert "Lucie" in staff_of(then, "Antenne de Valence")
    assert "Lucie" not in staff_of(then, "Siège de Saint-Étienne")
    now = hq_client.get(url).content.decode()
    assert "Lucie" in staff_of(now, "Siège de Saint-Étienne")
    assert "Lucie" not in staff_of(now, "Antenne de Valence")
    # Before her hiring she is nowhere.
    assert "Lucie" not in hq_client.get(url, {"date": "2017-05-01"}).content.decode()


def _admin_change(admin_client, staff: StaffMember, **values):
    data = {
        "association": staff.association_id,
        "office": staff.office_id,
        "first_name": staff.first_name,
        "last_name": staff.last_name,
        "job_title": staff.job_title,
        "hired_on": staff.hired_on.isoformat() if staff.hired_on else "",
        "assignments-TOTAL_FORMS": "0",
        "assignments-INITIAL_FORMS": str(staff.assignments.count()),
        "assignments-MIN_NUM_FORMS": "0",
        "assignments-MAX_NUM_FORMS": "1000",
        **values,
    }
    return admin_client.post(reverse("admin:registry_staffmember_change", args=[staff.pk]), data)


def test_moving_from_the_admin_needs_the_date_and_records_the_move(registry, lucie, admin_client):
    page = admin_client.get(reverse("admin:registry_staffmember_change", args=[lucie.pk])).content.decode()
    assert "Affectations successives" in page and "Antenne de Valence" in page

    refused = _admin_change(admin_client, lucie, office=registry.head_office.pk)
    assert refused.status_code == 200
    assert "Indiquez à partir de quel jour il travaille dans cette implantation." in refused.content.decode()
    too_early = _admin_change(admin_client, lucie, office=registry.head_office.pk, moved_on="2017-01-01")
    assert "Lucie Fabre a été embauché·e le 08/01/2018." in too_early.content.decode()
    lucie.refresh_from_db()
    assert lucie.office == registry.valence and len(_history(lucie)) == 1

    done = _admin_change(
        admin_client, lucie, office=registry.head_office.pk, moved_on="2020-09-01", job_title="Responsable"
    )
    assert done.status_code == 302
    lucie.refresh_from_db()
    assert (lucie.office, lucie.job_title) == (registry.head_office, "Responsable")
    assert _history(lucie)[-1] == ("Siège de Saint-Étienne", MOVE, None)
    assert AuditEvent.objects.filter(action="staff.move").count() == 1


def test_a_merger_carries_the_history_along_and_undo_restores_it(tmp_path):
    from grappe.mergers import services as merger_services
    from grappe.mergers.snapshot import dump_rows, registry_checksum
    from mergers import scenario

    world = scenario.build(tmp_path)
    clermont = Office.objects.create(
        association=world.auvergne_tic, kind=Office.Kind.HEAD_OFFICE, name="Siège", city="Clermont-Ferrand"
    )
    issoire = Office.objects.create(
        association=world.auvergne_tic, kind=Office.Kind.ANTENNA, name="Antenne d'Issoire", city="Issoire"
    )
    eric = StaffMember.objects.create(
        association=world.auvergne_tic,
        office=issoire,
        first_name="Éric",
        last_name="Michel",
        hired_on=D(2012, 4, 2),
    )
    services.move_staff(staff_member=eric, office=clermont, on=D(2014, 9, 1))
    merger = merger_services.plan_merger(
        absorbing=world.numelink, absorbed=world.auvergne_tic, effective_on=scenario.EFFECTIVE
    )
    merger_services.set_membership_type_mapping(merger=merger, mapping={}, user=None)
    merger.refresh_from_db()
    rows_before, checksum_before = dump_rows(StaffAssignment), registry_checksum()

    merger = merger_services.apply_merger(merger=merger, accept_auto_only=True)

    eric.refresh_from_db()
    assert eric.association == world.numelink and eric.office == clermont
    assert _history(eric) == [
        ("Antenne d'Issoire", D(2012, 4, 2), D(2014, 9, 1)),
        ("Antenne de Clermont-Ferrand (ancien siège de Auvergne TIC)", D(2014, 9, 1), None),
    ]

    merger_services.undo_merger(merger=merger)

    assert dump_rows(StaffAssignment) == rows_before
    assert registry_checksum() == checksum_before
    assert Association.objects.get(pk=world.auvergne_tic.pk).staff.get() == eric
