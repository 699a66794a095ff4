"""Projects moved, applications recorded and projects converted through the services: what a user relies on,
and the refusals that change nothing."""

from __future__ import annotations

import datetime

import pytest

from grappe.core.models import AuditEvent
from grappe.errors import NotFound
from grappe.france.identifiers import complete_siren
from grappe.registry.editing import MemberRefused
from grappe.registry.models import Membership, Organisation
from grappe.registry.timeline import organisation_timeline
from grappe.startups import services
from grappe.startups.models import StageChange, StartupProject
from grappe.startups.services import StartupError

pytestmark = pytest.mark.django_db

SIREN = complete_siren("88123456")


def _stages(project: StartupProject) -> list[tuple[str, str]]:
    return list(project.stage_changes.order_by("on", "pk").values_list("from_stage", "to_stage"))


def test_each_move_is_recorded_with_its_date_author_and_audit_event(pipeline, hq_user) -> None:
    project = pipeline.drome
    services.move_project(project=project, stage="qualified", user=hq_user, on=datetime.date(2026, 2, 1))
    services.move_project(project=project, stage="accompanied", user=hq_user, on=datetime.date(2026, 3, 1))

    project.refresh_from_db()
    assert project.stage == "accompanied" and project.stage_since == datetime.date(2026, 3, 1)
    assert _stages(project) == [("", "sourced"), ("sourced", "qualified"), ("qualified", "accompanied")]
    last = project.stage_changes.last()
    assert last.actor == "Sophie Bernard" and last.by == hq_user
    event = AuditEvent.objects.filter(action="startups.stage", object_id=project.pk).latest("pk")
    assert event.changes == {"stage": ["qualified", "accompanied"]}


@pytest.mark.parametrize(
    ("stage", "reason", "message"),
    [
        ("accompanied", "", "une étape à la fois"),
        ("member", "", "Convertir en adhérente"),
        ("sourced", "", "déjà à l'étape"),
        ("dropped", "  ", "demande un motif"),
        ("unknown", "", "inconnue"),
    ],
)
def test_an_illegal_move_is_refused_and_changes_nothing(pipeline, hq_user, stage, reason, message) -> None:
    before = StageChange.objects.count(), AuditEvent.objects.count()

    with pytest.raises(StartupError, match=message):
        services.move_project(project=pipeline.drome, stage=stage, reason=reason, user=hq_user)

    pipeline.drome.refresh_from_db()
    assert pipeline.drome.stage == "sourced"
    assert (StageChange.objects.count(), AuditEvent.objects.count()) == before


def test_a_move_dated_before_the_current_stage_is_refused(pipeline, hq_user) -> None:
    with pytest.raises(StartupError, match="ne peut pas la précéder"):
        services.move_project(
            project=pipeline.drome, stage="qualified", user=hq_user, on=datetime.date(2025, 12, 1)
        )


def test_a_dropped_project_keeps_its_reason_and_resumes_where_it_stopped(pipeline, hq_user) -> None:
    project = pipeline.auvergne
    services.move_project(project=project, stage="dropped", reason="Équipe dissoute", user=hq_user)
    project.refresh_from_db()
    assert project.dropped_reason == "Équipe dissoute"

    with pytest.raises(StartupError, match="reprend à l'étape"):
        services.move_project(project=project, stage="sourced", user=hq_user)
    services.move_project(project=project, stage="qualified", user=hq_user)
    project.refresh_from_db()
    assert project.stage == "qualified" and project.dropped_reason == ""


def test_territorial_staff_move_their_territory_s_projects_only(pipeline, territorial_user) -> None:
    services.move_project(project=pipeline.drome, stage="qualified", user=territorial_user)

    with pytest.raises(NotFound):
        services.move_project(project=pipeline.auvergne, stage="accompanied", user=territorial_user)
    pipeline.auvergne.refresh_from_db()
    assert pipeline.auvergne.stage == "qualified"


def test_territorial_staff_cannot_source_a_project_in_another_territory(registry, territorial_user) -> None:
    with pytest.raises(StartupError, match="n'est pas le vôtre"):
        services.create_project(user=territorial_user, name="Ailleurs", territory=registry.auvergne)
    assert not StartupProject.objects.filter(name="Ailleurs").exists()


def test_an_application_records_its_programme_on_the_project(pipeline, hq_user) -> None:
    application = services.save_application(
        user=hq_user, project=pipeline.drome, programme=pipeline.label, due_on=datetime.date(2026, 4, 11)
    )
    assert list(pipeline.drome.programmes.all()) == [pipeline.label]
    services.save_application(
        user=hq_user,
        project=pipeline.drome,
        programme=pipeline.label,
        due_on=application.due_on,
        status="submitted",
        application=application,
    )
    application.refresh_from_db()
    assert application.status == "submitted" and application.submitted_on is not None


def _convert(project, user, siren=SIREN, **values):
    return services.convert_to_member(
        project=project,
        user=user,
        organisation_values={"siren": siren, "is_startup": True},
        establishment_values={"postcode": "26000", "city": "Valence", "country": "FR", **values},
        membership_values={
            "association": project.territory.association,
            "status": "active",
            "starts_on": "2026-06-01",
        },
        on=datetime.date(2026, 6, 1),
    )


def test_converting_creates_the_member_and_keeps_the_project_s_history_on_its_timeline(
    pipeline, hq_user
) -> None:
    project = pipeline.drome
    services.move_project(project=project, stage="qualified", user=hq_user, on=datetime.date(2026, 2, 1))

    organisation = _convert(project, hq_user)

    project.refresh_from_db()
    assert project.organisation == organisation and project.stage == "member"
    assert (
        organisation.name == "Drômoise Robotique" and organisation.siren == SIREN and organisation.is_startup
    )
    assert Membership.objects.get(organisation=organisation).association == project.territory.association
    assert _stages(project)[-1] == ("qualified", "member")
    titles = [entry.title for entry in organisation_timeline(hq_user, organisation.pk).entries]
    assert "Start-up « Drômoise Robotique » repérée" in titles
    assert "Start-up « Drômoise Robotique » : étape « qualifiée »" in titles
    assert "Start-up « Drômoise Robotique » : étape « adhérente »" in titles


def test_converting_an_already_converted_project_is_refused(pipeline, hq_user) -> None:
    _convert(pipeline.drome, hq_user)
    count = Organisation.objects.count()

    with pytest.raises(StartupError, match="déjà devenue adhérente"):
        _convert(pipeline.drome, hq_user, siren=complete_siren("88123457"))
    assert Organisation.objects.count() == count


def test_converting_with_a_siren_already_in_the_registry_is_refused(pipeline, hq_user, registry) -> None:
    known = registry.drome_logiciels
    count = Organisation.objects.count()

    with pytest.raises(StartupError, match=f"{known.siren} est déjà au registre.*{known.name}"):
        _convert(pipeline.drome, hq_user, siren=known.siren)

    pipeline.drome.refresh_from_db()
    assert pipeline.drome.organisation is None and pipeline.drome.stage == "sourced"
    assert Organisation.objects.count() == count


def _spaced(identifier: str) -> str:
    """An identifier as a person types it: digits in groups of three, with spaces."""
    return " ".join(identifier[i : i + 3] for i in range(0, len(identifier), 3))


@pytest.mark.parametrize("spelling", [lambda siren: siren, _spaced], ids=["compact", "spaced"])
def test_a_siren_already_in_the_registry_is_refused_however_it_is_typed(
    pipeline, hq_user, registry, spelling
) -> None:
    known = registry.drome_logiciels
    count = Organisation.objects.count()

    with pytest.raises(StartupError, match=f"{known.siren} est déjà au registre.*{known.name}"):
        _convert(pipeline.drome, hq_user, siren=spelling(known.siren))

    pipeline.drome.refresh_from_db()
    assert pipeline.drome.organisation is None and pipeline.drome.stage == "sourced"
    assert Organisation.objects.count() == count


@pytest.mark.parametrize("spelling", [lambda siret: siret, _spaced], ids=["compact", "spaced"])
def test_a_siret_already_in_the_registry_is_refused_however_it_is_typed(
    pipeline, hq_user, registry, spelling
) -> None:
    siret = registry.multisite.establishments.exclude(is_head_office=True).get().siret
    count = Organisation.objects.count()

    with pytest.raises(StartupError, match=f"{siret} est déjà au registre.*Multisite Industries"):
        _convert(pipeline.drome, hq_user, siren="", siret=spelling(siret))

    assert Organisation.objects.count() == count


@pytest.mark.parametrize("spelling", [lambda siren: siren, _spaced], ids=["compact", "spaced"])
def test_a_siren_held_in_another_territory_is_refused_without_naming_its_holder(
    pipeline, territorial_user, registry, spelling
) -> None:
    outside = registry.volcans_cloud
    count = Organisation.objects.count()

    with pytest.raises(StartupError, match="hors de votre territoire") as refused:
        _convert(pipeline.drome, territorial_user, siren=spelling(outside.siren))

    assert outside.name not in str(refused.value)
    assert Organisation.objects.count() == count


def test_converting_without_a_user_is_a_plain_value_error(pipeline) -> None:
    count = Organisation.objects.count()
    with pytest.raises(ValueError, match="needs the user"):
        _convert(pipeline.drome, None)
    assert Organisation.objects.count() == count
    pipeline.drome.refresh_from_db()
    assert pipeline.drome.stage == "sourced"


def test_a_wrong_head_office_refuses_the_conversion_whole(pipeline, hq_user) -> None:
    count = Organisation.objects.count()
    with pytest.raises(MemberRefused, match="Code postal « 99999 » inconnu"):
        _convert(pipeline.drome, hq_user, postcode="99999")
    assert Organisation.objects.count() == count
    pipeline.drome.refresh_from_db()
    assert pipeline.drome.stage == "sourced"


def test_a_merger_of_organisations_keeps_both_converted_projects(pipeline, hq_user) -> None:
    from grappe.core.dependents import fold_dependents

    first = _convert(pipeline.drome, hq_user)
    services.move_project(project=pipeline.auvergne, stage="sourced", user=hq_user)
    other = Organisation.objects.create(name="Volcan IA")
    StartupProject.objects.filter(pk=pipeline.auvergne.pk).update(organisation=other)

    fold_dependents(survivor=first, others=[other])

    assert set(first.startup_projects.values_list("name", flat=True)) == {"Drômoise Robotique", "Volcan IA"}


def test_a_founder_folded_into_their_duplicate_is_one_founder(pipeline) -> None:
    from grappe.core.dependents import fold_dependents
    from grappe.registry.models import Person

    kept, duplicate = Person.objects.create(last_name="Garnier"), Person.objects.create(last_name="GARNIER")
    pipeline.drome.founders.set([kept, duplicate])
    pipeline.auvergne.founders.set([duplicate])

    fold_dependents(survivor=kept, others=[duplicate])

    assert list(pipeline.drome.founders.all()) == [kept]
    assert list(pipeline.auvergne.founders.all()) == [kept]
