"""Load the demo story into the registry, the way a network's staff would live it.

Each network's export goes through the real intake importer (``grappe.intake.services.import_file``), then the
mergers happen in the order of the articles. Until the merger engine exists, the records that are the same
company are recognised from the story's ground truth (``truth.csv``) rather than by linkage; everything else —
survivorship, seniority, origin, absorbed associations, brands, offices and staff — goes through the registry
services that the merger workflow uses too.
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
from grappe.registry import services
from grappe.registry.models import Association, Office, Organisation, SourceRecord, StaffMember, Territory
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


@dataclass
class DemoReport:
    directory: Path
    steps: list[StepFigures] = field(default_factory=list)

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
            for key in (merger.absorbing, merger.absorbed):
                if key not in loaded:
                    say(f"Import de l'export de {associations[key].name}…")
                    export = story.export(key)
                    import_file(
                        path=files.exports[key], association=associations[key], sheet=export.sheet or None
                    )
                    loaded.append(key)
            say(f"Fusion : {associations[merger.absorbed].name} → {associations[merger.absorbing].name}…")
            _unify_same_companies(truth)
            into = _apply_merger(story, merger, associations)
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


def _unify_same_companies(truth: dict[tuple[str, str, int], str]) -> None:
    """Fold the organisations the ground truth says are one company (the merger engine's job, later)."""
    by_entity: dict[str, set[int]] = defaultdict(set)
    records = SourceRecord.objects.filter(organisation__isnull=False).values_list(
        "source_file__original_name", "source_file__sheet", "line_number", "organisation_id"
    )
    for file_name, sheet, line, organisation_id in records:
        entity = truth.get((file_name, sheet, line))
        if entity:
            by_entity[entity].add(organisation_id)
    for organisation_ids in by_entity.values():
        if len(organisation_ids) > 1:
            ordered = list(Organisation.objects.filter(pk__in=organisation_ids).order_by("pk"))
            services.merge_organisations(survivor=ordered[0], duplicates=ordered[1:])


def _apply_merger(
    story: story_model.Story, merger: story_model.Merger, associations: dict[str, Association]
) -> Association:
    absorbing, absorbed = associations[merger.absorbing], associations[merger.absorbed]
    if merger.absorbed == plot.AUVERGNE_TIC:
        # "Administratively an absorption": Auvergne TIC's employees did not follow; a permanent is hired.
        StaffMember.objects.filter(association=absorbed).update(left_on=merger.effective_date)
    if merger.kind == "fusion":
        # A fusion creates a new network into which both merge; both names live on as brands.
        into = Association.objects.create(
            name=merger.resulting_name or f"{absorbing.name} {absorbed.name}",
            seat_city=absorbing.seat_city,
            seat_commune_code=absorbing.seat_commune_code,
            founded_on=merger.effective_date,
        )
        for network in (absorbing, absorbed):
            services.absorb_association(
                absorbed=network,
                into=into,
                effective_on=merger.effective_date,
                keep_name_as_brand=merger.brand_kept,
                brand_territories=list(network.territories.all()),
            )
        associations[merger.absorbing] = into
        return into
    carried_over = list(absorbed.offices.values_list("pk", flat=True))
    services.absorb_association(
        absorbed=absorbed,
        into=absorbing,
        effective_on=merger.effective_date,
        keep_name_as_brand=merger.brand_kept,
        brand_territories=list(absorbed.territories.all()),
    )
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
