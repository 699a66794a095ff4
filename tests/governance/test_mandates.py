"""Bodies and mandates: who sits where on any date, seats left and terms due, and every refusal of eligibility,
incompatibility and seat count, read from the statutes in force."""

from __future__ import annotations

import datetime

import pytest

from governance.conftest import NUMELINK_2016
from grappe.core.models import AuditEvent
from grappe.governance import selectors, services
from grappe.governance.errors import MandateRefused, NotSetByStatutes
from grappe.governance.models import Body, Mandate
from grappe.registry.models import Membership, Organisation, Person, Role, StaffMember

pytestmark = pytest.mark.django_db

AGE_2016 = datetime.date(2016, 3, 31)


@pytest.fixture
def board(statutes_2016, registry):
    return Body.objects.create(
        association=registry.numelink, code="conseil", name="Conseil d'administration", kind="board"
    )


@pytest.fixture
def bureau(statutes_2016, registry):
    return Body.objects.create(association=registry.numelink, code="bureau", name="Bureau", kind="bureau")


def member(registry, n: int, *, association=None) -> tuple[Person, Organisation]:
    """A member organisation of Numélink (or ``association``) and its designated representative."""
    organisation = Organisation.objects.create(name=f"Membre {n}", siren="")
    Membership.objects.create(
        organisation=organisation,
        association=association or registry.numelink,
        status=Membership.Status.ACTIVE,
        starts_on=datetime.date(2010, 1, 1),
    )
    person = Person.objects.create(first_name=f"Prénom{n}", last_name=f"Nom{n}", email=f"p{n}@membre{n}.fr")
    Role.objects.create(person=person, organisation=organisation, kind=Role.Kind.REPRESENTATIVE)
    return person, organisation


def seat(body, person, organisation, **fields):
    return services.start_mandate(
        body=body,
        person=person,
        organisation=organisation,
        starts_on=fields.pop("starts_on", AGE_2016),
        **fields,
    )


def test_a_mandate_runs_for_the_statutes_term_and_is_audited(board, registry):
    mandate = seat(board, registry.paul, registry.atelier_forezien, elected_by="AGO du 31 mars 2016")
    assert mandate.term_ends_on == datetime.date(2019, 3, 31)  # mandat_ans: 3
    assert AuditEvent.objects.filter(action="mandate.start").count() == 1
    assert list(selectors.composition(board, AGE_2016)) == [mandate]
    assert list(selectors.composition(board, datetime.date(2019, 3, 30))) == [mandate]
    assert list(selectors.composition(board, datetime.date(2019, 3, 31))) == []  # renewed that day
    assert list(selectors.composition(board, datetime.date(2016, 3, 30))) == []


def test_an_ineligible_candidate_is_refused_with_each_unmet_condition(board, registry):
    stranger = Person.objects.create(first_name="Jean", last_name="Sansrole")
    with pytest.raises(MandateRefused) as caught:
        seat(board, stranger, registry.volcans_cloud)  # a member of Auvergne TIC, not of Numélink
    message = caught.value.message
    assert message.startswith("Mandat refusé dans « Conseil d'administration » au 31/03/2016 : ")
    assert (
        "Jean Sansrole n'est pas éligible (eligibilite.candidature) : il faut être membre à jour de sa cotisation."
        in message
    )
    assert "il faut être le représentant désigné de son organisation." in message
    assert caught.value.hint == "Règles lues dans Statuts de Numélink, version 1 (31/03/2016)."
    assert not Mandate.objects.exists()


def test_staff_cannot_sit_on_the_board(board, registry):
    person, organisation = member(registry, 1)
    StaffMember.objects.create(
        association=registry.numelink,
        office=registry.head_office,
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email.upper(),
        hired_on=datetime.date(2015, 1, 1),
    )
    with pytest.raises(MandateRefused) as caught:
        seat(board, person, organisation)
    assert (
        "Les salariés de l'association ne peuvent siéger au conseil d'administration." in caught.value.message
    )
    assert "non_salarie" not in caught.value.message
    assert "ne pas être salarié de l'association" in caught.value.message


def test_staff_who_left_may_sit(board, registry):
    person, organisation = member(registry, 1)
    StaffMember.objects.create(
        association=registry.numelink,
        office=registry.head_office,
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        hired_on=datetime.date(2010, 1, 1),
        left_on=datetime.date(2015, 12, 31),
    )
    assert seat(board, person, organisation).pk


def test_the_board_fills_to_its_transitional_size_then_refuses(board, registry):
    # Until 31 March 2017 the board has 52 seats at most, 10 of them reserved to Auvergne TIC's administrators.
    for n in range(42):
        seat(board, *member(registry, n))
    extra = member(registry, 99)
    with pytest.raises(
        MandateRefused, match="les 42 sièges non réservés sont tous occupés \\(taille : 52 au plus\\)"
    ):
        seat(board, *extra)
    auvergne = [member(registry, 100 + n) for n in range(10)]
    reserved = [seat(board, *pair, reserved_seat="conseil_elargi_auvergne_tic") for pair in auvergne]
    # A reserved seat ends with its clause, the day after « jusqu_au ».
    assert {m.term_ends_on for m in reserved} == {datetime.date(2017, 4, 1)}
    with pytest.raises(
        MandateRefused, match="les 10 sièges réservés aux administrateurs d'Auvergne TIC sont tous"
    ):
        seat(board, *extra, reserved_seat="conseil_elargi_auvergne_tic")
    seats = selectors.seats(board, AGE_2016)
    assert (seats.minimum, seats.maximum, seats.filled, seats.vacant) == (48, 52, 52, 0)
    assert [(r.clause, r.seats, r.filled) for r in seats.reserved] == [
        ("conseil_elargi_auvergne_tic", 10, 10)
    ]
    # The day after the clause ends the board is back to 30–40 seats and the reserved seats are gone.
    after = selectors.seats(board, datetime.date(2017, 4, 1))
    assert (after.minimum, after.maximum, after.filled, after.reserved) == (30, 40, 42, ())


def test_a_reserved_seat_needs_a_running_clause(board, registry):
    with pytest.raises(MandateRefused, match="aucune disposition transitoire « autre » ne réserve de sièges"):
        seat(board, registry.paul, registry.atelier_forezien, reserved_seat="autre")
    with pytest.raises(
        MandateRefused, match="aucune disposition transitoire « conseil_elargi_auvergne_tic »"
    ):
        seat(
            board,
            registry.paul,
            registry.atelier_forezien,
            reserved_seat="conseil_elargi_auvergne_tic",
            starts_on=datetime.date(2017, 6, 1),
        )


def test_college_seats_are_counted(board, registry):
    with pytest.raises(MandateRefused, match="le collège « inconnu » n'existe pas dans les statuts"):
        seat(board, registry.paul, registry.atelier_forezien, college="inconnu")
    for n in range(10):
        seat(board, *member(registry, n), college="partenaires")
    with pytest.raises(MandateRefused, match="les 10 sièges du collège « partenaires » sont tous occupés"):
        seat(board, registry.paul, registry.atelier_forezien, college="partenaires")


def test_one_person_sits_once_on_a_body(board, registry):
    seat(board, registry.paul, registry.atelier_forezien)
    with pytest.raises(MandateRefused, match="Paul Durand siège déjà dans cet organe à cette date"):
        seat(board, registry.paul, registry.atelier_forezien, role="treasurer")


def test_two_organs_that_exclude_each_other(registry):
    text = NUMELINK_2016.replace("2016-03-31", "2016-04-01", 1)
    text = text.replace(
        "incompatibilites:\n",
        "incompatibilites:\n  - organe: bureau\n    exclut: conseil\n    motif: On ne cumule pas bureau et conseil.\n",
    )
    services.import_statutes(association=registry.numelink, text=text)
    board = Body.objects.create(association=registry.numelink, code="conseil", name="Conseil", kind="board")
    bureau = Body.objects.create(association=registry.numelink, code="bureau", name="Bureau", kind="bureau")
    day = datetime.date(2016, 4, 1)
    services.start_mandate(
        body=board, person=registry.paul, organisation=registry.atelier_forezien, starts_on=day
    )
    with pytest.raises(
        MandateRefused, match=r"On ne cumule pas bureau et conseil. \(Paul Durand siège à « Conseil »"
    ):
        services.start_mandate(
            body=bureau, person=registry.paul, organisation=registry.atelier_forezien, starts_on=day
        )
    # Written the other way round, the same exclusion refuses the board seat of a bureau member. (Claire's
    # company came with RhoneAlley, a Numélink member from its absorption of 1 June 2016 only: a member of
    # Numélink's own.)
    person, organisation = member(registry, 8)
    services.start_mandate(body=bureau, person=person, organisation=organisation, starts_on=day)
    with pytest.raises(MandateRefused, match="Prénom8 Nom8 siège à « Bureau »"):
        services.start_mandate(body=board, person=person, organisation=organisation, starts_on=day)


def test_without_statutes_in_force_or_without_the_rule_nothing_is_guessed(registry):
    board = Body.objects.create(association=registry.numelink, code="conseil", name="Conseil", kind="board")
    with pytest.raises(Exception, match="Aucuns statuts de Numélink en vigueur le 31/03/2016"):
        services.start_mandate(
            body=board, person=registry.paul, organisation=registry.atelier_forezien, starts_on=AGE_2016
        )
    bare = "adoption: {date: 2016-03-31, assemblee: AGE}\norganes:\n  conseil: {nom: Conseil, taille: 40}\n"
    services.import_statutes(association=registry.numelink, text=bare)
    with pytest.raises(NotSetByStatutes, match=r"eligibilite\.candidature : non fixé par les statuts"):
        services.start_mandate(
            body=board, person=registry.paul, organisation=registry.atelier_forezien, starts_on=AGE_2016
        )
    committee = Body.objects.create(
        association=registry.numelink, code="comite", name="Comité", kind="committee"
    )
    with pytest.raises(NotSetByStatutes, match=r"organes\.comite : non fixé par les statuts"):
        selectors.seats(committee, AGE_2016)
    assert not Mandate.objects.exists()


def test_the_term_length_not_set_is_refused_unless_given(registry):
    text = NUMELINK_2016.replace("    mandat_ans: 3\n", "", 1)
    services.import_statutes(association=registry.numelink, text=text)
    board = Body.objects.create(association=registry.numelink, code="conseil", name="Conseil", kind="board")
    with pytest.raises(NotSetByStatutes, match=r"organes\.conseil\.mandat_ans : non fixé par les statuts"):
        seat(board, registry.paul, registry.atelier_forezien)
    mandate = seat(board, registry.paul, registry.atelier_forezien, term_ends_on=datetime.date(2018, 6, 30))
    assert mandate.term_ends_on == datetime.date(2018, 6, 30)


def test_an_early_end_keeps_the_history_and_frees_the_seat(board, registry):
    mandate = seat(board, registry.paul, registry.atelier_forezien)
    with pytest.raises(MandateRefused, match="Indiquez le motif"):
        services.end_mandate(mandate=mandate, on=datetime.date(2017, 1, 10), reason=" ")
    with pytest.raises(MandateRefused, match="court du 31/03/2016 au 31/03/2019"):
        services.end_mandate(mandate=mandate, on=datetime.date(2020, 1, 1), reason="Démission")
    services.end_mandate(mandate=mandate, on=datetime.date(2017, 1, 10), reason="Démission")
    with pytest.raises(MandateRefused, match="a déjà pris fin le 10/01/2017"):
        services.end_mandate(mandate=mandate, on=datetime.date(2017, 2, 1), reason="Démission")
    assert list(selectors.composition(board, datetime.date(2017, 1, 9))) == [mandate]
    assert list(selectors.composition(board, datetime.date(2017, 1, 10))) == []
    assert list(selectors.mandate_history(board)) == [mandate]
    successor = seat(board, registry.claire, registry.drome_logiciels, starts_on=datetime.date(2017, 1, 10))
    assert list(selectors.composition(board, datetime.date(2017, 1, 10))) == [successor]


def test_term_ends_list_the_seats_due(board, bureau, registry):
    on_board = seat(board, registry.paul, registry.atelier_forezien)
    on_bureau = seat(bureau, *member(registry, 9), role="president")
    due = selectors.term_ends(registry.numelink, datetime.date(2017, 1, 1), datetime.date(2017, 12, 31))
    assert list(due) == [on_bureau]  # the bureau serves one year
    assert list(selectors.term_ends(registry.numelink, AGE_2016, datetime.date(2019, 12, 31))) == [
        on_bureau,
        on_board,
    ]


# -- eligibility read as it was on the mandate's date, after the mergers that moved the memberships -------------


def _fusion_into_a_new_network(registry, effective_on=datetime.date(2017, 7, 1)):
    from grappe.registry.models import Association
    from grappe.registry.services import absorb_association

    cluster = Association.objects.create(name="Numélink Clust'R", seat_city="Lyon")
    absorb_association(absorbed=registry.numelink, into=cluster, effective_on=effective_on)
    return cluster


def test_a_past_mandate_recorded_after_a_merger_reads_the_membership_as_it_was(board, registry):
    person, organisation = member(registry, 1)
    cluster = _fusion_into_a_new_network(registry)
    # The merger moved the membership into the new network; in 2016 it was Numélink's.
    assert Membership.objects.get(organisation=organisation).association == cluster
    mandate = seat(board, person, organisation, elected_by="AGE du 31 mars 2016")
    assert mandate.starts_on == AGE_2016
    assert selectors.in_good_standing(organisation, registry.numelink, AGE_2016)
    assert not selectors.in_good_standing(organisation, cluster, AGE_2016)
    assert selectors.in_good_standing(organisation, cluster, datetime.date(2017, 7, 1))
    assert not selectors.in_good_standing(organisation, registry.numelink, datetime.date(2017, 7, 1))


def test_a_member_brought_by_the_other_network_is_refused_a_seat_before_the_merger(board, registry):
    from grappe.registry.models import Association
    from grappe.registry.services import absorb_association

    clustr = Association.objects.create(name="Clust'R Numérique", seat_city="Lyon")
    person, organisation = member(registry, 2, association=clustr)  # a member since 2010, of the Clust'R
    cluster = _fusion_into_a_new_network(registry)
    absorb_association(absorbed=clustr, into=cluster, effective_on=datetime.date(2017, 7, 1))
    with pytest.raises(MandateRefused) as caught:
        seat(board, person, organisation)
    assert "Prénom2 Nom2 n'est pas éligible (eligibilite.candidature) : il faut être membre à jour" in (
        caught.value.message
    )
    assert not Mandate.objects.exists()
    assert selectors.in_good_standing(organisation, clustr, AGE_2016)


def test_an_absorbed_network_s_members_join_on_the_merger_s_effective_date(board, registry):
    from grappe.registry.services import absorb_association

    person, organisation = member(registry, 3, association=registry.auvergne_tic)
    absorb_association(absorbed=registry.auvergne_tic, into=registry.numelink, effective_on=AGE_2016)
    day_before = AGE_2016 - datetime.timedelta(days=1)
    assert not selectors.in_good_standing(organisation, registry.numelink, day_before)
    assert selectors.in_good_standing(organisation, registry.auvergne_tic, day_before)
    assert selectors.in_good_standing(organisation, registry.numelink, AGE_2016)
    assert seat(board, person, organisation).organisation == organisation


def test_a_member_of_both_networks_was_the_absorber_s_member_before_the_merger_too(board, registry):
    """The absorber's own membership, younger than the one the absorbed network brings, is ended by the merger,
    not deleted: the absorber's roll read on a date before the merger still finds it."""
    from grappe.registry.services import absorb_association

    _person, organisation = member(registry, 5)  # Numélink since 2010
    Membership.objects.create(
        organisation=organisation,
        association=registry.auvergne_tic,
        status=Membership.Status.ACTIVE,
        starts_on=datetime.date(2008, 1, 1),
    )
    absorb_association(absorbed=registry.auvergne_tic, into=registry.numelink, effective_on=AGE_2016)

    before = datetime.date(2015, 6, 1)
    assert selectors.in_good_standing(organisation, registry.numelink, before)
    assert selectors.in_good_standing(organisation, registry.auvergne_tic, before)
    assert selectors.in_good_standing(organisation, registry.numelink, datetime.date(2020, 1, 1))


def test_a_member_who_left_since_was_eligible_while_a_member(board, registry):
    person, organisation = member(registry, 4)
    Membership.objects.filter(organisation=organisation).update(
        status=Membership.Status.ENDED, ends_on=datetime.date(2018, 12, 31)
    )
    assert seat(board, person, organisation).starts_on == AGE_2016
    assert not selectors.in_good_standing(organisation, registry.numelink, datetime.date(2019, 1, 1))
    # A membership still pending or of unknown status never counted.
    Membership.objects.filter(organisation=organisation).update(status=Membership.Status.PENDING)
    assert not selectors.in_good_standing(organisation, registry.numelink, AGE_2016)
