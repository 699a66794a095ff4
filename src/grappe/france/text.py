"""Text clean-up shared by every check: what a cell really says, and a folded form for comparisons."""

from __future__ import annotations

import re
import unicodedata

# Spreadsheets and web forms bring every kind of space: NBSP, narrow NBSP (French thousands separator),
# thin space, ideographic space, zero-width characters. They all mean "space" or nothing.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_WHITESPACE = re.compile(r"\s+")
# Letters and digits of any script survive; everything else (punctuation, "_") becomes a space.
_NOT_ALNUM = re.compile(r"[\W_]+")
# The control characters (Unicode category Cc) that are not white space; white space among them (tab, line
# feeds, the information separators, NEL) is left to the collapse into one space. One regular expression
# rather than a category lookup per character: every cell of every import goes through here.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
# Ligatures that NFKD does not decompose but French names use ("Œuvre", "Lætitia").
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})


def clean_text(raw: str | None) -> str:
    """Trim, collapse white space (all Unicode spaces) and drop control and zero-width characters."""
    if raw is None:
        return ""
    text = str(raw)
    if text.isprintable():
        # Most cells (an import cleans forty a row): a printable text has no control, zero-width or format
        # character and no white space but the plain space, so only runs of spaces and the ends remain.
        return " ".join(text.split()) if "  " in text else text.strip(" ")
    return _clean_text(text)


def _clean_text(text: str) -> str:
    """``clean_text`` for any text: what its fast path must agree with (tests/france/test_problems_text.py)."""
    text = _CONTROL.sub("", text.translate(_ZERO_WIDTH))
    return _WHITESPACE.sub(" ", text).strip()


# Characters remembered by ``_WITHOUT_ACCENTS``: every character of every script a file may hold fits many
# times over (French text uses a few dozen), and the table stays bounded whatever the input.
_CHARACTERS_REMEMBERED = 4096


class _WithoutAccents(dict[int, str]):
    """A ``str.translate`` table: a character → itself decomposed, without its combining marks.

    Decomposing text character by character gives what decomposing it whole gives once the combining marks
    are dropped: NFKD maps each character on its own, then only reorders combining marks among themselves
    (tests/france/test_problems_text.py holds ``strip_accents`` to ``_strip_accents``)."""

    def __missing__(self, code: int) -> str:
        stripped = _strip_accents(chr(code))
        if len(self) < _CHARACTERS_REMEMBERED:
            self[code] = stripped
        return stripped


_WITHOUT_ACCENTS = _WithoutAccents()


def strip_accents(text: str) -> str:
    """``"Étienne"`` → ``"Etienne"``: decompose, then drop the combining marks."""
    if text.isascii():
        return text  # no ligature, nothing to decompose, no combining mark
    # One table lookup a character (names, streets, cities: about a third of an import's folded cells)
    # rather than a decomposition and a test per character.
    return text.translate(_WITHOUT_ACCENTS)


def _strip_accents(text: str) -> str:
    """``strip_accents`` for any text: what its fast path must agree with."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str | None) -> str:
    """Lower case, no accents, punctuation → space, one space between words: a key for comparisons."""
    if not text:
        return ""
    cleaned = clean_text(text)
    folded = strip_accents(cleaned).lower()
    return _NOT_ALNUM.sub(" ", folded).strip()


def is_blank(raw: str | None) -> bool:
    """True for ``None`` and cells holding only white space or invisible characters."""
    return not clean_text(raw)
