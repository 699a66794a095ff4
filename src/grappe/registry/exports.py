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
from grappe.registry.models import Membership, Organisation, Person, Role, site_country_name
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
        self.country = memo(site_country_name)

    def status(self, status: str) -> str:
        return self.statuses.get(status, status)


# The organisation's own columns an export writes, read as tuples (``organisation_rows``).
ORGANISATION_FIELDS = (
    "pk",
    "name",
    "siren",
    "naf_code",
    "headcount_bracket",
    "is_startup",
    "email",
    "phone",
    "website",
)


def row(
    fields: Sequence[Any],
    site: selectors.ShownSite | None,
    memberships: Sequence[selectors.ListedMembership],
    labels: Labels,
) -> list[str]:
    """One organisation's line: its ``ORGANISATION_FIELDS``, its shown site and its memberships."""
    _pk, name, siren, naf_code, headcount_bracket, is_startup, email, phone, website = fields
    starts = [m.starts_on for m in memberships if m.starts_on]
    return [
        name,
        _spaced(siren, (3, 3, 3)),
        _spaced(site.siret, (3, 3, 3, 5)) if site else "",
        site.street if site else "",
        site.postcode if site else "",
        site.city if site else "",
        site.departement_code if site else "",
        labels.country(site.country) if site else "",
        naf_code,
        labels.brackets.get(headcount_bracket, ""),
        labels.yes if is_startup else labels.no,
        email,
        phone,
        website,
        "; ".join(f"{m.association_name} ({labels.status(m.status)})" for m in memberships),
        labels.date(min(starts) if starts else None),
    ]


def batches(queryset: QuerySet[Any]) -> Iterator[list[Any]]:
    """Every row of a list (every page), in its order, a batch at a time so relations load per batch."""
    iterator = queryset.iterator(chunk_size=BATCH)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def organisation_rows(organisations: QuerySet[Organisation]) -> Iterator[list[str]]:
    """``organisations`` (a list's search, or a selection of it: already narrowed to what the user sees),
    read as tuples, with their sites and memberships a batch at a time (``selectors.export_relations``)."""
    labels = Labels()
    for batch in batches(organisations.values_list(*ORGANISATION_FIELDS)):
        sites, memberships = selectors.export_relations([fields[0] for fields in batch])
        for fields in batch:
            yield row(fields, sites.get(fields[0]), memberships.get(fields[0], ()), labels)


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
        for batch in batches(people.values_list("pk", "last_name", "first_name", "email", "phone")):
            roles = selectors.export_person_roles(user, [fields[0] for fields in batch])
            for pk, last_name, first_name, email, phone in batch:
                acts = "; ".join(
                    f"{organisation} ({', '.join(filter(None, [kinds.get(kind, kind), job_title]))})"
                    for organisation, kind, job_title in roles.get(pk, ())
                )
                yield [last_name, first_name, email, phone, acts]

    header = [_("Nom"), _("Prénom"), _("E-mail"), _("Téléphone"), _("Organisations et fonctions")]
    return write_csv(header, rows())


# A membership's line, read as a tuple (``memberships_csv_of``).
MEMBERSHIP_FIELDS = (
    "organisation__name",
    "organisation__siren",
    "association__name",
    "status",
    "starts_on",
    "ends_on",
    "origin__name",
    "membership_type__name",
    "college__name",
    "annual_fee",
)


def memberships_csv(user: Any, filters: selectors.MembershipFilters) -> Iterator[str]:
    """The membership list with the same search, filters and sort as the page."""
    return memberships_csv_of(selectors.search_memberships(user, filters))


def memberships_csv_of(memberships: QuerySet[Membership]) -> Iterator[str]:
    """``memberships`` (the list's search, or a selection of it) as the membership list's CSV, read as tuples."""

    def rows() -> Iterator[list[str]]:
        labels = Labels()
        for batch in batches(memberships.values_list(*MEMBERSHIP_FIELDS)):
            for name, siren, association, status, starts_on, ends_on, origin, category, college, fee in batch:
                yield [
                    name,
                    _spaced(siren, (3, 3, 3)),
                    association,
                    labels.status(status),
                    labels.date(starts_on),
                    labels.date(ends_on),
                    origin or "",
                    category or "",
                    college or "",
                    number_format(fee, 2) if fee is not None else "",
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
