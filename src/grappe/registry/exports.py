"""The organisation, people and membership lists as CSVs a French spreadsheet opens as it is: the list's own search, filters and sort
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

from django.db.models import QuerySet
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from grappe.core import exports
from grappe.france.headcount import HEADCOUNT_BRACKETS
from grappe.registry import selectors
from grappe.registry.models import Membership, Organisation, Person, Role
from grappe.registry.rows import choice_labels, memo

BATCH = 1000
CHUNK_LINES = 200


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Through ``grappe.core.exports`` (BOM, « ; », every cell neutralised), for streaming: ``CHUNK_LINES``
    lines at a time, since the server sends each piece a response yields on its own (a system call, and
    Django's encoding, per line of a 600-line export otherwise), while memory stays bounded."""
    writer = exports.streaming_writer()
    chunk = [writer.writerow(header)]
    for row in rows:
        chunk.append(writer.writerow(row))
        if len(chunk) >= CHUNK_LINES:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


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


class Labels:
    """The texts an export repeats on every row, translated once per export: ``get_status_display()`` rebuilds
    and translates the whole list of choices at each call, and a date is formatted again for every row that
    holds it (a third of an export's time, profiled with benchmarks/load/pages.py)."""

    def __init__(self) -> None:
        self.statuses = choice_labels(Membership._meta.get_field("status"))
        self.kinds = choice_labels(Role._meta.get_field("kind"))
        self.brackets = {code: _(bracket.label) for code, bracket in HEADCOUNT_BRACKETS.items()}
        self.yes, self.no = _("oui"), _("non")
        self.date = memo(_date)

    def status(self, membership: Membership) -> str:
        return self.statuses.get(membership.status, membership.status)


def row(organisation: Organisation, labels: Labels) -> list[str]:
    site = organisation.main_establishment
    memberships = "; ".join(
        f"{m.association.name} ({labels.status(m)})" for m in organisation.list_memberships
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
        labels.brackets.get(organisation.headcount_bracket, ""),
        labels.yes if organisation.is_startup else labels.no,
        organisation.email,
        organisation.phone,
        organisation.website,
        memberships,
        labels.date(organisation.member_since),
    ]


def batches(queryset: QuerySet[Any]) -> Iterator[list[Any]]:
    """Every row of a list (every page), in its order, a batch at a time so relations load per batch."""
    iterator = queryset.iterator(chunk_size=BATCH)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def organisation_rows(organisations: QuerySet[Organisation]) -> Iterator[list[str]]:
    """``organisations`` (a list's search, or a selection of it: already narrowed to what the user sees)."""
    labels = Labels()
    for batch in batches(organisations.defer(None)):
        selectors.with_list_relations(batch, full_sites=True)
        yield from (row(organisation, labels) for organisation in batch)


def organisations_csv(user: Any, filters: selectors.OrganisationFilters) -> Iterator[str]:
    return organisations_csv_of(selectors.search_organisations(user, filters))


def organisations_csv_of(organisations: QuerySet[Organisation]) -> Iterator[str]:
    return write_csv(headers(), organisation_rows(organisations))


def people_csv(user: Any, q: str, sort: str) -> Iterator[str]:
    """The people list: who they are and, for each organisation they act for (that the user may see), their
    role and job title."""
    return people_csv_of(user, selectors.search_people(user, q, sort))


def people_csv_of(user: Any, people: QuerySet[Person]) -> Iterator[str]:
    """``people`` (the list's search, or a selection of it) as the people list's CSV."""

    def rows() -> Iterator[list[str]]:
        kinds = Labels().kinds
        for batch in batches(people):
            selectors.with_person_roles(user, batch)
            for person in batch:
                roles = "; ".join(
                    f"{role.organisation.name} ({', '.join(filter(None, [kinds.get(role.kind, role.kind), role.job_title]))})"
                    for role in person.visible_roles
                )
                yield [person.last_name, person.first_name, person.email, person.phone, roles]

    header = [_("Nom"), _("Prénom"), _("E-mail"), _("Téléphone"), _("Organisations et fonctions")]
    return write_csv(header, rows())


def memberships_csv(user: Any, filters: selectors.MembershipFilters) -> Iterator[str]:
    """The membership list with the same search, filters and sort as the page."""
    return memberships_csv_of(selectors.search_memberships(user, filters))


def memberships_csv_of(memberships: QuerySet[Membership]) -> Iterator[str]:
    """``memberships`` (the list's search, or a selection of it) as the membership list's CSV."""

    def rows() -> Iterator[list[str]]:
        labels = Labels()
        for batch in batches(memberships):
            for m in batch:
                yield [
                    m.organisation.name,
                    _spaced(m.organisation.siren, (3, 3, 3)),
                    m.association.name,
                    labels.status(m),
                    labels.date(m.starts_on),
                    labels.date(m.ends_on),
                    m.origin.name if m.origin_id else "",
                    m.category,
                    m.college.name if m.college_id else "",
                    number_format(m.annual_fee, 2) if m.annual_fee is not None else "",
                ]

    header = [
        _("Organisation"),
        _("SIREN"),
        _("Association"),
        _("Statut"),
        _("Adhérent depuis"),
        _("Jusqu'au"),
        _("Apportée par"),
        _("Type d'adhésion"),
        _("Collège"),
        _("Cotisation (€)"),
    ]
    return write_csv(header, rows())
