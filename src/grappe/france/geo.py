"""Communes, postcodes, départements and régions (INSEE COG 2026 with La Poste postcodes).

The data is read from ``data/`` on first use and cached: importing this module does no I/O.

Postcodes are not communes. One postcode serves several communes (42100 serves part of Saint-Étienne, and
42000 and 42230 too), Paris, Lyon and Marseille have one per arrondissement, Corsica's 20xxx codes belong to
2A or 2B, and CEDEX codes (given to big mail receivers) are in no public list at all. Addresses also keep the
names of communes that merged into a *commune nouvelle* years ago. The functions below take all of this into
account so that a registry row "42000 ST ETIENNE CEDEX 1" finds Saint-Étienne and "01200 Bellegarde" finds
Valserhône.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from .problems import Checked, Problem, _, empty, problem, refused, remembered
from .text import clean_text, fold

KIND_CURRENT = "commune-actuelle"
KIND_ARRONDISSEMENT = "arrondissement-municipal"  # Paris, Lyon, Marseille: their own code and postcode
KIND_DELEGATED = "commune-deleguee"  # former commune inside a commune nouvelle, kept as a name
KIND_ASSOCIATED = "commune-associee"  # former commune associated to another (older "fusion-association")
_HISTORIC_KINDS = frozenset({KIND_DELEGATED, KIND_ASSOCIATED})


@dataclass(frozen=True)
class Region:
    code: str
    name: str


@dataclass(frozen=True)
class Departement:
    code: str  # "01" … "95", "2A", "2B", "971" … "976", and the overseas collectivities "975" … "989"
    name: str
    region: str  # region code


@dataclass(frozen=True)
class Commune:
    code: str  # INSEE code (not a postcode)
    name: str
    kind: str  # one of the KIND_* constants
    departement: str
    region: str
    postcodes: tuple[str, ...]  # empty for delegated and associated communes
    population: int | None
    parent: str | None  # arrondissement → its city; delegated/associated → the current commune

    @property
    def is_current(self) -> bool:
        """A commune as it exists today (not an arrondissement, not a former commune)."""
        return self.kind == KIND_CURRENT


@dataclass(frozen=True)
class Place:
    """A postcode and city as written, with the commune and département they were resolved to."""

    postcode: str
    city: str
    commune: Commune | None
    departement: str | None


# --------------------------------------------------------------------------------------------------------
# Loading


def _data_file(name: str) -> Traversable:
    return resources.files("grappe.france") / "data" / name


def _optional_int(text: str) -> int | None:
    return int(text) if text else None


@cache
def _all_communes() -> tuple[Commune, ...]:
    with _data_file("communes.csv.gz").open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        return tuple(
            Commune(
                code=row["code"],
                name=row["nom"],
                kind=row["type"],
                departement=row["departement"],
                region=row["region"],
                postcodes=tuple(row["codes_postaux"].split()),
                population=_optional_int(row["population"]),
                parent=row["chef_lieu"] or None,
            )
            for row in csv.DictReader(lines)
        )


@cache
def _departements() -> dict[str, Departement]:
    with _data_file("departements.csv").open("r", encoding="utf-8") as lines:
        rows = csv.DictReader(lines)
        return {row["code"]: Departement(row["code"], row["nom"], row["region"]) for row in rows}


@cache
def _regions() -> dict[str, Region]:
    with _data_file("regions.csv").open("r", encoding="utf-8") as lines:
        return {row["code"]: Region(row["code"], row["nom"]) for row in csv.DictReader(lines)}


_KIND_PRIORITY = {KIND_CURRENT: 0, KIND_ARRONDISSEMENT: 1, KIND_DELEGATED: 2, KIND_ASSOCIATED: 3}


@cache
def _by_code() -> dict[str, Commune]:
    # A commune nouvelle often reuses the code of one of its former communes (01015 is both "Arboys en
    # Bugey" and the delegated "Arbignieu"): the current commune wins.
    table: dict[str, Commune] = {}
    for item in sorted(_all_communes(), key=lambda c: _KIND_PRIORITY.get(c.kind, 9), reverse=True):
        table[item.code] = item
    return table


@cache
def _by_postcode() -> dict[str, tuple[Commune, ...]]:
    """Postcode → the most precise units it serves: arrondissements replace their city."""
    found: dict[str, list[Commune]] = defaultdict(list)
    for item in _all_communes():
        if item.kind in (KIND_CURRENT, KIND_ARRONDISSEMENT):
            for postcode in item.postcodes:
                found[postcode].append(item)
    table = {}
    for postcode, items in found.items():
        split_cities = {item.parent for item in items if item.kind == KIND_ARRONDISSEMENT}
        table[postcode] = tuple(item for item in items if item.code not in split_cities)
    return table


@cache
def _by_departement() -> dict[str, tuple[Commune, ...]]:
    found: dict[str, list[Commune]] = defaultdict(list)
    for item in _all_communes():
        if item.is_current:
            found[item.departement].append(item)
    return {code: tuple(items) for code, items in found.items()}


# --------------------------------------------------------------------------------------------------------
# Public look-ups


def communes() -> tuple[Commune, ...]:
    """Every place that exists today: the 34,969 current communes and the 45 municipal arrondissements.

    Former (delegated, associated) communes are left out. Paris, Lyon and Marseille appear both as cities
    and through their arrondissements: filter on ``is_current`` before summing populations.
    """
    return tuple(item for item in _all_communes() if item.kind in (KIND_CURRENT, KIND_ARRONDISSEMENT))


def all_communes() -> tuple[Commune, ...]:
    """Every record: current communes, municipal arrondissements, delegated and associated communes."""
    return _all_communes()


def commune(code: str) -> Commune | None:
    """The commune with this INSEE code (a current commune when a former one shares its code)."""
    return _by_code().get(clean_text(code).upper())


def current_commune(item: Commune) -> Commune:
    """The commune as it exists today: a former commune's chef-lieu; anything else is itself."""
    if item.kind in _HISTORIC_KINDS and item.parent:
        return _by_code().get(item.parent, item)
    return item


def _departement_code(code: str) -> str:
    text = clean_text(code).upper()
    return text.zfill(2) if text.isdigit() and len(text) == 1 else text


def departement(code: str) -> Departement | None:
    """The département with this code ("42", "2A", "974"; "1" is read as "01")."""
    return _departements().get(_departement_code(code))


def departements() -> tuple[Departement, ...]:
    """All 101 départements and the overseas collectivities, in code order."""
    return tuple(_departements().values())


def region(code: str) -> Region | None:
    return _regions().get(clean_text(code))


def regions() -> tuple[Region, ...]:
    return tuple(_regions().values())


def communes_in_departement(code: str) -> tuple[Commune, ...]:
    """The current communes of a département."""
    return _by_departement().get(_departement_code(code), ())


def _postcode_digits(postcode: str | None) -> str | None:
    text = re.sub(r"\s+", "", clean_text(postcode))
    if len(text) == 4 and text.isdigit():
        text = "0" + text  # a spreadsheet read "01400" as the number 1400
    return text if len(text) == 5 and text.isascii() and text.isdigit() else None


def communes_for_postcode(postcode: str) -> tuple[Commune, ...]:
    """The communes (or arrondissements) a La Poste postcode serves; empty for CEDEX and unknown codes."""
    digits = _postcode_digits(postcode)
    return _by_postcode().get(digits, ()) if digits else ()


def _departement_from_prefix(digits: str) -> str | None:
    if digits.startswith("20"):
        # La Poste gave Corse-du-Sud 200xx-201xx and Haute-Corse 202xx-206xx.
        return "2A" if int(digits[:3]) < 202 else "2B"
    if digits[:2] in ("97", "98"):
        return digits[:3] if digits[:3] in _departements() else None
    return digits[:2] if digits[:2] in _departements() else None


def departement_of_postcode(postcode: str) -> str | None:
    """The département a postcode belongs to, from the communes it serves or, for CEDEX codes, its digits."""
    digits = _postcode_digits(postcode)
    if digits is None:
        return None
    served = {item.departement for item in _by_postcode().get(digits, ())}
    if len(served) == 1:
        return served.pop()
    by_prefix = _departement_from_prefix(digits)
    if served and by_prefix not in served:
        # A code straddling départements whose digits point elsewhere: trust the data, pick deterministically.
        return sorted(served)[0]
    return by_prefix


# --------------------------------------------------------------------------------------------------------
# City names

_CEDEX = re.compile(r"\b(cedex|cidex)\b.*$")
_ARTICLE_SUFFIX = re.compile(r"^(?P<name>.+?)\s*\((?P<article>le|la|les|l')\)$", re.IGNORECASE)
_ARRONDISSEMENT = re.compile(
    r"^(?P<city>paris|lyon|marseille) ?(?P<number>\d{1,2}|[ivx]{1,5})"
    r" ?(?:er|ere|eme|ieme|em|me|e)?(?: ?(?:arrondissement|arrdt|arrt|arr))?$"
)
_UNITS = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
_ROMAN = {numeral: value for value, numeral in enumerate(_UNITS, 1)}
_ROMAN |= {"x" + numeral: value + 10 for numeral, value in _ROMAN.items()}  # "xvi" → 16, "xx" → 20
_ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "stes": "saintes",
    "s": "sur",  # "Chalon s/ Saône"
    "ss": "sous",
}


@dataclass(frozen=True)
class _CityKey:
    """A city name reduced for matching: folded words without spaces, and an arrondissement if any."""

    base: str
    arrondissement: int | None = None


def _name_key(name: str) -> _CityKey:
    text = clean_text(name)
    moved = _ARTICLE_SUFFIX.match(text)
    if moved:  # INSEE's old style "CHAMBON-FEUGEROLLES (LE)"
        text = f"{moved['article']} {moved['name']}"
    folded = _CEDEX.sub("", fold(text)).strip()
    words = [_ABBREVIATIONS.get(word, word) for word in folded.split()]
    folded = " ".join(words)
    match = _ARRONDISSEMENT.match(folded)
    if match:
        number = match["number"]
        value = int(number) if number.isdigit() else _ROMAN.get(number)
        if value:
            return _CityKey(match["city"], value)
    return _CityKey(folded.replace(" ", ""))


# A cell's key (a file repeats its cities).
_city_key = remembered(_name_key)

# The keys of the communes' own names, each computed once: about 35,000 names, bounded by the reference data
# whatever the file. They cannot share ``_city_key``'s remembered outcomes (a few thousand, for the files'
# cells): listing the communes by name fills those with commune names, which then evict each other and the
# cells' keys (36,181 misses for 37,590 communes).
_COMMUNE_KEYS: dict[str, _CityKey] = {}


def _commune_key(item: Commune) -> _CityKey:
    key = _COMMUNE_KEYS.get(item.name)
    if key is None:
        key = _COMMUNE_KEYS[item.name] = _name_key(item.name)
    return key


def _keys_match(wanted: _CityKey, known: _CityKey) -> bool:
    if wanted.base != known.base:
        return False
    # "Lyon" matches any arrondissement of Lyon; "Lyon 3e" only the third.
    return wanted.arrondissement is None or wanted.arrondissement == known.arrondissement


@cache
def _by_name() -> dict[str, tuple[Commune, ...]]:
    found: dict[str, list[Commune]] = defaultdict(list)
    for item in _all_communes():
        found[_commune_key(item).base].append(item)
    return {base: tuple(items) for base, items in found.items()}


@cache
def _former_names() -> dict[str, tuple[_CityKey, ...]]:
    """Current commune code → the keys of the former communes it absorbed."""
    found: dict[str, list[_CityKey]] = defaultdict(list)
    for item in _all_communes():
        if item.kind in _HISTORIC_KINDS and item.parent:
            found[item.parent].append(_commune_key(item))
    return {code: tuple(keys) for code, keys in found.items()}


def _names_of(item: Commune) -> Iterable[_CityKey]:
    yield _commune_key(item)
    yield from _former_names().get(item.code, ())


def _match_among(wanted: _CityKey, candidates: tuple[Commune, ...]) -> Commune | None:
    """The one candidate named so today, else formerly, else a unique near miss (a typo)."""
    today = [item for item in candidates if _keys_match(wanted, _commune_key(item))]
    if today:
        return _unique(today)
    formerly = [
        item
        for item in candidates
        if any(_keys_match(wanted, key) for key in _former_names().get(item.code, ()))
    ]
    if formerly:
        return _unique(formerly)
    return _near_miss(wanted, candidates)


def _unique(items: list[Commune]) -> Commune | None:
    return items[0] if len(items) == 1 else None


_NEAR_MISS_RATIO = 0.85


def _near_miss(wanted: _CityKey, candidates: tuple[Commune, ...]) -> Commune | None:
    # Only ever used among the few communes of one postcode, where a typo cannot land on another town.
    if len(wanted.base) < 4:
        return None
    scored = [
        (max(difflib.SequenceMatcher(None, wanted.base, key.base).ratio() for key in _names_of(item)), item)
        for item in candidates
    ]
    close = [item for ratio, item in scored if ratio >= _NEAR_MISS_RATIO]
    return close[0] if len(close) == 1 else None


def _communes_named(wanted: _CityKey, departement_code: str | None = None) -> list[Commune]:
    """Current communes (or arrondissements) bearing this name today or formerly, current names first."""
    items = [
        item
        for item in _by_name().get(wanted.base, ())
        if _keys_match(wanted, _commune_key(item))
        and (departement_code is None or item.departement == departement_code)
        # Plain "Lyon" means the city, not each of its arrondissements.
        and (wanted.arrondissement is not None or item.kind != KIND_ARRONDISSEMENT)
    ]
    today = [item for item in items if item.kind not in _HISTORIC_KINDS]
    if today:
        return today
    return list({current_commune(item).code: current_commune(item) for item in items}.values())


def find_commune(city: str | None, postcode: str | None = None) -> Commune | None:
    """The commune meant by a city name, checked against the postcode when there is one; None if unsure.

    Tolerates case, accents, hyphens, "St"/"Ste", "CEDEX 03", "LYON 3EME", "Paris 16e", "(LE)" suffixes and
    the names of former communes (which resolve to the commune nouvelle) and small typos among the communes
    of the postcode. A name the postcode does not serve, or a name shared by several communes without a
    postcode to tell them apart, gives None rather than a guess. With a CEDEX postcode the name is looked
    up in the postcode's département.
    """
    wanted = _city_key(city or "")
    if not wanted.base:
        return None
    digits = _postcode_digits(postcode) if postcode else None
    if digits is None:
        return _unique(_communes_named(wanted))
    served = _by_postcode().get(digits, ())
    if served:
        # La Poste's list is complete for ordinary codes: a name it does not pair with the code is a mismatch.
        return _match_among(wanted, served)
    # A CEDEX code (in no public list): look for the name within the postcode's département.
    dept = departement_of_postcode(digits)
    return _unique(_communes_named(wanted, dept)) if dept else None


# --------------------------------------------------------------------------------------------------------
# Checks


def check_postcode(raw: str | None) -> Checked[str]:
    """A French postcode: five digits (a four-digit number is given back its leading zero).

    CEDEX codes are not in La Poste's public list: they are accepted when their digits name a département.
    """
    text = clean_text(raw)
    if not text:
        return empty()
    digits = _postcode_digits(text)
    if digits is None:
        return refused(
            "postcode.format",
            _("Code postal « %(value)s » invalide : 5 chiffres attendus (par exemple 42000)."),
            value=text[:40],
        )
    if digits in _by_postcode() or departement_of_postcode(digits):
        return Checked(digits)
    return refused(
        "postcode.unknown",
        _(
            "Code postal « %(value)s » inconnu : il ne correspond à aucune commune ni à aucun département "
            "français."
        ),
        value=digits,
    )


def _served_names(items: tuple[Commune, ...], limit: int = 6) -> str:
    names = sorted({item.name for item in items})
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" et {len(names) - limit} autres"


def _strip_postcode(city: str, code: str) -> str:
    """Some files put "42000 Saint-Étienne" in the city column: drop the repeated postcode (a word of its own
    at either end, in any case). String tests rather than a pattern per postcode: thousands of postcodes
    overflow the regular-expression cache, and every row paid a compilation."""
    text, folded, size = city.strip(), city.strip().upper(), len(code)
    if code and folded.startswith(code.upper()) and text[size : size + 1].isspace():
        return text[size:].strip()
    if code and folded.endswith(code.upper()) and text[-size - 1 : -size].isspace():
        return text[:-size].strip()
    return city


@remembered
def check_place(postcode_raw: str | None, city_raw: str | None, country: str | None = "FR") -> Checked[Place]:
    """A postcode and a city, checked against each other when ``country`` is France ("FR", the default).

    On disagreement the value is still a :class:`Place` (commune left empty, département from the postcode)
    together with a ``place.mismatch`` problem, so callers can show what was read next to the problem.

    Any other country (or ``None``: the country is unknown) keeps the postcode and the city as written, with
    no commune and no département: a US zip 60610 is not the Oise, a Belgian 6100 is not Nice.
    """
    city = clean_text(city_raw)
    if country != "FR":
        return _foreign_place(clean_text(postcode_raw).upper(), city)
    postcode = check_postcode(postcode_raw)
    if postcode.problem:
        return Checked(None, postcode.problem)
    digits = postcode.value
    if digits is None:
        if not city:
            return empty()
        found = find_commune(city)
        return Checked(Place("", city, found, found.departement if found else None))
    city = _strip_postcode(city, digits)
    return _place_with_postcode(digits, city)


def _foreign_place(postcode: str, city: str) -> Checked[Place]:
    if not (postcode or city):
        return empty()
    if postcode:
        city = _strip_postcode(city, postcode)
    return Checked(Place(postcode, city, None, None))


def _place_with_postcode(digits: str, city: str) -> Checked[Place]:
    dept = departement_of_postcode(digits)
    served = _by_postcode().get(digits, ())
    if not city:
        only = served[0] if len(served) == 1 else None
        return Checked(Place(digits, "", only, dept))
    found = find_commune(city, digits)
    if found:
        return Checked(Place(digits, city, found, found.departement))
    place = Place(digits, city, None, dept)
    if served:
        return Checked(place, _mismatch(digits, city, served))
    # A CEDEX code: the city is accepted as given unless it plainly names a commune of another département.
    elsewhere = _communes_named(_city_key(city))
    if elsewhere and all(item.departement != dept for item in elsewhere):
        return Checked(place, _cedex_mismatch(digits, city, dept, elsewhere))
    return Checked(place)


def _mismatch(digits: str, city: str, served: tuple[Commune, ...]) -> Problem:
    return problem(
        "place.mismatch",
        _(
            "La commune « %(city)s » ne correspond pas au code postal %(postcode)s, qui dessert : "
            "%(communes)s. Corrigez le code postal ou la commune."
        ),
        city=city,
        postcode=digits,
        communes=_served_names(served),
    )


def _cedex_mismatch(digits: str, city: str, dept: str | None, elsewhere: list[Commune]) -> Problem:
    return problem(
        "place.mismatch",
        _(
            "La commune « %(city)s » (département %(found)s) ne correspond pas au code postal %(postcode)s, "
            "qui relève du département %(departement)s. Corrigez le code postal ou la commune."
        ),
        city=city,
        postcode=digits,
        departement=dept or "?",
        found=", ".join(sorted({item.departement for item in elsewhere})),
    )
