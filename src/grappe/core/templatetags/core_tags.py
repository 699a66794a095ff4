"""Template filters and tags every app's pages share."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils.translation import ngettext

from grappe.core import access

register = template.Library()


@register.simple_tag
def has_staff_access(user: Any) -> bool:
    """Whether the menu offers the registry's, the dues', the budgets' and the start-ups' pages: they answer
    403 to any other account (a member company's, a board member's). Read once per request (the scope is
    cached on the user)."""
    return access.has_staff_access(user)


@register.filter
def width_class(percent: object) -> str:
    """The class (``w-0`` … ``w-100``, in grappe.css) that gives a bar its width.

    The Content-Security-Policy forbids ``style=""`` attributes, so a bar's width is one of 101 classes rather
    than an inline style; anything that is not a number draws an empty bar.
    """
    try:
        value = round(float(str(percent)))
    except ValueError:
        return "w-0"
    return f"w-{min(max(value, 0), 100)}"


@register.filter
def duration_fr(delta: datetime.timedelta) -> str:
    """« 15 minutes », « 1 heure 30 minutes »: a cool-off or a delay as a person says it."""
    minutes = max(round(delta.total_seconds() / 60), 1)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(count)d heure", "%(count)d heures", hours) % {"count": hours})
    if minutes:
        parts.append(ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes})
    return " ".join(parts)
