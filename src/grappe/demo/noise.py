"""The mess of real registry exports, as small functions and one table of rates.

Each function takes a clean value and a random generator and returns the value as some association's
spreadsheet would hold it. The rates live in ``NoiseRates`` (see ``NOISE.md`` beside this file for what each
kind looks like and why it is there). In the story the rates are applied as exact counts per export
(``round(rate × rows)`` rows drawn without replacement), so a test can check them exactly; the benchmark
generator applies the same counts to the whole sample.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from grappe.demo.names import LEGAL_FORM_BY_SHORT


@dataclass(frozen=True)
class NoiseRates:
    """Share of records of an export that get each kind of noise."""

    name_typo: float = 0.04  # one letter substituted, dropped, doubled, or two letters swapped
    name_variant: float = 0.18  # legal form written otherwise, dropped or moved, "&"/"et", upper case…
    siret_missing: float = 0.05  # identifier cell empty
    siret_bad_checksum: float = 0.02  # a digit wrong: the Luhn key no longer matches
    siret_spreadsheet: float = 0.03  # "4,12346E+13" in CSV, a number (leading zero lost) in a spreadsheet
    siret_spaced: float = 0.06  # "412 345 678 00012": valid, only formatted
    old_address: float = 0.03  # the company moved: former commune, street and SIRET
    other_email: float = 0.10  # another contact's address, or a webmail one
    phone_format: float = 0.25  # a different way of writing the same number
    website_variant: float = 0.30  # with or without www., http(s)://, trailing slash, upper case
    city_abbreviation: float = 0.10  # "St-Étienne", "LYON 03", "Clermont-Fd", "SAINT ETIENNE"
    postcode_missing: float = 0.02  # postcode cell empty
    duplicate_rows: int = 1  # rows entered twice within one export

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


# Kinds whose counts are exclusive: one identifier cell can only be broken one way.
SIRET_KINDS = ("siret_missing", "siret_bad_checksum", "siret_spreadsheet", "siret_spaced")
ROW_KINDS = (
    "name_typo",
    "name_variant",
    *SIRET_KINDS,
    "old_address",
    "other_email",
    "phone_format",
    "website_variant",
    "city_abbreviation",
    "postcode_missing",
)


def assign_indices(
    rates: NoiseRates,
    size: int,
    rng: random.Random,
    eligible: Mapping[str, Sequence[int]] | None = None,
) -> dict[str, list[int]]:
    """For each noise kind, the records (indices below ``size``) that get it: exactly round(rate × size).

    ``eligible`` restricts a kind to some records (only a company that moved can show an old address); the
    count is then capped by how many are eligible. Identifier problems are exclusive: one cell, one problem.
    """
    eligible = eligible or {}
    chosen: dict[str, list[int]] = {}
    siret_counts = [round(getattr(rates, kind) * size) for kind in SIRET_KINDS]
    drawn = rng.sample(range(size), min(size, sum(siret_counts)))
    start = 0
    for kind, count in zip(SIRET_KINDS, siret_counts, strict=True):
        chosen[kind] = drawn[start : start + count]
        start += count
    for kind in ROW_KINDS:
        if kind in SIRET_KINDS:
            continue
        population = eligible.get(kind, range(size))
        chosen[kind] = rng.sample(population, min(round(getattr(rates, kind) * size), len(population)))
    return chosen


def assign(
    rates: NoiseRates,
    size: int,
    rng: random.Random,
    eligible: Mapping[str, Sequence[int]] | None = None,
) -> list[set[str]]:
    """The same draw as ``assign_indices``, as the set of kinds of each record."""
    kinds: list[set[str]] = [set() for _ in range(size)]
    for kind, indices in assign_indices(rates, size, rng, eligible).items():
        for index in indices:
            kinds[index].add(kind)
    return kinds


# --- names -------------------------------------------------------------------------------------------------

_KEYBOARD_NEIGHBOURS = {
    "a": "zqs", "z": "aes", "e": "zrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij", "i": "uok", "o": "ipl",
    "p": "om", "q": "asw", "s": "qdz", "d": "sfe", "f": "dgr", "g": "fht", "h": "gjy", "j": "hku", "k": "jli",
    "l": "kmo", "m": "lp", "w": "xq", "x": "wc", "c": "xv", "v": "cb", "b": "vn", "n": "bm",
}  # fmt: skip
_ABBREVIATIONS = {
    "Informatique": ("Info", "Inform."),
    "Technologies": ("Techno", "Technos", "Tech."),
    "Solutions": ("Sol.", "Solution"),
    "Numérique": ("Num.", "Numerique"),
    "Conseil": ("Cons.", "Conseils"),
    "Développement": ("Dév.", "Dev"),
    "Ingénierie": ("Ing.", "Ingenierie"),
    "Services": ("Serv.", "Service"),
    "Systèmes": ("Syst.", "Systemes"),
    "Télécom": ("Telecom", "Télécoms"),
    "Électronique": ("Electronique", "Électron."),
    "Logiciels": ("Logiciel", "Log."),
    "Groupe": ("Gpe", "Grp"),
    "Laboratoire": ("Labo", "Lab."),
}


def typo(text: str, rng: random.Random) -> str:
    """One keyboard slip in a word of at least four letters, never in the first letter."""
    words = text.split(" ")
    candidates = [index for index, word in enumerate(words) if sum(ch.isalpha() for ch in word) >= 4]
    if not candidates:
        return text + text[-1]
    index = rng.choice(candidates)
    word = words[index]
    position = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("substitute", "drop", "double", "swap"))
    if kind == "swap" and word[position] != word[position + 1]:
        word = word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    elif kind == "drop":
        word = word[:position] + word[position + 1 :]
    elif kind == "substitute" and word[position].lower() in _KEYBOARD_NEIGHBOURS:
        replacement = rng.choice(_KEYBOARD_NEIGHBOURS[word[position].lower()])
        word = word[:position] + replacement + word[position + 1 :]
    else:
        word = word[:position] + word[position] + word[position:]
    words[index] = word
    return " ".join(words)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_variant(base: str, legal_form: str, rng: random.Random) -> str:
    """The name with its legal form written as another person in another office would write it."""
    form = LEGAL_FORM_BY_SHORT[legal_form]
    choices = ["form_variant", "form_dropped", "form_first", "societe", "upper", "no_accents"]
    if "&" in base or " et " in base:
        choices += ["ampersand"] * 3
    if any(word in _ABBREVIATIONS for word in base.split()):
        choices += ["abbreviation"] * 3
    choice = rng.choice(choices)
    if choice == "form_variant":
        return f"{base} {rng.choice(form.variants)}"
    if choice == "form_dropped":
        return base
    if choice == "form_first":
        return f"{legal_form} {base}"
    if choice == "societe":
        return f"Société {base}"
    if choice == "upper":
        return f"{base} {legal_form}".upper()
    if choice == "no_accents":
        return (
            strip_accents(f"{base} {legal_form}") if strip_accents(base) != base else f"{base} {legal_form}."
        )
    if choice == "ampersand":
        swapped = base.replace(" & ", " et ") if "&" in base else base.replace(" et ", " & ")
        return f"{swapped} {legal_form}"
    words = [rng.choice(_ABBREVIATIONS[word]) if word in _ABBREVIATIONS else word for word in base.split()]
    return f"{' '.join(words)} {legal_form}"


# --- identifiers -------------------------------------------------------------------------------------------


def spreadsheet_scientific(number: str) -> str:
    """How French Excel shows a 14-digit number in a General cell, then saves it as CSV: "4,12346E+13"."""
    mantissa, exponent = f"{int(number):.5E}".split("E")
    return f"{mantissa.replace('.', ',')}E+{int(exponent)}"


def spaced_identifier(number: str) -> str:
    """SIREN in groups of three, NIC apart: "412 345 678 00012"."""
    groups = f"{number[:3]} {number[3:6]} {number[6:9]}"
    return f"{groups} {number[9:]}" if len(number) > 9 else groups


def bad_checksum(number: str, rng: random.Random) -> str:
    """One digit (not the first) changed: it still looks right, but Luhn catches every single-digit change."""
    position = rng.randrange(1, len(number))
    digit = int(number[position])
    return number[:position] + str((digit + rng.randint(1, 9)) % 10) + number[position + 1 :]


# --- contact details ---------------------------------------------------------------------------------------

PHONE_STYLES = ("spaced", "dotted", "compact", "international", "international_zero", "dashed", "lost_zero")


def format_phone(digits: str, style: str) -> str:
    """``digits`` is the ten-digit national number ("0477123456")."""
    pairs = [digits[i : i + 2] for i in range(0, 10, 2)]
    if style == "spaced":
        return " ".join(pairs)
    if style == "dotted":
        return ".".join(pairs)
    if style == "dashed":
        return "-".join(pairs)
    if style == "compact":
        return digits
    if style == "international":
        return "+33 " + digits[1] + " " + " ".join(pairs[1:])
    if style == "international_zero":
        return "+33 (0)" + digits[1] + " " + " ".join(pairs[1:])
    if style == "lost_zero":  # a phone column typed as a number
        return digits[1:]
    raise ValueError(style)


def other_phone_style(current: str, rng: random.Random) -> str:
    return rng.choice([style for style in PHONE_STYLES if style != current])


def website_variant(url: str, rng: random.Random) -> str:
    host = url.split("://", 1)[-1].rstrip("/")
    bare = host.removeprefix("www.")
    variants = [
        bare,
        f"www.{bare}",
        f"http://www.{bare}",
        f"http://{bare}",
        f"https://www.{bare}/",
        f"https://{bare}",
        f"WWW.{bare.upper()}",
    ]
    return rng.choice([variant for variant in variants if variant != url])


# --- places ------------------------------------------------------------------------------------------------

_ARRONDISSEMENT_CITIES = {"Lyon": "69", "Paris": "75", "Marseille": "13"}
_CITY_SHORT_FORMS = {
    "Clermont-Ferrand": ("Clermont-Fd", "Clermont Fd", "CLERMONT FD", "Clermont"),
    "Saint-Étienne": ("St-Étienne", "St Etienne", "ST ETIENNE", "St-Etienne", "SAINT ETIENNE"),
    "Grenoble": ("GRENOBLE CEDEX", "Grenoble Cedex 1"),
    "Valence": ("VALENCE", "Valence Cedex"),
    "Villeurbanne": ("VILLEURBANNE CEDEX", "Villeurbane"),
    "Le Puy-en-Velay": ("Le Puy", "LE PUY EN VELAY", "Puy-en-Velay"),
    "Roanne": ("ROANNE CEDEX",),
}


def city_variant(city: str, postcode: str, rng: random.Random) -> str:
    """How the city is typed when no list of communes is at hand."""
    if city in _ARRONDISSEMENT_CITIES and postcode.startswith(_ARRONDISSEMENT_CITIES[city]):
        number = int(postcode[-2:]) if postcode[-3:] != "116" else 16
        return rng.choice(
            (f"{city.upper()} {number:02d}", f"{city} {number}ème", f"{city} {number}e", f"{city.upper()}")
        )
    if city in _CITY_SHORT_FORMS:
        return rng.choice(_CITY_SHORT_FORMS[city])
    short = re.sub(r"^Saint-", "St-", city)
    short = re.sub(r"^Sainte-", "Ste-", short)
    short = re.sub(r"-(Saint|Sainte)-", lambda match: "-St-" if match[1] == "Saint" else "-Ste-", short)
    if short != city and rng.random() < 0.7:
        return short
    folded = strip_accents(city).upper().replace("-", " ").replace("'", " ")
    return folded if folded != city else f"{city} Cedex"
