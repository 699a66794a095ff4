"""Load the demo story into the registry, the way a network's staff would live it.

Each network's export goes through the real intake importer (``grappe.intake.services.import_file``), then the
mergers happen in the order of the articles through the real merger workflow (``grappe.mergers.services``):
plan by linkage, the sure band accepted automatically, then apply. **The demo plays the reviewer**: the pairs
to review are decided from the story's ground truth (``truth.csv``), as a careful person would decide them;
the same ground truth measures the automatic band (precision, recall) and the size of the review queue.
The first network's own export is folded first by a deduplication (a merger of the network with itself).
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

from grappe.demo import generator
from grappe.demo import model as story_model
from grappe.demo import story as plot
from grappe.errors import UserError
from grappe.intake.services import import_file
from grappe.mergers import services as mergers
from grappe.mergers.models import CandidatePair
from grappe.mergers.models import Merger as MergerRecord
from grappe.registry.models import Association, Office, SourceRecord, StaffMember, Territory
from grappe.registry.stats import member_count, members_by_departement

DEMO_PASSWORD = "grappe-demo"
DIRECTOR_USERNAME = "direction"
TERRITORIAL_USERNAME = "clermont"

# Territories of each network: a name and its départements. Numélink covers the Loire, the Rhône and the Isère
# from Saint-Étienne and Roanne; the absorbed networks bring theirs; territories of the same name join.
TERRITORIES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    plot.NUMELINK: (("Loire", ("42",)), ("Rhône", ("69",)), ("Isère", ("38",))),
    plot.RHONEALLEY: (("Drôme-Ardèche", ("26", "07")),),
    plot.AUVERGNE_TIC: (("Auvergne", ("63", "43")),),
    plot.CLUSTR: (("Rhône", ("69",)), ("Isère", ("38",)), ("Haute-Savoie", ("74",))),
}

Progress = Callable[[str], None]


@dataclass(frozen=True)
class StepFigures:
    label: str
    association: str
    members: int
    departements: tuple[str, ...]
    expected_members: int


@dataclass(frozen=True)
class LinkageFigures:
    """How the linkage did on one merger, measured on the ground truth (pairs of organisations)."""

    label: str
    merger_id: int
    auto_pairs: int
    auto_precision: float
    auto_recall: float
    review_queue: int
    true_pairs: int
    f1: float


@dataclass
class DemoReport:
    directory: Path
    steps: list[StepFigures] = field(default_factory=list)
    linkage: list[LinkageFigures] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return all(step.members == step.expected_members for step in self.steps)


def demo_is_loaded() -> bool:
    return Association.objects.filter(name=plot.FUSION_NAME).exists()


def load_story(*, directory: Path, seed: int = 2016, progress: Progress | None = None) -> DemoReport:
    """Write the story's exports to ``directory`` and load them; all or nothing."""
    say = progress or (lambda _message: None)
    if demo_is_loaded():
        raise UserError(
            "La démo est déjà chargée dans cette base. Relancez avec --reset pour la recharger depuis zéro."
        )
    story = generator.generate_story(seed)
    files = generator.write_story(story, directory)
    truth = _read_truth(files.truth)
    report = DemoReport(directory=directory)
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
                loaded.append(merger.absorbing)
                say(f"Dédoublonnage du registre de {absorbing.name}…")
                planned = mergers.plan_deduplication(
                    association=absorbing, effective_on=merger.effective_date
                )
                report.linkage.append(_review_and_apply(planned, truth, label=f"{merger.absorbing}-dedup"))
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
    return report


def _read_truth(path: Path) -> dict[tuple[str, str, int], str]:
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
            existing.office, existing.job_title = office, person.job_title
            existing.save(update_fields=["office", "job_title"])
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


def _entities(org_ids: set[int], truth: dict[tuple[str, str, int], str]) -> dict[int, set[str]]:
    """Which story companies each organisation holds, from its source rows and the ground truth."""
    found: dict[int, set[str]] = defaultdict(set)
    records = SourceRecord.objects.filter(organisation_id__in=sorted(org_ids)).values_list(
        "source_file__original_name", "source_file__sheet", "line_number", "organisation_id"
    )
    for file_name, sheet, line, organisation_id in records:
        entity = truth.get((file_name, sheet, line))
        if entity:
            found[organisation_id].add(entity)
    return found


def _review_and_apply(
    merger: MergerRecord, truth: dict[tuple[str, str, int], str], *, label: str
) -> LinkageFigures:
    """The sure band is accepted as planned; the demo plays the reviewer on the rest, from the ground truth."""
    dedup = merger.kind == MergerRecord.Kind.DEDUPLICATION
    absorbed = mergers.member_ids(merger.absorbed)
    absorber = set() if dedup else mergers.member_ids(merger.absorbing)
    involved = absorbed | absorber
    entities = _entities(involved, truth)

    def same(a: int, b: int) -> bool:
        return bool(entities.get(a, set()) & entities.get(b, set()))

    new = absorbed - absorber
    by_entity: dict[str, set[int]] = defaultdict(set)
    for org in involved:
        for entity in entities.get(org, ()):
            by_entity[entity].add(org)
    true_pairs = {
        (min(a, b), max(a, b))
        for orgs in by_entity.values()
        for a in orgs
        for b in orgs
        if a != b and (a in new or b in new)
    }
    pairs = list(merger.pairs.all())
    auto = [p for p in pairs if p.band == CandidatePair.Band.AUTO_MATCH]
    auto_true = sum(same(p.left_org_id, p.right_org_id) for p in auto)
    # The review queue (grappe.mergers.selectors.review_queue): the review band and every flagged conflict.
    queue = [
        p
        for p in pairs
        if p.band == CandidatePair.Band.REVIEW or (p.conflicts and p.band == CandidatePair.Band.AUTO_MATCH)
    ]
    for pair in queue:
        decision = "accepted" if same(pair.left_org_id, pair.right_org_id) else "rejected"
        mergers.decide_pair(pair=pair, decision=decision, user=None)
    predicted = {
        (min(p.left_org_id, p.right_org_id), max(p.left_org_id, p.right_org_id))
        for p in merger.pairs.all()
        if p.is_match
    }
    hits = len(predicted & true_pairs)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    mergers.apply_merger(merger=merger, user=None)
    return LinkageFigures(
        label=label,
        merger_id=merger.pk,
        auto_pairs=len(auto),
        auto_precision=auto_true / len(auto) if auto else 1.0,
        auto_recall=(
            len(
                {(min(p.left_org_id, p.right_org_id), max(p.left_org_id, p.right_org_id)) for p in auto}
                & true_pairs
            )
            / len(true_pairs)
            if true_pairs
            else 1.0
        ),
        review_queue=len(queue),
        true_pairs=len(true_pairs),
        f1=2 * precision * recall / (precision + recall) if precision + recall else 0.0,
    )


def _apply_merger(
    story: story_model.Story,
    merger: story_model.Merger,
    associations: dict[str, Association],
    files: generator.StoryFiles,
    truth: dict[tuple[str, str, int], str],
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
    report.linkage.append(_review_and_apply(planned, truth, label=merger.key))
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
        user.user_permissions.add(*view)
        permanent.user = user
        permanent.save(update_fields=["user"])
