"""The merger procedure's timeline in a browser, under the Content-Security-Policy: a staff member opens the
procedure, then sees each step's deadline, the late notice flagged and the document to download."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from grappe.governance import procedure
from grappe.governance.models import MergerProcedure
from grappe.mergers.models import Merger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-de-test-2016"
AGE = datetime.date(2016, 3, 31)


def test_the_timeline_opens_and_flags_the_late_notice(
    live_server, page, registry, hq_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    hq_user.set_password(PASSWORD)
    hq_user.save()
    hq_user.user_permissions.add(Permission.objects.get(codename="add_mergerprocedure"))
    merger = Merger.objects.create(
        absorbing=registry.numelink, absorbed=registry.auvergne_tic, effective_on=AGE
    )
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill(hq_user.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server.url}/gouvernance/")
    page.get_by_role("link", name="Non ouverte").click()
    page.get_by_role("button", name="Ouvrir la procédure").click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Traité de fusion adopté par le conseil")
    expect(timeline.locator(".badge", has_text="en attente").first).to_be_visible()

    opened = MergerProcedure.objects.get(merger=merger)
    today = datetime.date(2016, 4, 5)
    for association in (registry.auvergne_tic, registry.numelink):
        procedure.record_step(
            procedure=opened,
            kind="assembly",
            association=association,
            planned_on=AGE,
            done_on=AGE,
            approved=True,
            today=today,
        )
    procedure.record_step(
        procedure=opened,
        kind="notice",
        done_on=datetime.date(2016, 3, 10),
        upload=SimpleUploadedFile("avis.pdf", b"%PDF avis"),
        today=today,
    )
    page.get_by_label("À la date du").fill("2016-04-05")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_role("heading", name="Étapes au 5 avril 2016")).to_be_visible()
    expect(page.locator("#flagged")).to_contain_text("Avis dans un journal d'annonces légales")
    notice = timeline.locator("li.timeline__entry", has_text="Avis dans un journal")
    expect(notice).to_contain_text("au plus tard le 1 mars 2016")
    expect(notice.locator(".badge")).to_have_text("fait en retard")
    with page.expect_download() as download:
        notice.get_by_role("link", name="avis.pdf").click()
    assert download.value.suggested_filename == "avis.pdf"
    page.screenshot(path=str(tmp_path / "timeline.png"), full_page=True)
    assert refused == []
