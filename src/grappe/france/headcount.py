"""INSEE headcount brackets (tranches d'effectifs salariés), as used by SIRENE."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .problems import Checked, _, empty, refused, remembered
from .text import clean_text, fold, strip_accents


@dataclass(frozen=True)
class HeadcountBracket:
    code: str
    label: str
    low: int | None  # None for "NN": the unit employs nobody and is not counted
    high: int | None  # None when open-ended (10,000 and more) or for "NN"


HEADCOUNT_BRACKETS: dict[str, HeadcountBracket] = {
    bracket.code: bracket
    for bracket in (
        HeadcountBracket("NN", _("Unité non employeuse"), None, None),
        HeadcountBracket("00", _("0 salarié"), 0, 0),
        HeadcountBracket("01", _("1 ou 2 salariés"), 1, 2),
        HeadcountBracket("02", _("3 à 5 salariés"), 3, 5),
        HeadcountBracket("03", _("6 à 9 salariés"), 6, 9),
        HeadcountBracket("11", _("10 à 19 salariés"), 10, 19),
        HeadcountBracket("12", _("20 à 49 salariés"), 20, 49),
        HeadcountBracket("21", _("50 à 99 salariés"), 50, 99),
        HeadcountBracket("22", _("100 à 199 salariés"), 100, 199),
        HeadcountBracket("31", _("200 à 249 salariés"), 200, 249),
        HeadcountBracket("32", _("250 à 499 salariés"), 250, 499),
        HeadcountBracket("41", _("500 à 999 salariés"), 500, 999),
        HeadcountBracket("42", _("1 000 à 1 999 salariés"), 1000, 1999),
        HeadcountBracket("51", _("2 000 à 4 999 salariés"), 2000, 4999),
        HeadcountBracket("52", _("5 000 à 9 999 salariés"), 5000, 9999),
        HeadcountBracket("53", _("10 000 salariés et plus"), 10000, None),
    )
}

_LABELS = {fold(bracket.label): bracket.code for bracket in HEADCOUNT_BRACKETS.values()}
_COUNTED = tuple(bracket for bracket in HEADCOUNT_BRACKETS.values() if bracket.low is not None)
_NUMBER = r"(\d+(?:[ .]\d{3})*)"  # "1 000", "1.000", "1000"
_RANGE = re.compile(rf"^(?:de )?{_NUMBER} ?(?:a|-|/|to) ?{_NUMBER}(?: salaries?| personnes?| employes?)?$")
_AT_LEAST = re.compile(rf"^(?:plus de|\+ ?de|>=?) ?{_NUMBER}(?: salaries?)?$")
_OR_MORE = re.compile(rf"^{_NUMBER} ?(?:\+|et \+|et plus|ou plus)(?: salaries?)?$")


def bracket_for_headcount(n: int) -> str:
    """The bracket code of a number of employees (0 → "00")."""
    if n < 0:
        raise ValueError(f"a headcount cannot be negative: {n}")
    for bracket in _COUNTED:
        if bracket.high is None or n <= bracket.high:
            return bracket.code
    raise AssertionError("unreachable: the last bracket is open-ended")


def _as_int(text: str) -> int:
    return int(re.sub(r"[ .]", "", text))


def _bracket_for_range(low: int, high: int) -> str | None:
    """The one bracket holding the whole range ("20 à 49" → "12"), or None if it straddles several."""
    low_code, high_code = bracket_for_headcount(low), bracket_for_headcount(high)
    return low_code if low_code == high_code else None


@remembered
def check_headcount(raw: str | None) -> Checked[str]:
    """A headcount bracket code from a code ("12", "NN"), a range ("20 à 49") or a number of employees.

    A bare number is read as a number of employees ("35" → "12"), except the zero-padded codes "00" to "03"
    that only INSEE extracts write; use :func:`check_headcount_code` for columns holding INSEE codes.
    """
    text = clean_text(raw)
    if not text:
        return empty()
    folded = strip_accents(text.lower())
    if text.upper() == "NN" or text in ("00", "01", "02", "03"):
        return Checked(text.upper())
    by_label = _LABELS.get(fold(text))
    if by_label:
        return Checked(by_label)
    if re.fullmatch(_NUMBER, folded):
        return Checked(bracket_for_headcount(_as_int(folded)))
    span = _RANGE.match(folded)
    if span:
        low, high = _as_int(span[1]), _as_int(span[2])
        code = _bracket_for_range(low, high) if low <= high else None
        return Checked(code) if code else _range_refused(text)
    at_least = _AT_LEAST.match(folded) or _OR_MORE.match(folded)
    if at_least:
        # Only "10 000 et plus" fits a bracket; "plus de 500" spans five of them.
        return Checked("53") if _as_int(at_least[1]) >= 10000 else _range_refused(text)
    return refused(
        "headcount.format",
        _(
            "Effectif « %(value)s » illisible : un nombre de salariés (35), une tranche INSEE (« 20 à 49 ») "
            "ou son code (12, NN) est attendu."
        ),
        value=text[:40],
    )


def _range_refused(text: str) -> Checked[str]:
    return refused(
        "headcount.range",
        _(
            "Tranche d'effectif « %(value)s » incompatible avec les tranches INSEE : elle en chevauche "
            "plusieurs. Indiquez le nombre de salariés ou une tranche INSEE (par exemple « 20 à 49 »)."
        ),
        value=text[:40],
    )


def check_headcount_code(raw: str | None) -> Checked[str]:
    """Strictly an INSEE bracket code ("NN", "00", "01" … "53"), as in SIRENE extracts."""
    text = clean_text(raw).upper()
    if not text:
        return empty()
    if len(text) == 1 and text.isdigit():
        text = "0" + text  # a spreadsheet read "01" as the number 1
    if text in HEADCOUNT_BRACKETS:
        return Checked(text)
    return refused(
        "headcount.code",
        _("Code de tranche d'effectif « %(value)s » inconnu : NN, 00, 01, 02, 03, 11, 12 … 53 attendu."),
        value=text[:40],
    )
