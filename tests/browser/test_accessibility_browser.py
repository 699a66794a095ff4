"""Every main page passes axe-core's WCAG 2 A and AA rules with no violation (issue 13), at desktop width and, for
the pages staff open on the move, at a phone's 390 px.

axe-core is vendored beside this file (``vendor/``: version, source and licence in its README). One merger world is
built for the whole module and each page is its own test: rebuilding the world for each of thirty pages would
take minutes on the shared machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from browser.test_merger_browser import HOMONYMS
from mergers import scenario

pytestmark = [pytest.mark.browser]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "fr-FR"}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "locale": "fr-FR"}

# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what the issue promises, nothing more (no "best practice" rules).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
  }));
}"""


@dataclass
class World:
    urls: dict[str, str]
    director_session: str
    member_session: str


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """The merger world of the merger tests, plus statutes, a year's dues and two sessions: built once, flushed
    after the module as a transactional test would be."""
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from governance.conftest import NUMELINK_2016
    from grappe.finance.models import FeeSchedule
    from grappe.finance.services import generate_dues
    from grappe.governance import services as governance
    from grappe.governance.models import Body
    from grappe.intake.services import create_import_job, validate_import_job
    from grappe.mergers import services
    from grappe.registry.models import (
        Association,
        Membership,
        MembershipType,
        Organisation,
        Person,
        Territory,
    )

    with django_db_blocker.unblock():
        user_model = get_user_model()
        director = user_model.objects.create_superuser("chef", first_name="Anne", last_name="Martin")
        member = user_model.objects.create_user("adherent")
        directory = tmp_path_factory.mktemp("a11y")
        built = scenario.build(directory, import_absorbed=False)
        scenario.write_csv(built.auvergne_export, scenario.AUVERGNE_ROWS + HOMONYMS)
        merger = services.plan_merger(
            absorbing=built.numelink,
            absorbed=built.auvergne_tic,
            effective_on=scenario.EFFECTIVE,
            path=built.auvergne_export,
            user=director,
        )
        statutes = governance.import_statutes(association=built.numelink, text=NUMELINK_2016)
        kind = MembershipType.objects.create(
            association=built.numelink, name="Membre", fee_category="association"
        )
        Membership.objects.filter(association=built.numelink).update(membership_type=kind)
        schedule = FeeSchedule.objects.create(
            association=built.numelink, year=2026, voted_on="2025-11-20", due_on="2026-03-31"
        )
        schedule.flat_rates.create(category="association", amount="90")
        generate_dues(schedule=schedule)

        export = scenario.write_csv(directory / "forez.csv", HOMONYMS)
        job = create_import_job(
            association=built.numelink,
            upload=SimpleUploadedFile("forez.csv", export.read_bytes(), content_type="text/csv"),
            user=director,
        )
        validate_import_job(job=job)

        organisation = (
            Organisation.objects.filter(memberships__association=built.numelink).order_by("pk").first()
        )
        assert organisation is not None
        person = Person.objects.order_by("pk").first()
        body = Body.objects.create(
            association=built.numelink, code="conseil", name="Conseil d'administration", kind="board"
        )
        assert person and body
        from grappe.registry.models import Tag

        tag = Tag.objects.create(association=built.numelink, name="Salon 2026")
        Tag.objects.create(association=built.numelink, name="À relancer")
        organisation.tags.add(tag)
        project = _startup_pipeline(built.numelink, director)
        urls = {
            "dashboard": "/",
            "organisations": "/organisations/",
            "organisation": f"/organisations/{organisation.pk}/",
            "history": f"/organisations/{organisation.pk}/historique/",
            "timeline": f"/organisations/{organisation.pk}/chronologie/",
            "new-organisation": "/organisations/nouvelle/",
            "new-organisation-form": "/organisations/nouvelle/?sans_identifiant=1",
            "new-organisation-known": f"/organisations/nouvelle/?identifiant={organisation.siren}",
            "new-organisation-bad-siren": "/organisations/nouvelle/?identifiant=123456789",
            "organisations-filtered": "/organisations/?status=active&departement=42",
            "edit-organisation": f"/organisations/{organisation.pk}/modifier/",
            "people": "/personnes/",
            "person": f"/personnes/{person.pk}/",
            "person-history": f"/personnes/{person.pk}/historique/",
            "memberships": "/adhesions/",
            "tags": f"/etiquettes/?association={built.numelink.pk}",
            "tag-rename": f"/etiquettes/{tag.pk}/renommer/",
            "tag-delete": f"/etiquettes/{tag.pk}/supprimer/",
            "tag-merge": f"/etiquettes/{tag.pk}/fusionner/",
            "associations": "/associations/",
            "association": f"/associations/{built.numelink.pk}/",
            "territories": "/territoires/",
            "territory": f"/territoires/{Territory.objects.get(association=built.numelink).pk}/",
            "offices": "/implantations/",
            "imports": "/imports/",
            "import": f"/imports/{job.pk}/",
            "import-mapping": f"/imports/{job.pk}/correspondance/",
            "import-report": f"/imports/{job.pk}/rapport/",
            "mergers": "/fusions/",
            "merger": f"/fusions/{merger.pk}/",
            "merger-review": f"/fusions/{merger.pk}/revue/",
            "merger-report": f"/fusions/{merger.pk}/rapport/",
            "dues": "/cotisations/?year=2026",
            "governance": "/gouvernance/",
            "body": f"/gouvernance/organes/{body.pk}/",
            "statutes": f"/gouvernance/statuts/{statutes.pk}/",
            "merger-seats": f"/gouvernance/fusions/{merger.pk}/sieges/",
            "merger-procedure": f"/gouvernance/fusions/{merger.pk}/procedure/",
            "startup-board": "/start-up/",
            "startup-project": f"/start-up/{project.pk}/",
            "startup-new": "/start-up/nouveau/",
            "startup-convert": f"/start-up/{project.pk}/adhesion/",
            "startup-deadlines": "/start-up/echeances/",
            "startup-report": "/start-up/bilan/",
            "not-found": "/organisations/999999/",
        }
        assert Association.objects.count() == 2

        # Apply, undo and report jobs as their pages show them: one waiting in the queue (its progress file held
        # by this thread, alive for the whole module), one refused by undo's data check.
        from grappe.mergers import selectors
        from grappe.mergers.models import MergerJob

        waiting = MergerJob.objects.create(merger=merger, action=MergerJob.Action.APPLY, created_by=director)
        preparing = MergerJob.objects.create(
            merger=merger, action=MergerJob.Action.REPORT, created_by=director, language="fr"
        )
        refused = MergerJob.objects.create(
            merger=merger,
            action=MergerJob.Action.UNDO,
            status=MergerJob.Status.FAILED,
            failure={
                "message": f"La fusion n° {merger.pk} ne peut pas être annulée : des données qu'elle a modifiées "
                "ont changé depuis (Organisation).",
                "hint": "Une annulation écraserait ces changements ; corrigez plutôt le registre à la main.",
            },
        )
        progress_file = selectors.action_progress_file(merger.pk)
        progress_file.claim("checks")
        urls |= {
            "merger-apply-job": f"/fusions/operations/{waiting.pk}/",
            "merger-report-job": f"/fusions/operations/{preparing.pk}/",
            "merger-undo-refused": f"/fusions/operations/{refused.pk}/",
        }

        sessions = []
        for user in (director, member):
            client = Client()
            client.force_login(user)
            sessions.append(client.cookies["sessionid"].value)

    yield World(urls=urls, director_session=sessions[0], member_session=sessions[1])

    progress_file.release()
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        # Closed here as a transactional test's teardown would: PostgreSQL refuses to drop the test database
        # while this thread's connection is still open.
        connections.close_all()


@pytest.fixture
def transactional_db(world: World, django_db_blocker) -> Iterator[None]:
    """The live server asks for a transactional database, which would flush the world after each test: here the
    module's world stays until the module ends (``world`` flushes it then)."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(autouse=True)
def requests_finish_before_the_database_is_emptied() -> Iterator[None]:
    """The module's world is not emptied between its tests (see ``transactional_db``), and a visitor's page keeps
    its connection to the live server open from one test to the next: nothing to wait for after each test."""
    yield


def _context(browser, live_server, world: World, form: dict, session: str | None) -> object:
    context = browser.new_context(**form)
    if session:
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    return context


@pytest.fixture(scope="module")
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def _violations(page, axe_source: str) -> list[dict]:
    # The site's policy (script-src 'self') refuses an injected <script> element, which add_script_tag makes:
    # evaluated through the DevTools protocol, the source runs without touching the app's policy.
    page.evaluate(axe_source + "\n;undefined")
    return page.evaluate(RUN_AXE, WCAG_TAGS)


def _report(url: str, violations: list[dict]) -> str:
    lines = [f"{url}: {len(violations)} accessibility violation(s)"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            lines.append(f"    {node['target']}: {node['summary']}".replace("\n", " "))
    return "\n".join(lines)


@pytest.fixture(scope="module")
def check(browser, live_server, world: World, axe_source: str) -> Iterator[Callable[..., None]]:
    """``check(url, form, session, status=200)``: the page at ``url`` answers ``status`` and axe finds nothing.
    One page a visitor (form factor and session), kept for the module and sent from URL to URL: staying in one
    renderer, axe's 500 KB are compiled once instead of once a page, and no context is opened a page."""
    visitors: dict = {}

    def check_page(url: str, form: dict, session: str | None, status: int = 200) -> None:
        key = (form["viewport"]["width"], session)
        if key not in visitors:
            visitors[key] = _context(browser, live_server, world, form, session).new_page()
            visitors[key].set_default_timeout(15_000)
        page = visitors[key]
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.status == status, (url, response and response.status)
        page.wait_for_load_state("load")
        violations = _violations(page, axe_source)
        if violations:
            pytest.fail(_report(url, violations), pytrace=False)

    yield check_page
    for page in visitors.values():
        page.context.close()


PAGES = [
    "dashboard",
    "organisations",
    "organisation",
    "history",
    "timeline",
    "new-organisation",
    "new-organisation-form",
    "new-organisation-known",
    "new-organisation-bad-siren",
    "edit-organisation",
    "organisations-filtered",
    "people",
    "person",
    "person-history",
    "memberships",
    "tags",
    "tag-rename",
    "tag-delete",
    "tag-merge",
    "associations",
    "association",
    "territories",
    "territory",
    "offices",
    "imports",
    "import",
    "import-mapping",
    "import-report",
    "mergers",
    "merger",
    "merger-review",
    "merger-report",
    "merger-apply-job",
    "merger-report-job",
    "merger-undo-refused",
    "dues",
    "governance",
    "body",
    "statutes",
    "merger-seats",
    "merger-procedure",
    "startup-board",
    "startup-project",
    "startup-new",
    "startup-convert",
    "startup-deadlines",
    "startup-report",
    "not-found",
]
PHONE_PAGES = [
    "dashboard",
    "organisations",
    "organisation",
    "merger",
    "merger-review",
    "merger-apply-job",
    "merger-report-job",
    "merger-undo-refused",
    "dues",
    "startup-board",
]


def _startup_pipeline(association, director):
    """Three start-up projects (one moved on, one dropped) and an application file due soon."""
    import datetime

    from django.utils import timezone

    from grappe.registry.models import Territory
    from grappe.startups import services as startups
    from grappe.startups.models import Programme

    territory = Territory.objects.filter(association=association).order_by("pk").first()
    label = Programme.objects.create(name="French Tech Tremplin", kind=Programme.Kind.LABEL)
    project = startups.create_project(user=director, name="Forez Drones", territory=territory)
    startups.move_project(project=project, stage="qualified", user=director)
    dropped = startups.create_project(user=director, name="Loire Data Lab", territory=territory)
    startups.move_project(project=dropped, stage="dropped", reason="Projet arrêté", user=director)
    startups.create_project(user=director, name="Pilat Énergie", territory=territory)
    due = timezone.localdate() + datetime.timedelta(days=8)
    startups.save_application(user=director, project=project, programme=label, due_on=due)
    return project


@pytest.mark.parametrize("name", PAGES)
def test_a_directors_page_has_no_violation(name, world, check):
    check(world.urls[name], DESKTOP, world.director_session, 404 if name == "not-found" else 200)


@pytest.mark.parametrize("name", PHONE_PAGES)
def test_a_page_on_a_phone_has_no_violation(name, world, check):
    check(world.urls[name], PHONE, world.director_session)


def test_the_login_page_has_no_violation(check):
    check("/connexion/", DESKTOP, None)


def test_the_login_page_with_an_error_has_no_violation(live_server, world, browser, axe_source):
    context = _context(browser, live_server, world, DESKTOP, None)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/connexion/")
        page.get_by_label("Identifiant").fill("personne")
        page.get_by_label("Mot de passe").fill("pas-le-bon")
        with page.expect_navigation():
            page.get_by_role("button", name="Se connecter").click()
        violations = _violations(page, axe_source)
        if violations:
            pytest.fail(_report("/connexion/ (refused)", violations), pytrace=False)
    finally:
        context.close()


def test_a_refused_edit_has_no_violation(live_server, world, browser, axe_source):
    """The form as it comes back refused: the error summary and each field's message."""
    context = _context(browser, live_server, world, DESKTOP, world.director_session)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}{world.urls['edit-organisation']}")
        page.locator("input[name=name]").fill("")
        with page.expect_navigation():
            page.get_by_role("button", name="Enregistrer").click()
        assert page.locator("[aria-invalid=true]").count() > 0, "the refused form should mark the empty name"
        violations = _violations(page, axe_source)
        if violations:
            pytest.fail(_report("edit-organisation (refused)", violations), pytrace=False)
    finally:
        context.close()


def test_the_forbidden_page_has_no_violation(world, check):
    check("/organisations/", DESKTOP, world.member_session, 403)


# -- the pages that refuse rather than fail (issue 13), in both languages --------------------------------------


def _check_page(page, axe_source: str, label: str) -> None:
    # Every page is rendered on the server: once loaded (its styles and scripts in), it is what axe must see.
    page.wait_for_load_state("load")
    violations = _violations(page, axe_source)
    if violations:
        pytest.fail(_report(label, violations), pytrace=False)


def _language_cookie(context, live_server, language: str) -> None:
    from django.conf import settings

    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_busy_database_page_has_no_violation(language, live_server, world, browser, axe_source, settings):
    settings.ROOT_URLCONF = "browser.busy_urls"
    settings.GRAPPE_RETRY_AFTER = 60  # the page reloads itself after that
    context = _context(browser, live_server, world, DESKTOP, None)
    _language_cookie(context, live_server, language)
    try:
        page = context.new_page()
        response = page.goto(f"{live_server.url}/occupee/")
        assert response is not None and response.status == 503
        _check_page(page, axe_source, f"503 ({language})")
    finally:
        context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_upload_too_large_page_has_no_violation(
    language, live_server, world, browser, axe_source, settings, tmp_path
):
    settings.GRAPPE_MAX_UPLOAD_BYTES = 4096
    settings.GRAPPE_MAX_REQUEST_OVERHEAD_BYTES = 0
    export = tmp_path / "adherents.csv"
    export.write_text("nom;siren\n" + "Entreprise;123456789\n" * 2000, encoding="utf-8")
    context = _context(browser, live_server, world, DESKTOP, world.director_session)
    _language_cookie(context, live_server, language)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}{world.urls['imports']}")
        form = page.locator("form:has(input[type=file])")
        form.locator("input[type=file]").set_input_files(str(export))
        form.evaluate("form => { form.noValidate = true; }")
        with page.expect_navigation(), page.expect_response(lambda response: response.status == 413):
            form.locator("button[type=submit]").click()
        _check_page(page, axe_source, f"413 ({language})")
    finally:
        context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_login_lockout_page_has_no_violation(language, live_server, world, browser, axe_source):
    from django.conf import settings

    context = _context(browser, live_server, world, DESKTOP, None)
    _language_cookie(context, live_server, language)
    try:
        page = context.new_page()
        for _attempt in range(settings.AXES_FAILURE_LIMIT):
            page.goto(f"{live_server.url}/connexion/")
            page.locator("input[name=username]").fill(f"inconnu-{language}")
            page.locator("input[name=password]").fill("pas-le-bon")
            with page.expect_navigation():
                page.locator("form:has(input[name=password]) button[type=submit]").click()
        assert page.locator("h1").first.inner_text() in (
            "Trop de tentatives de connexion",
            "Too many login attempts",
        )
        _check_page(page, axe_source, f"login lockout ({language})")
    finally:
        context.close()
