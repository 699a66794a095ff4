"""The demo's start-up chapter: a pipeline in every territory of the final cluster, told through the services."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from grappe.demo import startups_story as chapter
from grappe.demo.story import FUSION_NAME
from grappe.registry.models import Association, Membership, Territory
from grappe.startups import selectors, services
from grappe.startups.models import StartupProject

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(story):
    return story


def _territories() -> list[Territory]:
    return list(Territory.objects.filter(association__name=FUSION_NAME).order_by("name"))


def test_every_territory_of_the_cluster_has_its_pipeline(loaded) -> None:
    territories = _territories()
    assert len(territories) >= 4  # the cluster's territories after its three mergers
    for territory in territories:
        stages = list(StartupProject.objects.filter(territory=territory).values_list("stage", flat=True))
        assert {stage: stages.count(stage) for stage in chapter.PIPELINE} == chapter.PIPELINE, territory.name
        assert StartupProject.objects.filter(territory=territory, referent__isnull=False).count() == 10


def test_each_territory_s_converted_start_up_is_a_member_of_the_cluster(loaded) -> None:
    cluster = Association.objects.get(name=FUSION_NAME)
    converted = StartupProject.objects.filter(stage="member").select_related("organisation")
    assert converted.count() == len(_territories())
    for project in converted:
        assert project.organisation.is_startup and project.organisation.name == project.name
        membership = Membership.objects.get(organisation=project.organisation, association=cluster)
        assert (
            membership.status == Membership.Status.PENDING and membership.membership_type.name == "Start-up"
        )
        assert list(project.stage_changes.values_list("to_stage", flat=True)) == [
            "sourced",
            "qualified",
            "accompanied",
            "labelled",
            "member",
        ]


def test_the_report_counts_the_chapter_s_figures(loaded, django_user_model) -> None:
    director = django_user_model.objects.get(username="direction")
    reports = selectors.territory_reports(director)
    assert len(reports) == len(_territories())
    for report in reports:
        assert report.total == 10 and report.conversion == 0.1
        # Every project was sourced; the dropped one had climbed to « accompagnée » before it stopped.
        reached = {
            stage: report.reached[stage] for stage in ("sourced", "qualified", "accompanied", "labelled")
        }
        assert reached == {"sourced": 10, "qualified": 7, "accompanied": 5, "labelled": 2}
        assert report.reached["member"] == 1 and report.reached["dropped"] == 1
        assert all(report.mean_days[stage] is not None for stage in ("sourced", "qualified", "accompanied"))


def test_the_deadlines_and_reminders_have_something_to_say(loaded, django_user_model, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    director = django_user_model.objects.get(username="direction")
    territories = len(_territories())

    deadlines = selectors.deadlines(director, today=timezone.localdate())
    sent = services.send_reminders(today=timezone.localdate())

    # Per territory: one file three days late and one due in ten days (listed and reminded); the one due in
    # forty days is beyond both the list's 30 days and the reminders' 14.
    assert sum(deadline.overdue for deadline in deadlines) == territories
    assert len(deadlines) == 2 * territories
    assert len(sent.sent) == 2 * territories and len(mail.outbox) == 2 * territories


def test_the_territorial_permanent_sees_their_territory_s_pipeline_only(loaded, django_user_model) -> None:
    permanent = django_user_model.objects.get(username="clermont")
    territories = {
        project.territory for project in selectors.visible_projects(permanent).select_related("territory")
    }
    assert len(territories) == 1 and "63" in next(iter(territories)).departement_codes
