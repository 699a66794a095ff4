"""The hard cases of real exports, as an opt-in profile of the benchmark registries ("real-exports").

The default registries (``generate_registry``) were written together with the linkage engine, and the engine
scores perfectly on them; real organisation lists do not look like them (issue 14). This profile adds what
those lists were seen to hold: no postcode on a third of rows, members abroad (Switzerland, Belgium, Italy, a
few in the United States) with their own postcodes and phone plans, the whole address typed in the street
cell, local phone numbers without their area code, franchises (distinct companies sharing a brand name and a
national call-centre number in several towns), more abbreviations and typos, and junk in the e-mail and
website columns. See ``NOISE.md`` for the rates and why.

It is applied after the default noise, with random generators of its own: the default registry does not move
when the profile exists, and a registry with the profile is the default one of the same seed with these cases
added on top. The ground truth (``entity_id``) is never changed: a franchise's outlets stay distinct entities.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import phonenumbers

from grappe.demo import names, noise
from grappe.demo.names import LEGAL_FORMS


@dataclass(frozen=True)
class HardCases:
    """Rates of the real-exports profile. Entity rates are shares of organisations, the others of rows.

    As in ``NoiseRates``, each rate is applied as an exact count, ``round(rate × n)``, per chunk of the
    registry (one chunk below 100 000 records).
    """

    # Organisations (every record of one shows it the same way).
    foreign_ch: float = 0.03  # Swiss members (a Haute-Savoie or Geneva-area cluster has many)
    foreign_be: float = 0.02  # Belgian members
    foreign_it: float = 0.02  # Italian members (Turin, Milan, Aosta… for a Lyon or Alpine cluster)
    foreign_us: float = 0.01  # a few US members: 5-digit zips and (773) 251-1196 phones
    franchise: float = 0.03  # outlets of a franchise: one brand name, one call-centre number, many towns
    name_article: float = 0.05  # the name starts with an article ("Le", "La", "L'", "Les", "The")
    # Rows.
    no_postcode: float = 1 / 3  # no postcode anywhere in the row (the default 2 % included)
    one_field_address: float = (
        0.08  # "12 rue X 42000 Saint-Étienne" in the street cell, postcode and city empty
    )
    local_phone: float = 0.10  # French without the leading 0 ("4 77 12 34 56"), US without the area code
    name_abbreviation: float = 0.12  # "Ste" for "Société", words swapped, article dropped, "Info" for …
    name_typo_extra: float = 0.04  # a second keyboard slip, on top of the default 4 %
    street_abbreviation: float = 0.25  # "bd", "blvd", "av.", "r.", "ch.", "Chée", "Str.", "de la" dropped…
    street_typo: float = 0.04  # a keyboard slip in the street
    junk_email: float = 0.06  # "n/a", "-", "aucun", "néant", "NC"…
    shared_email: float = 0.02  # one generic address ("contact@gmail.com") on unrelated records
    junk_website: float = 0.06  # "www.", "http://", "-", "n/a", "aucun", "en construction"…

    @classmethod
    def real_exports(cls) -> HardCases:
        """The preset named "real-exports": the rates above."""
        return cls()

    @property
    def foreign_rates(self) -> dict[str, float]:
        return {"CH": self.foreign_ch, "BE": self.foreign_be, "IT": self.foreign_it, "US": self.foreign_us}

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


PRESETS = {"real-exports": HardCases.real_exports}
COUNTRIES = ("FR", "CH", "BE", "IT", "US")


def profile(value: HardCases | str | bool | None) -> HardCases | None:
    """``True`` or ``"real-exports"`` → the preset; a ``HardCases`` as given; ``None``/``False`` → none."""
    if value is None or value is False:
        return None
    if value is True:
        return HardCases.real_exports()
    if isinstance(value, HardCases):
        return value
    if isinstance(value, str) and value in PRESETS:
        return PRESETS[value]()
    raise ValueError(f"unknown hard-cases profile {value!r} (known: {', '.join(PRESETS)})")


# --- places abroad -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForeignCity:
    country: str
    name: str
    postcodes: tuple[str, ...]
    area_codes: tuple[str, ...]  # national prefix included where the plan keeps it ("022", "02", "773")
    language: str  # how its streets are written: fr, de, nl, it, en
    state: str = ""  # US only


# Real cities and some of their real postcodes; area codes are the ones those cities really use.
FOREIGN_CITIES: dict[str, tuple[ForeignCity, ...]] = {
    "CH": (
        ForeignCity("CH", "Genève", ("1201", "1202", "1203", "1204", "1205", "1206", "1207", "1208"), ("022",), "fr"),
        ForeignCity("CH", "Lausanne", ("1003", "1004", "1005", "1006", "1007", "1010", "1018"), ("021",), "fr"),
        ForeignCity("CH", "Nyon", ("1260",), ("022",), "fr"),
        ForeignCity("CH", "Neuchâtel", ("2000",), ("032",), "fr"),
        ForeignCity("CH", "Fribourg", ("1700",), ("026",), "fr"),
        ForeignCity("CH", "Zürich", ("8001", "8002", "8003", "8004", "8005", "8008"), ("044",), "de"),
        ForeignCity("CH", "Basel", ("4051", "4052", "4053", "4056", "4057"), ("061",), "de"),
    ),
    "BE": (
        ForeignCity("BE", "Bruxelles", ("1000", "1040", "1050", "1060"), ("02",), "fr"),
        ForeignCity("BE", "Liège", ("4000", "4020"), ("04",), "fr"),
        ForeignCity("BE", "Namur", ("5000",), ("081",), "fr"),
        ForeignCity("BE", "Charleroi", ("6000",), ("071",), "fr"),
        ForeignCity("BE", "Mons", ("7000",), ("065",), "fr"),
        ForeignCity("BE", "Gent", ("9000",), ("09",), "nl"),
        ForeignCity("BE", "Antwerpen", ("2000", "2018"), ("03",), "nl"),
    ),
    "IT": (
        ForeignCity("IT", "Torino", ("10121", "10122", "10123", "10128", "10138", "10143"), ("011",), "it"),
        ForeignCity("IT", "Milano", ("20121", "20122", "20124", "20135", "20154", "20159"), ("02",), "it"),
        ForeignCity("IT", "Genova", ("16121", "16122", "16123", "16129"), ("010",), "it"),
        ForeignCity("IT", "Aosta", ("11100",), ("0165",), "it"),
        ForeignCity("IT", "Bologna", ("40121", "40122", "40123", "40127"), ("051",), "it"),
        ForeignCity("IT", "Roma", ("00184", "00185", "00186", "00187"), ("06",), "it"),
    ),
    "US": (
        ForeignCity("US", "Chicago", ("60601", "60607", "60610", "60614", "60654"), ("312", "773"), "en", "IL"),
        ForeignCity("US", "New York", ("10001", "10011", "10013", "10016", "10036"), ("212", "646"), "en", "NY"),
        ForeignCity("US", "Boston", ("02108", "02110", "02116"), ("617",), "en", "MA"),
        ForeignCity("US", "San Francisco", ("94103", "94105", "94107", "94110"), ("415",), "en", "CA"),
        ForeignCity("US", "Austin", ("78701", "78702", "78704"), ("512",), "en", "TX"),
    ),
}  # fmt: skip
_TOP_LEVEL = {"CH": ".ch", "BE": ".be", "IT": ".it", "US": ".com"}
# Legal forms abroad, each with the spellings exports use.
_FOREIGN_FORMS = {
    "CH": (("SA", ("S.A.", "sa")), ("Sàrl", ("Sarl", "SARL", "S.à r.l.")), ("GmbH", ("Gmbh", "GMBH")), ("AG", ("A.G.",))),
    "BE": (("SRL", ("srl", "S.R.L.", "SPRL")), ("SA", ("S.A.", "NV")), ("BV", ("bv", "B.V."))),
    "IT": (("S.r.l.", ("Srl", "SRL", "s.r.l.")), ("S.p.A.", ("SpA", "SPA")), ("S.r.l.s.", ("Srls",))),
    "US": (("Inc.", ("Inc", "INC", "Incorporated")), ("LLC", ("L.L.C.", "llc")), ("Corp.", ("Corporation", "Corp"))),
}  # fmt: skip
# Generic street names only, never a person's: a made-up company must not sit at a made-up person's address.
_STREETS = {
    "fr": ("Rue de la Gare", "Route de la Croix", "Chemin des Vignes", "Avenue de la Paix", "Rue du Lac",
           "Boulevard des Tilleuls", "Rue de l'Industrie", "Chaussée de la Forêt", "Place du Marché"),
    "de": ("Bahnhofstrasse", "Seestrasse", "Industriestrasse", "Kirchgasse", "Marktplatz", "Gartenstrasse"),
    "nl": ("Stationsstraat", "Kerkstraat", "Nijverheidsstraat", "Molenstraat", "Veldstraat"),
    "it": ("Via Roma", "Corso Francia", "Via Nizza", "Piazza Castello", "Via dei Mille", "Viale Monza",
           "Via della Stazione", "Via del Lavoro"),
    "en": ("W Lake St", "N State St", "Main St", "Market St", "Oak Ave", "Harbor Dr", "Congress Ave"),
}  # fmt: skip


@dataclass(frozen=True)
class ForeignAddress:
    country: str
    city: ForeignCity
    street: str
    postcode: str
    phone: phonenumbers.PhoneNumber


def foreign_address(rng: random.Random, country: str) -> ForeignAddress:
    city = rng.choice(FOREIGN_CITIES[country])
    street = rng.choice(_STREETS[city.language])
    number = rng.randint(1, 220)
    if city.language == "en":
        line = f"{number * rng.choice((1, 10, 10, 100))} {street}"
        if rng.random() < 0.3:
            line += f" Suite {rng.randint(1, 30) * 100}"
    elif city.country == "CH" and city.language == "fr" and rng.random() < 0.5:
        line = f"{number} {street[0].lower()}{street[1:]}"  # the French order, common in Romandy too
    else:
        line = f"{street} {number}"  # Swiss, Belgian and Italian usage: the number after the street
    return ForeignAddress(country, city, line, rng.choice(city.postcodes), foreign_phone(rng, city))


def foreign_name(base: str, form: tuple[str, tuple[str, ...]], noisy: bool, rng: random.Random) -> str:
    """The name with the legal form of its country; a record that had name noise gets a variant of it."""
    short, variants = form
    if not noisy:
        return f"{base} {short}"
    choice = rng.choice(("variant", "dropped", "upper", "typo"))
    if choice == "variant":
        return f"{base} {rng.choice(variants)}"
    if choice == "dropped":
        return base
    if choice == "upper":
        return f"{base} {short}".upper()
    return noise.typo(f"{base} {short}", rng)


def foreign_phone(rng: random.Random, city: ForeignCity) -> phonenumbers.PhoneNumber:
    """A number valid in the country's plan (``phonenumbers`` says so), in one of the city's area codes."""
    area = rng.choice(city.area_codes)
    length = _NATIONAL_LENGTH[city.country] - len(area)
    for _ in range(200):
        number = phonenumbers.parse(f"{area}{rng.randrange(10**length):0{length}d}", city.country)
        if phonenumbers.is_valid_number(number):
            return number
    return phonenumbers.example_number(city.country)  # pragma: no cover - every area above has valid ranges


# Digits of a fixed-line number written nationally (trunk prefix included where the country has one).
_NATIONAL_LENGTH = {"CH": 10, "BE": 9, "IT": 10, "US": 10}
PHONE_STYLES = {
    "CH": ("international", "national", "compact", "international_zero", "double_zero"),
    "BE": ("international", "national", "slashed", "double_zero"),
    "IT": ("international", "national", "dashed", "double_zero"),
    "US": ("parenthesised", "dashed", "compact", "international", "dotted", "one_dashed"),
}


def format_foreign_phone(number: phonenumbers.PhoneNumber, style: str) -> str:
    """As each country's offices write their numbers: "+41 22 345 67 89", "02/234.56.78", "(773) 251-1196"…"""
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = re.sub(r"\D", "", national)
    region = phonenumbers.region_code_for_number(number)
    if region == "US":
        area, exchange, line = digits[:3], digits[3:6], digits[6:]
        return {
            "parenthesised": f"({area}) {exchange}-{line}",
            "dashed": f"{area}-{exchange}-{line}",
            "compact": digits,
            "international": f"+1 {area}-{exchange}-{line}",
            "dotted": f"{area}.{exchange}.{line}",
            "one_dashed": f"1-{area}-{exchange}-{line}",
        }[style]
    if style == "international":
        return international
    if style == "national":
        return national
    if style == "compact":
        return digits
    if style == "international_zero":  # "+41 (0)22 345 67 89"
        country, rest = international.split(" ", 1)
        return f"{country} (0){rest}"
    if style == "double_zero":
        return "00" + international[1:]
    if style == "slashed":  # Belgian habit: "02/234.56.78"
        area, rest = national.split(" ", 1)
        return f"{area}/{rest.replace(' ', '.')}"
    if style == "dashed":  # Italian: "02-12345678"
        area, rest = national.split(" ", 1)
        return f"{area}-{rest.replace(' ', '')}"
    raise ValueError(style)


def us_local(number: phonenumbers.PhoneNumber, rng: random.Random) -> str:
    """Seven digits, the area code left out as people in one town write it: "251-1196", "2511196"."""
    digits = str(number.national_number)[3:]
    return rng.choice((f"{digits[:3]}-{digits[3:]}", digits, f"{digits[:3]} {digits[3:]}"))


def french_local(digits: str, rng: random.Random) -> str:
    """A French number without its leading 0, grouped as by hand: "4 77 12 34 56", "4.77.12.34.56"…"""
    rest = digits[1:]
    pairs = [rest[1:3], rest[3:5], rest[5:7], rest[7:9]]
    return rng.choice(
        (f"{rest[0]} {' '.join(pairs)}", f"{rest[0]}.{'.'.join(pairs)}", f"{rest[:3]} {' '.join(pairs[1:])}")
    )


def one_field_address(street: str, postcode: str, city: str, country: str, rng: random.Random) -> str:
    """The whole address in the street cell, as pasted from a letterhead."""
    if country == "US":
        state = next((c.state for c in FOREIGN_CITIES["US"] if c.name == city), "")
        return f"{street}, {city}, {state} {postcode}".replace(", ,", ",")
    shape = rng.choice(("space", "comma", "upper", "dash"))
    if shape == "comma":
        return f"{street}, {postcode} {city}"
    if shape == "upper":
        return f"{street} {postcode} {noise.strip_accents(city).upper()}"
    if shape == "dash":
        return f"{street} - {postcode} {city}"
    return f"{street} {postcode} {city}"


# --- names and streets -------------------------------------------------------------------------------------

_ENGLISH_WORDS = frozenset(
    ("Data", "Web", "Cloud", "Digital", "Software", "Labs", "IT", "Interactive", "Design", "Consulting")
)
_FEMININE_WORDS = frozenset(("Sécurité", "Robotique", "Formation", "Innovation", "Ingénierie", "Création"))
_ARTICLE = re.compile(r"^(?:le |la |les |l'|the )", re.IGNORECASE)


@cache
def _legal_form_words() -> frozenset[str]:
    words = {"Société", "SOCIETE", "Ste", "Sté"}
    for form in LEGAL_FORMS:
        words.add(form.short)
        words.update(form.variants)
        words.add(form.short.upper())
    return frozenset(words)


def with_article(name: str, rng: random.Random) -> str:
    """The name as the company writes it, with an article: "Le Studio Novalys", "L'Atelier X", "The Data Lab"."""
    first = name.split(" ", 1)[0]
    if first in _legal_form_words():
        return name  # "SAS Novalys": the office that puts the form first drops the article
    if name[:1].lower() in "aeiouyéèêh":
        article = "L'"
    elif first in _ENGLISH_WORDS:
        article = "The "
    elif first in _FEMININE_WORDS:
        article = "La "
    else:
        article = rng.choice(("Le ", "Le ", "The "))  # coined words, surnames, "Groupe", "Studio"…
    if name.isupper():
        article = article.upper()
    return f"{article}{name}"


def name_abbreviation(name: str, rng: random.Random) -> str:
    """A name shortened or reordered beyond the default variants: "Ste X", words swapped, article dropped…"""
    words = name.split(" ")
    choices = ["societe"]
    if _ARTICLE.match(name):
        choices += ["article_dropped"] * 3
    body = words[:-1] if words[-1] in _legal_form_words() else words
    if len(body) >= 2 and not _ARTICLE.match(name):
        choices += ["swapped"] * 2
    if any(word in noise._ABBREVIATIONS for word in words):
        choices += ["sector"] * 2
    choice = rng.choice(choices)
    if choice == "article_dropped":
        return _ARTICLE.sub("", name, count=1)
    if choice == "swapped":
        swapped = [body[1], body[0], *body[2:]]
        return " ".join(swapped + words[len(body) :])
    if choice == "sector":
        return " ".join(
            rng.choice(noise._ABBREVIATIONS[word]) if word in noise._ABBREVIATIONS else word for word in words
        )
    short = rng.choice(("Ste", "Sté", "STE", "Sté."))
    if words[0] in ("Société", "SOCIÉTÉ", "SOCIETE"):
        return " ".join([short, *words[1:]])
    return f"{short} {name}"


_STREET_SHORT = (
    (re.compile(r"\bboulevard\b", re.IGNORECASE), ("bd", "Bd", "BD", "blvd", "bld", "boul.")),
    (re.compile(r"\bavenue\b", re.IGNORECASE), ("av.", "Av.", "av", "ave", "AV")),
    (re.compile(r"\brue\b", re.IGNORECASE), ("r.", "R.", "r")),
    (re.compile(r"\bchemin\b", re.IGNORECASE), ("ch.", "chem.", "Ch.")),
    (re.compile(r"\bplace\b", re.IGNORECASE), ("pl.", "Pl.")),
    (re.compile(r"\bimpasse\b", re.IGNORECASE), ("imp.", "Imp.")),
    (re.compile(r"\broute\b", re.IGNORECASE), ("rte", "Rte")),
    (re.compile(r"\ballée\b", re.IGNORECASE), ("all.", "allee")),
    (re.compile(r"\bquai\b", re.IGNORECASE), ("q.",)),
    (re.compile(r"\bcours\b", re.IGNORECASE), ("crs",)),
    (re.compile(r"\bchaussée\b", re.IGNORECASE), ("Chée", "chée")),
    (re.compile(r"strasse\b", re.IGNORECASE), ("str.", "strasse", "str")),
    (re.compile(r"straat\b", re.IGNORECASE), ("str.",)),
    (re.compile(r"\bcorso\b", re.IGNORECASE), ("C.so", "c.so")),
    (re.compile(r"\bpiazza\b", re.IGNORECASE), ("P.zza", "p.za")),
    (re.compile(r"\bviale\b", re.IGNORECASE), ("V.le",)),
    (re.compile(r"\bstreet\b|\bst$", re.IGNORECASE), ("Street", "St.", "st")),
    (re.compile(r"\bavenue\b|\bave$", re.IGNORECASE), ("Avenue", "Av")),
    (re.compile(r"\bsuite\b", re.IGNORECASE), ("Ste", "#")),
)
_STREET_ARTICLE = re.compile(r"\b(?:de la |de l'|du |des )", re.IGNORECASE)


def street_abbreviation(street: str, rng: random.Random) -> str:
    """The street type shortened ("bd", "av.", "Chée", "Str."), the article dropped, or shouted."""
    options = [(pattern, short) for pattern, short in _STREET_SHORT if pattern.search(street)]
    kinds = ["type"] * 3 if options else []
    if _STREET_ARTICLE.search(street):
        kinds.append("article")
    kinds.append("upper" if not street.isupper() else "lower")
    kind = rng.choice(kinds)
    if kind == "type":
        pattern, short = rng.choice(options)
        return pattern.sub(rng.choice(short), street, count=1)
    if kind == "article":
        return _STREET_ARTICLE.sub("", street, count=1)
    if kind == "upper":
        return noise.strip_accents(street).upper()
    return street.lower()


# --- e-mail and website ------------------------------------------------------------------------------------

JUNK_EMAILS = ("n/a", "-", "aucun", "néant", "NC", "?", "pas d'email", "x", "N/A", "0")
SHARED_EMAILS = ("contact@gmail.com", "info@gmail.com", "contact@orange.fr")
JUNK_WEBSITES = ("www.", "http://", "-", "n/a", "aucun", "en construction", "NC", "http://www.", "0")


# --- applying the profile to a chunk of the registry -------------------------------------------------------


@dataclass
class Owners:
    """Per organisation of a chunk, the clean values the default generator drew (before any noise)."""

    bases: Sequence[str]
    forms: Sequence[str]
    domains: Sequence[str]
    cities: Sequence[str]
    phones: Sequence[str]  # "04 77 12 34 56", or "" when the company gave none


def apply(
    rng: random.Random,
    rates: HardCases,
    columns: dict[str, list[Any]],
    owners: Sequence[int],
    clean: Owners,
    taken_domains: set[str],
) -> dict[str, int]:
    """Add the hard cases to a chunk's columns in place (and its ``country`` column); counts per kind."""
    size = len(owners)
    entities = len(clean.bases)
    counts: dict[str, int] = {}
    records_of: dict[int, list[int]] = {}
    for index, owner in enumerate(owners):
        records_of.setdefault(owner, []).append(index)
    country_of = ["FR"] * entities
    columns["country"] = ["FR"] * size

    # Members abroad: one address and number per organisation, each record in its own format.
    order = rng.sample(range(entities), entities)
    start = 0
    foreign_numbers: dict[int, phonenumbers.PhoneNumber] = {}
    for country, rate in rates.foreign_rates.items():
        chosen = order[start : start + round(rate * entities)]
        start += len(chosen)
        counts[f"foreign_{country.lower()}"] = len(chosen)
        for owner in chosen:
            country_of[owner] = country
            address = foreign_address(rng, country)
            foreign_numbers[owner] = address.phone
            domain = clean.domains[owner]
            foreign_domain = domain.rsplit(".", 1)[0] + _TOP_LEVEL[country]
            if foreign_domain in taken_domains:
                foreign_domain = domain
            taken_domains.add(foreign_domain)
            has_phone = bool(clean.phones[owner])
            form = rng.choice(_FOREIGN_FORMS[country])
            french_name = f"{clean.bases[owner]} {clean.forms[owner]}"
            for index in records_of.get(owner, ()):
                columns["country"][index] = country
                noisy = columns["name"][index] != french_name
                columns["name"][index] = foreign_name(clean.bases[owner], form, noisy, rng)
                columns["siren"][index] = columns["siret"][index] = ""  # no SIREN outside France
                columns["departement"][index] = ""
                columns["street"][index] = address.street
                columns["postcode"][index] = address.postcode
                columns["city"][index] = address.city.name
                style = rng.choice(PHONE_STYLES[country])
                columns["phone"][index] = format_foreign_phone(address.phone, style) if has_phone else ""
                for key in ("email", "website"):
                    columns[key][index] = _swap_domain(columns[key][index], domain, foreign_domain)

    # Franchises: French outlets in distinct towns, one brand name, one call-centre number, the brand's site.
    french = [owner for owner in order[start:] if country_of[owner] == "FR"]
    wanted = round(rates.franchise * entities)
    counts["franchise"] = counts["franchise_groups"] = 0
    position = 0
    while counts["franchise"] + 2 <= wanted and position < len(french):
        group_size = min(rng.choice((2, 2, 3, 4)), wanted - counts["franchise"])
        group: list[int] = []
        towns: set[str] = set()
        while len(group) < group_size and position < len(french):
            owner = french[position]
            position += 1
            if clean.cities[owner] not in towns:
                group.append(owner)
                towns.add(clean.cities[owner])
        if len(group) < 2:
            break
        counts["franchise"] += len(group)
        counts["franchise_groups"] += 1
        brand, brand_domain = f"{clean.bases[group[0]]} {clean.forms[group[0]]}", clean.domains[group[0]]
        call_centre = rng.choice(("0969", "0970", "0800", "0805", "0820")) + f"{rng.randrange(10**6):06d}"
        for owner in group:
            town_mailbox = f"{names.slug(clean.cities[owner])[:20]}@{brand_domain}"
            for index in records_of.get(owner, ()):
                columns["name"][index] = brand
                columns["phone"][index] = noise.format_phone(
                    call_centre, rng.choice(("spaced", "dotted", "compact"))
                )
                columns["website"][index] = f"https://www.{brand_domain}"
                if owner != group[0]:
                    columns["email"][index] = town_mailbox
    franchised = set(french[:position])

    # Names with an article, kept by every record of the organisation (then dropped by some below).
    candidates = [owner for owner in french[position:] if owner not in franchised]
    with_articles = rng.sample(candidates, min(round(rates.name_article * entities), len(candidates)))
    counts["name_article"] = len(with_articles)
    for owner in with_articles:
        for index in records_of.get(owner, ()):
            columns["name"][index] = with_article(columns["name"][index], rng)

    def rows(kind: str, population: Sequence[int] | range = range(size)) -> list[int]:
        chosen = rng.sample(population, min(round(getattr(rates, kind) * size), len(population)))
        counts[kind] = len(chosen)
        return chosen

    # A franchise's outlets keep the brand's name exactly: that is the case to resist (same name, same phone).
    unbranded = [index for index in range(size) if owners[index] not in franchised]
    for index in rows("name_abbreviation", unbranded):
        columns["name"][index] = name_abbreviation(columns["name"][index], rng)
    for index in rows("name_typo_extra", unbranded):
        columns["name"][index] = noise.typo(columns["name"][index], rng)
    for index in rows("street_abbreviation"):
        columns["street"][index] = street_abbreviation(columns["street"][index], rng)
    for index in rows("street_typo"):
        columns["street"][index] = noise.typo(columns["street"][index], rng)

    # Local numbers: French ones without their 0, US ones without their area code.
    eligible = [
        index
        for index in range(size)
        if columns["phone"][index]
        and columns["country"][index] in ("FR", "US")
        and (columns["country"][index] == "US" or clean.phones[owners[index]])
        and owners[index] not in franchised
    ]
    for index in rows("local_phone", eligible):
        owner = owners[index]
        if columns["country"][index] == "US":
            columns["phone"][index] = us_local(foreign_numbers[owner], rng)
        else:
            columns["phone"][index] = french_local(clean.phones[owner].replace(" ", ""), rng)

    # E-mail junk and the shared generic address are exclusive (one cell); website junk is drawn apart.
    email_rows = rng.sample(range(size), min(size, round((rates.junk_email + rates.shared_email) * size)))
    junk_count = round(rates.junk_email * size)
    for index in email_rows[:junk_count]:
        columns["email"][index] = rng.choice(JUNK_EMAILS)
    for index in email_rows[junk_count:]:
        columns["email"][index] = rng.choice(SHARED_EMAILS)
    counts["junk_email"], counts["shared_email"] = len(email_rows[:junk_count]), len(email_rows[junk_count:])
    for index in rows("junk_website"):
        columns["website"][index] = rng.choice(JUNK_WEBSITES)

    # Postcodes: a third of rows have none (the département, read from it, goes too); some of the others
    # have the whole address in the street cell.
    with_postcode = [index for index in range(size) if columns["postcode"][index]]
    target = round(rates.no_postcode * size)
    missing = rng.sample(with_postcode, max(0, min(target - (size - len(with_postcode)), len(with_postcode))))
    for index in missing:
        columns["postcode"][index] = ""
    for index in range(size):
        if not columns["postcode"][index]:
            columns["departement"][index] = ""
    counts["no_postcode"] = sum(not postcode for postcode in columns["postcode"])
    still = [index for index in range(size) if columns["postcode"][index]]
    for index in rows("one_field_address", still):
        columns["street"][index] = one_field_address(
            columns["street"][index],
            columns["postcode"][index],
            columns["city"][index],
            columns["country"][index],
            rng,
        )
        columns["postcode"][index] = columns["city"][index] = columns["departement"][index] = ""
    return counts


def _swap_domain(value: str, domain: str, new: str) -> str:
    """``value`` (an address or a URL) with the organisation's own ``domain`` replaced; webmail left alone."""
    host = value.lower().rstrip("/")
    if not value or domain == new or not host.endswith(domain):
        return value
    start = len(host) - len(domain)
    if start and host[start - 1] not in "@./":
        return value
    return value[:start] + new + value[start + len(domain) :]
