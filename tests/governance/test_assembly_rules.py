"""An assembly's quorum, majorities, proxies and convocation delay, read from the statutes in force."""

from __future__ import annotations

import datetime

import pytest

from governance.conftest import NUMELINK_2016
from grappe.governance import assembly_rules, services
from grappe.governance.errors import NotSetByStatutes
from grappe.governance.rules import Tally, Turnout

pytestmark = pytest.mark.django_db


def test_the_age_quorum_on_first_and_second_convocation(statutes_2016):
    first = assembly_rules.deliberation(statutes_2016, "AGE", Turnout(members=300, present=74))
    assert (first.needed, first.quorum_reached) == (75, False)
    second = assembly_rules.deliberation(
        statutes_2016, "AGE", Turnout(members=300, present=74), second_call=True
    )
    assert (second.needed, second.quorum_reached) == (0, True)
    with pytest.raises(NotSetByStatutes, match=r"^assemblees\.AGO\.seconde_convocation\.quorum : non fixé"):
        assembly_rules.deliberation(statutes_2016, "AGO", Turnout(300, 10), second_call=True)


def test_a_merger_needs_two_thirds_of_those_present_and_represented(statutes_2016):
    turnout = Turnout(members=300, present=120)
    assert assembly_rules.adopted(statutes_2016, "AGE", "fusion", turnout, Tally(80, 30, 10))
    assert not assembly_rules.adopted(statutes_2016, "AGE", "fusion", turnout, Tally(79, 30, 11))
    with pytest.raises(
        NotSetByStatutes, match=r"assemblees\.AGE\.majorites\.dissolution : non fixé par les statuts"
    ):
        assembly_rules.adopted(statutes_2016, "AGE", "dissolution", turnout, Tally(120, 0, 0))


def test_proxies_follow_the_cap_and_the_presence_rule(statutes_2016):
    assert assembly_rules.proxy_refusal(statutes_2016, already_held=1, holder_present=True) == ""
    assert assembly_rules.proxy_refusal(statutes_2016, already_held=2, holder_present=True) == (
        "Ce porteur détient déjà 2 procuration(s) : les statuts en permettent 2 au plus."
    )
    assert assembly_rules.proxy_refusal(statutes_2016, already_held=0, holder_present=False) == (
        "Les statuts demandent que le porteur d'une procuration soit présent."
    )


def test_proxies_not_allowed_or_without_a_cap(registry):
    text = NUMELINK_2016.replace("autorisees: true", "autorisees: false")
    statutes = services.import_statutes(association=registry.numelink, text=text)
    assert assembly_rules.proxy_refusal(statutes, already_held=0, holder_present=True) == (
        "Les statuts n'autorisent pas les procurations."
    )
    text = NUMELINK_2016.replace("2016-03-31", "2016-04-30", 1).replace("  plafond_par_porteur: 2\n", "")
    statutes = services.import_statutes(association=registry.numelink, text=text)
    with pytest.raises(NotSetByStatutes, match=r"procurations\.plafond_par_porteur : non fixé"):
        assembly_rules.proxy_refusal(statutes, already_held=0, holder_present=True)


def test_the_convocation_deadline(statutes_2016):
    assert assembly_rules.convocation_deadline(
        statutes_2016, "AGE", datetime.date(2016, 3, 31)
    ) == datetime.date(2016, 3, 16)
    with pytest.raises(NotSetByStatutes, match=r"convocation\.AGEX : non fixé"):
        assembly_rules.convocation_deadline(statutes_2016, "AGEX", datetime.date(2016, 3, 31))
