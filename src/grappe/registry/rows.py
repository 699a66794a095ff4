"""The rows of the registry's lists (organisations, people, memberships) and of an organisation's provenance,
written in Python.

A list page shows 50 rows of six to eight cells; through the template engine each cell is a few nodes, each
variable a lookup chain, each link a ``reverse()``: the rows of the organisation list cost more than half of
the page's CPU (profiled with ``benchmarks/load/pages.py``), and CPU is what keeps the server from the load
target of issue 13. Here a row is one f-string: the links are reversed once per page and formatted, the
cells escaped as ``{{ … }}`` escapes them, the French/English texts the same msgids through ``gettext``. The
markup is the templates' own, character for character: ``tests/registry/test_rows.py`` renders each list's
former loop through the template engine beside these functions on rows of every shape and compares them.

An organisation's page shows up to a hundred source lines, each as its verbatim cells and the values drawn from
it (about sixty rows a line): the two loops were the largest part of the page's template time, the page a
quarter of the load benchmark's requests.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.formats import date_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from grappe.registry.models import Membership, Organisation, Person, Role
from grappe.registry.templatetags.registry_tags import naf_label, siren_display

if TYPE_CHECKING:
    from grappe.registry.selectors import LineageEntry

_SENTINEL = 987654321  # a pk no route can mistake for part of its own path


def text(value: Any) -> str:
    """What ``{{ value }}`` writes: localized when it is not text, escaped unless already safe."""
    kind = type(value)
    if kind is str:  # the common case, without conditional_escape's checks (same escaping: html.escape)
        return html.escape(value)
    if kind is int and not settings.USE_THOUSAND_SEPARATOR:  # a pk: localize() would write it as is
        return str(value)
    return str(conditional_escape(value if isinstance(value, str) else localize(value)))


def _or_dash(value: Any) -> str:
    """``{{ value|default:"—" }}``."""
    return text(value) if value else "—"


def pk_url(name: str) -> Callable[[int], str]:
    """``{% url name pk %}`` for many pks, reversed once: the route's path around the pk."""
    before, after = reverse(name, args=[_SENTINEL]).split(str(_SENTINEL))
    before, after = text(before), text(after)
    return lambda pk: f"{before}{pk}{after}"


def choice_labels(field: Any) -> dict[Any, str]:
    """``get_FOO_display()`` for a page of rows, in the active language: Django rebuilds (and translates) the
    whole choice list on every call."""
    return {value: str(label) for value, label in field.flatchoices}


class _OrganisationPage:
    """What every row of a page shares, looked up once: links, translations, labels, formatted months."""

    def __init__(self) -> None:
        self.detail = pk_url("registry:organisation_detail")
        self.statuses = choice_labels(Membership._meta.get_field("status"))
        self.select = gettext("Sélectionner %(name)s")
        self.startup = f'<span class="badge badge--startup">{gettext("start-up")}</span>'
        self.no_membership = f'<span class="muted">{gettext("non adhérente")}</span>'
        self.naf: dict[str, str] = {}
        self.months: dict[datetime.date, str] = {}

    def naf_cell(self, naf: str) -> str:
        if naf not in self.naf:
            self.naf[naf] = f'<br><span class="muted small">{text(naf)} {text(naf_label(naf))}</span>'
        return self.naf[naf]

    def month(self, day: datetime.date | None) -> str:
        """``{{ day|date:"F Y"|default:"—" }}``."""
        if not day:
            return "—"
        if day not in self.months:
            self.months[day] = _or_dash(date_format(day, "F Y"))
        return self.months[day]


def _organisation_row(organisation: Organisation, shared: _OrganisationPage) -> str:
    pk = text(organisation.pk)
    select = shared.select % {"name": text(organisation.name)}
    startup = shared.startup if organisation.is_startup else ""
    naf = organisation.naf_code
    naf_cell = shared.naf_cell(naf) if naf else ""
    statuses = shared.statuses
    site = organisation.main_establishment
    if site:
        place = _or_dash(site.city)
        if site.departement_code:
            place += f' <span class="muted">({text(site.departement_code)})</span>'
        sites = organisation.site_count
        if sites > 1:
            count = ngettext("%(n)s établissement", "%(n)s établissements", sites) % {"n": text(sites)}
            place += f'<br><span class="muted small">{count}</span>'
    else:
        place = "—"
    badges = (
        "".join(
            f'<span class="badge badge--{text(m.status)}" title="{text(statuses.get(m.status, m.status))}">'
            f"{text(m.association_label)}</span>"
            for m in organisation.list_memberships
        )
        or shared.no_membership
    )
    return (
        "\n      <tr>\n"
        f'        <td><input type="checkbox" name="org" value="{pk}" id="org-{pk}" aria-label="{select}"></td>\n'
        f'        <td><a href="{shared.detail(organisation.pk)}">{text(organisation.name)}</a>\n'
        f"          {startup}\n"
        f"          {naf_cell}</td>\n"
        f'        <td class="mono nowrap">{_or_dash(siren_display(organisation.siren))}</td>\n'
        f"        <td>{place}</td>\n"
        f'        <td><div class="tags">{badges}</div></td>\n'
        f'        <td class="nowrap">{shared.month(organisation.member_since)}</td>\n'
        "      </tr>\n    "
    )


def organisation_rows(organisations: Iterable[Organisation]) -> SafeString:
    """The organisation list's rows (``with_list_relations`` has fetched their sites and memberships)."""
    shared = _OrganisationPage()
    return mark_safe("".join(_organisation_row(organisation, shared) for organisation in organisations))


def _person_row(
    person: Person, detail: Callable[[int], str], organisation: Callable[[int], str], kinds: dict[Any, str]
) -> str:
    pk = text(person.pk)
    select = gettext("Sélectionner %(first)s %(last)s") % {
        "first": text(person.first_name),
        "last": text(person.last_name),
    }
    roles = "<br>".join(
        f'<a href="{organisation(role.organisation_id)}">{text(role.organisation.name)}</a>'
        f' <span class="muted">({text(kinds.get(role.kind, role.kind))})</span>'
        for role in person.visible_roles
    )
    return (
        "\n    <tr>\n"
        f'      <td><input type="checkbox" name="personne" value="{pk}" id="personne-{pk}" aria-label="{select}">'
        "</td>\n"
        f'      <td><a href="{detail(person.pk)}">{text(person.last_name.upper())} {text(person.first_name)}</a>'
        "</td>\n"
        f"      <td>{_or_dash(person.email)}</td>\n"
        f'      <td class="nowrap">{_or_dash(person.phone)}</td>\n'
        f'      <td class="small">{roles or "—"}</td>\n'
        "    </tr>\n  "
    )


def person_rows(people: Iterable[Person]) -> SafeString:
    """The people list's rows (``with_person_roles`` has fetched the roles the user may see)."""
    detail, organisation = pk_url("registry:person_detail"), pk_url("registry:organisation_detail")
    kinds = choice_labels(Role._meta.get_field("kind"))
    return mark_safe("".join(_person_row(person, detail, organisation, kinds) for person in people))


def memo(function: Callable[[Any], str]) -> Callable[[Any], str]:
    """``function`` computed once per distinct value on a page (dates, fees: many rows share them)."""
    seen: dict[Any, str] = {}

    def cached(value: Any) -> str:
        if value not in seen:
            seen[value] = function(value)
        return seen[value]

    return cached


def membership_rows(memberships: Iterable[Membership]) -> SafeString:
    """The membership list's rows (``search_memberships`` selects their organisation, association, origin,
    type and college)."""
    organisation = pk_url("registry:organisation_detail")
    statuses = choice_labels(Membership._meta.get_field("status"))
    select = gettext("Sélectionner l'adhésion de %(name)s à %(association)s")
    day = memo(lambda value: text(date_filter(value)))  # {{ value|date }}: the language's DATE_FORMAT
    fee = memo(lambda value: text(floatformat(value, "2g")))

    def row(m: Membership) -> str:
        pk, name, association = text(m.pk), text(m.organisation.name), text(m.association.name)
        siren = m.organisation.siren
        siren_cell = (
            f'<br><span class="muted small mono">{text(siren_display(siren))}</span>' if siren else ""
        )
        ends = f'<br><span class="muted small">→ {day(m.ends_on)}</span>' if m.ends_on else ""
        college = f'<br><span class="muted">{text(m.college)}</span>' if m.college else ""
        return (
            "\n    <tr>\n"
            f'      <td><input type="checkbox" name="adhesion" value="{pk}" id="adhesion-{pk}" aria-label="'
            f'{select % {"name": name, "association": association}}"></td>\n'
            f'      <td><a href="{organisation(m.organisation_id)}">{name}</a>{siren_cell}</td>\n'
            f"      <td>{association}</td>\n"
            f'      <td><span class="badge badge--{text(m.status)}">{text(statuses.get(m.status, m.status))}</span>'
            "</td>\n"
            f'      <td class="nowrap">{(day(m.starts_on) if m.starts_on else "") or "—"}{ends}</td>\n'
            f"      <td>{_or_dash(m.origin.name if m.origin else '')}</td>\n"
            f'      <td class="small">{_or_dash(m.category)}{college}</td>\n'
            f'      <td class="num nowrap">{"—" if m.annual_fee is None else f"{fee(m.annual_fee)} €"}</td>\n'
            "    </tr>\n  "
        )

    return mark_safe("".join(row(m) for m in memberships))


def verbatim_rows(cells: Iterable[tuple[str, str]]) -> SafeString:
    """A source line's cells as received: header, then value."""
    return mark_safe(
        "".join(
            f'<tr><th scope="row">{text(header)}</th><td>{text(value)}</td></tr>' for header, value in cells
        )
    )


def lineage_rows(entries: list[LineageEntry]) -> SafeString:
    """The values drawn from a source line: field (and what it belongs to, and the column), value, retained."""
    if not entries:
        empty = gettext("Aucune valeur enregistrée depuis cette ligne.")
        return mark_safe(f'\n        <tr><td colspan="3" class="muted">{empty}</td></tr>\n      ')
    column = gettext("colonne « %(column)s »")
    retained = {
        True: f'<span class="badge badge--kept">{gettext("retenue")}</span>',
        False: f'<span class="badge badge--dropped">{gettext("non retenue")}</span>',
    }

    def row(entry: LineageEntry) -> str:
        target = (
            f'<br><span class="muted small">{text(entry.target_label)}</span>' if entry.target_label else ""
        )
        source = (
            f'<br><span class="muted small">{column % {"column": text(entry.column)}}</span>'
            if entry.column
            else ""
        )
        return (
            "\n        <tr>\n"
            f"          <td>{text(entry.field)}{target}{source}</td>\n"
            f'          <td class="mono">{_or_dash(entry.value)}</td>\n'
            f"          <td>{retained[bool(entry.retained)]}</td>\n"
            "        </tr>\n      "
        )

    return mark_safe("".join(row(entry) for entry in entries))
