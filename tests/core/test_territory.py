"""The territory rules (``grappe.core.access``) on every page: each route of the URL conf × each role
(anonymous, head office, territorial staff in the object's territory, territorial staff outside it) × the
object's territory, asserting the status and that no e-mail, phone or name of an organisation outside the
reader's territory appears in the answer.

The world: Numélink (Loire, 42) and Auvergne TIC (Auvergne, 63 and 43) imported through the intake
(``tests/mergers/scenario.py``), Auvergne TIC planned into Numélink, and two imports through the web pages with
rejected rows in both territories. The cast: the director (head office), a permanent of the Clermont antenna
(Auvergne) and one of Clust'R Numérique's Grenoble antenna (Isère, 38), each holding the import, merger and
registry editing rights.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from governance.conftest import NUMELINK_2016
from grappe.finance.models import BankLine, BankStatement, Document, Due, FeeSchedule
from grappe.governance import procedure
from grappe.governance import services as governance_services
from grappe.governance.models import Body, Mandate, ProcedureStep, Statutes
from grappe.intake.models import ImportJob
from grappe.mergers import services as merger_services
from grappe.mergers.models import CandidatePair, Merger, MergerJob, PlanJob
from grappe.registry.models import (
    Association,
    Establishment,
    Membership,
    Office,
    Organisation,
    Role,
    SourceRecord,
    StaffMember,
    Territory,
)
from intake.conftest import HEADERS, member_row
from mergers import scenario

pytestmark = pytest.mark.django_db

AUVERGNE = frozenset({"63", "43"})


@dataclass
class Governance:
    statutes: Statutes
    board: Body  # Numélink's, with a member of the Loire and one of Auvergne
    step: ProcedureStep  # the merger's notice, with its document


def _governance(base: Any, merger: Merger, user: Any) -> Governance:
    statutes = governance_services.import_statutes(association=base.numelink, text=NUMELINK_2016)
    board = Body.objects.create(
        association=base.numelink, code="conseil", name="Conseil", kind=Body.Kind.BOARD
    )
    # Written as history (the eligibility checks are governance's own tests): the page must narrow them.
    for territory in ("auvergne", "loire"):
        role = Role.objects.filter(organisation=_org(territory)).first()
        Mandate.objects.create(
            body=board, person=role.person, organisation=role.organisation, starts_on=statutes.adopted_on
        )
    opened = procedure.open_procedure(merger=merger, user=user)
    step = procedure.record_step(
        procedure=opened,
        kind="notice",
        done_on=scenario.EFFECTIVE - datetime.timedelta(days=40),
        upload=SimpleUploadedFile("avis.pdf", b"%PDF avis"),
    )
    return Governance(statutes=statutes, board=board, step=step)


@dataclass
class World:
    numelink: Association
    auvergne_tic: Association
    auvergne: Territory
    merger: Merger
    plan_job: PlanJob
    action_job: MergerJob  # an apply asked for from the web, which failed
    mixed_job: ImportJob  # the director's import: rows in Auvergne and in the Loire
    loire_job: ImportJob  # the director's import: rows in the Loire only
    governance: Governance
    users: dict[str, Any] = field(default_factory=dict)


def _staff(django_user_model, username: str, office: Office) -> Any:
    user = django_user_model.objects.create_user(username, is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="manage_merger", content_type__app_label="mergers"),
        Permission.objects.get(codename="add_importjob", content_type__app_label="intake"),
        Permission.objects.get(codename="change_organisation", content_type__app_label="registry"),
        Permission.objects.get(codename="add_statutes", content_type__app_label="governance"),
        *Permission.objects.filter(
            codename__in=("add_document", "add_payment", "add_reminder"), content_type__app_label="finance"
        ),
    )
    StaffMember.objects.create(
        association=office.association, office=office, user=user, first_name=username, last_name="X"
    )
    return user


def _write(path: Path, rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def _web_import(client: Client, association: Association, path: Path) -> ImportJob:
    with path.open("rb") as stream:
        client.post(reverse("intake:upload"), {"association": association.pk, "file": stream})
    job = ImportJob.objects.latest("pk")
    data = {f"column_{index}": name for index, name in job.column_mapping.items()} | {"validate": "1"}
    client.post(reverse("intake:mapping", args=[job.pk]), data)
    ran = client.post(reverse("intake:run", args=[job.pk]), {"skip_invalid": "on"}, follow=True)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED, (
        job.failure,
        re.findall(r"notice[^>]*>([^<]*)", ran.text),
    )
    return job


def _mixed_pair(merger: Merger) -> CandidatePair:
    """A pair across the two territories (Puy Data, 43, brought by Auvergne TIC; Forez Conseil, 42, Numélink's),
    with the evidence the engine writes: its Loire side's contacts must be masked for the Clermont permanent."""
    from grappe.mergers.records import organisation_values

    puy, forez = Organisation.objects.get(name="Puy Data"), Organisation.objects.get(name="Forez Conseil")
    values = organisation_values([puy.pk, forez.pk])
    return CandidatePair.objects.create(
        merger=merger,
        left_org_id=puy.pk,
        right_org_id=forez.pk,
        left_record_id=f"o{puy.pk}",
        right_record_id=f"o{forez.pk}",
        left_label=puy.name,
        right_label=forez.name,
        left_values=values[puy.pk],
        right_values=values[forez.pk],
        match_probability=0.5,
        match_weight=0.0,
        band=CandidatePair.Band.REVIEW,
        evidence=[
            {
                "comparison": "phone",
                "description": "téléphone",
                "level": "différent",
                "status": "different",
                "weight": -2.0,
                "left_value": puy.phone,
                "right_value": forez.phone,
            },
            {
                "comparison": "domain",
                "description": "e-mail",
                "level": "différent",
                "status": "different",
                "weight": -1.0,
                "left_value": puy.email,
                "right_value": forez.email,
            },
            {
                "comparison": "name",
                "description": "raison sociale",
                "level": "différent",
                "status": "different",
                "weight": -3.0,
                "left_value": puy.name,
                "right_value": forez.name,
            },
        ],
    )


def _startup_projects(numelink: Association, auvergne: Territory, loire: Territory, director: Any) -> None:
    """A start-up project in each territory, named after the territory's organisations so that the secrets
    check catches a project shown outside its territory."""
    from grappe.startups import services as startups

    startups.create_project(user=director, name="Projet Volcans Cloud", territory=auvergne)
    startups.create_project(user=director, name="Projet Atelier Forézien", territory=loire)


def build_world(directory: Path, django_user_model) -> World:
    base = scenario.build(directory)
    loire = Territory.objects.get(name="Loire")
    auvergne = Territory.objects.get(name="Auvergne")
    clustr = Association.objects.create(name="Clust'R Numérique")
    isere = Territory.objects.create(association=clustr, name="Isère", departement_codes=["38"])
    head = Office.objects.create(
        association=base.numelink, territory=loire, kind=Office.Kind.HEAD_OFFICE, name="Siège"
    )
    clermont = Office.objects.create(
        association=base.auvergne_tic, territory=auvergne, kind=Office.Kind.ANTENNA, name="Clermont"
    )
    grenoble = Office.objects.create(
        association=clustr, territory=isere, kind=Office.Kind.ANTENNA, name="Grenoble"
    )
    users = {
        "national": _staff(django_user_model, "direction", head),
        "in_territory": _staff(django_user_model, "permanent.clermont", clermont),
        "out_of_territory": _staff(django_user_model, "permanent.grenoble", grenoble),
    }
    merger = merger_services.plan_merger(
        absorbing=base.numelink,
        absorbed=base.auvergne_tic,
        effective_on=scenario.EFFECTIVE,
        user=users["national"],
    )
    plan_job = PlanJob.objects.create(
        absorbing=base.numelink,
        absorbed=base.auvergne_tic,
        effective_on=scenario.EFFECTIVE,
        status=PlanJob.Status.PLANNED,
        merger=merger,
        created_by=users["national"],
    )
    action_job = MergerJob.objects.create(
        merger=merger,
        action=MergerJob.Action.APPLY,
        status=MergerJob.Status.FAILED,
        failure={"message": "Refusée."},
        created_by=users["national"],
    )
    director = Client()
    director.force_login(users["national"])
    mixed = _write(
        directory / "mixed.csv",
        [
            member_row(
                1,
                **{
                    "Raison sociale": "Clermont Numérique",
                    "Code postal": "63000",
                    "Ville": "Clermont-Ferrand",
                    "E-mail": "contact@clermont-numerique.fr",
                    "Téléphone": "04 73 11 22 33",
                },
            ),
            member_row(
                2,
                **{
                    "Raison sociale": "Saint-Chamond Web",
                    "Code postal": "42400",
                    "Ville": "Saint-Chamond",
                    "E-mail": "contact@stchamond-web.fr",
                    "Téléphone": "04 77 22 33 44",
                },
            ),
            member_row(
                3,
                **{
                    "Raison sociale": "",
                    "Code postal": "63100",
                    "Ville": "Clermont-Ferrand",
                    "E-mail": "rejet@clermont-rejet.fr",
                    "Téléphone": "04 73 55 66 77",
                },
            ),
            member_row(
                4,
                **{
                    "Raison sociale": "",
                    "Code postal": "42000",
                    "Ville": "Saint-Étienne",
                    "E-mail": "rejet@loire-rejet.fr",
                    "Téléphone": "04 77 99 88 77",
                },
            ),
        ],
    )
    only_loire = _write(
        directory / "loire.csv",
        [
            member_row(
                5,
                **{
                    "Raison sociale": "Roanne Pixel",
                    "Code postal": "42300",
                    "Ville": "Roanne",
                    "E-mail": "contact@roanne-pixel.fr",
                    "Téléphone": "04 77 33 44 55",
                },
            ),
            member_row(
                6,
                **{
                    "Raison sociale": "",
                    "Code postal": "42300",
                    "Ville": "Roanne",
                    "E-mail": "rejet@roanne-rejet.fr",
                    "Téléphone": "04 77 66 55 44",
                },
            ),
        ],
    )
    _mixed_pair(merger)
    _startup_projects(base.numelink, auvergne, loire, users["national"])
    return World(
        numelink=base.numelink,
        auvergne_tic=base.auvergne_tic,
        auvergne=auvergne,
        merger=merger,
        plan_job=plan_job,
        action_job=action_job,
        mixed_job=_web_import(director, base.auvergne_tic, mixed),
        loire_job=_web_import(director, base.numelink, only_loire),
        governance=_governance(base, merger, users["national"]),
        users=users,
    )


# --------------------------------------------------------------------------------------------------------
# One world for the module (about 8 s to build), each test in its own rolled-back savepoint.


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import override_settings

    directory = tmp_path_factory.mktemp("territory")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=directory / "media"),
        transaction.atomic(),
    ):
        yield build_world(directory, get_user_model())
        transaction.set_rollback(True)


# --------------------------------------------------------------------------------------------------------
# Every route's rule: how to reach its object in a territory, and what each role gets.

ROLES = ("anonymous", "national", "in_territory", "out_of_territory")
LOGIN = "login"


def _org(territory: str) -> Organisation:
    """An organisation of the territory with a contact: Volcans Cloud (63) or Atelier Forézien (42)."""
    name = "Volcans Cloud" if territory == "auvergne" else "Atelier Forézien"
    return Organisation.objects.filter(name=name, roles__isnull=False).order_by("pk").first()


def _org_args(world: World, territory: str) -> list[Any]:
    return [_org(territory).pk]


def _establishment_args(world: World, territory: str) -> list[Any]:
    return [Establishment.objects.filter(organisation=_org(territory)).first().pk]


def _person_args(world: World, territory: str) -> list[Any]:
    return [Role.objects.filter(organisation=_org(territory)).first().person_id]


def _role_args(world: World, territory: str) -> list[Any]:
    return [Role.objects.filter(organisation=_org(territory)).first().pk]


def _membership_args(world: World, territory: str) -> list[Any]:
    return [Membership.objects.filter(organisation=_org(territory)).first().pk]


def _association_args(world: World, territory: str) -> list[Any]:
    return [world.auvergne_tic.pk if territory == "auvergne" else world.numelink.pk]


def _territory_args(world: World, territory: str) -> list[Any]:
    return [world.auvergne.pk if territory == "auvergne" else Territory.objects.get(name="Loire").pk]


def _merger_args(world: World, territory: str) -> list[Any]:
    return [world.merger.pk]


def _body_args(world: World, territory: str) -> list[Any]:
    return [world.governance.board.pk]


def _statutes_args(world: World, territory: str) -> list[Any]:
    return [world.governance.statutes.pk]


def _step_args(world: World, territory: str) -> list[Any]:
    return [world.governance.step.pk]


def _pair(world: World, territory: str) -> CandidatePair:
    # Auvergne: the Volcans Cloud duplicate (63 on both sides); Loire: Web Roanne Studio / Web Roanne (42).
    name = "Volcans Cloud" if territory == "auvergne" else "Web Roanne Studio"
    return world.merger.pairs.get(left_label__startswith=name)


def _pair_args(world: World, territory: str) -> list[Any]:
    return [world.merger.pk, _pair(world, territory).pk]


def _plan_args(world: World, territory: str) -> list[Any]:
    return [world.plan_job.pk]


def _action_args(world: World, territory: str) -> list[Any]:
    return [world.action_job.pk]


def _due(territory: str) -> Due:
    """A 2026 due of the territory's organisation (its association's schedule made on first use)."""
    membership = Membership.objects.filter(organisation=_org(territory)).first()
    schedule, _created = FeeSchedule.objects.get_or_create(
        association=membership.association,
        year=2026,
        defaults={"voted_on": datetime.date(2025, 11, 20), "due_on": datetime.date(2026, 3, 31)},
    )
    due, _created = Due.objects.get_or_create(
        membership=membership,
        year=2026,
        defaults={"schedule": schedule, "base_amount": 150, "amount": 150, "due_on": schedule.due_on},
    )
    return due


def _due_args(world: World, territory: str) -> list[Any]:
    return [_due(territory).pk]


def _document_args(world: World, territory: str) -> list[Any]:
    due = _due(territory)
    document, _created = Document.objects.get_or_create(
        association=due.membership.association,
        kind=Document.Kind.INVOICE,
        year=2026,
        sequence=due.pk,
        defaults={
            "organisation": due.membership.organisation,
            "number": f"FAC-2026-{due.pk:05d}",
            "issued_on": datetime.date(2026, 1, 15),
            "due": due,
            "amount": due.amount,
            "pdf": b"%PDF-1.4",
        },
    )
    return [document.pk]


def _bank_line_args(world: World, territory: str) -> list[Any]:
    statement, _created = BankStatement.objects.get_or_create(
        association=world.numelink, sha256="0" * 64, defaults={"file_name": "releve.csv", "format": "csv"}
    )
    line, _created = BankLine.objects.get_or_create(
        association=world.numelink,
        fingerprint="1" * 64,
        defaults={
            "statement": statement,
            "position": 5,
            "booked_on": datetime.date(2026, 4, 2),
            "amount": 150,
            "counterparty": "PAYEUR INCONNU",
            "status": BankLine.Status.QUEUED,
        },
    )
    return [line.pk]


def _project_args(world: World, territory: str) -> list[Any]:
    from grappe.startups.models import StartupProject

    name = "Projet Volcans Cloud" if territory == "auvergne" else "Projet Atelier Forézien"
    return [StartupProject.objects.get(name=name).pk]


def _application_args(world: World, territory: str) -> list[Any]:
    """An application file of the territory's project (created inside the test's savepoint)."""
    from grappe.startups.models import Application, Programme

    project_pk = _project_args(world, territory)[0]
    programme, _created = Programme.objects.get_or_create(name="French Tech Tremplin", kind="label")
    application = Application.objects.create(
        project_id=project_pk, programme=programme, due_on=datetime.date(2026, 6, 1)
    )
    return [project_pk, application.pk]


def _job_args(world: World, territory: str) -> list[Any]:
    return [(world.mixed_job if territory == "auvergne" else world.loire_job).pk]


def _budget_args(world: World, territory: str) -> list[Any]:
    """A budget of the territory's network with a line there (created inside the test's savepoint)."""
    from grappe.finance.budget_models import Budget, BudgetLine

    place = world.auvergne if territory == "auvergne" else Territory.objects.get(name="Loire")
    budget, _created = Budget.objects.get_or_create(association=place.association, year=2026)
    BudgetLine.objects.create(
        budget=budget, category="subsidy", label="Subvention", territory=place, forecast_cents=100_000
    )
    return [budget.pk]


def _actual_args(world: World, territory: str) -> list[Any]:
    """An actual entry of the territory's budget, placed in the territory."""
    from grappe.finance.budget_models import ActualEntry, Budget

    place = world.auvergne if territory == "auvergne" else Territory.objects.get(name="Loire")
    budget, _created = Budget.objects.get_or_create(association=place.association, year=2026)
    entry = ActualEntry.objects.create(
        budget=budget,
        category="subsidy",
        label="Subvention versée",
        territory=place,
        date=datetime.date(2026, 3, 1),
        amount_cents=50_000,
    )
    return [entry.pk]


def _action_plan_args(world: World, territory: str) -> list[Any]:
    """An action plan shared by the territory alone."""
    from grappe.finance.budget_models import ActionPlan, ActionPlanShare

    place = world.auvergne if territory == "auvergne" else Territory.objects.get(name="Loire")
    plan = ActionPlan.objects.create(association=place.association, year=2026, name=f"Plan {place.name}")
    ActionPlanShare.objects.create(plan=plan, territory=place)
    return [plan.pk]


def _saved_filter_args(world: World, territory: str) -> list[Any]:
    """A filter the director saved (whatever the territory: a filter belongs to its author)."""
    from grappe.registry.models import SavedFilter

    saved, _created = SavedFilter.objects.get_or_create(
        user=world.users["national"], list_name="organisations", name=f"Filtre {territory}"
    )
    return [saved.pk]


def _tag_args(world: World, territory: str) -> list[Any]:
    """A tag of the network (association-wide: the same whatever the territory)."""
    from grappe.registry.models import Tag

    tag, _created = Tag.objects.get_or_create(
        association=world.numelink, key="salon 2026", defaults={"name": "Salon 2026"}
    )
    return [tag.pk]


@dataclass(frozen=True)
class Rule:
    """``expected[role]``: the status, or a callable of the object's territory. ``args``: the route's object
    in a territory (None: a page without object)."""

    method: str
    args: Callable[[World, str], list[Any]] | None
    national: int
    in_territory: int | Callable[[str], int]
    out_of_territory: int
    query: str = ""


def _seen_in_auvergne(ok: int) -> Callable[[str], int]:
    return lambda territory: ok if territory == "auvergne" else 404


OPEN = Rule("get", None, 200, 200, 200)
STRUCTURE = {"national": 200, "in_territory": 200, "out_of_territory": 200}
WHOLE_GET = Rule("get", _merger_args, 200, 403, 403)
WHOLE_POST = Rule("post", _merger_args, 302, 403, 403)

RULES: dict[str, Rule] = {
    # Registry: the rule every other app follows (grappe.registry.selectors.restrict).
    "registry:home": OPEN,
    # Saved filters: saving with no name is refused (a message, back to the list); one deletes one's own only.
    "registry:filter_save": Rule("post", None, 302, 302, 302),
    "registry:filter_delete": Rule("post", _saved_filter_args, 302, 404, 404),
    # Bulk actions: an empty selection is refused (a message, back to the list); a selection holding an
    # organisation outside the territory too (test_bulk_actions.py); the same on the people and membership
    # lists (test_bulk_lists.py).
    "registry:organisation_bulk": Rule("post", None, 302, 302, 302),
    "registry:person_bulk": Rule("post", None, 302, 302, 302),
    "registry:membership_bulk": Rule("post", None, 302, 302, 302),
    # Tags: association-wide, read by every staff member (counts narrowed by the visibility rule), changed by
    # head office only (test_tag_pages.py).
    "registry:tag_list": OPEN,
    "registry:tag_create": Rule("get", None, 200, 403, 403),
    "registry:tag_rename": Rule("get", _tag_args, 200, 403, 403),
    "registry:tag_delete": Rule("get", _tag_args, 200, 403, 403),
    "registry:tag_merge": Rule("get", _tag_args, 200, 403, 403),
    "registry:organisation_list": OPEN,
    # The list as CSV: open to every staff member, its rows narrowed by the visibility rule (test_export.py).
    "registry:organisation_export": OPEN,
    "registry:person_list": OPEN,
    "registry:person_export": OPEN,
    "registry:membership_list": OPEN,
    "registry:membership_export": OPEN,
    "registry:association_list": OPEN,
    "registry:territory_list": OPEN,
    "registry:office_list": OPEN,
    "registry:organisation_detail": Rule("get", _org_args, 200, _seen_in_auvergne(200), 404),
    "registry:history": Rule("get", _org_args, 200, _seen_in_auvergne(200), 404),
    "registry:establishment_history": Rule("get", _establishment_args, 200, _seen_in_auvergne(200), 404),
    "registry:person_history": Rule("get", _person_args, 200, _seen_in_auvergne(200), 404),
    "registry:person_detail": Rule("get", _person_args, 200, _seen_in_auvergne(200), 404),
    "registry:membership_history": Rule("get", _membership_args, 200, _seen_in_auvergne(200), 404),
    "registry:timeline": Rule("get", _org_args, 200, _seen_in_auvergne(200), 404),
    # Editing (each staff member here holds the right): within what the registry shows them.
    "registry:organisation_create": OPEN,
    "registry:organisation_edit": Rule("get", _org_args, 200, _seen_in_auvergne(200), 404),
    "registry:establishment_create": Rule("get", _org_args, 200, _seen_in_auvergne(200), 404),
    "registry:establishment_edit": Rule("get", _establishment_args, 200, _seen_in_auvergne(200), 404),
    "registry:contact_create": Rule("get", _org_args, 200, _seen_in_auvergne(200), 404),
    "registry:contact_edit": Rule("get", _role_args, 200, _seen_in_auvergne(200), 404),
    "registry:membership_create": Rule("get", _org_args, 200, _seen_in_auvergne(200), 404),
    "registry:membership_edit": Rule("get", _membership_args, 200, _seen_in_auvergne(200), 404),
    # The network's structure is shared with every staff member.
    "registry:association_detail": Rule("get", _association_args, 200, 200, 200),
    "registry:territory_detail": Rule("get", _territory_args, 200, 200, 200),
    # Imports: visible by the rows' territory; the file's whole-file steps are the uploader's.
    "intake:upload": OPEN,
    "intake:job": Rule("get", _job_args, 200, _seen_in_auvergne(200), 404),
    "intake:report": Rule("get", _job_args, 200, _seen_in_auvergne(200), 404),
    "intake:report_csv": Rule("get", _job_args, 200, _seen_in_auvergne(200), 404),
    "intake:progress": Rule("get", _job_args, 200, _seen_in_auvergne(200), 404),
    "intake:mapping": Rule("get", _job_args, 302, _seen_in_auvergne(403), 404),
    "intake:run": Rule("post", _job_args, 302, _seen_in_auvergne(403), 404),
    "intake:correct": Rule("post", _job_args, 302, _seen_in_auvergne(403), 404),
    # Mergers: visible when one of their networks is in the territory; the review by pair.
    "mergers:list": OPEN,
    "mergers:detail": Rule("get", _merger_args, 200, 200, 404),
    "mergers:review": Rule("get", _merger_args, 200, 200, 404),
    "mergers:decide": Rule("post", _pair_args, 302, _seen_in_auvergne(302), 404),
    # Whole-merger steps and exports: head office only, a 403 saying why.
    "mergers:plan_job": Rule("get", _plan_args, 302, 403, 403),
    "mergers:plan_mapping": Rule("get", _plan_args, 302, 403, 403),
    "mergers:plan_progress": Rule("get", _plan_args, 200, 403, 403),
    "mergers:plan_restart": Rule("post", _plan_args, 302, 403, 403),
    "mergers:action_job": Rule("get", _action_args, 200, 403, 403),
    "mergers:action_progress": Rule("get", _action_args, 200, 403, 403),
    # Searching a registry for its duplicates names no object: an empty POST is refused on the list (400).
    "mergers:deduplicate": Rule("post", None, 400, 403, 403),
    "mergers:abandon": WHOLE_POST,
    "mergers:recompute": WHOLE_POST,
    "mergers:mapping": WHOLE_POST,
    "mergers:accept_above": WHOLE_POST,
    "mergers:import_decisions": WHOLE_POST,
    "mergers:decisions_csv": WHOLE_GET,
    "mergers:apply": WHOLE_GET,
    "mergers:undo": WHOLE_GET,
    "mergers:report": WHOLE_GET,
    "mergers:report_prepare": WHOLE_POST,
    "mergers:report_csv": WHOLE_GET,
    "mergers:report_pdf": WHOLE_GET,
    # Governance: the structure is shared, mandates narrowed by the registry's rule; a merger's pages follow
    # the merger; recording statutes is head office's.
    "governance:index": OPEN,
    "governance:body_detail": Rule("get", _body_args, 200, 200, 200),
    "governance:territory_detail": Rule("get", _territory_args, 200, 200, 200),
    "governance:statutes_detail": Rule("get", _statutes_args, 200, 200, 200),
    "governance:statutes_diff": Rule("get", _statutes_args, 200, 200, 200),
    "governance:statutes_edit": Rule("get", _statutes_args, 200, 403, 403),
    "governance:merger_seats": Rule("get", _merger_args, 200, 200, 404),
    "governance:merger_procedure": Rule("get", _merger_args, 200, 200, 404),
    "governance:procedure_document": Rule("get", _step_args, 200, 200, 404),
    # Budgets: every staff member opens a budget, which shows them their territories' part (its columns and
    # exports are narrowed by grappe.core.access.budget_territories, test_budgets.py); an action plan is seen
    # by the territories sharing it. The network's own memberships are the network's structure: shared.
    "budgets:list": OPEN,
    "budgets:detail": Rule("get", _budget_args, 200, 200, 200),
    "budgets:export_csv": Rule("get", _budget_args, 200, 200, 200),
    "budgets:export_xlsx": Rule("get", _budget_args, 200, 200, 200),
    "budgets:action_plan": Rule("get", _action_plan_args, 200, _seen_in_auvergne(200), 404),
    # Actual entries: a budget's entry pages open for every staff member, narrowed to their territories (the
    # list, the choices of the forms; test_actuals.py); an entry is edited or deleted in its territory only.
    "budgets:actuals": Rule("get", _budget_args, 200, 200, 200),
    "budgets:actual_create": Rule("get", _budget_args, 200, 200, 200),
    "budgets:actual_import": Rule("get", _budget_args, 200, 200, 200),
    "budgets:actual_edit": Rule("get", _actual_args, 200, _seen_in_auvergne(200), 404),
    "budgets:actual_delete": Rule("get", _actual_args, 200, _seen_in_auvergne(200), 404),
    "budgets:affiliations": OPEN,
    # Finance: dues and invoices by their member's territory (issuing one without billing settings answers with
    # a message and a redirect); reminders for the dues the user sees.
    "finance:due_list": OPEN,
    "finance:issue_invoice": Rule("post", _due_args, 302, _seen_in_auvergne(302), 404),
    "finance:document_pdf": Rule("get", _document_args, 200, _seen_in_auvergne(200), 404),
    "finance:send_reminders": Rule("post", None, 302, 302, 302),
    # The bank account's statements and queue name payers of every territory: head office only.
    "finance:statements": Rule("get", None, 200, 403, 403),
    "finance:queue": Rule("get", None, 200, 403, 403),
    "finance:decide_line": Rule("post", _bank_line_args, 302, 403, 403),
    "finance:decide_return": Rule("post", _bank_line_args, 302, 403, 403),
    # Start-ups: each project has its own territory (grappe.core.access.restrict_startups); the board, the
    # deadlines and the report show every staff member the projects of their territory only.
    "startups:board": OPEN,
    "startups:project_create": OPEN,
    "startups:deadlines": OPEN,
    "startups:report": OPEN,
    "startups:report_csv": OPEN,
    "startups:project_detail": Rule("get", _project_args, 200, _seen_in_auvergne(200), 404),
    "startups:convert": Rule("get", _project_args, 200, _seen_in_auvergne(200), 404),
    # A move without a stage is refused by the service (a message), then back to the board.
    "startups:move": Rule("post", _project_args, 302, _seen_in_auvergne(302), 404),
    "startups:application_create": Rule("post", _project_args, 302, _seen_in_auvergne(302), 404),
    "startups:project_edit": Rule("get", _project_args, 200, _seen_in_auvergne(200), 404),
    # Adding or removing a founder without naming one is refused with a message, back to the project.
    "startups:founder_add": Rule("post", _project_args, 302, _seen_in_auvergne(302), 404),
    "startups:founder_remove": Rule("post", _project_args, 302, _seen_in_auvergne(302), 404),
    "startups:application_edit": Rule("get", _application_args, 200, _seen_in_auvergne(200), 404),
}
APP_NAMESPACES = ("registry", "intake", "mergers", "governance", "budgets", "finance", "startups")


def _route_names(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else (pattern.namespace or namespace)
            )
            yield from _route_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name and namespace in APP_NAMESPACES:
            yield f"{namespace}:{pattern.name}"


def test_every_route_of_the_apps_has_a_territory_rule() -> None:
    assert set(_route_names(get_resolver().url_patterns)) == set(RULES)


def _cases() -> Iterator[Any]:
    for name, rule in RULES.items():
        for territory in ("auvergne", "loire") if rule.args else ("-",):
            for role in ROLES:
                yield pytest.param(name, role, territory, id=f"{name}-{role}-{territory}")


def _expected(rule: Rule, role: str, territory: str) -> int:
    if role == "anonymous":
        return 302
    wanted = getattr(rule, role)
    return wanted(territory) if callable(wanted) else wanted


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _phone_forms(phone: str) -> set[str]:
    """A stored E.164 number as a page or a CSV may write it: as stored, national digits, spaced pairs."""
    if not phone:
        return set()
    digits = re.sub(r"\D", "", phone)
    national = "0" + digits[2:] if phone.startswith("+33") else digits
    return {phone, national, " ".join(national[i : i + 2] for i in range(0, len(national), 2))}


def secrets_outside(departements: frozenset[str], *, shown_names: set[str]) -> set[str]:
    """E-mails, phones and names of the organisations, people and rejected rows outside ``departements``;
    ``shown_names``: the legal names a reviewer is shown on purpose (the other side of a pair of theirs)."""
    secrets: set[str] = set()
    for organisation in Organisation.objects.prefetch_related("establishments", "roles__person"):
        codes = {site.departement_code for site in organisation.establishments.all()}
        if codes & departements:
            continue
        if organisation.name not in shown_names:
            secrets.add(organisation.name)
        secrets |= {organisation.email} | _phone_forms(organisation.phone)
        secrets |= {role.person.email for role in organisation.roles.all()}
    for record in SourceRecord.objects.filter(status=SourceRecord.Status.REJECTED):
        postcode, email, phone = record.values[3], record.values[5], record.values[6]
        if not any(postcode.startswith(code) for code in departements):
            secrets |= {email, phone, record.values[14]}
    return {secret for secret in secrets if secret}


def _client(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


@pytest.mark.parametrize(("name", "role", "territory"), list(_cases()))
def test_route_role_territory(world: World, name: str, role: str, territory: str, db: None) -> None:
    rule = RULES[name]
    url = reverse(name, args=rule.args(world, territory) if rule.args else [])
    response = getattr(_client(world, role), rule.method)(url)
    body = _body(response)

    assert response.status_code == _expected(rule, role, territory), body[:2000]
    if role == "anonymous":
        assert response["Location"].startswith(reverse(LOGIN))
    if response.status_code == 403:
        assert "Accès refusé" in body and ("direction" in body or "déposé" in body)
    if role in ("in_territory", "out_of_territory") and response.status_code == 200:
        departements = AUVERGNE if role == "in_territory" else frozenset({"38"})
        shown = {"Forez Conseil"} if role == "in_territory" else set()
        leaked = sorted(
            secret for secret in secrets_outside(departements, shown_names=shown) if secret in body
        )
        assert leaked == [], f"{url} shows to {role}: {leaked}"


# --------------------------------------------------------------------------------------------------------
# What the rules leave a permanent to work with, and the services' own refusals.


def test_a_permanent_reviews_the_pairs_touching_their_territory_with_the_other_sides_contacts_masked(
    world: World, db: None
) -> None:
    client = _client(world, "in_territory")
    mixed = world.merger.pairs.get(left_label="Puy Data")

    queue = client.get(reverse("mergers:review", args=[world.merger.pk])).content.decode()
    shown = client.get(reverse("mergers:review", args=[world.merger.pk]) + f"?paire={mixed.pk}")
    page = shown.content.decode()

    assert "Puy Data" in queue and "Web Roanne" not in queue  # the review band: theirs only
    assert "Puy Data" in page and "Forez Conseil" in page and "Montbrison" in page
    assert "contact@puydata.fr" in page and any(form in page for form in _phone_forms("+33471002233"))
    assert "info@forezconseil.fr" not in page
    assert not any(form in page for form in _phone_forms("+33477580011"))
    assert "(hors de votre territoire)" in page


def test_a_permanent_decides_their_pairs_and_not_the_others(world: World, db: None) -> None:
    from grappe.mergers.access import MergerForbidden

    client = _client(world, "in_territory")
    volcans, roanne = _pair(world, "auvergne"), _pair(world, "loire")

    client.post(reverse("mergers:decide", args=[world.merger.pk, volcans.pk]), {"decision": "rejected"})

    volcans.refresh_from_db()
    assert volcans.decision == CandidatePair.Decision.REJECTED
    with pytest.raises(MergerForbidden, match="aucun adhérent de votre territoire"):
        merger_services.decide_pair(pair=roanne, decision="accepted", user=world.users["in_territory"])
    roanne.refresh_from_db()
    assert roanne.decision == CandidatePair.Decision.PENDING

    merger_services.decide_pair(pair=roanne, decision="rejected", user=world.users["national"])
    log = client.get(reverse("mergers:review", args=[world.merger.pk])).content.decode()
    assert "Volcans Cloud" in log and "Web Roanne" not in log  # the decision log: theirs only


def test_whole_merger_services_refuse_territorial_staff_and_say_why(world: World, db: None) -> None:
    from grappe.mergers.access import MergerForbidden

    with pytest.raises(MergerForbidden, match="réservée à la direction"):
        merger_services.apply_merger(merger=world.merger, user=world.users["in_territory"])
    with pytest.raises(MergerForbidden, match="réservée à la direction"):
        merger_services.accept_above(merger=world.merger, threshold=0.9, user=world.users["in_territory"])
    world.merger.refresh_from_db()
    assert world.merger.status == Merger.Status.PLANNED

    refused = _client(world, "in_territory").get(reverse("mergers:report_csv", args=[world.merger.pk]))
    assert refused.status_code == 403
    assert "tous les adhérents des réseaux concernés" in refused.content.decode()


def test_the_merger_list_shows_a_permanent_their_mergers_without_the_plan_form(
    world: World, db: None
) -> None:
    inside = _client(world, "in_territory").get(reverse("mergers:list")).content.decode()
    outside = _client(world, "out_of_territory").get(reverse("mergers:list")).content.decode()

    assert reverse("mergers:detail", args=[world.merger.pk]) in inside
    assert "Préparer le plan" not in inside and "c'est le travail de la direction" in inside
    assert reverse("mergers:detail", args=[world.merger.pk]) not in outside


def test_a_permanent_is_offered_only_the_steps_they_may_take(world: World, db: None) -> None:
    pages = {
        role: {
            page: _client(world, role).get(reverse(page, args=[world.merger.pk])).content.decode()
            for page in ("mergers:detail", "mergers:review")
        }
        for role in ("national", "in_territory")
    }
    whole_steps = ("mergers:report", "mergers:apply", "mergers:recompute", "mergers:decisions_csv")
    for name in whole_steps:
        link = reverse(name, args=[world.merger.pk])
        assert any(link in page for page in pages["national"].values()), name
        assert not any(link in page for page in pages["in_territory"].values()), name
    assert "c'est le travail de la direction" in pages["in_territory"]["mergers:detail"]
    assert "réservées à la direction" in pages["in_territory"]["mergers:review"]


def test_an_import_shows_a_permanent_the_lines_of_their_territory_only(world: World, db: None) -> None:
    client = _client(world, "in_territory")
    job = world.mixed_job

    page = client.get(reverse("intake:job", args=[job.pk])).content.decode()
    report = _body(client.get(reverse("intake:report_csv", args=[job.pk])))
    director = _body(_client(world, "national").get(reverse("intake:report_csv", args=[job.pk])))

    assert "rejet@clermont-rejet.fr" in page and "rejet@loire-rejet.fr" not in page
    assert "seules les lignes de votre territoire sont détaillées" in page
    lines = {row.split(";")[2] for row in report.splitlines()[1:] if row.count(";") > 3}
    all_lines = {row.split(";")[2] for row in director.splitlines()[1:] if row.count(";") > 3}
    assert "4" in all_lines and "5" in all_lines  # line 4: Clermont, line 5: Saint-Étienne
    assert "4" in lines and "5" not in lines


def test_the_uploader_sees_every_line_of_their_own_file(
    world: World, db: None, tmp_path: Path, django_user_model
) -> None:
    from django.test import override_settings

    client = _client(world, "in_territory")
    path = _write(
        tmp_path / "own.csv",
        [
            member_row(7, **{"Raison sociale": "Volvic Data", "Code postal": "63530", "Ville": "Volvic"}),
            member_row(8, **{"Raison sociale": "", "Code postal": "42000", "E-mail": "rejet@own-loire.fr"}),
        ],
    )
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        job = _web_import(client, world.auvergne_tic, path)

    page = client.get(reverse("intake:job", args=[job.pk])).content.decode()
    assert "rejet@own-loire.fr" in page
    assert _client(world, "out_of_territory").get(reverse("intake:job", args=[job.pk])).status_code == 404

    # A colleague of the same antenna follows the import, reading the lines of their territory only.
    colleague = Client()
    office = world.users["in_territory"].staff_member.office
    colleague.force_login(_staff(django_user_model, "permanent.clermont.2", office))
    seen = colleague.get(reverse("intake:job", args=[job.pk]))
    assert seen.status_code == 200
    assert "rejet@own-loire.fr" not in seen.text
    assert colleague.get(reverse("intake:mapping", args=[job.pk])).status_code == 403
