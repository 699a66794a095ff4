"""The menu's test for « Imports »."""

from __future__ import annotations

from typing import Any

from django import template

from grappe.core import access
from grappe.intake import selectors

register = template.Library()


@register.simple_tag
def can_import(user: Any) -> bool:
    """Whether the menu shows « Imports »: only to those the page lets in."""
    return access.offered_in_menu(user, selectors.can_import, selectors.IMPORT_PERMISSION)
