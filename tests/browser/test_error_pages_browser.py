"""The pages that refuse rather than fail, as a browser shows them, in French and in English (the language
switcher's cookie): an upload too large (413, refused from its declared length before any of it is stored), a
database busy with another write (503, « réessayez dans un instant »), and a login locked after too many wrong
passwords (django-axes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from browser.test_merger_browser import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chief(django_user_model):
    return django_user_model.objects.create_superuser(
        "chef", password=PASSWORD, first_name="Anne", last_name="Martin"
    )


@pytest.fixture(params=["fr", "en"])
def language(request) -> str:
    return request.param


@pytest.fixture
def browser_page(browser, live_server, language):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1400, "height": 900})
    context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _log_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/connexion/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()


def test_an_upload_too_large_gets_the_413_page(
    live_server, browser_page, chief, language, settings, tmp_path
):
    settings.GRAPPE_MAX_UPLOAD_BYTES = 4096
    settings.GRAPPE_MAX_REQUEST_OVERHEAD_BYTES = 0
    _log_in(browser_page, live_server, chief.username, PASSWORD)
    browser_page.goto(f"{live_server.url}/imports/")
    export = Path(tmp_path / "adherents.csv")
    export.write_text("nom;siren\n" + "Entreprise;123456789\n" * 2000, encoding="utf-8")
    form = browser_page.locator("form:has(input[type=file])")
    form.locator("input[type=file]").set_input_files(str(export))
    # The size is the server's refusal to show: the form's other required fields are left to it.
    form.evaluate("form => { form.noValidate = true; }")
    with browser_page.expect_response(lambda response: response.status == 413):
        form.locator("button[type=submit]").click()
    if language == "fr":
        expect(browser_page.get_by_role("heading", name="Fichier trop volumineux")).to_be_visible()
        expect(browser_page.get_by_text("il a été refusé avant d’être enregistré")).to_be_visible()
        expect(browser_page.locator("html")).to_have_attribute("lang", "fr")
    else:
        expect(browser_page.get_by_role("heading", name="File too large")).to_be_visible()
        expect(browser_page.locator("html")).to_have_attribute("lang", "en")
        assert "Fichier trop volumineux" not in browser_page.content()


def test_a_busy_database_gets_the_503_page(live_server, browser_page, language, settings):
    settings.ROOT_URLCONF = "browser.busy_urls"
    settings.GRAPPE_RETRY_AFTER = 60
    response = browser_page.goto(f"{live_server.url}/occupee/")
    assert response is not None and response.status == 503
    assert response.headers["retry-after"] == "60"
    expect(browser_page.locator("html")).to_have_attribute("lang", language)
    if language == "fr":
        expect(browser_page.get_by_role("heading", name="La base de données est occupée")).to_be_visible()
        expect(browser_page.get_by_text("Réessayez dans 60 secondes.")).to_be_visible()
        expect(browser_page.get_by_role("link", name="Réessayer")).to_have_attribute("href", "/occupee/")
    else:
        expect(browser_page.get_by_role("heading", name="The database is busy")).to_be_visible()
        assert "La base de données est occupée" not in browser_page.content()


def test_too_many_wrong_passwords_lock_the_login(live_server, browser_page, chief, language):
    for _attempt in range(django_settings.AXES_FAILURE_LIMIT):
        _log_in(browser_page, live_server, chief.username, "pas-le-bon-mot-de-passe")
    expect(browser_page.locator("html")).to_have_attribute("lang", language)
    if language == "fr":
        expect(browser_page.get_by_role("heading", name="Trop de tentatives de connexion")).to_be_visible()
        expect(browser_page.get_by_text("la connexion est bloquée par sécurité")).to_be_visible()
    else:
        expect(browser_page.get_by_role("heading", name="Too many login attempts")).to_be_visible()
        assert "Trop de tentatives" not in browser_page.content()
    # Even the right password is refused now.
    _log_in(browser_page, live_server, chief.username, PASSWORD)
    assert browser_page.url.startswith(f"{live_server.url}/connexion/")
    expect(browser_page.locator("h1")).not_to_have_text("Tableau de bord")
