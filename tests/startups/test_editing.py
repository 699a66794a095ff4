"""Editing a project, its founders and its application files through the services and the pages: what a user
relies on, and the refusals that change nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from grappe.core.models import AuditEvent
from grappe.errors import NotFound
from grappe.france.identifiers import complete_siren
from grappe.registry.models import Person
from grappe.startups import services
from grappe.startups.models import Application, ReminderSent
from grappe.startups.services import StartupError

pytestmark = pytest.mark.django_db


def _edit(project, user, **values):
    current = {
        "name": project.name,
        "summary": project.summary,
        "territory": project.territory,
        "referent": project.referent,
        "programmes": list(project.programmes.all()),
    }
    return services.update_project(user=user, project=project, **{**current, **values})


def _snapshot(project):
    project.refresh_from_db()
    return (
        project.name,
        project.summary,
        project.territory_id,
        project.referent_id,
        sorted(project.programmes.values_list("pk", flat=True)),
        AuditEvent.objects.count(),
    )


# -- the project ------------------------------------------------------------------------------------------


def test_a_project_s_name_notes_territory_referent_and_programmes_change_with_one_audit_event(
    pipeline, hq_user, registry
) -> None:
    project = pipeline.drome
    _edit(
        project,
        hq_user,
        name="  Drômoise Robotique SAS ",
        summary="Bras robotisés pour l'arboriculture.",
        territory=registry.auvergne,
        referent=None,
        programmes=[pipeline.label, pipeline.bivouac],
    )

    project.refresh_from_db()
    assert project.name == "Drômoise Robotique SAS" and project.territory == registry.auvergne
    assert project.referent is None and project.summary.startswith("Bras robotisés")
    assert set(project.programmes.all()) == {pipeline.label, pipeline.bivouac}
    event = AuditEvent.objects.filter(action="startups.edit", object_id=project.pk).get()
    assert event.changes["name"] == ["Drômoise Robotique", "Drômoise Robotique SAS"]
    assert event.changes["programmes"] == ["", "French Tech Tremplin, Le Bivouac"]
    assert set(event.changes) == {"name", "summary", "territory", "referent", "programmes"}


def test_saving_a_project_unchanged_records_nothing(pipeline, hq_user) -> None:
    before = _snapshot(pipeline.drome)
    _edit(pipeline.drome, hq_user)
    assert _snapshot(pipeline.drome) == before


@pytest.mark.parametrize(("values", "message"), [({"name": "  "}, "nom du projet est obligatoire")])
def test_a_project_without_a_name_is_refused(pipeline, hq_user, values, message) -> None:
    before = _snapshot(pipeline.drome)
    with pytest.raises(StartupError, match=message):
        _edit(pipeline.drome, hq_user, **values)
    assert _snapshot(pipeline.drome) == before


def test_territorial_staff_cannot_move_a_project_out_to_a_territory_they_do_not_see(
    pipeline, territorial_user, registry
) -> None:
    before = _snapshot(pipeline.drome)
    with pytest.raises(StartupError, match="n'est pas le vôtre"):
        _edit(pipeline.drome, territorial_user, territory=registry.auvergne)
    assert _snapshot(pipeline.drome) == before
    with pytest.raises(NotFound):
        _edit(pipeline.auvergne, territorial_user, summary="Vu d'ailleurs")


def test_a_dropped_project_keeps_its_name_territory_and_programmes_but_its_notes_change(
    pipeline, hq_user, registry
) -> None:
    project = services.move_project(project=pipeline.drome, stage="dropped", reason="Fin", user=hq_user)
    before = _snapshot(project)

    for values in ({"name": "Autre"}, {"territory": registry.auvergne}, {"programmes": [pipeline.label]}):
        with pytest.raises(StartupError, match="seuls la présentation et le référent") as refusal:
            _edit(project, hq_user, **values)
        assert refusal.value.code == "grappe.startups.closed"
    assert _snapshot(project) == before

    _edit(project, hq_user, summary="Les fondateurs ont rejoint un groupe.", referent=None)
    project.refresh_from_db()
    assert project.summary == "Les fondateurs ont rejoint un groupe." and project.referent is None


def test_a_converted_project_keeps_its_name_but_its_referent_changes(pipeline, hq_user) -> None:
    project = pipeline.drome
    services.convert_to_member(
        project=project,
        user=hq_user,
        organisation_values={"siren": complete_siren("88123456"), "is_startup": True},
        establishment_values={"postcode": "26000", "city": "Valence", "country": "FR"},
        membership_values={
            "association": project.territory.association,
            "status": "active",
            "starts_on": "2026-06-01",
        },
        on=datetime.date(2026, 6, 1),
    )
    project.refresh_from_db()
    before = _snapshot(project)

    with pytest.raises(StartupError, match="devenue adhérente : seuls la présentation"):
        _edit(project, hq_user, name="Nouveau nom")
    assert _snapshot(project) == before

    _edit(project, hq_user, referent=None)
    project.refresh_from_db()
    assert project.referent is None and project.name == "Drômoise Robotique"


# -- founders ---------------------------------------------------------------------------------------------


def test_a_registry_person_is_added_then_removed_as_founder(pipeline, territorial_user, registry) -> None:
    services.add_founder(user=territorial_user, project=pipeline.drome, person=registry.claire)
    assert list(pipeline.drome.founders.all()) == [registry.claire]

    services.remove_founder(user=territorial_user, project=pipeline.drome, person=registry.claire)
    assert not pipeline.drome.founders.exists()
    assert Person.objects.filter(pk=registry.claire.pk).exists()
    actions = AuditEvent.objects.filter(object_id=pipeline.drome.pk, action__startswith="startups.founder")
    assert list(actions.order_by("pk").values_list("action", flat=True)) == [
        "startups.founder_add",
        "startups.founder_remove",
    ]


def test_a_new_founder_is_created_in_the_registry_and_stays_pickable(pipeline, territorial_user) -> None:
    person = services.add_founder(
        user=territorial_user,
        project=pipeline.drome,
        person_values={"first_name": "Nadia", "last_name": "Benali", "email": "nadia@robotique.fr"},
    )

    assert list(pipeline.drome.founders.all()) == [person]
    assert AuditEvent.objects.filter(action="create", object_id=person.pk).exists()
    # No role in any organisation, yet the user who added her finds her again through their project.
    assert services.founder_candidates(territorial_user).filter(pk=person.pk).exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "Aucun fondateur indiqué"),
        ({"first_name": "Nadia"}, "nom du fondateur est obligatoire"),
        ({"last_name": "Benali", "email": "pas-un-mail"}, "e-mail"),
        ({"last_name": "Martin", "email": "CLAIRE.martin@drome-logiciels.fr"}, "déjà au registre"),
    ],
)
def test_a_new_founder_with_bad_values_is_refused_and_nothing_is_created(
    pipeline, territorial_user, values, message
) -> None:
    people, events = Person.objects.count(), AuditEvent.objects.count()
    with pytest.raises(Exception, match=message):
        services.add_founder(user=territorial_user, project=pipeline.drome, person_values=values)
    assert (Person.objects.count(), AuditEvent.objects.count()) == (people, events)
    assert not pipeline.drome.founders.exists()


def test_founder_refusals_change_nothing(pipeline, territorial_user, registry) -> None:
    services.add_founder(user=territorial_user, project=pipeline.drome, person=registry.claire)
    events = AuditEvent.objects.count()

    with pytest.raises(StartupError, match="déjà fondateur"):
        services.add_founder(user=territorial_user, project=pipeline.drome, person=registry.claire)
    # Paul is known only in the Loire: a Valence permanent cannot name him.
    with pytest.raises(NotFound):
        services.add_founder(user=territorial_user, project=pipeline.drome, person=registry.paul)
    with pytest.raises(StartupError, match="n'est pas fondateur"):
        services.remove_founder(user=territorial_user, project=pipeline.drome, person=registry.paul)
    with pytest.raises(NotFound):
        services.add_founder(user=territorial_user, project=pipeline.auvergne, person=registry.claire)

    assert list(pipeline.drome.founders.all()) == [registry.claire]
    assert not pipeline.auvergne.founders.exists()
    assert AuditEvent.objects.count() == events


# -- application files ---------------------------------------------------------------------------------------


@pytest.fixture
def application(pipeline, hq_user) -> Application:
    return services.save_application(
        user=hq_user, project=pipeline.drome, programme=pipeline.label, due_on=datetime.date(2026, 4, 11)
    )


def test_an_application_s_status_deadline_and_notes_change(pipeline, hq_user, application) -> None:
    services.save_application(
        user=hq_user,
        project=pipeline.drome,
        programme=application.programme,
        application=application,
        status="submitted",
        due_on=datetime.date(2026, 4, 18),
        notes="Déposé par la fondatrice.",
    )

    application.refresh_from_db()
    assert application.status == "submitted" and application.submitted_on is not None
    assert (
        application.due_on == datetime.date(2026, 4, 18) and application.notes == "Déposé par la fondatrice."
    )
    event = AuditEvent.objects.filter(action="startups.application", object_id=application.pk).latest("pk")
    assert {"status", "due_on", "notes", "submitted_on"} <= set(event.changes)


def test_an_application_of_another_project_or_status_is_refused(pipeline, hq_user, application) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(NotFound):
        services.save_application(
            user=hq_user,
            project=pipeline.auvergne,
            programme=application.programme,
            application=application,
            due_on=application.due_on,
            notes="Ailleurs",
        )
    with pytest.raises(StartupError, match="inconnu"):
        services.save_application(
            user=hq_user,
            project=pipeline.drome,
            programme=application.programme,
            application=application,
            due_on=application.due_on,
            status="lost",
        )
    application.refresh_from_db()
    assert (
        application.project == pipeline.drome
        and application.notes == ""
        and application.status == "preparing"
    )
    assert AuditEvent.objects.count() == events


def test_a_moved_deadline_is_reminded_again(pipeline, hq_user, application, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    today = datetime.date(2026, 4, 1)
    services.send_reminders(today=today)
    assert services.send_reminders(today=today).already_sent == 1

    services.save_application(
        user=hq_user,
        project=pipeline.drome,
        programme=application.programme,
        application=application,
        due_on=datetime.date(2026, 4, 8),
    )
    again = services.send_reminders(today=today)

    assert [reminder.due_on for reminder in again.sent] == [datetime.date(2026, 4, 8)]
    assert len(mail.outbox) == 2 and "8 avril 2026" in mail.outbox[1].subject
    assert ReminderSent.objects.filter(application=application).count() == 2


# -- the pages --------------------------------------------------------------------------------------------


def test_the_project_is_edited_from_its_page_and_a_refusal_is_shown_in_the_form(
    pipeline, hq_client, hq_user
) -> None:
    url = reverse("startups:project_edit", args=[pipeline.drome.pk])
    page = hq_client.get(url).content.decode()
    assert 'value="Drômoise Robotique"' in page

    values = {"name": "Drômoise", "territory": pipeline.drome.territory_id, "summary": "Notes"}
    response = hq_client.post(url, values)
    assert response.status_code == 302
    pipeline.drome.refresh_from_db()
    assert pipeline.drome.name == "Drômoise" and pipeline.drome.summary == "Notes"

    services.move_project(project=pipeline.drome, stage="dropped", reason="Fin", user=hq_user)
    refused = hq_client.post(url, {**values, "name": "Autre"})
    assert refused.status_code == 200 and "seuls la présentation et le référent" in refused.content.decode()
    pipeline.drome.refresh_from_db()
    assert pipeline.drome.name == "Drômoise"


def test_founders_are_searched_added_and_removed_from_the_project_page(
    pipeline, territorial_client, registry
) -> None:
    detail = reverse("startups:project_detail", args=[pipeline.drome.pk])
    found = territorial_client.get(detail, {"fondateur": "claire"}).content.decode()
    assert "Claire Martin" in found
    assert "Paul" not in territorial_client.get(detail, {"fondateur": "durand"}).content.decode()

    add = reverse("startups:founder_add", args=[pipeline.drome.pk])
    territorial_client.post(add, {"person": registry.claire.pk})
    territorial_client.post(
        add, {"first_name": "Nadia", "last_name": "Benali", "email": "nadia@robotique.fr"}
    )
    assert set(pipeline.drome.founders.values_list("last_name", flat=True)) == {"Martin", "Benali"}

    territorial_client.post(
        reverse("startups:founder_remove", args=[pipeline.drome.pk]), {"person": registry.claire.pk}
    )
    refused = territorial_client.post(add, {"person": registry.paul.pk}, follow=True)
    assert "introuvable" in refused.content.decode()
    assert list(pipeline.drome.founders.values_list("last_name", flat=True)) == ["Benali"]


def test_an_application_file_is_edited_from_its_page(pipeline, hq_client, application) -> None:
    url = reverse("startups:application_edit", args=[pipeline.drome.pk, application.pk])
    # A date input shows only an ISO value: a localised one would leave the deadline blank and block saving.
    assert 'value="2026-04-11"' in hq_client.get(url).content.decode()
    hq_client.post(url, {"status": "preparing", "due_on": "2026-05-02", "notes": "Relire le budget"})
    application.refresh_from_db()
    assert application.due_on == datetime.date(2026, 5, 2) and application.notes == "Relire le budget"

    refused = hq_client.post(url, {"status": "preparing", "due_on": "2 mai", "notes": ""})
    assert "Saisissez une date valide" in refused.content.decode()
    elsewhere = reverse("startups:application_edit", args=[pipeline.auvergne.pk, application.pk])
    assert hq_client.get(elsewhere).status_code == 404


def test_a_founder_of_several_projects_is_one_candidate_and_others_territories_stay_hidden(
    pipeline, hq_user, territorial_user, registry
) -> None:
    from grappe.registry.models import Person

    nadia = Person.objects.create(first_name="Nadia", last_name="Benali")
    other = services.create_project(
        user=hq_user,
        name="Valence Drones",
        territory=registry.drome_ardeche,
        founders=[nadia, registry.claire],
    )
    pipeline.drome.founders.add(nadia, registry.claire)
    pipeline.auvergne.founders.add(registry.paul)

    seen = list(services.founder_candidates(territorial_user).filter(last_name__in=["Benali", "Martin"]))
    assert sorted(person.last_name for person in seen) == ["Benali", "Martin"]
    assert registry.paul not in services.founder_candidates(territorial_user)
    assert services.founder_candidates(hq_user).filter(pk=nadia.pk).count() == 1
    assert other.founders.count() == 2
