"""Typing errors in long names: counted as edits, one per ten letters and two at most.

Jaro-Winkler, the name's closeness measure, judges two typos in a forty-letter name further apart than one in
a fourteen-letter name: « Shell Intenationale Research Maatschappij » and « Shell Internacionale Research
Maatschappij » scored 0.88 and were left to a reviewer (PATSTAT, benchmarks/linkage)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from grappe.linkage import LinkageSettings, deduplicate

from .conftest import record

TYPOS = "nom à une ou deux fautes de frappe près"
# The name levels at least as strong as two typos in a long name.
STRONG = {
    "nom identique",
    "sigle ou initiales",
    "mots rares en commun (≥ 80 %)",
    "nom très proche (Jaro-Winkler ≥ 0,92)",
    TYPOS,
}


def _pair(left: str, right: str, **fields: str) -> dict:
    result = deduplicate(
        [record("l", left, **fields), record("r", right, **fields)],
        settings=LinkageSettings(keep_threshold=0.0),
    )
    (row,) = result.pairs.to_pylist()
    return row


def test_two_typos_in_a_long_name_weigh_as_a_very_close_name() -> None:
    row = _pair(
        "SHELL INTENATIONALE RESEARCH MAATSCHAPPIJ B.V.", "SHELL INTERNACIONALE RESEARCH MAATSCHAPPIJ B.V"
    )
    assert row["name_level"] == TYPOS
    close = _pair("Dupond Conseil", "Dupont Conseil")
    assert close["name_level"].startswith("nom très proche")
    assert row["name_weight"] >= close["name_weight"] - 0.5


def test_with_the_same_address_two_typos_in_a_long_name_are_one_company() -> None:
    place = {"street": "12 rue Michelet", "postcode": "42000", "city": "Saint-Étienne"}
    row = _pair(
        "Ateliers Numériques du Forez Ingénierie", "Ateliers Numérqiues du Forrez Ingénierie", **place
    )
    assert row["band"] == "match"


def test_two_edits_in_a_short_name_are_not_typos() -> None:
    # Twelve letters allow one edit: « Akto » and « Axio » are two companies, not a typing error.
    row = _pair("Akto Conseil", "Axio Conseil")
    assert row["name_level"] not in STRONG


def test_three_edits_are_never_typos_however_long_the_name() -> None:
    row = _pair("Groupement Régional Numérique Auvergne Nord", "Groupement Régional Numérique Auvergne Sud")
    assert row["name_level"] != TYPOS


_SYLLABLES = st.tuples(st.sampled_from("bdfgklmnprstvz"), st.sampled_from("aeiou")).map("".join)
_WORD = st.lists(_SYLLABLES, min_size=3, max_size=5).map("".join)


@st.composite
def _name_and_typo(draw: st.DrawFn) -> tuple[str, str]:
    words = draw(st.lists(_WORD, min_size=3, max_size=5, unique=True))
    name = " ".join(words)
    letters = [i for i, char in enumerate(name) if char != " "]
    position = draw(st.sampled_from(letters))
    kind = draw(st.sampled_from(("substitute", "delete", "insert")))
    letter = draw(st.sampled_from("bcdfghjklmnpqrstvwxz"))
    if kind == "substitute":
        typo = name[:position] + letter + name[position + 1 :]
    elif kind == "delete":
        typo = name[:position] + name[position + 1 :]
    else:
        typo = name[:position] + letter + name[position:]
    return name.capitalize(), typo.capitalize()


@settings(max_examples=40, deadline=None)
@given(_name_and_typo())
def test_one_typo_in_a_name_of_three_words_or_more_is_never_weaker_than_a_very_close_name(
    names: tuple[str, str],
) -> None:
    left, right = names
    if left.lower() == right.lower():
        return
    assert _pair(left, right)["name_level"] in STRONG
