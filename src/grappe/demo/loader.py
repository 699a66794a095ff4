"""Load the demo story into the registry, the way a network's staff would live it.

Each network's export goes through the real intake importer (``grappe.intake.services.import_file``), then the
mergers happen in the order of the articles through the real merger workflow (``grappe.mergers.services``):
plan by linkage, the sure band accepted automatically, then apply. **The demo plays the reviewer**: the pairs
to review are decided from the story's ground truth (``truth.csv``), as a careful person would decide them
(``review=False``: nobody reviews, only the sure band folds). Before each apply the demo confirms the proposed
mapping of membership types, as the director would. The first network's own export is folded first by a
deduplication (a merger of the network with itself).

The same ground truth measures every merger (``MergerFigures``) by pairs of exported rows, each row followed
to the organisation it ended in: what the import folded by SIREN counts as much as what the linkage folded, and
a wrong fold of two big organisations costs every pair of their rows. Counting is ``grappe.linkage.scoring``,
the linkage benchmark's rule; ``benchmarks/mergers`` runs it for several seeds.
"""

from __future__ import annotations

import csv
import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from grappe.demo import finance_story, generator, governance_story
from grappe.demo import model as story_model
from grappe.demo import story as plot
from grappe.demo.accounts import DEMO_PASSWORD, DIRECTOR_USERNAME, TERRITORIAL_USERNAME
from grappe.demo.membership_types import TYPE_MAPPINGS, give_types
from grappe.demo.startups_story import tell_startup_chapter
from grappe.errors import UserError
from grappe.intake.services import import_file
from grappe.linkage.scoring import Scores, ratio, score_assignments
from grappe.mergers import services as mergers
from grappe.mergers.models import Merger as MergerRecord
from grappe.mergers.selectors import review_queue
from grappe.registry import services as registry_services
from grappe.registry.models import Association, Office, SourceRecord, StaffMember, Territory
from grappe.registry.stats import member_count, members_by_departement

# Territories of each network: a name and its départements. Numélink covers the Loire, the Rhône and the Isère
# from Saint-Étienne and Roanne; the absorbed networks bring theirs; territories of the same name join.
TERRITORIES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    plot.NUMELINK: (("Loire", ("42",)), ("Rhône", ("69",)), ("Isère", ("38",))),
    plot.RHONEALLEY: (("Drôme-Ardèche", ("26", "07")),),
    plot.AUVERGNE_TIC: (("Auvergne", ("63", "43")),),
    plot.CLUSTR: (("Rhône", ("69",)), ("Isère", ("38",)), ("Haute-Savoie", ("74",))),
}

Progress = Callable[[str], None]
RowKey = tuple[str, str, int]  # (file, sheet, line) of an exported row, as truth.csv names it


@dataclass(frozen=True)
class StepFigures:
    label: str
    association: str
    members: int
    departements: tuple[str, ...]
    expected_members: int


@dataclass(frozen=True)
class MergerFigures:
    """One merger of the story (the first network's deduplication included), measured on the ground truth.

    Every figure is about exported rows (``truth.csv``), not organisations: two rows are a true pair when they
    are the same company, and a predicted pair when they ended in the same organisation. Counting rows keeps in
    the measure what the import already folded (same valid SIREN) as well as what the merger folds.
    """

    label: str  # the story's key of the merger
    title: str  # how the merger reads (« RhoneAlley → Numélink »)
    merger_id: int
    # The plan's counts (``grappe.mergers.services.plan_counts``, as the pages and the CLI show them): sure
    # matches with the absorber's members, and sure duplicates inside the absorbed network's export.
    sure_matches: int
    internal_duplicates: int
    # The row pairs the sure band joins on its own (what apply folds without a reviewer, projected at plan time),
    # among those this merger can join (at least one row in a member only the absorbed association brings):
    auto_joined: int  # row pairs the band puts together
    auto_right: int  # of which are one company
    to_join: int  # row pairs of one company still apart before the merger
    review_queue: int  # pairs a person is asked about (grappe.mergers.selectors.review_queue)
    reviewed: int  # of which the demo decided (0 with the sure band alone)
    registry: Scores  # every row loaded so far, after the merger is applied
    members: int
    expected_members: int

    @property
    def holds(self) -> bool:
        return self.members == self.expected_members

    @property
    def auto_precision(self) -> float:
        return ratio(self.auto_right, self.auto_joined)

    @property
    def auto_recall(self) -> float:
        return ratio(self.auto_right, self.to_join)


@dataclass
class DemoReport:
    directory: Path
    reviewed: bool = True  # the demo played the reviewer (False: the sure bands alone, nobody reviewing)
    steps: list[StepFigures] = field(default_factory=list)
    mergers: list[MergerFigures] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return all(step.members == step.expected_members for step in self.steps) and all(
            figures.holds for figures in self.mergers
        )

    @property
    def registry(self) -> Scores:
        """The final registry against the truth: every exported row of the story."""
        return self.mergers[-1].registry


def demo_is_loaded() -> bool:
    return Association.objects.filter(name=plot.FUSION_NAME).exists()


def load_story(
    *, directory: Path, seed: int = 2016, review: bool = True, progress: Progress | None = None
) -> DemoReport:
    """Write the story's exports to ``directory`` and load them; all or nothing.

    ``review``: the demo plays the reviewer on every merger's review queue, from the ground truth; without it
    only the sure band folds (``apply_merger(accept_auto_only=True)``) and the pairs to review stay apart, which
    measures the linkage with nobody reviewing.
    """
    say = progress or (lambda _message: None)
    if demo_is_loaded():
        raise UserError(
            "La démo est déjà chargée dans cette base. Relancez avec --reset pour la recharger depuis zéro."
        )
    story = generator.generate_story(seed)
    files = generator.write_story(story, directory)
    truth = _read_truth(files.truth)
    report = DemoReport(directory=directory, reviewed=review)
    with transaction.atomic():
        associations = {a.key: _create_association(a) for a in story.associations}
        loaded: list[str] = []
        for merger in story.mergers:
            absorbing = associations[merger.absorbing]
            if merger.absorbing not in loaded:
                say(f"Import de l'export de {absorbing.name}…")
                export = story.export(merger.absorbing)
                import_file(
                    path=files.exports[merger.absorbing], association=absorbing, sheet=export.sheet or None
                )
                give_types(absorbing, merger.absorbing)
                loaded.append(merger.absorbing)
                say(f"Dédoublonnage du registre de {absorbing.name}…")
                planned = mergers.plan_deduplication(
                    association=absorbing, effective_on=merger.effective_date
                )
                report.mergers.append(
                    _review_and_apply(
                        planned,
                        truth,
                        label=f"{merger.absorbing}-dedup",
                        review=review,
                        expected_members=story.association(merger.absorbing).member_count,
                    )
                )
            say(f"Fusion : {associations[merger.absorbed].name} → {absorbing.name}…")
            into = _apply_merger(story, merger, associations, files, truth, report)
            loaded.append(merger.absorbed)
            report.steps.append(
                StepFigures(
                    label=merger.key,
                    association=into.name,
                    members=member_count(into),
                    departements=tuple(members_by_departement(into)),
                    expected_members=merger.members_after,
                )
            )
        _create_users(story, associations)
        governance_story.load(story, associations)
        finance_story.play(progress=say)
        tell_startup_chapter(seed=seed)
    return report


def _read_truth(path: Path) -> dict[RowKey, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            (row["file"], row["sheet"], int(row["line"])): row["entity_id"] for row in csv.DictReader(handle)
        }


def _create_association(data: story_model.Association) -> Association:
    association = Association.objects.create(
        name=data.name, siren=data.siren, website=data.website, seat_city=data.offices[0].city
    )
    for name, codes in TERRITORIES[data.key]:
        Territory.objects.create(association=association, name=name, departement_codes=list(codes))
    _grow(association, data, horizon=data.export_date)
    association.seat_commune_code = data.offices[0].commune_code
    association.save(update_fields=["seat_commune_code"])
    return association


def _territory_for(association: Association, departement: str) -> Territory | None:
    for territory in association.territories.all():
        if departement in territory.departement_codes:
            return territory
    return None


def _grow(association: Association, data: story_model.Association, *, horizon: datetime.date) -> None:
    """Open the offices and hire the staff of ``data`` dated up to ``horizon`` that are not there yet."""
    for office in data.offices:
        if (office.opened_on is None or office.opened_on <= horizon) and not association.offices.filter(
            name=office.name
        ).exists():
            Office.objects.create(
                association=association,
                territory=_territory_for(association, office.departement),
                kind=office.kind,
                name=office.name,
                city=office.city,
                commune_code=office.commune_code,
                opened_on=office.opened_on,
            )
    offices = {o.name: o for o in association.offices.all()}
    office_names = {o.key: o.name for o in data.offices}
    for person in data.staff:
        if person.hired_on > horizon:
            continue
        office = offices.get(office_names[person.office])
        existing = StaffMember.objects.filter(
            association=association, first_name=person.given_name, last_name=person.surname
        ).first()
        if existing:  # the same person, carried over from an absorbed network, takes their post here
            existing.job_title = person.job_title
            existing.save(update_fields=["job_title"])
            if office is not None and existing.office_id != office.pk:
                registry_services.move_staff(staff_member=existing, office=office, on=person.hired_on)
            continue
        StaffMember.objects.create(
            association=association,
            office=office,
            first_name=person.given_name,
            last_name=person.surname,
            job_title=person.job_title,
            email=person.email,
            hired_on=person.hired_on,
        )


def _row_organisations(truth: dict[RowKey, str]) -> dict[RowKey, int | None]:
    """Where each row of the exports loaded so far ended: its organisation, None when it is in none."""
    records = {
        (file_name, sheet, line): organisation_id
        for file_name, sheet, line, organisation_id in SourceRecord.objects.values_list(
            "source_file__original_name", "source_file__sheet", "line_number", "organisation_id"
        )
    }
    files = {(file_name, sheet) for file_name, sheet, _ in records}
    # A row of a loaded file that the import did not keep would be a row lost: it counts as in no organisation.
    return {key: records.get(key) for key in truth if key[:2] in files}


def _cluster(key: RowKey, organisation_id: int | None) -> object:
    return organisation_id if organisation_id is not None else key  # a row in no organisation stands alone


def _registry_scores(truth: dict[RowKey, str]) -> Scores:
    rows = _row_organisations(truth)
    return score_assignments((_cluster(key, org), truth[key], True) for key, org in rows.items())


def _band_pairs(
    rows: dict[RowKey, int | None], folded: dict[int, int], joinable: set[int], truth: dict[RowKey, str]
) -> tuple[int, int, int]:
    """Row pairs that ``folded`` (organisation → survivor) joins, of which right, and row pairs of one company
    still apart, among the pairs with at least one row in a ``joinable`` organisation (the others were not this
    merger's to join: two absorber organisations are never merged)."""

    def scores(survivor: Callable[[int], int]) -> Scores:
        return score_assignments(
            (_cluster(key, org if org is None else survivor(org)), truth[key], org in joinable)
            for key, org in rows.items()
        )

    apart, joined = scores(lambda org: org), scores(lambda org: folded.get(org, org))
    return (
        joined.predicted_pairs - apart.predicted_pairs,
        joined.true_positive_pairs - apart.true_positive_pairs,
        joined.true_pairs - apart.true_positive_pairs,
    )


def _review_and_apply(
    merger: MergerRecord,
    truth: dict[RowKey, str],
    *,
    label: str,
    review: bool,
    expected_members: int,
) -> MergerFigures:
    """Measure the sure band as planned, play the reviewer on the queue (``review``), apply, measure again."""
    dedup = merger.kind == MergerRecord.Kind.DEDUPLICATION
    absorber = set() if dedup else mergers.member_ids(merger.absorbing)
    rows = _row_organisations(truth)
    auto_joined, auto_right, to_join = _band_pairs(
        rows, mergers.survivors(merger), mergers.member_ids(merger.absorbed) - absorber, truth
    )
    queue = list(review_queue(merger))
    if review:
        entities: dict[int, set[str]] = defaultdict(set)
        for key, org in rows.items():
            if org is not None:
                entities[org].add(truth[key])
        for pair in queue:
            same = entities[pair.left_org_id] & entities[pair.right_org_id]
            mergers.decide_pair(pair=pair, decision="accepted" if same else "rejected", user=None)
    if not dedup and merger.membership_type_mapping:
        # As a director would: read the proposed mapping of membership types and confirm it (apply refuses
        # to carry the absorbed network's types over on a guess).
        mergers.set_membership_type_mapping(merger=merger, mapping=merger.membership_type_mapping, user=None)
    applied = mergers.apply_merger(merger=merger, user=None, accept_auto_only=not review)
    return MergerFigures(
        label=label,
        title=str(applied),
        merger_id=merger.pk,
        sure_matches=mergers.plan_counts(applied).get("sure_matches", 0),
        internal_duplicates=mergers.plan_counts(applied).get("internal_duplicates", 0),
        auto_joined=auto_joined,
        auto_right=auto_right,
        to_join=to_join,
        review_queue=len(queue),
        reviewed=len(queue) if review else 0,
        registry=_registry_scores(truth),
        members=applied.outcome["members_after"],
        expected_members=expected_members,
    )


def _apply_merger(
    story: story_model.Story,
    merger: story_model.Merger,
    associations: dict[str, Association],
    files: generator.StoryFiles,
    truth: dict[RowKey, str],
    report: DemoReport,
) -> Association:
    absorbing, absorbed = associations[merger.absorbing], associations[merger.absorbed]
    if merger.absorbed == plot.AUVERGNE_TIC:
        # "Administratively an absorption": Auvergne TIC's employees did not follow; a permanent is hired.
        StaffMember.objects.filter(association=absorbed).update(left_on=merger.effective_date)
    export = story.export(merger.absorbed)
    carried_over = list(absorbed.offices.values_list("pk", flat=True))
    planned = mergers.plan_merger(
        absorbing=absorbing,
        absorbed=absorbed,
        effective_on=merger.effective_date,
        kind=MergerRecord.Kind.FUSION if merger.kind == "fusion" else MergerRecord.Kind.ABSORPTION,
        resulting_name=(merger.resulting_name or f"{absorbing.name} {absorbed.name}")
        if merger.kind == "fusion"
        else "",
        keep_name_as_brand=merger.brand_kept,
        path=files.exports[merger.absorbed],
        sheet=export.sheet or None,
    )
    # The absorbed export was imported by the plan: its members get their types, which the director maps.
    give_types(absorbed, merger.absorbed)
    held = mergers.proposed_type_mapping(planned)  # the types its members hold
    mapping = {old: new for old, new in TYPE_MAPPINGS.get(merger.absorbed, {}).items() if old in held}
    planned = mergers.set_membership_type_mapping(merger=planned, mapping=mapping, user=None)
    report.mergers.append(
        _review_and_apply(
            planned, truth, label=merger.key, review=report.reviewed, expected_members=merger.members_after
        )
    )
    planned.refresh_from_db()
    if merger.kind == "fusion":
        into = planned.resulting_association
        associations[merger.absorbing] = into
        return into
    later = [m.effective_date for m in story.mergers if m.effective_date > merger.effective_date]
    horizon = min(later) - datetime.timedelta(days=1) if later else datetime.date.max
    _grow(absorbing, story.association(merger.absorbing), horizon=horizon)
    _close_replaced_offices(absorbing, carried_over, on=merger.effective_date)
    return absorbing


def _close_replaced_offices(into: Association, carried_over: list[int], *, on: datetime.date) -> None:
    """An absorbed network's former seat closes where the absorber opened its own office in the same city."""
    new_cities = into.offices.filter(opened_on__gte=on).values_list("commune_code", flat=True)
    Office.objects.filter(pk__in=carried_over, commune_code__in=list(new_cities)).update(closed_on=on)


def _create_users(story: story_model.Story, associations: dict[str, Association]) -> None:
    """A head-office director (superuser) and a territorial permanent in Clermont-Ferrand."""
    User = get_user_model()
    director = User.objects.create_superuser(DIRECTOR_USERNAME, "direction@example.org", DEMO_PASSWORD)
    director.first_name, director.last_name = "Direction", "Numélink"
    director.save()
    head = (
        StaffMember.objects.filter(office__kind=Office.Kind.HEAD_OFFICE, job_title="Directeur")
        .order_by("pk")
        .first()
    )
    if head:
        head.user = director
        head.save(update_fields=["user"])
    permanent = StaffMember.objects.filter(
        office__name="Bureau de Clermont-Ferrand", left_on__isnull=True
    ).first()
    if permanent:
        user = User.objects.create_user(TERRITORIAL_USERNAME, permanent.email, DEMO_PASSWORD, is_staff=True)
        user.first_name, user.last_name = permanent.first_name, permanent.last_name
        user.save()
        view = Permission.objects.filter(content_type__app_label="registry", codename__startswith="view_")
        # The permanent keeps their territory's members up to date (the staff's editing pages, issue 10).
        edit = Permission.objects.filter(content_type__app_label="registry", codename="change_organisation")
        user.user_permissions.add(*view, *edit)
        permanent.user = user
        permanent.save(update_fields=["user"])
