"""The demo's start-up chapter (issue 12): a start-up pipeline in every territory of the final cluster.

After its mergers the cluster sources start-up projects « sur un territoire plus vaste » (the first article): each
territory's referent follows ten projects at every stage of the pipeline, one of them converted into a member
(its membership awaiting the bureau's approval), one dropped, and application files to partner programmes (French Tech Tremplin, the Bivouac accelerator in
Clermont-Ferrand, whose public interest group the cluster joined with Auvergne TIC) with deadlines around the day
the demo is loaded, so that the deadlines page and the reminders have something to say.

Everything goes through the start-up services (audit events, stage history, the registry's ``create_member``
for the conversion), as a territory's staff would do it, with dates spread over the fifteen months before
``today``. Deterministic for a seed.
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from grappe.demo import names
from grappe.demo import story as plot
from grappe.demo.accounts import DIRECTOR_USERNAME
from grappe.france.identifiers import complete_siren
from grappe.registry import editing
from grappe.registry.models import (
    Association,
    Establishment,
    Membership,
    MembershipType,
    Organisation,
    Person,
    StaffMember,
    Territory,
)
from grappe.startups import services
from grappe.startups.models import Programme, StartupProject
from grappe.startups.stages import LADDER, Stage

# Projects of each territory at each stage once the chapter is told (ten a territory).
PIPELINE = {
    Stage.SOURCED: 3,
    Stage.QUALIFIED: 2,
    Stage.ACCOMPANIED: 2,
    Stage.LABELLED: 1,
    Stage.MEMBER: 1,
    Stage.DROPPED: 1,
}
PROJECTS_PER_TERRITORY = sum(PIPELINE.values())
# Days between two stages of a project's climb (drawn in this range), and how far back the first one lies.
STEP_DAYS = (20, 75)
HISTORY_DAYS = 450
# Application files: (programme, days from ``today`` to the deadline, stage of the project that files it).
FRENCH_TECH = "French Tech Tremplin"
BIVOUAC = "Le Bivouac"
PROGRAMMES = (
    (FRENCH_TECH, Programme.Kind.LABEL, "Mission French Tech"),
    (BIVOUAC, Programme.Kind.ACCELERATOR, "GIP Le Bivouac, Clermont-Ferrand"),
)
APPLICATIONS = (
    (FRENCH_TECH, 10, Stage.ACCOMPANIED),  # due in ten days: reminded
    (BIVOUAC, 40, Stage.QUALIFIED),  # due in forty days: listed later, not yet reminded
    (BIVOUAC, -3, Stage.ACCOMPANIED),  # three days late, still being prepared: overdue
)
DROPPED_REASON = "Les fondateurs ont rejoint un grand groupe."


def tell_startup_chapter(*, seed: int = 2016, today: datetime.date | None = None) -> list[StartupProject]:
    """Create the pipelines of every territory of the final cluster; returns the projects created."""
    today = today or timezone.localdate()
    rng = random.Random(f"startups-{seed}")
    director = get_user_model().objects.get(username=DIRECTOR_USERNAME)
    cluster = Association.objects.get(name=plot.FUSION_NAME)
    programmes = {
        name: Programme.objects.get_or_create(name=name, defaults={"kind": kind, "operator": operator})[0]
        for name, kind, operator in PROGRAMMES
    }
    created: list[StartupProject] = []
    for territory in Territory.objects.filter(association=cluster).order_by("name", "pk"):
        created += _territory_pipeline(territory, cluster, programmes, director, rng, today)
    return created


def _referent(territory: Territory) -> StaffMember | None:
    return (
        StaffMember.objects.current()
        .filter(office__territory=territory)
        .exclude(email="")
        .order_by("office__kind", "pk")
        .first()
    )


def _territory_pipeline(
    territory: Territory,
    cluster: Association,
    programmes: dict[str, Programme],
    director: object,
    rng: random.Random,
    today: datetime.date,
) -> list[StartupProject]:
    referent = _referent(territory)
    projects = []
    for stage, count in PIPELINE.items():
        for _ in range(count):
            project = _climb(territory, referent, stage, director, rng, today)
            if stage == Stage.MEMBER:
                _convert(project, territory, cluster, director, rng, today)
            projects.append(project)
    for programme, days, stage in APPLICATIONS:
        project = next(p for p in projects if p.stage == stage and not p.applications.exists())
        services.save_application(
            user=director,
            project=project,
            programme=programmes[programme],
            due_on=today + datetime.timedelta(days=days),
        )
    labelled = next(p for p in projects if p.stage == Stage.LABELLED)
    services.save_application(
        user=director,
        project=labelled,
        programme=programmes[FRENCH_TECH],
        due_on=today - datetime.timedelta(days=60),
        status="accepted",
        submitted_on=today - datetime.timedelta(days=65),
    )
    return projects


def _climb(
    territory: Territory,
    referent: StaffMember | None,
    stage: Stage,
    director: object,
    rng: random.Random,
    today: datetime.date,
) -> StartupProject:
    """A project sourced some months ago and moved, one stage at a time, up to ``stage``."""
    given, surname = names.person_name(rng)
    founder = editing.save_record(obj=Person(first_name=given, last_name=surname), user=director)
    ladder = list(LADDER[: LADDER.index(Stage.ACCOMPANIED if stage == Stage.DROPPED else stage) + 1])
    day = today - datetime.timedelta(days=rng.randrange(HISTORY_DAYS - 120, HISTORY_DAYS))
    project = services.create_project(
        user=director,
        name=names.company_base_name(rng),
        territory=territory,
        referent=referent,
        founders=[founder],
        on=day,
    )
    for target in [*ladder[1:], *([Stage.DROPPED] if stage == Stage.DROPPED else [])]:
        if target == Stage.MEMBER:
            break  # reached by the conversion
        day = min(today, day + datetime.timedelta(days=rng.randint(*STEP_DAYS)))
        reason = DROPPED_REASON if target == Stage.DROPPED else ""
        services.move_project(project=project, stage=target, user=director, reason=reason, on=day)
    project.refresh_from_db()
    return project


def _convert(
    project: StartupProject,
    territory: Territory,
    cluster: Association,
    director: object,
    rng: random.Random,
    today: datetime.date,
) -> None:
    """The territory's most advanced start-up joins the cluster, its head office in one of the territory's
    communes (taken from a member's establishment there)."""
    site = (
        Establishment.objects.filter(departement_code__in=territory.departement_codes, country="FR")
        .exclude(postcode="")
        .order_by("pk")
        .values("postcode", "city")
        .first()
    )
    siren = complete_siren(f"9{rng.randrange(10**7):07d}")
    while Organisation.objects.filter(siren=siren).exists():
        siren = complete_siren(f"9{rng.randrange(10**7):07d}")
    kind = MembershipType.objects.select_related("default_college").get(association=cluster, name="Start-up")
    services.convert_to_member(
        project=project,
        user=director,
        organisation_values={"siren": siren, "is_startup": True},
        establishment_values={**(site or {}), "country": "FR"},
        # Its application awaits the bureau's approval (« en attente »): the articles' member counts, which
        # the story's other tests hold, stay as told.
        membership_values={
            "association": cluster,
            "membership_type": kind,
            "college": kind.default_college,
            "status": Membership.Status.PENDING,
            "starts_on": today.isoformat(),
        },
        on=today,
    )
