"""Reads of start-up sourcing, within what the user may see (``grappe.core.access.restrict_startups``): the
pipeline board, the application deadlines, the per-territory report, and a converted project's history on its
organisation's timeline."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core import access
from grappe.errors import NotFound
from grappe.registry.models import Organisation, StaffMember, Territory
from grappe.startups.models import STAGE_LABELS, Application, StageChange, StartupProject
from grappe.startups.stages import LADDER, Stage, allowed_targets

# Applications whose deadline is within this many days are listed as upcoming.
UPCOMING_DAYS = 30
# The board shows this many cards per column at most; the column says how many more there are.
CARDS_PER_COLUMN = 60
# A project's moves to « abandonnée », newest first: the first is the drop it may resume from.
DROPS_ORDER = ("-on", "-pk")


def visible_projects(user: Any) -> QuerySet[StartupProject]:
    return access.restrict_startups(user, StartupProject.objects.all())


def project_for(user: Any, pk: int) -> StartupProject:
    """A project ``user`` may see, else ``NotFound`` (the same answer as for one that does not exist)."""
    project = (
        visible_projects(user)
        .select_related("territory", "referent", "organisation")
        .prefetch_related("founders", "programmes")
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise NotFound(_("Projet de start-up n° %(id)s introuvable.") % {"id": pk})
    return project


def visible_territories(user: Any) -> QuerySet[Territory]:
    return access.restrict_startups(user, Territory.objects.all(), "pk").select_related("association")


def referents(user: Any) -> QuerySet[StaffMember]:
    """Staff who may be a project's referent: current staff of the territories ``user`` sees."""
    staff = StaffMember.objects.current().select_related("office")
    if access.is_territorial(user):
        staff = staff.filter(office__territory__in=visible_territories(user))
    return staff.order_by("last_name", "first_name")


# -- the board ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardFilters:
    territory_id: int | None = None
    referent_id: int | None = None


@dataclass
class Card:
    project: StartupProject
    targets: list[tuple[str, str]]  # (stage, label) the card may be moved to
    next_deadline: datetime.date | None


@dataclass
class Column:
    stage: str
    label: str
    count: int
    cards: list[Card] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return self.count - len(self.cards)


def filtered_projects(user: Any, filters: BoardFilters) -> QuerySet[StartupProject]:
    projects = visible_projects(user)
    if filters.territory_id:
        projects = projects.filter(territory_id=filters.territory_id)
    if filters.referent_id:
        projects = projects.filter(referent_id=filters.referent_id)
    return projects


def board(user: Any, filters: BoardFilters, *, today: datetime.date | None = None) -> list[Column]:
    """One column per stage (the ladder, then « abandonnée »), each with its cards, oldest at its stage first."""
    today = today or timezone.localdate()
    projects = filtered_projects(user, filters)
    counts: dict[str, int] = defaultdict(int)
    for stage in projects.values_list("stage", flat=True).order_by():
        counts[stage] += 1
    open_files = Application.objects.filter(status=Application.Status.PREPARING).order_by("due_on")
    drops = StageChange.objects.filter(to_stage=Stage.DROPPED).order_by(*DROPS_ORDER)
    columns = []
    for stage in (*LADDER, Stage.DROPPED):
        rows = (
            projects.filter(stage=stage)
            .select_related("territory", "referent")
            .prefetch_related(Prefetch("applications", queryset=open_files, to_attr="open_files"))
            .order_by("stage_since", "name", "pk")
        )
        if stage == Stage.DROPPED:
            # Where each dropped card may resume: read for the column at once, not card by card.
            rows = rows.prefetch_related(Prefetch("stage_changes", queryset=drops, to_attr="drops"))
        cards = []
        for project in rows[:CARDS_PER_COLUMN]:
            dropped_from = _resume_stage(getattr(project, "drops", [])) if stage == Stage.DROPPED else None
            targets = [
                (target.value, str(STAGE_LABELS[target]))
                for target in allowed_targets(Stage(stage), dropped_from=dropped_from)
            ]
            deadline = project.open_files[0].due_on if project.open_files else None
            cards.append(Card(project=project, targets=targets, next_deadline=deadline))
        columns.append(Column(stage=stage, label=str(STAGE_LABELS[stage]), count=counts[stage], cards=cards))
    return columns


def _resume_stage(drops: list[StageChange]) -> Stage | None:
    """The stage the last drop left (``drops``: the project's moves to « abandonnée », newest first)."""
    return Stage(drops[0].from_stage) if drops and drops[0].from_stage else None


def dropped_from(project: StartupProject) -> Stage | None:
    """The stage ``project`` was at when last dropped, where it may resume (None: never dropped). The one
    definition of it, for the services' checks as for the pages (the board reads it for a whole column)."""
    return _resume_stage(
        list(project.stage_changes.filter(to_stage=Stage.DROPPED).order_by(*DROPS_ORDER)[:1])
    )


def move_targets(project: StartupProject) -> list[tuple[str, str]]:
    dropped_from_stage = dropped_from(project) if project.stage == Stage.DROPPED else None
    return [
        (target.value, str(STAGE_LABELS[target]))
        for target in allowed_targets(Stage(project.stage), dropped_from=dropped_from_stage)
    ]


def history(project: StartupProject) -> QuerySet[StageChange]:
    return project.stage_changes.select_related("by").order_by("on", "pk")


# -- deadlines ----------------------------------------------------------------------------------------------


@dataclass
class Deadline:
    application: Application
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def deadlines(
    user: Any,
    *,
    today: datetime.date | None = None,
    days: int = UPCOMING_DAYS,
    filters: BoardFilters | None = None,
) -> list[Deadline]:
    """Application files still being prepared, overdue or due within ``days`` days, soonest first."""
    today = today or timezone.localdate()
    projects = filtered_projects(user, filters or BoardFilters())
    files = (
        Application.objects.filter(
            project__in=projects.exclude(stage=Stage.DROPPED).values("pk"),
            status=Application.Status.PREPARING,
            due_on__lte=today + datetime.timedelta(days=days),
        )
        .select_related("project__territory", "project__referent", "programme")
        .order_by("due_on", "pk")
    )
    return [Deadline(application=file, days_left=(file.due_on - today).days) for file in files]


# -- the report ---------------------------------------------------------------------------------------------


@dataclass
class TerritoryReport:
    """One territory's pipeline: projects now at each stage, how many ever reached each stage, how many
    became members, and the mean days spent at each stage (completed stays only)."""

    territory: Territory
    now_at: dict[str, int]
    reached: dict[str, int]
    mean_days: dict[str, float | None]

    @property
    def total(self) -> int:
        return sum(self.now_at.values())

    @property
    def conversion(self) -> float | None:
        """Share of the territory's projects that became members (None: no project)."""
        return self.reached[Stage.MEMBER] / self.total if self.total else None

    @property
    def conversion_percent(self) -> Decimal | None:
        """The conversion rate as the report page and its CSV both give it (``conversion_percent``)."""
        return conversion_percent(self.reached[Stage.MEMBER], self.total)

    def stages(self) -> list[tuple[str, str, int, int, float | None]]:
        return [
            (stage, str(STAGE_LABELS[stage]), self.now_at[stage], self.reached[stage], self.mean_days[stage])
            for stage in (*LADDER, Stage.DROPPED)
        ]


def conversion_percent(members: int, projects: int) -> Decimal | None:
    """``members`` out of ``projects`` as a percentage with one decimal, rounded half up as the page shows it
    (6.25 → 6.3, where ``round`` would give 6.2); None when there is no project."""
    if not projects:
        return None
    return (Decimal(100) * members / projects).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def territory_reports(user: Any, *, today: datetime.date | None = None) -> list[TerritoryReport]:
    """The report of every territory ``user`` sees holding at least one project, by territory name."""
    projects = visible_projects(user)
    stages = (*LADDER, Stage.DROPPED)
    now_at: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(stages, 0))
    for territory_id, stage in projects.values_list("territory_id", "stage").order_by():
        now_at[territory_id][stage] += 1
    reached: dict[int, dict[str, set[int]]] = defaultdict(lambda: {stage: set() for stage in stages})
    days: dict[int, dict[str, list[int]]] = defaultdict(lambda: {stage: [] for stage in stages})
    changes = StageChange.objects.filter(project__in=projects.values("pk")).order_by("project_id", "on", "pk")
    previous: tuple[int, str, datetime.date] | None = None
    for project_id, territory_id, to_stage, on in changes.values_list(
        "project_id", "project__territory_id", "to_stage", "on"
    ).iterator(chunk_size=5000):
        reached[territory_id][to_stage].add(project_id)
        if previous is not None and previous[0] == project_id:
            days[territory_id][previous[1]].append((on - previous[2]).days)
        previous = (project_id, to_stage, on)
    # Reaching a stage means having passed the ones below it (a project created at « qualifiée »: none here,
    # but a project is counted in every stage below the highest it reached).
    territories = Territory.objects.filter(pk__in=now_at).select_related("association").order_by("name", "pk")
    reports = []
    for territory in territories:
        climbed = reached[territory.pk]
        counted: dict[str, int] = {}
        above: set[int] = set()
        for stage in reversed(LADDER):
            above |= climbed[stage]
            counted[stage] = len(above)
        counted[Stage.DROPPED] = len(climbed[Stage.DROPPED])
        mean = {
            stage: (sum(values) / len(values) if values else None)
            for stage, values in days[territory.pk].items()
        }
        reports.append(TerritoryReport(territory, now_at[territory.pk], counted, mean))
    return reports


REPORT_HEADER = (
    "territoire",
    "étape",
    "projets à cette étape",
    "projets ayant atteint cette étape",
    "durée moyenne à cette étape (jours)",
    "taux de conversion du territoire (%)",
)


def report_rows(reports: list[TerritoryReport]) -> list[list[object]]:
    rows: list[list[object]] = []
    for report in reports:
        conversion = report.conversion_percent
        for _stage, label, now, reached, mean in report.stages():
            rows.append(
                [
                    report.territory.name,
                    label,
                    now,
                    reached,
                    round(mean, 1) if mean is not None else None,
                    conversion,
                ]
            )
    return rows


# -- the organisation's timeline ------------------------------------------------------------------------------


def timeline_entries(organisation: Organisation) -> list[Any]:
    """The pipeline history of the projects converted into ``organisation``, as timeline entries (declared
    to ``grappe.registry.timeline`` by the app's ``ready()``). The organisation's own page decides who sees
    it: these entries show to whoever sees the organisation."""
    from grappe.registry.timeline import TimelineEntry

    entries = []
    changes = (
        StageChange.objects.filter(project__organisation=organisation)
        .select_related("project")
        .order_by("on", "pk")
    )
    for change in changes:
        names = {"project": change.project.name, "stage": STAGE_LABELS[Stage(change.to_stage)]}
        title = (
            _("Start-up « %(project)s » repérée") % names
            if not change.from_stage
            else _("Start-up « %(project)s » : étape « %(stage)s »") % names
        )
        lines = [_("motif : %(reason)s") % {"reason": change.reason}] if change.reason else []
        entries.append(
            TimelineEntry(kind="startup", title=title, when=change.on, who=change.actor, lines=lines)
        )
    if not entries:
        return []  # no project became this organisation: one query, not two, on every timeline
    files = Application.objects.filter(project__organisation=organisation).select_related(
        "programme", "project"
    )
    for file in files.exclude(status=Application.Status.PREPARING).filter(submitted_on__isnull=False):
        entries.append(
            TimelineEntry(
                kind="startup",
                title=_("Candidature à « %(programme)s » : %(status)s")
                % {"programme": file.programme.name, "status": file.get_status_display()},
                when=file.submitted_on or file.due_on,
                lines=[_("à rendre le %(due)s") % {"due": file.due_on.strftime("%d/%m/%Y")}],
            )
        )
    return entries
