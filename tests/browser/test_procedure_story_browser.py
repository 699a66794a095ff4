"""The Auvergne TIC merger's procedure as the demo story dates it, read on its timeline in a browser at three
dates: the boards' treaty (January 2016), the AGEs of 31 March 2016 (Numélink's held with its AGO), the
declarations due within three months of the merger taking effect. What test_procedure_browser.py does not
cover: a complete procedure, its effective date from the last vote, and the auditor not required."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from grappe.demo import governance_story as gov
from grappe.demo import story as plot
from grappe.mergers.models import Merger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-de-passe-de-test-2016"


def test_the_auvergne_tic_procedure_on_its_timeline(live_server, page, registry, hq_user):
    hq_user.set_password(PASSWORD)
    hq_user.save()
    merger = Merger.objects.create(
        absorbing=registry.numelink, absorbed=registry.auvergne_tic, effective_on=gov.AUVERGNE_TIC_AGE
    )
    (data,) = [p for p in gov.PROCEDURES if p.absorbed == plot.AUVERGNE_TIC]
    gov.record_procedure(
        data, merger, {plot.NUMELINK: registry.numelink, plot.AUVERGNE_TIC: registry.auvergne_tic}
    )

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill(hq_user.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server.url}/gouvernance/")
    page.get_by_role("link", name="Suivre les étapes").click()

    summary = page.locator("#summary")
    expect(summary).to_contain_text("31 mars 2016 (dernier vote favorable)")
    expect(summary).to_contain_text("non obligatoire (apports sous 1 550 000 €)")
    timeline = page.locator("#timeline")
    expect(page.locator("#flagged")).to_have_count(0)
    board = timeline.locator("li.timeline__entry", has_text="Traité de fusion adopté par le conseil").first
    expect(board).to_contain_text("au plus tard le 31 janvier 2016")
    numelink = timeline.locator("li.timeline__entry", has_text="Assemblée générale extraordinaire — Numélink")
    expect(numelink).to_contain_text("tenue le 31 mars 2016")
    expect(numelink).to_contain_text("fusion approuvée")
    expect(numelink).to_contain_text("AGE tenue avec l'AGO")

    # The declarations are due three months after the merger took effect: by 30 June 2016; the story's was made
    # on 28 April.
    page.get_by_label("À la date du").fill("2016-04-05")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_role("heading", name="Étapes au 5 avril 2016")).to_be_visible()
    prefecture = timeline.locator("li.timeline__entry", has_text="Déclaration en préfecture")
    expect(prefecture).to_contain_text("30 juin 2016")
    expect(prefecture.locator(".badge")).to_have_text("fait")
    expect(page.locator("#flagged")).to_have_count(0)
