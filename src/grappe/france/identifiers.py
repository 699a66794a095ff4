"""SIREN, SIRET and French VAT numbers: checked, never trusted.

The arithmetic comes from python-stdnum (Luhn keys, the La Poste SIRET exception, the VAT key). What this
module adds is diagnosis: spreadsheets turn long identifiers into numbers ("4,12345E+13", "41234567800012.0")
or drop their leading zero, and the user needs to be told *that*, with the fix (re-export the column as
text), rather than a bare "invalid checksum".
"""

from __future__ import annotations

import re

from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from stdnum.fr import tva as stdnum_tva

from .placeholders import PLACEHOLDER_SIREN
from .problems import Checked, _, empty, refused
from .text import clean_text

# Separators people type inside identifiers: spaces of every kind, dots, dashes, slashes.
_SEPARATORS = re.compile(r"[\s.\-/\u00a0\u202f\u2009]+")
# What a spreadsheet shows for a long number in a numeric cell: "4,12345E+13", "4.12345e13".
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
# What a float conversion leaves behind: "41234567800012.0", "732829320,00".
_FLOAT_TAIL = re.compile(r"^\d+[.,]0+$")
_SHOWN_MAX = 40  # raw values are echoed in messages; a whole pasted paragraph would drown the message


def _shown(raw: str) -> str:
    return raw if len(raw) <= _SHOWN_MAX else raw[: _SHOWN_MAX - 1] + "…"


def _compact(raw: str) -> str:
    return _SEPARATORS.sub("", raw)


def is_spreadsheet_mangled(raw: str | None) -> bool:
    """True when a spreadsheet turned an identifier into a number: scientific notation or a ".0" tail."""
    text = clean_text(raw).replace(" ", "")
    return bool(_SCIENTIFIC.match(text) or _FLOAT_TAIL.match(text))


def complete_siren(eight_digits: str) -> str:
    """Append the Luhn key to eight digits, giving a valid SIREN (used by generators and tests)."""
    if not (len(eight_digits) == 8 and eight_digits.isascii() and eight_digits.isdigit()):
        raise ValueError(f"complete_siren expects 8 digits, got {eight_digits!r}")
    return eight_digits + luhn.calc_check_digit(eight_digits)


def complete_siret(thirteen_digits: str) -> str:
    """Append the Luhn key to a SIREN and a 4-digit establishment number, giving a valid SIRET."""
    if not (len(thirteen_digits) == 13 and thirteen_digits.isascii() and thirteen_digits.isdigit()):
        raise ValueError(f"complete_siret expects 13 digits, got {thirteen_digits!r}")
    return thirteen_digits + luhn.calc_check_digit(thirteen_digits)


def siren_of_siret(siret: str) -> str:
    """The SIREN (first nine digits) of a SIRET, separators ignored."""
    return _compact(siret)[:9]


def vat_of_siren(siren: str) -> str:
    """The French intra-community VAT number of a SIREN: "FR", a two-digit key, the SIREN."""
    digits = _compact(siren)
    key = (12 + 3 * (int(digits) % 97)) % 97
    return f"FR{key:02d}{digits}"


def _mangled(code_prefix: str, label: str, raw: str) -> Checked[str]:
    return refused(
        f"{code_prefix}.spreadsheet_mangled",
        _(
            "%(kind)s « %(value)s » illisible : le tableur l'a converti en nombre et a pu perdre des "
            "chiffres. Réexportez la colonne au format texte."
        ),
        kind=label,
        value=_shown(raw),
    )


def check_siren(raw: str | None) -> Checked[str]:
    """A SIREN: nine digits with a Luhn key. Spaces, dots, dashes and NBSP are ignored."""
    text = clean_text(raw)
    if not text:
        return empty()
    if is_spreadsheet_mangled(text):
        return _mangled("siren", "SIREN", text)
    digits = _compact(text)
    if not (digits.isascii() and digits.isdigit()):
        return refused(
            "siren.format",
            _("SIREN « %(value)s » invalide : 9 chiffres attendus, sans lettres."),
            value=_shown(text),
        )
    if len(digits) == 8 and stdnum_siren.is_valid("0" + digits):
        return refused(
            "siren.leading_zero_lost",
            _(
                "SIREN « %(value)s » incomplet : 8 chiffres au lieu de 9, le zéro initial a sans doute été "
                "perdu par le tableur (probablement « %(suggestion)s »). Réexportez la colonne au "
                "format texte."
            ),
            value=_shown(text),
            suggestion="0" + digits,
        )
    if len(digits) == 14 and stdnum_siret.is_valid(digits):
        return refused(
            "siren.siret_given",
            _(
                "« %(value)s » est un SIRET (14 chiffres), pas un SIREN : le SIREN en est les 9 premiers "
                "chiffres, « %(suggestion)s »."
            ),
            value=_shown(text),
            suggestion=digits[:9],
        )
    if len(digits) != 9:
        return refused(
            "siren.length",
            _("SIREN « %(value)s » invalide : %(count)s chiffres au lieu des 9 attendus."),
            value=_shown(text),
            count=len(digits),
        )
    if digits == PLACEHOLDER_SIREN:
        return _placeholder_identifier("siren", "SIREN", text)
    if not stdnum_siren.is_valid(digits):
        return refused(
            "siren.checksum",
            _(
                "SIREN « %(value)s » invalide : la clé de contrôle ne correspond pas (9 chiffres attendus, "
                "clé de Luhn). Vérifiez qu'aucun chiffre n'a été mal recopié."
            ),
            value=_shown(text),
        )
    return Checked(digits)


def check_siret(raw: str | None) -> Checked[str]:
    """A SIRET: SIREN + 4-digit establishment number + Luhn key (La Poste's establishments excepted)."""
    text = clean_text(raw)
    if not text:
        return empty()
    if is_spreadsheet_mangled(text):
        return _mangled("siret", "SIRET", text)
    digits = _compact(text)
    if not (digits.isascii() and digits.isdigit()):
        return refused(
            "siret.format",
            _("SIRET « %(value)s » invalide : 14 chiffres attendus, sans lettres."),
            value=_shown(text),
        )
    if len(digits) == 13 and stdnum_siret.is_valid("0" + digits):
        return refused(
            "siret.leading_zero_lost",
            _(
                "SIRET « %(value)s » incomplet : 13 chiffres au lieu de 14, le zéro initial a sans doute été "
                "perdu par le tableur (probablement « %(suggestion)s »). Réexportez la colonne au "
                "format texte."
            ),
            value=_shown(text),
            suggestion="0" + digits,
        )
    if len(digits) == 9 and stdnum_siren.is_valid(digits):
        return refused(
            "siret.siren_given",
            _(
                "« %(value)s » est un SIREN (9 chiffres), pas un SIRET : un SIRET ajoute au SIREN les "
                "5 chiffres de l'établissement (14 chiffres attendus)."
            ),
            value=_shown(text),
        )
    if len(digits) != 14:
        return refused(
            "siret.length",
            _("SIRET « %(value)s » invalide : %(count)s chiffres au lieu des 14 attendus."),
            value=_shown(text),
            count=len(digits),
        )
    if digits.startswith(PLACEHOLDER_SIREN):
        return _placeholder_identifier("siret", "SIRET", text)
    if not stdnum_siret.is_valid(digits):
        return refused(
            "siret.checksum",
            _(
                "SIRET « %(value)s » invalide : la clé de contrôle ne correspond pas (14 chiffres attendus, "
                "clé de Luhn). Vérifiez qu'aucun chiffre n'a été mal recopié."
            ),
            value=_shown(text),
        )
    return Checked(digits)


def _placeholder_identifier(kind: str, label: str, text: str) -> Checked[str]:
    """The zeros of an unknown SIREN: their key is right, but no company has them (``grappe.france.
    placeholders``); kept, they would make every such row one company."""
    return refused(
        f"{kind}.placeholder",
        _(
            "%(label)s « %(value)s » : aucune entreprise n'a ce numéro, il tient lieu de numéro inconnu ; il "
            "n'est pas enregistré."
        ),
        label=label,
        value=_shown(text),
    )


def check_vat(raw: str | None) -> Checked[str]:
    """A French VAT number ("FR" + 2-character key + SIREN), returned compact and upper case."""
    text = clean_text(raw)
    if not text:
        return empty()
    if is_spreadsheet_mangled(text):
        return _mangled("vat", "Numéro de TVA", text)
    compact = _compact(text).upper()
    if compact.isascii() and compact.isdigit() and len(compact) == 9 and stdnum_siren.is_valid(compact):
        return refused(
            "vat.siren_given",
            _(
                "« %(value)s » est un SIREN, pas un numéro de TVA : le numéro de TVA attendu commence par FR "
                "(ici probablement « %(suggestion)s »)."
            ),
            value=_shown(text),
            suggestion=vat_of_siren(compact),
        )
    if len(compact) >= 2 and compact[:2].isalpha() and compact[:2] != "FR":
        return refused(
            "vat.country",
            _("Numéro de TVA « %(value)s » non français : un numéro commençant par FR est attendu."),
            value=_shown(text),
        )
    if not compact.startswith("FR"):
        compact = "FR" + compact  # people often drop the country prefix; the key still has to check out
    try:
        number = stdnum_tva.validate(compact)
    except InvalidChecksum:
        return refused(
            "vat.checksum",
            _(
                "Numéro de TVA « %(value)s » invalide : la clé (2 caractères après FR) ne correspond pas au "
                "SIREN qui suit, ou ce SIREN est lui-même invalide."
            ),
            value=_shown(text),
        )
    except ValidationError:
        return refused(
            "vat.format",
            _(
                "Numéro de TVA « %(value)s » invalide : FR suivi de 2 caractères de clé et des 9 chiffres du "
                "SIREN attendu (13 caractères)."
            ),
            value=_shown(text),
        )
    return Checked("FR" + number)
