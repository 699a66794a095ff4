"""One access rule for every page: who may open it, and how a refusal looks.

- Anonymous visitors go to the login page.
- A signed-in user without the page's capability gets a 403 with a sentence saying whose work it is (a page
  whose existence is no secret: the imports, the mergers' list).
- An object the user may not see is looked up exactly like a missing one: every lookup raises
  ``grappe.errors.NotFound`` (selectors) or ``Http404``, and both answer 404, so nothing leaks which ids exist.

Selectors do lookup and authorisation in one call (``merger_for(user, id)``, ``organisation_for(user, id)``),
as Zulip's ``access_stream_by_id``; views declare the capability with ``staff_view``. The admin, the exports
and the CLI read the same selectors' querysets.

The territory rules of the imports and the mergers (below, "Territory") read the registry's scope: one
visibility rule for every app.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.errors import NotFound

View = Callable[..., HttpResponse]
Capability = Callable[[Any], bool]


def staff_view(*, capability: Capability | None = None, denied: str | Promise = "") -> Callable[[View], View]:
    """Decorate a view: login first, then ``capability(user)`` (403 with ``denied`` when false), and every
    ``NotFound`` raised inside answered as 404."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if capability is not None and not capability(request.user):
                raise PermissionDenied(denied)
            try:
                return view(request, *args, **kwargs)
            except NotFound as error:
                raise Http404(error.message) from error

        wrapper.grappe_access = True  # type: ignore[attr-defined]  # tests check every page carries it
        return wrapper

    return decorate


def offered_in_menu(user: Any, capability: Capability, permission: str) -> bool:
    """Whether the main menu offers a page guarded by ``capability``, which needs ``permission``
    ("app_label.codename"): a link to a page that answers 403 is no help. The menu is on every page: while the
    user's permissions are not loaded yet, one query answers instead of the two that loading them costs (the
    page itself still checks ``capability``)."""
    if not (user and user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser)):
        return False
    if user.is_superuser or hasattr(user, "_perm_cache"):
        return capability(user)
    app_label, codename = permission.split(".", 1)
    return Permission.objects.filter(
        Q(user=user) | Q(group__user=user), content_type__app_label=app_label, codename=codename
    ).exists()


# --------------------------------------------------------------------------------------------------------
# Territory: the registry's scope, carried to the imports, the mergers and every export
#
# ``grappe.registry.selectors`` computes who sees which organisation (``scope_for``, ``restrict``); the rules
# below read that scope and nothing else, so an organisation that is a 404 on its page is hidden in an import's
# rows, a review pair and a download alike. The rules, for staff attached to an antenna or a bureau with a
# territory ("territorial staff"); head-office staff, superusers and accounts holding the right without a staff
# record see everything, as before:
#
# - Imports. A job is visible to its uploader, to staff whose territory shares a département with the
#   uploader's, and to staff whose territory holds one of the organisations its rows were imported into. A
#   file's lines (rejected rows, validation issues, the report CSV, the mapping page's sample rows) are shown in
#   full to the uploader (who holds the file) and to head-office staff; anyone else sees only the lines of their
#   territory: rows imported into one of their organisations, rejected rows whose postcode lies in one of their
#   départements. The other lines are counted, never detailed. Mapping, correcting a flagged cell and starting
#   an import handle the whole file: the uploader's and head office's work (403 for anyone else).
# - Mergers. A merger is visible when one of its networks (absorbing, absorbed, resulting) has a territory
#   sharing a département with the user's. A review pair is listed when at least one of its organisations is
#   visible in the registry; the side that is not shows its legal name, identifiers, places and NAF code (public
#   SIRENE data, needed to decide) with its e-mail, phone, website and street masked. So a permanent reviews the
#   pairs touching their members and never reads another territory's contacts.
# - Whole-merger actions (planning, recomputing, bulk acceptance, importing or exporting the decisions, the
#   membership types, apply, undo, the full report and its CSV and PDF) act on or show every member of both
#   networks: 403 for territorial staff, the 403 page saying why.
# - Governance. The structure (bodies, statutes and their versions, territories with their committees, offices
#   and staff) is shared with every staff member; the mandates listed on those pages are narrowed by the
#   registry's rule (a mandate follows its person). A merger's seats what-if, procedure timeline and documents
#   follow the merger (``restrict_mergers``: another territory's is a 404). Recording a version of the statutes
#   acts for the whole association: head office only (``whole_network_view``), with the right to add statutes.


def scope_for(user: Any) -> Any:
    """The registry's scope for ``user`` (``grappe.registry.selectors.Scope``), or None: no staff record."""
    from grappe.registry.selectors import scope_for as registry_scope

    return registry_scope(user)


def is_territorial(user: Any) -> bool:
    """Staff whose view of the registry is limited to a territory's départements."""
    scope = scope_for(user)
    return scope is not None and not scope.everything


def sees_whole_network(user: Any) -> bool:
    """The capability of the whole-network actions: everyone but territorial staff."""
    return not is_territorial(user)


WHOLE_NETWORK_DENIED = gettext_lazy(
    "Cette action porte sur tous les adhérents des réseaux concernés, au-delà de votre territoire : elle est "
    "réservée à la direction et au siège. Demandez-la à la direction du réseau."
)


def whole_network_view(*, capability: Capability | None = None) -> Callable[[View], View]:
    """``staff_view`` for a page acting on or showing a whole network: 403 for territorial staff, with why."""

    def allowed(user: Any) -> bool:
        return sees_whole_network(user) and (capability is None or capability(user))

    return staff_view(capability=allowed, denied=WHOLE_NETWORK_DENIED)


def _territory_ids(scope: Any) -> list[int]:
    """Territories sharing a département with ``scope``'s (its own included): few rows, read in Python as
    their départements are a JSON list."""
    from grappe.registry.models import Territory

    wanted = scope.departement_codes
    return [
        pk
        for pk, codes in Territory.objects.values_list("pk", "departement_codes")
        if wanted & set(codes or ())
    ]


def visible_organisations(user: Any) -> QuerySet:
    from grappe.registry.selectors import visible_organisations as registry_visible

    return registry_visible(user)


# -- imports -----------------------------------------------------------------------------------------------


def restrict_imports(user: Any, queryset: QuerySet) -> QuerySet:
    """Import jobs (``grappe.intake.models.ImportJob``) ``user`` may see among ``queryset``."""
    scope = scope_for(user)
    if scope is None or scope.everything:
        return queryset
    from grappe.registry.models import SourceRecord
    from grappe.registry.selectors import restrict

    imported_here = restrict(user, SourceRecord.objects.filter(source_file_id=OuterRef("source_file_id")))
    return queryset.filter(
        Q(created_by=user)
        | Q(created_by__staff_member__office__territory__in=_territory_ids(scope))
        | Q(Exists(imported_here))
    )


def sees_whole_import(user: Any, job: Any) -> bool:
    """Whether ``user`` may read every line of ``job``'s file: its uploader, or staff seeing every territory."""
    return sees_whole_network(user) or (job.created_by_id is not None and job.created_by_id == user.pk)


def check_import_file(user: Any, job: Any) -> None:
    """Mapping, correcting and starting an import handle the whole file (its sample rows, all its lines)."""
    if not sees_whole_import(user, job):
        raise PermissionDenied(
            _(
                "Cet import a été déposé par une autre personne et son fichier contient des adhérents hors de "
                "votre territoire : seuls la personne qui l'a déposé et la direction peuvent le préparer ou le "
                "lancer."
            )
        )


def postcode_prefixes(departement_codes: frozenset[str]) -> list[str]:
    """The starts of the postcodes of these départements (La Poste: Corsica 200-201 / 202-206, overseas 3
    digits), to find a verbatim row's département in the database."""
    prefixes: list[str] = []
    for code in sorted(departement_codes):
        if code == "2A":
            prefixes += ["200", "201"]
        elif code == "2B":
            prefixes += ["202", "203", "204", "205", "206"]
        else:
            prefixes.append(code)
    return prefixes


REJECTED = "rejected"  # grappe.registry.models.SourceRecord.Status.REJECTED


def _postcode_columns(source_file: Any) -> list[int]:
    """Positions of the cells a file's mapping read as the postcode (``SourceFile.mapping``: header → field)."""
    if source_file is None:
        return []
    headers = list(source_file.headers or [])
    mapping = source_file.mapping or {}
    return [
        headers.index(header) for header, name in mapping.items() if name == "postcode" and header in headers
    ]


def import_records_in_scope(user: Any, job: Any, records: QuerySet) -> QuerySet:
    """The source rows (``SourceRecord``) of ``job`` whose details ``user`` may read."""
    if sees_whole_import(user, job):
        return records
    from grappe.registry.selectors import restrict

    scope = scope_for(user)
    # Imported rows: the registry's own rule on the organisation they fed, row by row.
    condition = Q(Exists(restrict(user, records.model.objects.filter(pk=OuterRef("pk")))))
    for column in _postcode_columns(job.source_file):
        for prefix in postcode_prefixes(scope.departement_codes):
            condition |= Q(status=REJECTED, **{f"values__{column}__startswith": prefix})
    return records.filter(condition)


def import_lines_in_scope(user: Any, job: Any, issues: QuerySet) -> QuerySet:
    """The validation issues (``ImportIssue``) of ``job`` whose details ``user`` may read: those of a line
    ``import_records_in_scope`` shows; none before the import wrote the rows (nothing tells their place)."""
    if sees_whole_import(user, job):
        return issues
    if job.source_file_id is None:
        return issues.none()
    from grappe.registry.models import SourceRecord

    lines = import_records_in_scope(
        user,
        job,
        SourceRecord.objects.filter(source_file_id=job.source_file_id, line_number=OuterRef("line")),
    )
    return issues.filter(Exists(lines))


# -- mergers -----------------------------------------------------------------------------------------------


def restrict_mergers(user: Any, queryset: QuerySet) -> QuerySet:
    """Mergers (``grappe.mergers.models.Merger``) ``user`` may see: one of their networks in the territory."""
    scope = scope_for(user)
    if scope is None or scope.everything:
        return queryset
    from grappe.registry.models import Association

    networks = Association.objects.filter(territories__in=_territory_ids(scope)).values("pk")
    return queryset.filter(
        Q(absorbing__in=networks) | Q(absorbed__in=networks) | Q(resulting_association__in=networks)
    )


def restrict_pairs(user: Any, queryset: QuerySet) -> QuerySet:
    """Review pairs (``CandidatePair``) with at least one organisation ``user`` sees in the registry."""
    if sees_whole_network(user):
        return queryset
    organisations = visible_organisations(user)
    return queryset.filter(
        Exists(organisations.filter(pk=OuterRef("left_org_id")))
        | Exists(organisations.filter(pk=OuterRef("right_org_id")))
    )


def pair_sides_in_scope(user: Any, pair: Any) -> tuple[bool, bool]:
    """Whether ``user`` sees the left and the right organisation of ``pair`` in the registry."""
    if sees_whole_network(user):
        return True, True
    seen = set(
        visible_organisations(user)
        .filter(pk__in=[pair.left_org_id, pair.right_org_id])
        .values_list("pk", flat=True)
    )
    return pair.left_org_id in seen, pair.right_org_id in seen


# -- budgets and action plans ------------------------------------------------------------------------------
#
# Every staff member opens the budgets; what a budget shows them is their territory's part. Territorial staff
# read the columns of the territories sharing a département with theirs (their own, and its namesake in a
# network being absorbed), the offices standing there, and the action plans shared with one of them (a plan
# mutualised across territories is theirs too, with every territory's part of it). The network-wide part and
# the network's totals are head office's. The same rule narrows the CSV and XLSX exports.


def has_staff_access(user: Any) -> bool:
    """Staff of the network (any office) and superusers: the budgets' and network memberships' pages."""
    return scope_for(user) is not None


def budget_territories(user: Any) -> set[int] | None:
    """The territories whose part of a budget ``user`` reads; None: every part, the network's included."""
    scope = scope_for(user)
    if scope is None:
        return set()
    if scope.everything:
        return None
    return set(_territory_ids(scope))


def restrict_action_plans(user: Any, queryset: QuerySet) -> QuerySet:
    """Action plans (``grappe.finance.budget_models.ActionPlan``) shared with one of ``user``'s territories."""
    territories = budget_territories(user)
    if territories is None:
        return queryset
    return queryset.filter(shares__territory__in=sorted(territories)).distinct()


# -- finance -----------------------------------------------------------------------------------------------
#
# - Dues and invoices follow the registry's rule (``grappe.finance.selectors``: a due is placed through its
#   membership's organisation): a permanent sees, invoices and reminds their territory's members.
# - Bank statements and their reconciliation queue name every payer of the association's account, whatever
#   its territory, and a line is decided against any member's dues: head office work (403 for territorial
#   staff, saying why), for accounts holding the right to record payments.
# - Reminders: the dues page's action sends them for the dues the user sees, with the right to send them.

RECONCILIATION_DENIED = gettext_lazy(
    "Le rapprochement bancaire porte sur tout le compte de l'association, payeurs de tous les territoires "
    "compris : il est réservé à la comptabilité du siège (droit d'enregistrer les paiements). Demandez-le à la "
    "direction du réseau."
)
REMINDERS_DENIED = gettext_lazy(
    "L'envoi des relances est réservé aux personnes qui en ont le droit : demandez-le à la direction du réseau."
)


def can_reconcile(user: Any) -> bool:
    from grappe.registry.selectors import has_registry_access

    return (
        has_registry_access(user) and sees_whole_network(user) and bool(user.has_perm("finance.add_payment"))
    )


def can_send_reminders(user: Any) -> bool:
    from grappe.registry.selectors import has_registry_access

    return has_registry_access(user) and bool(user.has_perm("finance.add_reminder"))


def reconciliation_view() -> Callable[[View], View]:
    return staff_view(capability=can_reconcile, denied=RECONCILIATION_DENIED)


def reminders_view() -> Callable[[View], View]:
    return staff_view(capability=can_send_reminders, denied=REMINDERS_DENIED)


# -- start-ups ---------------------------------------------------------------------------------------------
#
# A start-up project carries its own territory (most have no organisation yet): territorial staff see the
# projects of territories sharing a département with theirs, and nothing of the others (404, as everywhere);
# head-office staff see every project. The pipeline board, the deadlines, the reports and their CSV all read
# this one rule, and so do the services that move or convert a project (a permanent cannot act on a project
# they cannot see). The reminder command acts as the system (no user) over every project.
# Editing a project, its founders and its application files follows the same rule: the pages and the services
# answer « introuvable » for a project of another territory, and a project cannot be moved into a territory its
# editor does not see. A founder is picked among the people the registry shows the user plus the founders of
# the projects they see (a founder often has no role in any organisation yet); a person of another territory
# is « introuvable » too.


def restrict_startups(user: Any, queryset: QuerySet, territory_field: str = "territory") -> QuerySet:
    """Start-up projects (or rows hanging off one, through ``territory_field``) ``user`` may see."""
    scope = scope_for(user)
    if scope is None:
        return queryset.none()
    if scope.everything:
        return queryset
    return queryset.filter(**{f"{territory_field}__in": _territory_ids(scope)})
