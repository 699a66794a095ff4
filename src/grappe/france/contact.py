"""E-mail addresses, phone numbers and websites, as registries write them.

Nothing here touches the network: e-mail deliverability is not checked (that would need DNS), and websites
are not fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from urllib.parse import urlsplit, urlunsplit

import idna
import phonenumbers
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import DOT_ATOM_TEXT  # the library's own rule for a plain local part

from .mailboxes import WEBMAIL_DOMAINS
from .placeholders import is_placeholder_domain, is_placeholder_email, is_placeholder_phone
from .problems import REMEMBERED_CELLS, Checked, _, empty, noted, refused, remembered
from .text import clean_text

_SHOWN_MAX = 60


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 1] + "…"


# --------------------------------------------------------------------------------------------------------
# E-mail

_NAMED_ADDRESS = re.compile(r"^[^<>]*<([^<>]+)>$")  # "Jean Dupont <jean@exemple.fr>"
_LIST_SEPARATORS = re.compile(r"[;,/\s]+")


def check_email(raw: str | None) -> Checked[str]:
    """An e-mail address, returned lower-cased (mailboxes are case-insensitive in practice)."""
    text = clean_text(raw)
    if not text:
        return empty()
    named = _NAMED_ADDRESS.match(text)
    address = named[1].strip() if named else text
    address = re.sub(r"^mailto:", "", address, flags=re.IGNORECASE)
    if sum("@" in part for part in _LIST_SEPARATORS.split(address)) > 1:
        return refused(
            "email.several",
            _(
                "« %(value)s » contient plusieurs adresses e-mail : une seule adresse par cellule est attendue."
            ),
            value=_shown(text),
        )
    if "@" not in address:
        return refused(
            "email.format",
            _("Adresse e-mail « %(value)s » invalide : une adresse de la forme nom@domaine.fr est attendue."),
            value=_shown(text),
        )
    normalized = _fast_email(address)
    if normalized is None:
        try:
            normalized = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError:
            normalized = None
    if normalized is None:
        return refused(
            "email.invalid",
            _(
                "Adresse e-mail « %(value)s » invalide : vérifiez les caractères avant et après le @ et le "
                "nom de domaine (par exemple contact@exemple.fr)."
            ),
            value=_shown(text),
        )
    normalized = normalized.lower()
    if is_placeholder_email(normalized):
        return refused(
            "email.placeholder",
            _(
                "« %(value)s » tient lieu d'adresse e-mail (valeur de remplissage) : ce n'est l'adresse d'aucune "
                "organisation ni personne, elle n'est pas enregistrée."
            ),
            value=_shown(text),
        )
    return Checked(normalized)


_ASCII_DOMAIN = re.compile(r"[A-Za-z0-9.-]+")
_ADDRESS_MAX = 254  # RFC 5321's limit on a whole address, which email-validator applies


def _fast_email(address: str) -> str | None:
    """``validate_email(address).normalized`` for the common address, or None to ask email-validator.

    Almost every address is a plain ASCII name (a dot-atom: email-validator keeps it as it is) at an ASCII
    domain, and the domains repeat: the domain is checked once by email-validator itself (remembered),
    the name by email-validator's own pattern. Anything else (quotes, accents, long addresses, an invalid
    domain, whose message email-validator gives) goes to email-validator whole.
    """
    local, at, domain = address.partition("@")
    if not at or len(address) > _ADDRESS_MAX or not DOT_ATOM_TEXT.match(local):
        return None
    if not _ASCII_DOMAIN.fullmatch(domain):
        return None
    checked_domain = _email_domain(domain)
    return None if checked_domain is None else f"{local}@{checked_domain}"


@lru_cache(maxsize=REMEMBERED_CELLS)
def _email_domain(domain: str) -> str | None:
    """The normalised form of an ASCII e-mail domain, by email-validator; None when it refuses it."""
    try:
        return validate_email(f"a@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None


def email_domain(address: str) -> str | None:
    """The domain of an e-mail address, lower-cased, or None if there is none."""
    _local, at, domain = clean_text(address).rpartition("@")
    return domain.lower().rstrip(".") or None if at else None


def is_webmail(address_or_domain: str) -> bool:
    """True for an address or domain at a personal mailbox provider (gmail.com, orange.fr…)."""
    domain = email_domain(address_or_domain) if "@" in address_or_domain else address_or_domain
    return (domain or "").lower().removeprefix("www.") in WEBMAIL_DOMAINS


# --------------------------------------------------------------------------------------------------------
# Phone

# Overseas départements have their own country codes in the numbering plan: try them when a national
# number is not a valid metropolitan one ("0262 …" is Réunion).
_OVERSEAS_REGIONS = ("RE", "GP", "MQ", "GF", "YT", "PM", "BL", "MF", "NC", "PF", "WF")
_EXTENSION = re.compile(r"\s*(?:poste|ext\.?|p\.)\s*\d+$", re.IGNORECASE)
_PREFIX_ZERO = re.compile(r"^\+33\s*\(0\)\s*")
_PHONE_LIST = re.compile(r"[;,/]|\s(?:et|ou)\s", re.IGNORECASE)
_PHONE_SEPARATORS = re.compile(r"[\s.\-/()]")
_NOT_DIGIT = re.compile(r"\D")
_DIGITS = re.compile(r"\+?\d+")


def _phone_digits(text: str) -> str:
    text = _EXTENSION.sub("", text)
    text = _PREFIX_ZERO.sub("+33", text)  # "+33 (0)4 77 …": the (0) must not be dialled
    return _PHONE_SEPARATORS.sub("", text)


def _parse_phone(digits: str) -> phonenumbers.PhoneNumber | None:
    """A French number (metropolitan or overseas), or any number written with its country code."""
    if digits.isdigit() and len(digits) == 9 and digits[0] != "0":
        digits = "0" + digits  # a spreadsheet read "04 77 …" as the number 477…
    # Most numbers in a French file: "0" then nine digits, or "+33" then nine digits, is the number +33 and
    # those nine digits, which is what phonenumbers.parse(digits, "FR") gives, without its general parser (two
    # thirds of the cost). Only its validity is asked of the numbering plan; an invalid one takes the general
    # path below (the overseas plans for a national number).
    national = (
        digits[1:]
        if len(digits) == 10 and digits[0] == "0"
        else digits[3:]
        if len(digits) == 12 and digits.startswith("+33")
        else ""
    )
    plain = national and national[0] != "0" and national.isascii() and national.isdigit()
    if plain and _valid_french(national):
        return phonenumbers.PhoneNumber(country_code=33, national_number=int(national))
    regions = ("FR",) if _is_international(digits) else ("FR", *_OVERSEAS_REGIONS)
    for region in regions:
        try:
            number = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return number
    return None


# The number types phonenumbers tries, in its order (``_number_type_helper``): a number is valid when the
# general pattern and one of them match it.
_NUMBER_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
)


@cache
def _french_plan() -> tuple[frozenset[int], re.Pattern[str], frozenset[int], re.Pattern[str]] | None:
    """France's numbering plan from phonenumbers' own metadata, compiled once: the general description's
    lengths and pattern, then the number types' (their patterns as one alternation: a number matches it when
    it matches one of them). None when +33 is not France's alone, or the types' lengths differ: phonenumbers
    then decides."""
    if tuple(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(33, ())) != ("FR",):
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("FR")
    if metadata is None or metadata.country_code != 33:
        return None
    general = metadata.general_desc
    if general is None or not general.national_number_pattern:
        return None
    names = _NUMBER_TYPES if metadata.same_mobile_and_fixed_line_pattern else (*_NUMBER_TYPES, "mobile")
    # A type without a pattern never matches (phonenumbers' ``_match_national_number``).
    types = [
        desc for desc in (getattr(metadata, name) for name in names) if desc and desc.national_number_pattern
    ]
    lengths = {frozenset(desc.possible_length) for desc in types}
    if len(lengths) != 1:
        return None
    return (
        frozenset(general.possible_length),
        re.compile(general.national_number_pattern),
        lengths.pop(),
        re.compile("|".join(f"(?:{desc.national_number_pattern})" for desc in types)),
    )


def _valid_french(national: str) -> bool:
    """``phonenumbers.is_valid_number`` for +33 and ``national`` (ASCII digits, no leading zero), without its
    layers of calls and its pattern lookups per number type (tests/france/test_contact.py holds the two
    equal)."""
    plan = _french_plan()
    if plan is None:
        number = phonenumbers.PhoneNumber(country_code=33, national_number=int(national))
        return bool(phonenumbers.is_valid_number(number))
    general_lengths, general, type_lengths, any_type = plan
    size = len(national)
    if general_lengths and size not in general_lengths:
        return False
    if not general.fullmatch(national):
        return False
    if type_lengths and size not in type_lengths:
        return False
    return any_type.fullmatch(national) is not None


def _is_international(digits: str) -> bool:
    return digits.startswith(("+", "00"))


def check_phone(raw: str | None, region: str | None = "FR") -> Checked[str]:
    """A phone number in E.164 form, read by the rules of ``region`` (ISO alpha-2; France by default).

    "04 77 12 34 56" → "+33477123456"; with ``region="US"``, "(773) 251-1196" → "+17732511196". A number
    written with its country code ("+41 22 …", "0041 22 …") is read whatever the region. A local number
    without its area code (a US "386-5286") cannot become E.164: it is kept as its digits ("3865286"), with a
    note, and is read with the row's country by whoever uses it. ``region=None`` (the country is unknown):
    only numbers written with their country code are read. A number that stands for none (« 01 23 45 67
    89 », ``grappe.france.placeholders``) is refused.
    """
    checked = _read_phone(raw, region)
    if checked.value is not None and is_placeholder_phone(checked.value):
        return refused(
            "phone.placeholder",
            _(
                "« %(value)s » tient lieu de numéro de téléphone (valeur de remplissage) : ce n'est le numéro "
                "d'aucune organisation ni personne, il n'est pas enregistré."
            ),
            value=_shown(clean_text(raw)),
        )
    return checked


def _read_phone(raw: str | None, region: str | None) -> Checked[str]:
    text = clean_text(raw)
    if not text:
        return empty()
    if sum(len(_NOT_DIGIT.sub("", part)) >= 9 for part in _PHONE_LIST.split(text)) > 1:
        return refused(
            "phone.several",
            _(
                "« %(value)s » contient plusieurs numéros de téléphone : un seul numéro par cellule est attendu."
            ),
            value=_shown(text),
        )
    digits = _phone_digits(text)
    if not _DIGITS.fullmatch(digits):
        return refused(
            "phone.format",
            _(
                "Numéro de téléphone « %(value)s » illisible : un seul numéro est attendu, en chiffres "
                "(par exemple 04 77 12 34 56 ou +33 4 77 12 34 56)."
            ),
            value=_shown(text),
        )
    if region == "FR" or _is_international(digits):
        number = _parse_phone(digits)
    elif region is None:
        return refused(
            "phone.no_country",
            _(
                "Numéro de téléphone « %(value)s » non lu : le pays de la ligne est inconnu, l'indicatif du "
                "pays est donc attendu (+41 …)."
            ),
            value=_shown(text),
        )
    else:
        return _foreign_phone(text, digits, region)
    if number is None:
        return refused(
            "phone.invalid",
            _(
                "Numéro de téléphone « %(value)s » invalide : 10 chiffres commençant par 0 attendus pour un "
                "numéro français (04 77 12 34 56), ou l'indicatif du pays pour un numéro étranger (+41 …)."
            ),
            value=_shown(text),
        )
    return Checked(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _foreign_phone(text: str, digits: str, region: str) -> Checked[str]:
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return Checked(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    if (
        number is not None
        and phonenumbers.is_possible_number_with_reason(number)
        == phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY
    ):
        return noted(
            digits,
            "phone.local",
            _(
                "Numéro local « %(value)s » gardé tel quel (%(country)s) : sans indicatif de zone, il ne peut "
                "pas être écrit au format international."
            ),
            value=_shown(text),
            country=region,
        )
    return refused(
        "phone.invalid_for_country",
        _(
            "Numéro de téléphone « %(value)s » invalide pour le pays %(country)s : un numéro de ce pays, ou "
            "l'indicatif d'un autre pays (+33 …), est attendu."
        ),
        value=_shown(text),
        country=region,
    )


# --------------------------------------------------------------------------------------------------------
# Website


@dataclass(frozen=True)
class Website:
    url: str  # absolute, ASCII host (IDNA), scheme as given or https
    domain: str  # lower case, Unicode, without "www."; compare it with e-mail domains


_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


def _ascii_host(host: str) -> str | None:
    """The IDNA (punycode) form of a host name, or None when it is not a valid public host name."""
    host = host.lower().rstrip(".")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels):
        return None
    return ascii_host if _TLD.match(labels[-1]) else None


def _unicode_domain(ascii_host: str) -> str:
    try:
        host = idna.decode(ascii_host)
    except (idna.IDNAError, UnicodeError):
        host = ascii_host
    return host.removeprefix("www.")


def _split_url(text: str) -> tuple[str, str, str, str, str] | None:
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username:
        return None
    ascii_host = _ascii_host(parts.hostname)
    if ascii_host is None:
        return None
    netloc = f"{ascii_host}:{port}" if port else ascii_host
    return parts.scheme.lower(), netloc, parts.path or "/", parts.query, parts.fragment


@remembered
def check_website(raw: str | None) -> Checked[Website]:
    """A website: "www.exemple.fr" → https://www.exemple.fr/ with domain "exemple.fr"."""
    text = clean_text(raw)
    if not text:
        return empty()
    if " " in text:
        return _website_refused(text)
    if "@" in text and "://" not in text:
        return refused(
            "website.is_email",
            _(
                "« %(value)s » est une adresse e-mail, pas un site web : une adresse comme www.exemple.fr est attendue."
            ),
            value=_shown(text),
        )
    parts = _split_url(text)
    if parts is None:
        return _website_refused(text)
    url = urlunsplit(parts)
    domain = _unicode_domain(parts[1].split(":")[0])
    if is_placeholder_domain(domain.lower()):
        return refused(
            "website.placeholder",
            _(
                "« %(value)s » tient lieu de site web (valeur de remplissage) : ce n'est le site d'aucune "
                "organisation, il n'est pas enregistré."
            ),
            value=_shown(text),
        )
    return Checked(Website(url=url, domain=domain))


def _website_refused(text: str) -> Checked[Website]:
    return refused(
        "website.invalid",
        _(
            "Site web « %(value)s » invalide : une adresse comme www.exemple.fr ou https://exemple.fr/contact "
            "est attendue."
        ),
        value=_shown(text),
    )


def website_domain(url: str | None) -> str | None:
    """The domain of a website address without "www." ("http://WWW.Exemple.fr/x" → "exemple.fr")."""
    checked = check_website(url)
    return checked.value.domain if checked.value else None
