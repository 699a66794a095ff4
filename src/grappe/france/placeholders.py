"""Values that stand for none: what an export writes in a cell it must not leave empty.

« nc@nc.fr », « none@none.com », « www.pasdesite.fr », an address at example.com, the SIREN « 000 000 000 »,
the phone « 01 23 45 67 89 » or « 06 00 00 00 00 »: kept, each would be one organisation's details for every
row that has none, so that the import took every row with the SIREN 000 000 000 for one company and two
contacts of one company sharing « nc@nc.fr » for one person, and the linkage took two companies sharing one
for the same. The import refuses them as values (its report says so, and the row keeps the cell as written);
the linkage engine, which also reads records nobody imported, drops them with the same rules written in SQL
(``grappe.linkage.normalise``), held to these by ``tests/france/test_placeholders.py``.
"""

from __future__ import annotations

from .text import fold

# Domains exports write for « no address » or « no site », and the domains reserved for examples.
PLACEHOLDER_DOMAINS = frozenset(
    {
        "example.com", "example.net", "example.org", "example.fr",
        "test.com", "test.fr", "domain.com", "domaine.com", "domaine.fr", "email.fr", "mail.fr",
        "none.com", "none.fr", "noemail.com", "noemail.fr", "nomail.com", "nomail.fr", "no-email.com",
        "no-mail.com", "pasdemail.fr", "pasdemail.com", "pas-de-mail.fr", "pasdesite.fr", "pas-de-site.fr",
        "aucun.fr", "aucun.com", "aucune.fr", "inconnu.fr", "inconnu.com", "nc.fr", "nc.com", "na.fr",
        "nd.fr", "neant.fr", "vide.fr",
    }
)  # fmt: skip
# Top-level domains reserved for tests and examples (RFC 2606, RFC 6761) or for a local network.
RESERVED_TOP_LEVEL_DOMAINS = frozenset({"example", "test", "invalid", "localhost", "local"})
# Company names that say the name is unknown, written without accents, spaces or punctuation (« N/C »,
# « A compléter », « Non renseigné »).
PLACEHOLDER_NAMES = frozenset(
    {
        "nc", "nd", "nr", "na", "inconnu", "inconnue", "acompleter", "nonrenseigne",
        "nonrenseignee", "noncommunique", "noncommuniquee", "nondefini", "neant", "aucun", "aucune", "none",
        "null", "sansnom", "nominconnu", "raisonsociale", "xx", "xxx", "xxxx", "xxxxx", "zz", "zzz",
    }
)  # fmt: skip
# The one SIREN whose Luhn key is right and that INSEE never gives: the zeros of « unknown ».
PLACEHOLDER_SIREN = "000000000"


_KEY_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def name_key(name: str) -> str:
    """``name`` folded (lower case, no accents) with only its Latin letters and digits."""
    return "".join(char for char in fold(name) if char in _KEY_CHARACTERS)


def is_placeholder_name(name: str) -> bool:
    """``name`` says the company's name is unknown (``PLACEHOLDER_NAMES``: « NC », « A compléter », « xxx »).
    Other repeated letters are names (« AAA », chosen to come first in a directory)."""
    return name_key(name) in PLACEHOLDER_NAMES


def is_placeholder_domain(domain: str) -> bool:
    """``domain`` (lower case, without « www. ») stands for no domain: a listed placeholder, a reserved
    top-level domain, or a name of one repeated character (« x.fr », « xxx.com »)."""
    label = domain.split(".", 1)[0]
    return (
        domain in PLACEHOLDER_DOMAINS
        or domain.rsplit(".", 1)[-1] in RESERVED_TOP_LEVEL_DOMAINS
        or not label.replace(label[:1], "")
    )


def is_placeholder_email(address: str) -> bool:
    """``address`` (lower case) stands for none: at a placeholder domain, or its mailbox named as the domain
    itself (« nc@nc.fr », « aucun@aucun.com »), which no organisation's address is."""
    local, _at, domain = address.rpartition("@")
    return is_placeholder_domain(domain) or local == domain.split(".", 1)[0]


def is_placeholder_phone(number: str) -> bool:
    """``number`` (E.164, or digits as written) stands for none: its last eight digits one repeated digit
    (« 06 00 00 00 00 », « 09 99 99 99 99 »), or a French number that is the digits in order (« 01 23 45 67
    89 ») or one pair of digits five times (« 06 06 06 06 06 »)."""
    digits = "".join(char for char in number if char.isdigit())
    national = "0" + digits[2:] if len(digits) == 11 and digits.startswith("33") else digits
    return (
        (len(digits) >= 8 and len(set(digits[-8:])) == 1)
        or national == "0123456789"
        or (len(national) == 10 and national.startswith("0") and national == national[:2] * 5)
    )
