"""The organisation list as a CSV a French spreadsheet opens as it is: the list's own search, filters and sort
(``selectors.search_organisations``, so the visibility rule too), « ; » between cells, UTF-8 with its byte
order mark, headers and values in the interface's language.

Identifiers are written spaced as INSEE prints them (« 732 829 320 »): a spreadsheet would read 14 bare digits
as a number and show a SIRET as 7,32829E+13. Every line goes through ``grappe.core.exports``, which neutralises
what a spreadsheet would run as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grappe.core import exports
from grappe.france.headcount import HEADCOUNT_BRACKETS
from grappe.registry import selectors
from grappe.registry.models import Organisation

BATCH = 1000


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Line by line through ``grappe.core.exports`` (BOM, « ; », every cell neutralised), for streaming."""
    writer = exports.streaming_writer()
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def _spaced(digits: str, groups: Sequence[int]) -> str:
    parts, start = [], 0
    for size in groups:
        parts.append(digits[start : start + size])
        start += size
    return " ".join(part for part in parts if part)


def _date(value: Any) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def headers() -> list[str]:
    return [
        _("Raison sociale"),
        _("SIREN"),
        _("SIRET du siège"),
        _("Adresse"),
        _("Code postal"),
        _("Commune"),
        _("Département"),
        _("Pays"),
        _("Code NAF"),
        _("Tranche d'effectif"),
        _("Start-up"),
        _("E-mail"),
        _("Téléphone"),
        _("Site web"),
        _("Adhésions"),
        _("Adhérent depuis"),
    ]


def row(organisation: Organisation) -> list[str]:
    site = organisation.main_establishment
    bracket = HEADCOUNT_BRACKETS.get(organisation.headcount_bracket)
    memberships = "; ".join(
        f"{m.association.name} ({m.get_status_display()})" for m in organisation.list_memberships
    )
    return [
        organisation.name,
        _spaced(organisation.siren, (3, 3, 3)),
        _spaced(site.siret, (3, 3, 3, 5)) if site else "",
        site.street if site else "",
        site.postcode if site else "",
        site.city if site else "",
        site.departement_code if site else "",
        site.country_name if site else "",
        organisation.naf_code,
        _(bracket.label) if bracket else "",
        _("oui") if organisation.is_startup else _("non"),
        organisation.email,
        organisation.phone,
        organisation.website,
        memberships,
        _date(organisation.member_since),
    ]


def organisation_rows(user: Any, filters: selectors.OrganisationFilters) -> Iterator[list[str]]:
    """The list's organisations (every page), in its order, a batch of related rows at a time."""
    organisations = selectors.search_organisations(user, filters).defer(None)
    iterator = organisations.iterator(chunk_size=BATCH)
    while batch := list(islice(iterator, BATCH)):
        selectors.with_list_relations(batch, full_sites=True)
        yield from (row(organisation) for organisation in batch)


def organisations_csv(user: Any, filters: selectors.OrganisationFilters) -> Iterator[str]:
    return write_csv(headers(), organisation_rows(user, filters))
