"""The statutes editor in a browser, under the Content-Security-Policy: a director starts a new version from the
current one, is shown each problem with its line, corrects it, sees what changes, records the version and
compares it with the previous one."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from grappe.governance import services
from grappe.governance.models import Statutes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-de-test-2016"


def test_a_new_version_is_checked_line_by_line_then_recorded_and_compared(
    live_server, page, registry, hq_user, tmp_path
):
    from governance.conftest import NUMELINK_2016

    hq_user.set_password(PASSWORD)
    hq_user.save()
    hq_user.user_permissions.add(Permission.objects.get(codename="add_statutes"))
    current = services.import_statutes(association=registry.numelink, text=NUMELINK_2016)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill(hq_user.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server.url}/gouvernance/statuts/{current.pk}/")
    page.get_by_role("link", name="Nouvelle version à partir de celle-ci").click()

    editor = page.get_by_label("Statuts (YAML)")
    expect(editor).to_have_value(NUMELINK_2016)
    # A year later, the enlarged board's clause gone: but « 36 » seats is typed as text.
    text = NUMELINK_2016.split("dispositions_transitoires:")[0]
    text = text.replace("date: 2016-03-31", "date: 2017-03-31").replace("du 31 mars 2016", "du 31 mars 2017")
    wrong = text.replace("taille: {min: 30, max: 40}", "taille: {min: 30, max: trente-six}")
    editor.fill(wrong)
    page.get_by_role("button", name="Vérifier").click()
    problems = page.locator("#problems")
    expect(problems).to_contain_text("1 problème : rien n'a été enregistré.")
    line = next(i for i, row in enumerate(wrong.splitlines(), 1) if "trente-six" in row)
    expect(problems.locator("tbody tr").first).to_contain_text(f"{line}organes.conseil.taille.max")
    expect(page.get_by_label("Statuts (YAML)")).to_have_value(wrong)  # the text as typed is kept
    assert Statutes.objects.count() == 1

    right = text.replace("max: 40}", "max: 36}").replace("partenaires: 10", "partenaires: 6")
    page.get_by_label("Statuts (YAML)").fill(right)
    page.get_by_role("button", name="Vérifier").click()
    changes = page.locator(".diff")
    expect(changes.locator(".diff__add", has_text="max: 36")).to_be_visible()
    expect(changes.locator(".diff__del", has_text="max: 40")).to_be_visible()
    assert Statutes.objects.count() == 1

    page.get_by_role("button", name="Enregistrer la nouvelle version").click()
    expect(page.get_by_role("heading", name="Statuts de Numélink, version 2 (31/03/2017)")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("enregistrée")
    page.get_by_role("link", name="Comparer avec la version précédente").click()
    expect(page.locator(".diff .diff__add", has_text="date: 2017-03-31")).to_be_visible()
    page.screenshot(path=str(tmp_path / "statutes-diff.png"), full_page=True)
    assert refused == []
