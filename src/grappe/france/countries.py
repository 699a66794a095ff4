"""Countries as ISO 3166 alpha-2 codes: reading what exports write (« Suisse », "Switzerland", "CH", "USA").

The names come from the region data that ``phonenumbers`` (already a dependency) keeps up to date for its
geocoder: every ISO region it knows, named in French, English, German, Italian, Spanish, Dutch and Portuguese.
Common alpha-3 codes and everyday names that no language lists (« USA », « Angleterre », « Hollande ») are
added here. A value that is none of these is refused, never guessed: « Suise » is not read as Switzerland.

The overseas départements (Guadeloupe, Martinique, Guyane, La Réunion, Mayotte) are France: their places are
French communes and départements, so they read as "FR".

Pure Python: no Django; the names are indexed on first use.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from .problems import Checked, _, empty, refused, remembered
from .text import clean_text, fold

FRANCE = "FR"
# ISO codes of France's overseas départements: their communes are in the INSEE geography like any other.
OVERSEAS_DEPARTEMENTS = frozenset({"GP", "MQ", "GF", "RE", "YT"})
# Languages whose country names are read (the languages of the exports a French cluster receives).
_LANGUAGES = ("fr", "en", "de", "it", "es", "nl", "pt")
# Codes phonenumbers still names but ISO 3166 withdrew (Netherlands Antilles).
_WITHDRAWN = frozenset({"AN"})
# What exports write that is neither an alpha-2 code nor a name in those languages. Alpha-3 codes of the
# countries a French network's members come from, and everyday names.
_ALIASES = {
    "usa": "US",
    "u s a": "US",
    "u s": "US",
    "etats unis d amerique": "US",
    "united states of america": "US",
    "amerique": "US",
    "uk": "GB",
    "gbr": "GB",
    "angleterre": "GB",
    "england": "GB",
    "grande bretagne": "GB",
    "great britain": "GB",
    "ecosse": "GB",
    "scotland": "GB",
    "pays de galles": "GB",
    "wales": "GB",
    "hollande": "NL",
    "holland": "NL",
    "fra": "FR",
    "republique francaise": "FR",
    "che": "CH",
    "confederation suisse": "CH",
    "schweiz": "CH",
    "suisse": "CH",
    "bel": "BE",
    "ita": "IT",
    "deu": "DE",
    "esp": "ES",
    "prt": "PT",
    "lux": "LU",
    "nld": "NL",
    "aut": "AT",
    "irl": "IE",
    "mco": "MC",
    "tun": "TN",
    "dza": "DZ",
    "civ": "CI",
    "cote d ivoire": "CI",
    "swe": "SE",
    "dnk": "DK",
    "nor": "NO",
    "jpn": "JP",
    "chn": "CN",
    "bra": "BR",
    "isr": "IL",
    "ukr": "UA",
    "rou": "RO",
}


@cache
def _names() -> dict[str, dict[str, str]]:
    """ISO alpha-2 code → {language: name} for every region phonenumbers knows, in ``_LANGUAGES``.

    Read from ``data/countries.json``, extracted from phonenumbers' region names by ``extract_names()`` (a
    test checks it against the installed phonenumbers): importing phonenumbers' own table of every language
    costs 100 MiB, which every import job carried (benchmarks/intake: 121 → 220 MiB at 50 000 rows)."""
    data = json.loads((Path(__file__).parent / "data" / "countries.json").read_text(encoding="utf-8"))
    return {code: names for code, names in data["names"].items() if code not in _WITHDRAWN}


def extract_names() -> dict[str, dict[str, str]]:
    """The names as phonenumbers holds them (for rebuilding ``data/countries.json`` and checking it)."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    names: dict[str, dict[str, str]] = {}
    for code, by_language in sorted(LOCALE_DATA.items()):
        row = {}
        for language in _LANGUAGES:
            name = by_language.get(language, "")
            if name.startswith("*"):  # "*en": the same name as that language's
                name = by_language.get(name[1:], "")
            if name and not name.startswith("*"):
                row[language] = name
        if row:
            names[code] = row
    return names


@cache
def _index() -> dict[str, str]:
    """Folded name, code or alias → alpha-2 code."""
    index: dict[str, str] = {}
    for code, by_language in _names().items():
        for language in _LANGUAGES:
            name = by_language.get(language)
            if name:
                index.setdefault(fold(name), code)
    index.update(_ALIASES)
    for code in _names():
        index[code.lower()] = code
    return index


def country_codes() -> frozenset[str]:
    """Every alpha-2 code that ``check_country`` can give."""
    return frozenset(_names())


def country_name(code: str, language: str = "fr") -> str:
    """The country's name in ``language`` (French by default), or the code itself when it is unknown."""
    by_language = _names().get((code or "").upper(), {})
    return by_language.get(language) or by_language.get("en") or code


def is_france(code: str | None) -> bool:
    """True for "FR" (overseas départements are read as "FR" by ``check_country``)."""
    return code == FRANCE


@remembered
def check_country(raw: str | None) -> Checked[str]:
    """A country as an ISO 3166 alpha-2 code: "CH", « Suisse », "Switzerland", "Schweiz", "CHE" → "CH"."""
    text = clean_text(raw)
    if not text:
        return empty()
    code = _index().get(fold(text))
    if code is None:
        return refused(
            "country.unknown",
            _(
                "Pays « %(value)s » non reconnu : un nom de pays (France, Suisse, Belgique…) ou un code ISO à "
                "deux lettres (FR, CH, BE…) est attendu."
            ),
            value=text[:60],
        )
    return Checked(FRANCE if code in OVERSEAS_DEPARTEMENTS else code)
