"""Statutes documents: what a valid one reads as, the located French errors of an invalid one, the round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grappe.governance import schema
from grappe.governance.rules import NOT_SET, Base, Threshold

NUMELINK_2016 = (Path(__file__).parent / "statutes_numelink_2016.yaml").read_text(encoding="utf-8")


def problems(text: str) -> list[str]:
    with pytest.raises(schema.StatutesInvalid) as caught:
        schema.load(text)
    return [str(p) for p in caught.value.problems]


def replaced(old: str, new: str) -> str:
    assert old in NUMELINK_2016
    return NUMELINK_2016.replace(old, new, 1)


def test_the_numelink_statutes_read_as_data():
    rules = schema.load(NUMELINK_2016)
    assert rules["adoption"] == {"date": "2016-03-31", "assemblee": "AGE du 31 mars 2016"}
    assert rules["organes"]["conseil"]["taille"] == {"min": 30, "max": 40}
    assert rules["organes"]["bureau"]["taille"] == {"min": 5, "max": 9}
    assert rules["dispositions_transitoires"][0]["sieges_reserves"]["nombre"] == 10
    assert rules["dispositions_transitoires"][0]["jusqu_au"] == "2017-03-31"
    age = schema.quorum_of(rules["assemblees"]["AGE"]["quorum"])
    assert age is not None and age.base is Base.MEMBERS and age.fraction == 1 / 4 * 4 / 4
    merger = schema.majority_of(rules["assemblees"]["AGE"]["majorites"]["fusion"])
    assert merger is not None and merger.threshold is Threshold.FRACTION and merger.fraction * 3 == 2


def test_a_rule_left_out_reads_not_set():
    rules = schema.load(NUMELINK_2016)
    assert schema.shown(rules, "organes.conseil.mandat_ans") == 3
    assert schema.shown(rules, "organes.bureau.renouvellement") == NOT_SET
    assert schema.shown(rules, "repartition_territoriale.methode") == NOT_SET
    assert schema.quorum_of(schema.lookup(rules, "assemblees.AGO.seconde_convocation.quorum")) is None


def test_the_round_trip_through_yaml_keeps_every_rule():
    rules = schema.load(NUMELINK_2016)
    assert schema.load(schema.dump(rules)) == rules


def test_an_error_names_its_line_and_path_in_french():
    text = replaced("taille: {min: 30, max: 40}", "taille: {min: 30, max: quarante}")
    assert problems(text) == [
        "ligne 13, organes.conseil.taille.max : un nombre entier est attendu, pas « quarante »"
    ]


def test_every_error_is_reported_at_once():
    text = replaced("mandat_ans: 3", "mandat_ans: 0").replace("seuil: simple", "seuil: relative")
    assert problems(text) == [
        "ligne 14, organes.conseil.mandat_ans : doit valoir au moins 1, pas 0",
        "ligne 36, assemblees.AGO.majorites.ordinaire.seuil : une fraction entre 0 et 1 est attendue, comme "
        "« 1/4 » ou « 2/3 », pas « relative »",
    ]


def test_a_misspelt_key_is_refused_not_read_as_not_set():
    text = replaced("    quorum: aucun", "    quroum: aucun")
    assert problems(text) == [
        "ligne 34, assemblees.AGO.quroum : clé inconnue (clés possibles : nom, quorum, seconde_convocation, majorites)"
    ]


def test_a_duplicate_key_is_refused():
    text = replaced("    mandat_ans: 3\n", "    mandat_ans: 3\n    mandat_ans: 4\n")
    assert problems(text) == ["ligne 15, organes.conseil.mandat_ans : clé en double"]


def test_references_between_sections_are_checked():
    text = replaced("  - organe: conseil\n    exclut: salarie", "  - organe: comite\n    exclut: tresorerie")
    assert problems(text) == [
        "ligne 26, incompatibilites[1].organe : organe « comite » non déclaré dans organes",
        "ligne 27, incompatibilites[1].exclut : « tresorerie » : « salarie » ou le code d'un organe est attendu",
    ]


def test_a_size_range_upside_down_and_too_many_college_seats():
    text = replaced("taille: {min: 30, max: 40}", "taille: {min: 40, max: 30}")
    assert problems(text) == ["ligne 13, organes.conseil.taille : le minimum (40) dépasse le maximum (30)"]
    text = replaced("partenaires: 10", "partenaires: 11")
    assert problems(text) == [
        "ligne 17, organes.conseil.sieges_par_college : 41 sièges de collège pour 40 sièges au plus"
    ]


def test_a_transition_ending_before_adoption_is_refused():
    text = replaced("jusqu_au: 2017-03-31", "jusqu_au: 2015-03-31")
    assert problems(text) == [
        "ligne 55, dispositions_transitoires[1].jusqu_au : doit suivre la date d'adoption"
    ]


def test_missing_required_sections():
    assert problems("colleges: []\n") == ["ligne 1, adoption : obligatoire", "ligne 1, organes : obligatoire"]
    assert problems("") == ["document : une table de clés est attendue ici"]


def test_unreadable_yaml_names_its_line():
    assert problems("adoption:\n  date: [2016\n") == [
        "ligne 3, document : YAML illisible : expected ',' or ']', but got '<stream end>'"
    ]


@settings(deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_read_or_refused_with_located_problems(text):
    try:
        rules = schema.load(text)
    except schema.StatutesInvalid as error:
        assert error.problems and all(p.message for p in error.problems)
    else:
        assert schema.load(schema.dump(rules)) == rules


@settings(deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["adoption", "organes", "colleges", "assemblees", "procurations", "convocation"]),
        st.recursive(
            st.none() | st.booleans() | st.integers(-3, 60) | st.sampled_from(["1/4", "aucun", "tiers", "x"]),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(
                    st.sampled_from(
                        ["min", "max", "nom", "taille", "conseil", "AGE", "quorum", "base", "fraction"]
                    ),
                    inner,
                    max_size=3,
                )
            ),
            max_leaves=12,
        ),
    )
)
def test_documents_shaped_almost_right_never_crash(document):
    import yaml

    text = yaml.safe_dump(document, allow_unicode=True)
    try:
        rules = schema.load(text)
    except schema.StatutesInvalid as error:
        assert all(str(p) for p in error.problems)
    else:
        assert schema.load(schema.dump(rules)) == rules


def test_aliases_are_refused_before_they_can_expand():
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'
    assert problems(bomb) == [
        "ligne 1, document : les ancres et alias YAML (&nom, *nom) ne sont pas acceptés : écrivez chaque valeur"
    ]


def test_an_oversized_text_is_refused():
    assert problems("#" * 200_001) == [
        "document : texte de 200001 caractères : des statuts en font au plus 200000"
    ]


def test_a_complex_key_is_refused_not_crashed_on():
    assert problems("? [a, b]\n: 1\n") == ["ligne 1, document : YAML illisible : found unhashable key"]


def test_codes_are_unique_within_a_section():
    text = replaced("  - code: partenaires\n", "  - code: entreprises\n")
    assert problems(text) == [
        "ligne 8, colleges[2].code : code « entreprises » déjà employé plus haut",
        "ligne 19, organes.conseil.sieges_par_college.partenaires : collège non déclaré dans colleges",
    ]


def test_a_text_that_looks_like_a_date_stays_text_through_the_round_trip():
    rules = schema.load(replaced("nom: Bureau", 'nom: "2016-03-31"'))
    assert rules["organes"]["bureau"]["nom"] == "2016-03-31"
    assert schema.load(schema.dump(rules)) == rules
