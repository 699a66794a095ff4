"""The story's membership types and colleges: each network names them its own way, as real ones do.

Numélink and Clust'R Numérique vote in three colleges (« Entreprises », « Établissements de formation et de
recherche », « Collectivités et partenaires »); RhoneAlley and Auvergne TIC had two and their own words for a
type (« Membre actif », « Jeune pousse »), which each merger maps onto the absorber's (``TYPE_MAPPINGS``).

The exports carry no type column, so a member's type is read from its profile once imported: the rule is
deterministic (no draw), so the story's numbers do not move.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from grappe.demo import story as plot
from grappe.registry.models import Association, Membership, MembershipType
from grappe.registry.services import college_named

Fee = MembershipType.FeeCategory

ENTREPRISES = "Entreprises"
FORMATION_RECHERCHE = "Établissements de formation et de recherche"
PARTENAIRES = "Collectivités et partenaires"


@dataclass(frozen=True)
class TypeSpec:
    name: str
    fee_category: str
    college: str
    # Which members hold it: "startup", "education", "public", "association"; "" for every other company.
    profile: str


_FEDERAL = (
    TypeSpec("Entreprise", Fee.COMPANY, ENTREPRISES, ""),
    TypeSpec("Start-up", Fee.STARTUP, ENTREPRISES, "startup"),
    TypeSpec(
        "Établissement de formation ou de recherche", Fee.EDUCATION_RESEARCH, FORMATION_RECHERCHE, "education"
    ),
    TypeSpec("Collectivité", Fee.PUBLIC_BODY, PARTENAIRES, "public"),
    TypeSpec("Association partenaire", Fee.ASSOCIATION, PARTENAIRES, "association"),
)

TYPES: dict[str, tuple[TypeSpec, ...]] = {
    plot.NUMELINK: _FEDERAL,
    plot.CLUSTR: _FEDERAL,
    plot.RHONEALLEY: (
        TypeSpec("Membre actif", Fee.COMPANY, "Collège entreprises", ""),
        TypeSpec("Jeune pousse", Fee.STARTUP, "Collège entreprises", "startup"),
        TypeSpec("Membre associé", Fee.ASSOCIATION, "Collège partenaires", "association"),
        TypeSpec("Membre associé public", Fee.PUBLIC_BODY, "Collège partenaires", "public"),
        TypeSpec("Membre associé formation", Fee.EDUCATION_RESEARCH, "Collège partenaires", "education"),
    ),
    plot.AUVERGNE_TIC: (
        TypeSpec("Entreprise", Fee.COMPANY, ENTREPRISES, ""),
        TypeSpec("Start-up", Fee.STARTUP, ENTREPRISES, "startup"),
        TypeSpec("Membre associé", Fee.ASSOCIATION, "Partenaires", "association"),
        TypeSpec("Collectivité", Fee.PUBLIC_BODY, "Partenaires", "public"),
        TypeSpec("Enseignement et recherche", Fee.EDUCATION_RESEARCH, "Partenaires", "education"),
    ),
}

# How the director maps an absorbed network's types at each merger (the rest: the proposal, same names).
TYPE_MAPPINGS: dict[str, dict[str, str]] = {
    plot.RHONEALLEY: {
        "Membre actif": "Entreprise",
        "Jeune pousse": "Start-up",
        "Membre associé": "Association partenaire",
        "Membre associé public": "Collectivité",
        "Membre associé formation": "Établissement de formation ou de recherche",
    },
    plot.AUVERGNE_TIC: {
        "Membre associé": "Association partenaire",
        "Enseignement et recherche": "Établissement de formation ou de recherche",
    },
}

_PROFILES = {
    "startup": Q(organisation__is_startup=True),
    # NAF 85 (enseignement), 72 (recherche-développement scientifique).
    "education": Q(organisation__naf_code__startswith="85") | Q(organisation__naf_code__startswith="72"),
    # Catégories juridiques 7 (personnes morales de droit public) and 92 (associations loi 1901).
    "public": Q(organisation__legal_form_code__startswith="7"),
    "association": Q(organisation__legal_form_code__startswith="92"),
}


@transaction.atomic
def give_types(association: Association, key: str) -> None:
    """Create ``association``'s colleges and types (story key ``key``) and give each untyped member its own."""
    specs = TYPES[key]
    types = {}
    for order, spec in enumerate(specs, start=1):
        college = college_named(association=association, name=spec.college)
        types[spec.profile], _ = MembershipType.objects.get_or_create(
            association=association,
            name=spec.name,
            defaults={"fee_category": spec.fee_category, "default_college": college, "order": order * 10},
        )
    untyped = Membership.objects.filter(association=association, membership_type=None)
    for profile, condition in _PROFILES.items():
        kind = types[profile]
        untyped.filter(condition).update(membership_type=kind, college=kind.default_college)
    company = types[""]
    untyped.update(membership_type=company, college=company.default_college)
