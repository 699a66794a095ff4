"""Problem rendering and text folding."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from grappe.france import text as text_module
from grappe.france.problems import Checked, Problem, _, problem
from grappe.france.text import clean_text, fold, is_blank, strip_accents


def test_marker_returns_the_message_unchanged():
    assert _("Code postal") == "Code postal"


def test_problem_renders_its_parameters_and_translation():
    found = Problem("x.y", "Valeur « %(value)s » refusée", {"value": "42"})
    assert found.render() == "Valeur « 42 » refusée"
    assert found.render(lambda text: text.replace("refusée", "refused")) == "Valeur « 42 » refused"
    assert str(found) == "Valeur « 42 » refusée"


def test_broken_translation_falls_back_to_the_source_message():
    found = problem("x.y", "Valeur « %(value)s »", value=3)
    assert found.params == {"value": "3"}
    assert found.render(lambda text: "%(missing)s") == "Valeur « 3 »"


def test_checked_ok():
    assert Checked("a").ok
    assert not Checked(None, Problem("a", "b")).ok
    assert Checked(None).ok


def test_clean_text():
    assert clean_text("  Saint\u00a0\u00a0Étienne\t\n") == "Saint Étienne"
    assert clean_text("a\u200bb\x00c") == "abc"
    assert clean_text(None) == ""
    assert is_blank("\u00a0 \u200b") and not is_blank("a")


def test_fold():
    assert fold("Saint-Étienne") == "saint etienne"
    assert fold("L'ŒUVRE  d’Art") == "l oeuvre d art"
    assert fold("  Numélink, S.A.S.  ") == "numelink s a s"
    assert fold(None) == "" and fold("") == ""
    assert strip_accents("Éèêàç") == "Eeeac"


@given(st.text())
def test_fold_is_idempotent_and_clean(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert folded == folded.strip() and "  " not in folded
    assert folded == folded.lower() or not folded.isascii()


@given(st.text())
def test_clean_text_is_idempotent(text):
    assert clean_text(clean_text(text)) == clean_text(text)


@given(st.text())
def test_clean_text_drops_exactly_the_control_characters_that_are_not_white_space(text):
    # The definition, one character at a time: what the faster regular expression must agree with.
    kept = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) != "Cc")
    assert clean_text(text) == clean_text(kept)
    assert not any(unicodedata.category(ch) == "Cc" and not ch.isspace() for ch in clean_text(text))


# Cells as files have them: mostly printable text, with runs of spaces, accents, NBSPs, tabs, zero-width and
# control characters mixed in, so that both paths of each function are taken.
_cells = st.text(
    alphabet=st.one_of(
        st.sampled_from(" \u00a0\u202f\t\n\r\x00\x1f\x85\u200b\ufeff\u2028 aÉéœ’-,.ﬁ\u0301"),
        st.characters(),
    )
)


@given(_cells)
def test_clean_text_fast_path_equals_the_general_one(text):
    assert clean_text(text) == text_module._clean_text(text)


@given(_cells)
def test_strip_accents_fast_path_equals_the_general_one(text):
    assert strip_accents(text) == text_module._strip_accents(text)


def test_strip_accents_table_stays_bounded_and_right_when_full(monkeypatch):
    monkeypatch.setattr(text_module, "_WITHOUT_ACCENTS", text_module._WithoutAccents())
    monkeypatch.setattr(text_module, "_CHARACTERS_REMEMBERED", 3)
    letters = "ÉèêàçœÆﬁ\u0301"
    assert strip_accents(letters * 2) == text_module._strip_accents(letters * 2) == "Eeeacoeaefi" * 2
    assert len(text_module._WITHOUT_ACCENTS) == 3
