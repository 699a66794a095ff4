"""The registry as linkage records: one record per establishment (``e<id>``), grouped by organisation (``o<id>``).

An organisation without any establishment still gets one record (``n<id>``) so that it can be linked.

Each establishment's record carries its ``country`` (ISO alpha-2) and its phone as stored: E.164, or the local
digits kept as written (a US "3865286"), which only the country can read. A site whose country an import could
not read is "ZZ", the unknown region of CLDR and phonenumbers, never France by default.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from grappe.core.chunks import chunked
from grappe.registry.models import Establishment, Organisation

UNKNOWN_COUNTRY = "ZZ"


def record_org_id(record_id: str) -> int:
    """The organisation id of a record built here (``o<id>``) — see ``organisation_records``."""
    return int(record_id[1:])


def organisation_records(organisation_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Linkage records (``grappe.linkage.COLUMNS``) for the establishments of these organisations."""
    ids = sorted(set(organisation_ids))
    organisations = {org.pk: org for org in _in_chunks(Organisation.objects, ids)}
    records: list[dict[str, Any]] = []
    with_sites: set[int] = set()
    for chunk in chunked(ids):
        for site in Establishment.objects.filter(organisation_id__in=chunk).order_by("pk"):
            org = organisations[site.organisation_id]
            with_sites.add(org.pk)
            records.append(
                {
                    "record_id": f"e{site.pk}",
                    "organisation_id": f"o{org.pk}",
                    "name": org.name,
                    "siren": org.siren or None,
                    "siret": site.siret or None,
                    "street": site.street or None,
                    "postcode": site.postcode or None,
                    "city": site.city or None,
                    "departement": site.departement_code or None,
                    "country": site.country or UNKNOWN_COUNTRY,
                    "email": site.email or org.email or None,
                    "website": org.website or None,
                    "phone": site.phone or org.phone or None,
                    "naf_code": org.naf_code or None,
                }
            )
    for org_id in ids:
        if org_id in with_sites or org_id not in organisations:
            continue
        org = organisations[org_id]
        records.append(
            {
                "record_id": f"n{org.pk}",
                "organisation_id": f"o{org.pk}",
                "name": org.name,
                "siren": org.siren or None,
                "email": org.email or None,
                "website": org.website or None,
                "phone": org.phone or None,
                "naf_code": org.naf_code or None,
            }
        )
    return records


def organisation_values(organisation_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """What each organisation looks like, for a reviewer (kept in the candidate pair as at plan time)."""
    ids = sorted(set(organisation_ids))
    values: dict[int, dict[str, Any]] = {}
    for org in _in_chunks(Organisation.objects, ids):
        values[org.pk] = {
            "id": org.pk,
            "name": org.name,
            "siren": org.siren,
            "naf_code": org.naf_code,
            "email": org.email,
            "phone": org.phone,
            "website": org.website,
            "sirets": [],
            "places": [],
            "departements": [],
        }
    for chunk in chunked(ids):
        for site in Establishment.objects.filter(organisation_id__in=chunk).order_by("pk"):
            entry = values[site.organisation_id]
            if site.siret:
                entry["sirets"].append(site.siret)
            place = site.place
            if place and place not in entry["places"]:
                entry["places"].append(place)
            if site.departement_code and site.departement_code not in entry["departements"]:
                entry["departements"].append(site.departement_code)
    return values


def pair_decision_records(
    pairs: Iterable[tuple[int, int, str]], records: Iterable[dict[str, Any]]
) -> list[dict[str, str]]:
    """Organisation-level decisions as record-level ones: every record of one × every record of the other."""
    by_org: dict[int, list[str]] = {}
    for record in records:
        by_org.setdefault(record_org_id(record["organisation_id"]), []).append(record["record_id"])
    rows = []
    for low, high, decision in pairs:
        for left in by_org.get(low, ()):
            for right in by_org.get(high, ()):
                rows.append({"left_id": left, "right_id": right, "decision": decision})
    return rows


def _in_chunks(manager: Any, ids: list[int]) -> Iterable[Any]:
    for chunk in chunked(ids):
        yield from manager.filter(pk__in=chunk)
