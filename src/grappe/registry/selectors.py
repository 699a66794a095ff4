"""Reads of the registry, each one scoped to what the user may see (DESIGN promise 6).

The visibility rule lives here and only here; pages, the admin and later the API and exports all read through
these functions:

- superusers and head-office staff (a current ``StaffMember`` whose office is the head office, or who has no
  office or an office without territory) see the whole registry;
- territorial staff (a current ``StaffMember`` of an antenna or bureau tied to a ``Territory``) see the
  organisations having an establishment in one of their territory's départements, and what hangs off them
  (establishments, roles, people, memberships, source rows, lineage);
- anyone else gets no registry access at all (``require_registry_access`` raises ``PermissionDenied``).

Another app's model declared as a dependent (``grappe.core.dependents``) is visible when the row it hangs off
(its first declared relation) is.

A single object outside the user's scope is looked up exactly like a missing one (``NotFound``, a 404), so a page
never reveals that it exists. The network's own structure (associations, territories, offices, staff, brands)
is shared with every staff member: a permanent needs to know who to call in the other antennas.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import (
    Count,
    Exists,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core import audit, dependents
from grappe.core.models import AuditEvent
from grappe.errors import NotFound
from grappe.france import geo
from grappe.france.text import fold
from grappe.registry import search, sorting, stats
from grappe.registry.models import (
    Association,
    Brand,
    College,
    Establishment,
    FoldedOrganisation,
    Lineage,
    Membership,
    MembershipType,
    Office,
    Organisation,
    Person,
    Role,
    SavedFilter,
    SourceFile,
    SourceRecord,
    StaffAssignment,
    StaffMember,
    Tag,
    Territory,
)

User = AbstractBaseUser | AnonymousUser

_SCOPE_CACHE_ATTRIBUTE = "_grappe_registry_scope"

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    """What part of the registry a user sees. ``None`` from ``scope_for`` means: nothing at all."""

    everything: bool
    departement_codes: frozenset[str] = frozenset()
    territory: Territory | None = None

    @property
    def label(self) -> str:
        if self.everything or self.territory is None:
            return ""
        return self.territory.name


def current_staff_member(user: AbstractBaseUser) -> StaffMember | None:
    """The user's staff record in post today, with its office, territory and association."""
    return (
        StaffMember.objects.current()
        .select_related("office__territory", "association")
        .filter(user=user)
        .first()
    )


def _compute_scope(user: User) -> Scope | None:
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        # Sees everything whatever their staff record says: its query (on every page) is not needed.
        return Scope(everything=True)
    staff_member = current_staff_member(user)
    if staff_member is None:
        return None
    office = staff_member.office
    if office is None or office.kind == Office.Kind.HEAD_OFFICE or office.territory is None:
        return Scope(everything=True)
    territory = office.territory
    return Scope(
        everything=False,
        departement_codes=frozenset(territory.departement_codes or ()),
        territory=territory,
    )


def scope_for(user: User) -> Scope | None:
    """The user's scope, computed once per user object (one query per request)."""
    if not hasattr(user, _SCOPE_CACHE_ATTRIBUTE):
        setattr(user, _SCOPE_CACHE_ATTRIBUTE, _compute_scope(user))
    return getattr(user, _SCOPE_CACHE_ATTRIBUTE)


def require_registry_access(user: User) -> Scope:
    scope = scope_for(user)
    if scope is None:
        raise PermissionDenied("Accès réservé aux salariés du réseau.")
    return scope


def has_registry_access(user: User) -> bool:
    return scope_for(user) is not None


# --- Scoped querysets ---------------------------------------------------------------------------------------


def _in_scope_condition(scope: Scope, organisation_ref: str = "pk") -> Exists:
    return Exists(
        Establishment.objects.filter(
            organisation_id=OuterRef(organisation_ref), departement_code__in=sorted(scope.departement_codes)
        )
    )


# How each model hangs off an organisation; models absent from here are the network's shared structure.
_ORGANISATION_REF: dict[type, str] = {
    Organisation: "pk",
    Establishment: "organisation_id",
    Role: "organisation_id",
    Membership: "organisation_id",
    SourceRecord: "organisation_id",
    Lineage: "source_record__organisation_id",
}
# The network's own structure and vocabulary: the same for every staff member of the network.
_STRUCTURE = (
    Association,
    Territory,
    Brand,
    Office,
    StaffMember,
    StaffAssignment,
    MembershipType,
    College,
    Tag,
)


def restrict(user: User, queryset: QuerySet) -> QuerySet:
    """``queryset`` narrowed to what ``user`` may see. The one implementation of the visibility rule."""
    scope = scope_for(user)
    if scope is None:
        return queryset.none()
    if queryset.model is SavedFilter:
        # A search without its results (they are read through this rule when it runs): one's own and the
        # shared ones, for head office too.
        return queryset.filter(Q(user=user) | Q(shared=True))
    if scope.everything:
        return queryset
    model = queryset.model
    if model in _ORGANISATION_REF:
        return queryset.filter(_in_scope_condition(scope, _ORGANISATION_REF[model]))
    if model is Person:
        return queryset.filter(Exists(restrict(user, Role.objects.filter(person_id=OuterRef("pk")))))
    if model is SourceFile:
        records = restrict(user, SourceRecord.objects.filter(source_file_id=OuterRef("pk")))
        return queryset.filter(Exists(records))
    if model in _STRUCTURE:
        return queryset
    relation = dependents.placing_relation(model)
    if relation is not None:
        # Another app's dependent: visible when what it hangs off (its first declared relation) is.
        placed = restrict(user, relation.target._base_manager.filter(pk=OuterRef(relation.column)))
        return queryset.filter(Exists(placed))
    raise TypeError(
        f"No visibility rule for {model.__name__}: declare it as a dependent of an organisation, an "
        "establishment, a person or a membership (grappe.core.dependents), or add a rule to "
        "grappe.registry.selectors.restrict."
    )


def visible_organisations(user: User) -> QuerySet[Organisation]:
    return restrict(user, Organisation.objects.all())


def visible_establishments(user: User) -> QuerySet[Establishment]:
    return restrict(user, Establishment.objects.all())


def visible_roles(user: User) -> QuerySet[Role]:
    return restrict(user, Role.objects.all())


def visible_memberships(user: User) -> QuerySet[Membership]:
    return restrict(user, Membership.objects.all())


def visible_source_records(user: User) -> QuerySet[SourceRecord]:
    """Rows not tied to any organisation (rejected rows) are visible to head-office staff only."""
    return restrict(user, SourceRecord.objects.all())


def visible_lineage(user: User) -> QuerySet[Lineage]:
    return restrict(user, Lineage.objects.all())


def visible_people(user: User) -> QuerySet[Person]:
    return restrict(user, Person.objects.all())


def visible_source_files(user: User) -> QuerySet[SourceFile]:
    return restrict(user, SourceFile.objects.all())


def visible_associations(user: User) -> QuerySet[Association]:
    return restrict(user, Association.objects.all())


def visible_territories(user: User) -> QuerySet[Territory]:
    return restrict(user, Territory.objects.all())


def visible_brands(user: User) -> QuerySet[Brand]:
    return restrict(user, Brand.objects.all())


def visible_offices(user: User) -> QuerySet[Office]:
    return restrict(user, Office.objects.all())


def visible_staff(user: User) -> QuerySet[StaffMember]:
    return restrict(user, StaffMember.objects.all())


# --- Organisations ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationFilters:
    """The organisation list's search and filters, already validated (see ``forms.OrganisationFilterForm``)."""

    q: str = ""
    association: Association | None = None
    territory: Territory | None = None
    departement: str = ""
    status: str = ""
    startup: bool | None = None
    headcount: str = ""
    naf: str = ""
    tag: Tag | None = None
    # ``?tri=``: a column of ORGANISATION_COLUMNS, "-" first for descending; the name when empty or unknown.
    sort: str = ""


def _membership_condition(filters: OrganisationFilters) -> Q:
    """Association and status apply to the same membership: "active member of X", not "member of X, active in Y"."""
    if not filters.association and not filters.status:
        return Q()
    memberships = Membership.objects.filter(organisation_id=OuterRef("pk"))
    if filters.association:
        memberships = memberships.filter(association=filters.association)
    if filters.status:
        memberships = memberships.filter(status=filters.status)
    return Q(Exists(memberships))


def _place_condition(filters: OrganisationFilters) -> Q:
    codes: set[str] | None = None
    if filters.territory:
        codes = set(filters.territory.departement_codes or ())
    if filters.departement:
        codes = {filters.departement} if codes is None else codes & {filters.departement}
    if codes is None:
        return Q()
    return Q(
        Exists(
            Establishment.objects.filter(organisation_id=OuterRef("pk"), departement_code__in=sorted(codes))
        )
    )


def search_organisations(user: User, filters: OrganisationFilters) -> QuerySet[Organisation]:
    """Matching organisations, lightly loaded: only the columns of the list, related rows prefetched per page."""
    queryset = visible_organisations(user)
    if filters.q:
        queryset = queryset.filter(search.organisation_condition(filters.q))
    queryset = queryset.filter(_membership_condition(filters), _place_condition(filters))
    if filters.startup is not None:
        queryset = queryset.filter(is_startup=filters.startup)
    if filters.headcount:
        queryset = queryset.filter(headcount_bracket=filters.headcount)
    if filters.naf:
        queryset = queryset.filter(naf_code__startswith=filters.naf)
    if filters.tag:
        queryset = queryset.filter(tags=filters.tag)
    queryset = queryset.only("pk", "name", "siren", "naf_code", "is_startup", "headcount_bracket")
    # ``alias``, not ``annotate``: the sort subqueries are built and run only when the page is sorted by them,
    # never selected (the rows read the city and « adhérent depuis » from ``with_list_relations``).
    return sorting.order(
        queryset.alias(**ORGANISATION_SORT_ANNOTATIONS),
        sorting.read_sort(filters.sort, ORGANISATION_COLUMNS, ORGANISATION_DEFAULT_SORT),
        ORGANISATION_COLUMNS,
    )


# --- Sortable columns (``?tri=``), the lists' own order first ------------------------------------------------
# The city the list shows: the head office's, else the first site's (``with_list_relations``).
ORGANISATION_SORT_ANNOTATIONS = {
    "main_city": Subquery(
        Establishment.objects.filter(organisation_id=OuterRef("pk"))
        .order_by("-is_head_office", "search_city", "pk")
        .values("search_city")[:1]
    ),
    "first_start": Subquery(
        Membership.objects.filter(organisation_id=OuterRef("pk"), starts_on__isnull=False)
        .order_by("starts_on")
        .values("starts_on")[:1]
    ),
}
ORGANISATION_COLUMNS = (
    sorting.Column("nom", ("search_name", "name"), text=True),
    sorting.Column("siren", ("siren",), text=True),
    sorting.Column("ville", ("main_city",), text=True),
    sorting.Column("depuis", ("first_start",)),
)
ORGANISATION_DEFAULT_SORT = sorting.Sort("nom")
PERSON_COLUMNS = (
    sorting.Column("nom", ("sort_name",), text=True),
    sorting.Column("email", ("email",), text=True),
    sorting.Column("telephone", ("phone",), text=True),
)
PERSON_DEFAULT_SORT = sorting.Sort("nom")
MEMBERSHIP_COLUMNS = (
    sorting.Column("organisation", ("organisation__search_name", "association__name"), text=True),
    sorting.Column("association", ("association__name", "organisation__search_name"), text=True),
    sorting.Column("statut", ("status", "organisation__search_name"), text=True),
    sorting.Column("depuis", ("starts_on",)),
    sorting.Column("origine", ("origin__name", "organisation__search_name"), text=True),
    sorting.Column("type", ("membership_type__name", "organisation__search_name"), text=True),
    sorting.Column("cotisation", ("annual_fee",)),
)
MEMBERSHIP_DEFAULT_SORT = sorting.Sort("organisation")
LIST_SORTS = {
    "organisations": (ORGANISATION_COLUMNS, ORGANISATION_DEFAULT_SORT),
    "personnes": (PERSON_COLUMNS, PERSON_DEFAULT_SORT),
    "adhesions": (MEMBERSHIP_COLUMNS, MEMBERSHIP_DEFAULT_SORT),
}


def sort_param(kind: str, value: str) -> str:
    """The sort a list really applies for ``?tri=value`` (its own order for an unknown column), as
    ``?tri=`` writes it: what the column headers show as the current sort."""
    columns, default = LIST_SORTS[kind]
    return sorting.read_sort(value, columns, default).param


# The order in which the list and its exports read an organisation's sites (the first is the one shown: the head
# office, else the first by commune) and its memberships (the first start is « adhérent depuis »).
SITE_ORDER = ("-is_head_office", "search_city", "pk")
MEMBERSHIP_ORDER = ("starts_on", "pk")


class ListedSite(NamedTuple):
    """A site as the organisation list shows it."""

    city: str
    departement_code: str


class PageMembership(NamedTuple):
    """A membership as the organisation list shows it: a badge with the association's short name."""

    status: str
    association_label: str
    starts_on: datetime.date | None

    @property
    def status_label(self) -> str:
        """The status as ``Membership.get_status_display`` says it."""
        return str(dict(Membership.Status.choices).get(self.status, self.status))


def with_list_relations(organisations: Iterable[Organisation]) -> list[Organisation]:
    """For one page of organisations, what the list shows: its first site (``main_establishment``), how many it
    has (``site_count``), its memberships (``list_memberships``) and « adhérent depuis » (``member_since``).

    Read as plain tuples, two queries a page: as model instances (Django's prefetch, some 220 a page) they
    were a third of a list page's CPU (benchmarks/load/)."""
    page = list(organisations)
    ids = [organisation.pk for organisation in page]
    sites: dict[int, list[ListedSite]] = {}
    memberships: dict[int, list[PageMembership]] = {}
    if ids:
        for organisation_id, city, departement_code in (
            Establishment.objects.filter(organisation_id__in=ids)
            .order_by("organisation_id", *SITE_ORDER)
            .values_list("organisation_id", "city", "departement_code")
        ):
            sites.setdefault(organisation_id, []).append(ListedSite(city, departement_code))
        for organisation_id, status, short_name, name, starts_on in (
            Membership.objects.filter(organisation_id__in=ids)
            .order_by("organisation_id", *MEMBERSHIP_ORDER)
            .values_list(
                "organisation_id", "status", "association__short_name", "association__name", "starts_on"
            )
        ):
            memberships.setdefault(organisation_id, []).append(
                PageMembership(status, short_name or name, starts_on)
            )
    for organisation in page:
        found = sites.get(organisation.pk, [])
        organisation.main_establishment = found[0] if found else None
        organisation.site_count = len(found)
        organisation.list_memberships = memberships.get(organisation.pk, [])
        starts = [m.starts_on for m in organisation.list_memberships if m.starts_on]
        organisation.member_since = min(starts) if starts else None
    return page


class ShownSite(NamedTuple):
    siret: str
    street: str
    postcode: str
    city: str
    departement_code: str
    country: str


class ListedMembership(NamedTuple):
    association_name: str
    status: str
    starts_on: datetime.date | None


def export_relations(
    organisation_ids: list[int],
) -> tuple[dict[int, ShownSite], dict[int, list[ListedMembership]]]:
    """For a batch of an export, what ``with_list_relations`` gives a page, as plain tuples (an export of ten
    thousand organisations built forty thousand model instances, most of its time): each organisation's
    shown site and its memberships, in the list's orders."""
    shown: dict[int, ShownSite] = {}
    for organisation_id, *site in (
        Establishment.objects.filter(organisation_id__in=organisation_ids)
        .order_by("organisation_id", *SITE_ORDER)
        .values_list("organisation_id", *ShownSite._fields)
    ):
        if organisation_id not in shown:
            shown[organisation_id] = ShownSite(*site)
    memberships: dict[int, list[ListedMembership]] = {}
    for organisation_id, *membership in (
        Membership.objects.filter(organisation_id__in=organisation_ids)
        .order_by("organisation_id", *MEMBERSHIP_ORDER)
        .values_list("organisation_id", "association__name", "status", "starts_on")
    ):
        memberships.setdefault(organisation_id, []).append(ListedMembership(*membership))
    return shown, memberships


def visible(queryset: QuerySet[M], pk: int, missing: str) -> M:
    """The object ``pk`` of a scoped queryset, or NotFound: outside the user's scope looks exactly like
    missing (a 404 on every page, grappe.core.access)."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise NotFound(missing % {"id": pk})
    return found


def get_organisation(user: User, pk: int) -> Organisation:
    return visible(visible_organisations(user), pk, _("Organisation n° %(id)s introuvable."))


def folded_into(user: User, pk: int) -> FoldedOrganisation | None:
    """Where the organisation that was ``pk`` went, when it was folded into another that ``user`` may see (its
    ``survivor``, the latest fold of that id); None otherwise, and then its page is « introuvable »."""
    if Organisation.objects.filter(pk=pk).exists():
        return None  # it is there, the reader may not see it: « introuvable », as for any other
    folded = FoldedOrganisation.objects.filter(folded_id=pk).order_by("-folded_at", "-pk").first()
    if folded is None or not visible_organisations(user).filter(pk=folded.survivor_id).exists():
        return None
    return folded


@dataclass
class LineageEntry:
    field: str
    column: str
    value: str
    retained: bool
    target_label: str


@dataclass
class ProvenanceRecord:
    record: SourceRecord
    cells: list[tuple[str, str]]
    lineage: list[LineageEntry] = field(default_factory=list)


@dataclass
class OrganisationDetail:
    organisation: Organisation
    establishments: list[Establishment]
    roles: list[Role]
    memberships: list[Membership]
    provenance: list[ProvenanceRecord]
    source_record_count: int
    other_lineage: list[LineageEntry]
    tags: list[Tag]


PROVENANCE_LIMIT = 100


def _field_label(content_type_id: int, name: str) -> str:
    """The field's French verbose name ("raison sociale" for ``name``), or its code name if unknown."""
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    try:
        return str(model._meta.get_field(name).verbose_name) if model else name
    except FieldDoesNotExist:
        return name


def _lineage_entry(
    content_type_id: int,
    object_id: int,
    field_name: str,
    column: str,
    value: str,
    retained: bool,
    labels: dict[tuple[int, int], str],
) -> LineageEntry:
    return LineageEntry(
        field=_field_label(content_type_id, field_name),
        column=column,
        value=value,
        retained=retained,
        target_label=labels.get((content_type_id, object_id), ""),
    )


_PROVENANCE_FIELDS = (
    "line_number",
    "values",
    "status",
    "issues",
    "organisation_id",
    "source_file__original_name",
    "source_file__sheet",
    "source_file__headers",
    "source_file__imported_at",
    "source_file__sha256",
)


def organisation_detail(user: User, pk: int) -> OrganisationDetail:
    """An organisation with everything the detail page shows, in a fixed number of queries."""
    organisation = get_organisation(user, pk)
    establishments = list(organisation.establishments.order_by("-is_head_office", "city", "pk"))
    roles = list(
        organisation.roles.select_related("person").order_by(
            "kind", "person__last_name", "person__first_name"
        )
    )
    memberships = list(
        organisation.memberships.select_related(
            "association", "origin", "establishment", "membership_type", "college"
        ).order_by("-status", "starts_on", "pk")
    )
    records_qs = organisation.source_records.all()
    records = list(
        records_qs.select_related("source_file")
        # The file's name, sheet, headers, date and hash: not its mapping and counts (JSON read for nothing).
        .only(*_PROVENANCE_FIELDS)
        .order_by("source_file__imported_at", "source_file_id", "line_number")[:PROVENANCE_LIMIT]
    )
    # Counted only when the page is full: fewer rows than the limit are all the rows (a query saved on almost
    # every organisation).
    record_count = records_qs.count() if len(records) == PROVENANCE_LIMIT else len(records)
    org_type = ContentType.objects.get_for_model(Organisation)
    # As tuples: the page shows five of the lineage's columns, and an organisation has tens of lineage rows a
    # source line (26 for an imported member), each a model instance otherwise.
    lineage = (
        Lineage.objects.filter(
            Q(source_record__in=[r.pk for r in records]) | Q(content_type=org_type, object_id=organisation.pk)
        )
        .order_by("source_record_id", "field", "pk")
        .values_list(
            "source_record_id", "content_type_id", "object_id", "field", "column", "value", "retained"
        )
    )
    labels = _target_labels(organisation, establishments, roles, memberships)
    by_record: dict[int, ProvenanceRecord] = {
        r.pk: ProvenanceRecord(record=r, cells=list(r.as_dict().items())) for r in records
    }
    other: list[LineageEntry] = []
    for record_id, *item in lineage:
        entry = _lineage_entry(*item, labels)
        if record_id in by_record:
            by_record[record_id].lineage.append(entry)
        else:
            other.append(entry)
    return OrganisationDetail(
        organisation=organisation,
        establishments=establishments,
        roles=roles,
        memberships=memberships,
        provenance=list(by_record.values()),
        source_record_count=record_count,
        other_lineage=other,
        tags=list(organisation.tags.select_related("association")),
    )


def _target_labels(
    organisation: Organisation,
    establishments: list[Establishment],
    roles: list[Role],
    memberships: list[Membership],
) -> dict[tuple[int, int], str]:
    """Human labels for the objects lineage can point at, keyed by (content type id, object id)."""
    types = ContentType.objects.get_for_models(Organisation, Establishment, Role, Membership, Person)
    labels = {(types[Organisation].pk, organisation.pk): str(Organisation._meta.verbose_name).capitalize()}
    for item in establishments:
        labels[(types[Establishment].pk, item.pk)] = (
            f"{Establishment._meta.verbose_name} {item.siret or item.city}"
        )
    for role in roles:
        labels[(types[Role].pk, role.pk)] = f"{role.get_kind_display()} — {role.person}"
        labels[(types[Person].pk, role.person_id)] = str(role.person)
    for item in memberships:
        labels[(types[Membership].pk, item.pk)] = f"{Membership._meta.verbose_name} {item.association}"
    return labels


# --- People and memberships ---------------------------------------------------------------------------------


def search_people(user: User, q: str = "", sort: str = "") -> QuerySet[Person]:
    queryset = visible_people(user)
    if q:
        queryset = queryset.filter(search.person_condition(q))
    return sorting.order(
        queryset.only("pk", "first_name", "last_name", "email", "phone"),
        sorting.read_sort(sort, PERSON_COLUMNS, PERSON_DEFAULT_SORT),
        PERSON_COLUMNS,
    )


def with_person_roles(user: User, people: list[Person]) -> list[Person]:
    prefetch_related_objects(
        people,
        Prefetch(
            "roles",
            queryset=visible_roles(user)
            .select_related("organisation")
            .only("pk", "person_id", "kind", "job_title", "organisation__name"),
            to_attr="visible_roles",
        ),
    )
    return people


def export_person_roles(user: User, person_ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
    """For a batch of the people export, ``with_person_roles`` as tuples: each person's roles the user may see
    (organisation name, kind, job title), in the roles' own order."""
    roles: dict[int, list[tuple[str, str, str]]] = {}
    for person_id, *role in (
        visible_roles(user)
        .filter(person_id__in=person_ids)
        .order_by("person_id", *Role._meta.ordering)
        .values_list("person_id", "organisation__name", "kind", "job_title")
    ):
        roles.setdefault(person_id, []).append(tuple(role))
    return roles


def get_person(user: User, pk: int) -> Person:
    return visible(visible_people(user), pk, _("Personne n° %(id)s introuvable."))


def person_roles(user: User, person: Person) -> list[Role]:
    return list(
        visible_roles(user)
        .filter(person=person)
        .select_related("organisation")
        .order_by("organisation__name", "kind")
    )


@dataclass(frozen=True)
class MembershipFilters:
    q: str = ""
    association: Association | None = None
    origin: Association | None = None
    status: str = ""
    since_year: int | None = None
    sort: str = ""


def search_memberships(user: User, filters: MembershipFilters) -> QuerySet[Membership]:
    queryset = visible_memberships(user)
    if filters.q:
        queryset = queryset.filter(search.membership_condition(filters.q))
    if filters.association:
        queryset = queryset.filter(association=filters.association)
    if filters.origin:
        queryset = queryset.filter(origin=filters.origin)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.since_year:
        queryset = queryset.filter(starts_on__year=filters.since_year)
    queryset = queryset.select_related(
        "organisation", "association", "origin", "membership_type", "college"
    ).only(
        "pk",
        "status",
        "starts_on",
        "ends_on",
        "college",
        "college__name",
        "membership_type",
        "membership_type__name",
        "annual_fee",
        "organisation__name",
        "organisation__siren",
        "association__name",
        "origin__name",
    )
    return sorting.order(
        queryset,
        sorting.read_sort(filters.sort, MEMBERSHIP_COLUMNS, MEMBERSHIP_DEFAULT_SORT),
        MEMBERSHIP_COLUMNS,
    )


# --- The network's structure --------------------------------------------------------------------------------


ASSOCIATION_SORT_KEYS: dict[str, Callable[[Any], Any]] = {
    "nom": lambda a: fold(a.name),
    "siege": lambda a: fold(a.seat_city),
    "statut": lambda a: fold(str(a.get_status_display())),
    "territoires": lambda a: a.territory_count,
    "creation": lambda a: a.founded_on,
}
TERRITORY_SORT_KEYS: dict[str, Callable[[Any], Any]] = {
    "nom": lambda t: fold(t.name),
    "association": lambda t: fold(t.association.name),
    "departements": lambda t: tuple(t.departement_codes or ()),
    "implantations": lambda t: t.office_count,
    "adherents": lambda t: t.member_count,
}


def _in_memory_sort(value: str | None, keys: Mapping[str, Callable[[Any], Any]]) -> sorting.Sort | None:
    """The ``?tri=`` of a short list sorted in Python; None: the list's own order."""
    columns = [sorting.Column(key, ()) for key in keys]
    sort = sorting.read_sort(value, columns, sorting.Sort(""))
    return sort if sort.key else None


def association_list(user: User, sort: str | None = None) -> list[Association]:
    """The associations ``user`` may see, sorted by the ``?tri=`` column (a few dozen rows: sorted here)."""
    associations = list(
        visible_associations(user)
        .select_related("absorbed_into")
        .annotate(territory_count=Count("territories", distinct=True))
        .order_by("status", "name")
    )
    chosen = _in_memory_sort(sort, ASSOCIATION_SORT_KEYS)
    return sorting.sort_rows(associations, chosen, ASSOCIATION_SORT_KEYS) if chosen else associations


@dataclass
class AssociationDetail:
    association: Association
    territories: list[Territory]
    offices: list[Office]
    staff: list[StaffMember]
    brands: list[Brand]
    absorbed: list[Association]
    member_count: int


def association_detail(user: User, pk: int) -> AssociationDetail:
    association = visible(
        visible_associations(user).select_related("absorbed_into"),
        pk,
        _("Association n° %(id)s introuvable."),
    )
    return AssociationDetail(
        association=association,
        territories=list(association.territories.order_by("name")),
        offices=list(association.offices.select_related("territory").order_by("kind", "name")),
        staff=list(association.staff.select_related("office").order_by("left_on", "last_name", "first_name")),
        brands=list(association.brands.select_related("origin_association").prefetch_related("territories")),
        absorbed=list(association.absorbed_associations.order_by("absorbed_on", "name")),
        member_count=_member_count(user, association),
    )


def _active_member_organisations(user: User) -> QuerySet[Membership]:
    """Visible active memberships of any association, in negotiation included (for one association's counts)."""
    return visible_memberships(user).filter(status=Membership.Status.ACTIVE)


def _network_memberships(user: User) -> QuerySet[Membership]:
    """Visible memberships that make the network's figures (``stats.network_memberships``)."""
    return stats.network_memberships(visible_memberships(user))


def _member_count(user: User, association: Association) -> int:
    return stats.count_members(_active_member_organisations(user).filter(association=association))


def territory_list(user: User, sort: str | None = None) -> list[Territory]:
    territories = list(
        visible_territories(user)
        .select_related("association")
        .annotate(office_count=Count("office", distinct=True))
        .order_by("association__name", "name")
    )
    counts = members_by_territory(user, territories)
    for territory in territories:
        territory.member_count = counts.get(territory.pk, 0)
        territory.departements = [_departement_label(code) for code in territory.departement_codes or ()]
    chosen = _in_memory_sort(sort, TERRITORY_SORT_KEYS)
    return sorting.sort_rows(territories, chosen, TERRITORY_SORT_KEYS) if chosen else territories


@dataclass
class TerritoryDetail:
    territory: Territory
    departements: list[tuple[str, str, int]]
    offices: list[Office]
    staff: list[StaffMember]
    member_count: int
    in_scope: bool


def territory_detail(user: User, pk: int) -> TerritoryDetail:
    territory = visible(
        visible_territories(user).select_related("association"), pk, _("Territoire n° %(id)s introuvable.")
    )
    codes = list(territory.departement_codes or ())
    by_departement = members_by_departement(user, association=territory.association, codes=codes)
    scope = require_registry_access(user)
    return TerritoryDetail(
        territory=territory,
        departements=[(code, _departement_name(code), by_departement.get(code, 0)) for code in codes],
        offices=list(territory.office_set.order_by("kind", "name")),
        staff=list(
            StaffMember.objects.current()
            .filter(office__territory=territory)
            .select_related("office")
            .order_by("last_name", "first_name")
        ),
        member_count=members_by_territory(user, [territory]).get(territory.pk, 0),
        in_scope=scope.everything or bool(scope.departement_codes & set(codes)),
    )


def office_list(user: User, day: datetime.date | None = None) -> list[Office]:
    """The offices open on ``day`` (today by default), each with ``current_staff``: the staff working there that
    day (their assignment then, hired by then and not gone), so that a move shows from its date."""
    day = day or timezone.localdate()
    in_post = StaffMember.objects.current(day).filter(Q(hired_on__isnull=True) | Q(hired_on__lte=day))
    assignments = (
        StaffAssignment.objects.on(day)
        .filter(staff_member__in=in_post)
        .select_related("staff_member")
        .order_by("staff_member__last_name", "staff_member__first_name", "pk")
    )
    offices = list(
        visible_offices(user)
        .filter(Q(opened_on__isnull=True) | Q(opened_on__lte=day))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=day))
        .select_related("association", "territory")
        .prefetch_related(Prefetch("assignments", queryset=assignments, to_attr="assignments_on_day"))
        .order_by("association__name", "kind", "name")
    )
    for office in offices:
        office.current_staff = [a.staff_member for a in office.assignments_on_day]  # type: ignore[attr-defined]
    return offices


# --- Dashboard counts ---------------------------------------------------------------------------------------
# The counting rule lives in ``grappe.registry.stats`` (a member is an organisation with an active membership; it
# counts once per association and once in each département of its establishments), restricted to the scope.


def _departement_name(code: str) -> str:
    item = geo.departement(code)
    return item.name if item else ""


def _departement_label(code: str) -> str:
    name = _departement_name(code)
    return f"{code} {name}" if name else code


def members_by_association(user: User) -> list[dict[str, Any]]:
    rows = (
        _network_memberships(user)
        .values("association_id", "association__name", "association__status")
        .annotate(members=Count("organisation_id", distinct=True))
        .order_by("-members", "association__name")
    )
    return [
        {
            "pk": row["association_id"],
            "name": row["association__name"],
            "status": row["association__status"],
            "members": row["members"],
        }
        for row in rows
    ]


def members_by_departement(
    user: User, *, association: Association | None = None, codes: list[str] | None = None
) -> dict[str, int]:
    if association is not None:
        memberships = _active_member_organisations(user).filter(association=association)
    else:
        memberships = _network_memberships(user)
    scope = require_registry_access(user)
    if not scope.everything:
        codes = (
            sorted(scope.departement_codes & set(codes))
            if codes is not None
            else sorted(scope.departement_codes)
        )
    return stats.count_by_departement(memberships, codes=codes)


def members_by_territory(user: User, territories: list[Territory]) -> dict[int, int]:
    """Members of each territory's association with an establishment in its départements (one query each)."""
    scope = require_registry_access(user)
    counts: dict[int, int] = {}
    for territory in territories:
        codes = set(territory.departement_codes or ())
        if not scope.everything:
            codes &= scope.departement_codes
        members = _active_member_organisations(user).filter(association_id=territory.association_id)
        counts[territory.pk] = stats.count_in_departements(members, codes)
    return counts


@dataclass(frozen=True)
class WhatIf:
    """An association in negotiation, apart from the network's figures: what its merger would add."""

    pk: int
    name: str
    members: int
    # Its members not already members of the network (those a merger would really add).
    new_members: int
    network_after: int


def what_ifs(user: User, network_members: int) -> list[WhatIf]:
    network = _network_memberships(user).values("organisation_id")
    result = []
    for association in stats.negotiating_associations().order_by("name"):
        own = _active_member_organisations(user).filter(association=association)
        new = stats.count_members(own.exclude(organisation_id__in=network))
        result.append(
            WhatIf(
                pk=association.pk,
                name=association.name,
                members=stats.count_members(own),
                new_members=new,
                network_after=network_members + new,
            )
        )
    return result


@dataclass
class Dashboard:
    scope: Scope
    organisation_count: int
    member_count: int
    startup_count: int
    by_association: list[dict[str, Any]]
    territories: list[Territory]
    by_departement: list[tuple[str, str, int]]
    recent_files: list[SourceFile]
    today: datetime.date
    in_negotiation: list[WhatIf] = field(default_factory=list)


def dashboard(user: User) -> Dashboard:
    scope = require_registry_access(user)
    by_departement = members_by_departement(user)
    member_count = stats.count_members(_network_memberships(user))
    negotiating = set(stats.negotiating_associations().values_list("pk", flat=True))
    return Dashboard(
        scope=scope,
        organisation_count=visible_organisations(user).count(),
        member_count=member_count,
        in_negotiation=what_ifs(user, member_count),
        startup_count=visible_organisations(user).filter(is_startup=True).count(),
        by_association=members_by_association(user),
        territories=[
            t
            for t in territory_list(user)
            if (scope.everything or scope.departement_codes & set(t.departement_codes or ()))
            and t.association_id not in negotiating
        ],
        by_departement=sorted(
            ((code, _departement_name(code), n) for code, n in by_departement.items()),
            key=lambda item: (-item[2], item[0]),
        ),
        recent_files=list(
            visible_source_files(user).select_related("association").order_by("-imported_at")[:5]
        ),
        today=timezone.localdate(),
    )


# --- History (the audit log, per object) ---------------------------------------------------------------------

# URL word → model whose history has a page.
HISTORY_MODELS: dict[str, type] = {
    "organisation": Organisation,
    "etablissement": Establishment,
    "personne": Person,
    "adhesion": Membership,
}


@dataclass
class HistoryEntry:
    event: AuditEvent
    action: str
    # The object the event is about when it is not the page's own (« établissement Valence »).
    about: str
    changes: list[tuple[str, str, str]]
    details: list[tuple[str, str]]


def object_history(user: User, kind: str, pk: int) -> tuple[Any, QuerySet[AuditEvent]]:
    """The object (through the visibility rule: not visible is 404) and its events, newest first: its own,
    those of what hangs off it (establishments, memberships, roles), and for an organisation the imports
    that fed it; for a person, the events of their roles."""
    model = HISTORY_MODELS.get(kind)
    if model is None:
        raise NotFound(_("Historique introuvable."))
    obj = visible(restrict(user, model.objects.all()), pk, _("Objet n° %(id)s introuvable."))
    extra = Q(pk__in=[])
    if model is Organisation:
        files = obj.source_records.values_list("source_file_id", flat=True).distinct()
        extra = audit.within(SourceFile, files) & Q(action="import")
    elif model is Person:
        role_type = ContentType.objects.get_for_model(Role)
        extra = Q(object_type=role_type, object_id__in=list(obj.roles.values_list("pk", flat=True)))
    return obj, audit.history(obj, extra=extra)


def history_entries(obj: Any, events: list[AuditEvent]) -> list[HistoryEntry]:
    """One page of events as the history page shows them."""
    own_type = ContentType.objects.get_for_model(obj)
    entries = []
    for event in events:
        own = event.object_type_id == own_type.pk and event.object_id == obj.pk
        kind = event.object_type.name if event.object_type_id else ""
        entries.append(
            HistoryEntry(
                event=event,
                action=audit.action_label(event.action),
                about="" if own else f"{kind} « {event.object_label} »".strip(),
                changes=audit.described_changes(event),
                details=audit.described_details(event),
            )
        )
    return entries


# --- Editing (issue 10): who may change the registry, and what ----------------------------------------------

EDIT_PERMISSION = "registry.change_organisation"


def can_edit_registry(user: User) -> bool:
    """Staff of the network holding the right to change organisations (superusers hold every right) edit the
    registry, within what they see (their territory for an antenna's staff); the others only read it."""
    return scope_for(user) is not None and user.has_perm(EDIT_PERMISSION)  # type: ignore[union-attr]


def editable_organisation(user: User, pk: int) -> Organisation:
    """The organisation ``pk`` for editing: outside the user's territory looks exactly like missing (404), a
    reader without the right is refused before (``staff_view``'s capability: 403)."""
    if not can_edit_registry(user):
        raise PermissionDenied(_("Modification réservée aux salariés du réseau qui en ont le droit."))
    return get_organisation(user, pk)


def editable_part(user: User, queryset: QuerySet[M], pk: int, missing: str) -> M:
    """An establishment, role or membership for editing, through the same visibility rule."""
    if not can_edit_registry(user):
        raise PermissionDenied(_("Modification réservée aux salariés du réseau qui en ont le droit."))
    return visible(restrict(user, queryset), pk, missing)


@dataclass(frozen=True)
class ExistingOrganisation:
    """An organisation already in the registry under a SIREN or SIRET someone is about to add.
    ``organisation`` is None when it lies outside the user's territory: they learn that it exists (the
    registry refuses a duplicate anyway), not what it is."""

    identifier: str
    organisation: Organisation | None


def existing_organisation(user: User, *, siren: str = "", siret: str = "") -> ExistingOrganisation | None:
    """The organisation already holding ``siren``, ``siret`` or the SIREN of ``siret`` (values normalised)."""
    condition = Q(pk__in=[])
    if siren:
        condition |= Q(siren=siren)
    if siret:
        condition |= Q(siren=siret[:9]) | Q(
            pk__in=Establishment.objects.filter(siret=siret).values("organisation_id")
        )
    found = Organisation.objects.filter(condition).order_by("pk").first()
    if found is None:
        return None
    shown = visible_organisations(user).filter(pk=found.pk).first()
    return ExistingOrganisation(identifier=siret or siren, organisation=shown)
