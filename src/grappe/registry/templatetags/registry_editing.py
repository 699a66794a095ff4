"""``{% can_edit_registry user as can_edit %}``: whether a page shows its edit links (the views check again)."""

from __future__ import annotations

from typing import Any

from django import template

from grappe.registry import selectors

register = template.Library()


@register.simple_tag
def can_edit_registry(user: Any) -> bool:
    return selectors.can_edit_registry(user)
