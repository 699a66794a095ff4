"""Ties for a seat settled by the statutes' own rule (``repartition_territoriale.departage``), and refused when
they do not set one; the rule never depends on the order the territories come in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.test_apportionment import FEDERAL, ON, add_members, network  # noqa: F401  (fixture)
from grappe.governance import apportionment, schema, services
from grappe.governance.errors import NotSetByStatutes, StatutesRefused
from grappe.governance.rules import Method, TieBreak, apportion, tied_for_last

pytestmark = pytest.mark.django_db


def test_an_exact_tie_between_unequal_counts_follows_the_rule():
    # Sainte-Laguë, 2 seats: Zoé's 9 members get the first; then 2×9/3 = 2×3/1 = 6, an exact tie with Brie.
    counts = {"Zoé": 9, "Brie": 3}
    assert tied_for_last(counts, 2, method=Method.SAINTE_LAGUE) == ("Brie", "Zoé")
    assert apportion(counts, 2, method=Method.SAINTE_LAGUE, tie_break=TieBreak.LARGER_COUNT) == {
        "Zoé": 2,
        "Brie": 0,
    }
    assert apportion(counts, 2, method=Method.SAINTE_LAGUE, tie_break=TieBreak.NAME) == {"Zoé": 1, "Brie": 1}


counts_strategy = st.dictionaries(
    st.text("ABCDEFGH", min_size=1, max_size=3), st.integers(0, 40), min_size=1, max_size=6
).filter(lambda counts: sum(counts.values()) > 0)


@given(counts_strategy, st.integers(0, 40), st.sampled_from(list(Method)), st.sampled_from(list(TieBreak)))
def test_the_share_out_never_depends_on_the_order_of_the_territories(counts, seats, method, tie_break):
    if seats < len(counts):
        seats = len(counts)
    shares = apportion(counts, seats, method=method, minimum=1, tie_break=tie_break)
    reversed_counts = dict(reversed(list(counts.items())))
    assert apportion(reversed_counts, seats, method=method, minimum=1, tie_break=tie_break) == shares
    assert sum(shares.values()) == seats and min(shares.values()) >= 1


@given(counts_strategy, st.integers(1, 40), st.sampled_from(list(Method)))
def test_both_rules_agree_when_no_tie_decides(counts, seats, method):
    if tied_for_last(counts, seats, method=method):
        return
    assert apportion(counts, seats, method=method, tie_break=TieBreak.NAME) == apportion(
        counts, seats, method=method, tie_break=TieBreak.LARGER_COUNT
    )


def _with(rule: str) -> str:
    return FEDERAL.format(method="sainte_lague") + f"  departage: {rule}\n"


def test_a_real_share_out_tie_is_settled_when_the_statutes_say_how(network):  # noqa: F811
    services.import_statutes(association=network.numelink, text=_with("ordre_alphabetique"))
    add_members(network.numelink, "42", 2)  # Loire 5, Drôme-Ardèche 5, Haute-Loire 5: 7 seats do not divide
    share = apportionment.current_share(network.numelink, ON)
    assert share.tied == ("Drôme-Ardèche", "Haute-Loire", "Loire")
    assert share.shares == {"Drôme-Ardèche": 3, "Haute-Loire": 2, "Loire": 2}
    assert share.tie_break_label == "par ordre alphabétique des territoires"


def test_without_the_rule_the_same_tie_is_refused_as_not_set(network):  # noqa: F811
    services.import_statutes(association=network.numelink, text=FEDERAL.format(method="sainte_lague"))
    add_members(network.numelink, "42", 2)
    with pytest.raises(NotSetByStatutes, match=r"repartition_territoriale\.departage"):
        apportionment.current_share(network.numelink, ON)


def test_an_unknown_rule_is_refused_with_its_line(registry):
    text = _with("tirage_au_sort")
    with pytest.raises(StatutesRefused) as refused:
        services.check_statutes(association=registry.numelink, text=text)
    (problem,) = refused.value.problems
    line = text.splitlines().index("  departage: tirage_au_sort") + 1
    assert problem.path == "repartition_territoriale.departage" and problem.line == line
    assert "valeurs possibles : plus_grand_effectif_puis_nom, ordre_alphabetique" in problem.message
    assert schema.lookup(schema.load(_with("ordre_alphabetique")), "repartition_territoriale.departage")


def test_condition_labels_are_translated_where_they_are_shown(registry):
    from django.utils import translation

    from grappe.governance import rules

    with translation.override("en"):
        shown = translation.gettext(rules.CONDITION_LABELS[rules.Condition.NOT_STAFF])
    # rules.py stays free of Django: its labels are only marked there, and translated where they are shown.
    assert shown == "not be a staff member of the association"
