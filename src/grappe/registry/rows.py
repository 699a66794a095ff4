"""The rows of the registry's lists (organisations, people, memberships), written in Python.

A list page shows 50 rows of six to eight cells; through the template engine each cell is a few nodes, each
variable a lookup chain, each link a ``reverse()``: the rows of the organisation list cost more than half of
the page's CPU (profiled with ``benchmarks/load/pages.py``), and CPU is what keeps the server from the load
target of issue 13. Here a row is one f-string: the links are reversed once per page and formatted, the
cells escaped as ``{{ … }}`` escapes them, the French/English texts the same msgids through ``gettext``. The
markup is the templates' own, character for character: ``tests/registry/test_rows.py`` renders each list's
former loop through the template engine beside these functions on rows of every shape and compares them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from grappe.registry.models import Organisation
from grappe.registry.templatetags.registry_tags import naf_label, siren_display

_SENTINEL = 987654321  # a pk no route can mistake for part of its own path


def text(value: Any) -> str:
    """What ``{{ value }}`` writes: localized when it is not text, escaped unless already safe."""
    return str(conditional_escape(value if isinstance(value, str) else localize(value)))


def _or_dash(value: Any) -> str:
    """``{{ value|default:"—" }}``."""
    return text(value) if value else "—"


def pk_url(name: str) -> Callable[[int], str]:
    """``{% url name pk %}`` for many pks, reversed once: the route's path around the pk."""
    before, after = reverse(name, args=[_SENTINEL]).split(str(_SENTINEL))
    before, after = text(before), text(after)
    return lambda pk: f"{before}{pk}{after}"


def _organisation_row(organisation: Organisation, detail: Callable[[int], str]) -> str:
    pk = text(organisation.pk)
    select = gettext("Sélectionner %(name)s") % {"name": text(organisation.name)}
    startup = (
        f'<span class="badge badge--startup">{gettext("start-up")}</span>' if organisation.is_startup else ""
    )
    naf = organisation.naf_code
    naf_cell = f'<br><span class="muted small">{text(naf)} {text(naf_label(naf))}</span>' if naf else ""
    site = organisation.main_establishment
    if site:
        place = _or_dash(site.city)
        if site.departement_code:
            place += f' <span class="muted">({text(site.departement_code)})</span>'
        sites = len(organisation.list_establishments)
        if sites > 1:
            count = ngettext("%(n)s établissement", "%(n)s établissements", sites) % {"n": text(sites)}
            place += f'<br><span class="muted small">{count}</span>'
    else:
        place = "—"
    badges = (
        "".join(
            f'<span class="badge badge--{text(m.status)}" title="{text(m.get_status_display())}">'
            f"{text(m.association.short_name or m.association.name)}</span>"
            for m in organisation.list_memberships
        )
        or f'<span class="muted">{gettext("non adhérente")}</span>'
    )
    since = organisation.member_since
    return (
        "\n      <tr>\n"
        f'        <td><input type="checkbox" name="org" value="{pk}" id="org-{pk}" aria-label="{select}"></td>\n'
        f'        <td><a href="{detail(organisation.pk)}">{text(organisation.name)}</a>\n'
        f"          {startup}\n"
        f"          {naf_cell}</td>\n"
        f'        <td class="mono nowrap">{_or_dash(siren_display(organisation.siren))}</td>\n'
        f"        <td>{place}</td>\n"
        f'        <td><div class="tags">{badges}</div></td>\n'
        f'        <td class="nowrap">{_or_dash(date_format(since, "F Y") if since else "")}</td>\n'
        "      </tr>\n    "
    )


def organisation_rows(organisations: Iterable[Organisation]) -> SafeString:
    """The organisation list's rows (``with_list_relations`` has fetched their sites and memberships)."""
    detail = pk_url("registry:organisation_detail")
    return mark_safe("".join(_organisation_row(organisation, detail) for organisation in organisations))
