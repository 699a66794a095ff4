"""Presentation helpers of the merger pages: the permission test for the menu, percentages, signed weights,
audit details."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from grappe.core import access
from grappe.mergers import labels, selectors

register = template.Library()


@register.simple_tag
def can_manage_mergers(user: Any) -> bool:
    """Whether the menu shows "Fusions"."""
    return access.offered_in_menu(user, selectors.can_manage_mergers, "mergers.manage_merger")


@register.filter
def percent(probability: float | None, digits: int = 0) -> str:
    """0.8734 → "87 %" (French spacing; the locale gives the decimal comma)."""
    if probability is None:
        return "—"
    return f"{number_format(float(probability) * 100, decimal_pos=digits)}\u00a0%"


@register.filter
def signed(value: float | int | None, digits: int = 1) -> str:
    """A weight or a difference with its sign: "+3,2", "−1,5", "0"."""
    if value is None:
        return "—"
    number = float(value)
    if round(number, digits) == 0:
        return "0"
    text = number_format(abs(number), decimal_pos=digits if isinstance(value, float) else 0)
    return f"+{text}" if number > 0 else f"\u2212{text}"


@register.filter
def audit_details(details: Any) -> list[tuple[str, str]]:
    """An audit entry's details as (label, text) pairs: « Paire : Web Roanne Studio ↔ Web Roanne »."""
    return labels.audit_details(details)
