"""Euro amounts, written the French way ("1 200,50 €") or the English way ("1,200.50").

A single separator followed by exactly three digits ("1.200", "1,200") reads as a thousand in one
convention and as a decimal in the other: such a value is refused rather than guessed, since an amount
wrong by a factor of a thousand would go unnoticed on an invoice.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .problems import Checked, _, empty, refused, remembered
from .text import clean_text

_EURO = re.compile(r"(?:€|\beur(?:os?)?\b)", re.IGNORECASE)
_OTHER_CURRENCY = re.compile(r"[$£¥₣]|\b(?:usd|gbp|chf|cad|jpy)\b", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")  # thousands groups: spaces of every kind, Swiss apostrophe
_PLAIN = re.compile(r"^\d+$")
_DECIMAL_ONLY = re.compile(r"^\d+[.,](\d+)$")
_GROUPED_FRENCH = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$")  # "1.200,50"
_GROUPED_ENGLISH = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")  # "1,200.50"
_GROUPED_SPACES = re.compile(r"^\d{1,3}(?:[\s\u00a0\u202f\u2009']\d{3})+(?:[.,]\d+)?$")


def _number_text(text: str) -> str | None:
    """The amount as "1234.56", or None when the separators cannot be read unambiguously."""
    if _GROUPED_SPACES.match(text):
        text = _SPACES.sub("", text)
    elif _SPACES.search(text):
        return None
    if _PLAIN.match(text):
        return text
    if _GROUPED_FRENCH.match(text):
        return text.replace(".", "").replace(",", ".")
    if _GROUPED_ENGLISH.match(text):
        return text.replace(",", "")
    if _DECIMAL_ONLY.match(text):
        return text.replace(",", ".")
    return None


def _is_ambiguous(text: str) -> bool:
    return bool(re.fullmatch(r"\d{1,3}[.,]\d{3}", text))


@remembered
def check_amount(raw: str | None) -> Checked[Decimal]:
    """A non-negative amount in euros, as a Decimal keeping the decimals written ("1 200,00 €" → 1200.00)."""
    text = clean_text(raw)
    if not text:
        return empty()
    if _OTHER_CURRENCY.search(text):
        return refused(
            "amount.currency",
            _("Montant « %(value)s » dans une autre devise : un montant en euros est attendu."),
            value=text[:40],
        )
    body = _EURO.sub("", text).strip()
    body = re.sub(r"^\+\s*", "", body)
    if body.startswith(("-", "−", "(")) and re.search(r"\d", body):
        return refused(
            "amount.negative",
            _("Montant « %(value)s » négatif : un montant positif ou nul est attendu."),
            value=text[:40],
        )
    if _is_ambiguous(body):
        return refused(
            "amount.ambiguous",
            _(
                "Montant « %(value)s » ambigu : mille ou un virgule deux ? Écrivez-le sans séparateur de "
                "milliers (1200) ou avec deux décimales (1,20)."
            ),
            value=text[:40],
        )
    number = _number_text(body)
    try:
        amount = Decimal(number) if number is not None else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        return refused(
            "amount.format",
            _("Montant « %(value)s » illisible : un montant comme 1 200,50 € ou 150 est attendu."),
            value=text[:40],
        )
    return Checked(amount)


def format_amount(value: Decimal) -> str:
    """French form with a narrow no-break space between thousands and a decimal comma: "1 200,50 €"."""
    whole, _dot, decimals = f"{abs(value):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u202f")
    text = f"{grouped},{decimals}" if decimals else grouped
    return f"{'-' if value < 0 else ''}{text}\u00a0€"
