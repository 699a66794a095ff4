"""Territorial seats from live member counts, as the statutes say, and the what-if of a planned merger."""

from __future__ import annotations

import datetime
import itertools

import pytest

from grappe.governance import apportionment, services
from grappe.governance.errors import ApportionmentRefused, NotSetByStatutes
from grappe.mergers.models import Merger
from grappe.registry import stats
from grappe.registry.models import Establishment, Membership, Organisation, Territory

pytestmark = pytest.mark.django_db

FEDERAL = """\
adoption: {{date: 2017-03-30, assemblee: AGE du 30 mars 2017}}
organes:
  conseil: {{nom: Conseil d'administration, taille: {{min: 7, max: 12}}}}
repartition_territoriale:
  organe: conseil
  sieges: 7
  methode: {method}
  minimum_par_territoire: 1
"""
ON = datetime.date(2017, 4, 1)
_numbers = itertools.count(100)


def add_members(association, departement: str, n: int) -> None:
    for _ in range(n):
        number = next(_numbers)
        organisation = Organisation.objects.create(name=f"Adhérent {number}")
        Establishment.objects.create(
            organisation=organisation, departement_code=departement, postcode=f"{departement}000"
        )
        Membership.objects.create(
            organisation=organisation, association=association, status=Membership.Status.ACTIVE
        )


@pytest.fixture
def network(registry):
    """Numélink: Loire 3 members, Drôme-Ardèche 5, Haute-Loire 5; Auvergne TIC: Auvergne 1."""
    Territory.objects.create(association=registry.numelink, name="Haute-Loire", departement_codes=["43"])
    add_members(registry.numelink, "42", 1)
    add_members(registry.numelink, "26", 3)
    add_members(registry.numelink, "43", 5)
    assert stats.members_by_territory(registry.numelink) == {"Drôme-Ardèche": 5, "Haute-Loire": 5, "Loire": 3}
    return registry


@pytest.fixture
def merger(network):
    return Merger.objects.create(
        absorbing=network.numelink,
        absorbed=network.auvergne_tic,
        effective_on=ON,
        status=Merger.Status.PLANNED,
    )


def test_seats_follow_the_live_member_counts(network):
    services.import_statutes(association=network.numelink, text=FEDERAL.format(method="sainte_lague"))
    add_members(network.numelink, "42", 3)  # Loire 6, Drôme-Ardèche 5, Haute-Loire 5
    share = apportionment.current_share(network.numelink, ON)
    assert (share.body_code, share.seats, share.minimum, share.method_label) == (
        "conseil",
        7,
        1,
        "Sainte-Laguë",
    )
    assert share.shares == {"Drôme-Ardèche": 2, "Haute-Loire": 2, "Loire": 3}
    add_members(network.numelink, "26", 4)  # Drôme-Ardèche grows to 9 members
    assert apportionment.current_share(network.numelink, ON).shares == {
        "Drôme-Ardèche": 3,
        "Haute-Loire": 2,
        "Loire": 2,
    }


def test_the_what_if_of_a_merger_shows_the_largest_remainder_paradox(merger):
    services.import_statutes(association=merger.absorbing, text=FEDERAL.format(method="plus_forts_restes"))
    what_if = apportionment.merger_what_if(merger)
    assert what_if.rows() == [
        ("Auvergne", None, 1, None, 1),
        ("Drôme-Ardèche", 5, 5, 3, 2),
        ("Haute-Loire", 5, 5, 3, 2),
        ("Loire", 3, 3, 1, 2),
    ]
    assert [str(p) for p in what_if.paradoxes] == [
        "Drôme-Ardèche passe de 5 à 5 membres mais de 3 à 2 sièges, au profit de Loire, qui n'a pas progressé "
        "davantage",
        "Haute-Loire passe de 5 à 5 membres mais de 3 à 2 sièges, au profit de Loire, qui n'a pas progressé "
        "davantage",
    ]


def test_with_sainte_lague_the_same_merger_has_no_paradox(merger):
    services.import_statutes(association=merger.absorbing, text=FEDERAL.format(method="sainte_lague"))
    what_if = apportionment.merger_what_if(merger)
    assert what_if.before.shares == {"Drôme-Ardèche": 3, "Haute-Loire": 3, "Loire": 1}
    assert what_if.paradoxes == ()
    # After, three territories tie for the last seat: the what-if shows it rather than settling it silently.
    assert what_if.after.tied == ("Drôme-Ardèche", "Haute-Loire", "Loire")
    assert sum(what_if.after.shares.values()) == 7


def test_a_real_share_out_decided_by_an_exact_tie_is_refused(network):
    services.import_statutes(association=network.numelink, text=FEDERAL.format(method="sainte_lague"))
    add_members(network.numelink, "42", 2)  # Loire 5, Drôme-Ardèche 5, Haute-Loire 5: 7 seats do not divide
    with pytest.raises(
        NotSetByStatutes, match="Égalité exacte pour le dernier siège entre Drôme-Ardèche, Haute-Loire, Loire"
    ):
        apportionment.current_share(network.numelink, ON)


def test_without_a_share_out_rule_nothing_is_guessed(network):
    text = FEDERAL.format(method="sainte_lague").split("repartition_territoriale")[0]
    services.import_statutes(association=network.numelink, text=text)
    with pytest.raises(NotSetByStatutes, match=r"^repartition_territoriale : non fixé par les statuts"):
        apportionment.current_share(network.numelink, ON)


def test_more_minimum_seats_than_seats_is_refused_with_the_figures(network):
    text = FEDERAL.format(method="sainte_lague").replace(
        "minimum_par_territoire: 1", "minimum_par_territoire: 3"
    )
    services.import_statutes(association=network.numelink, text=text)
    with pytest.raises(
        ApportionmentRefused, match="3 territoires × 3 siège\\(s\\) minimum = 9, plus que les 7 sièges"
    ):
        apportionment.current_share(network.numelink, ON)
