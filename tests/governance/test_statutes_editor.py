"""The staff's statutes editor: a new version from the current one, a refused text listing each problem with
its line and key while nothing changes, the adoption date and assembly read from the document, and the
differences between two versions."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from grappe.core.audit import AuditEvent
from grappe.governance import selectors
from grappe.governance.models import Statutes

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(hq_user, hq_client):
    hq_user.user_permissions.add(Permission.objects.get(codename="add_statutes"))
    return hq_client


def _edit_url(statutes: Statutes) -> str:
    return reverse("governance:statutes_edit", args=[statutes.pk])


def _federal(text: str) -> str:
    """The 2016 text a year later: the enlarged board's clause gone, a board of 36 at most."""
    text = text.split("dispositions_transitoires:")[0]
    return (
        text.replace("date: 2016-03-31", "date: 2017-03-31")
        .replace("assemblee: AGE du 31 mars 2016", "assemblee: AGE du 31 mars 2017")
        .replace("taille: {min: 30, max: 40}", "taille: {min: 30, max: 36}")
        .replace("partenaires: 10", "partenaires: 6")
    )


def test_the_editor_starts_from_the_current_version_s_text(statutes_2016, editor):
    page = editor.get(_edit_url(statutes_2016)).content.decode()
    assert "Nouvelle version des statuts de Numélink" in page
    assert "conseil_elargi_auvergne_tic" in page and "Traité de fusion avec Auvergne TIC" in page
    assert 'style="' not in page and "<script>" not in page


def test_checking_shows_what_changes_and_saving_records_a_new_version(statutes_2016, editor):
    text = _federal(statutes_2016.source_text)
    checked = editor.post(_edit_url(statutes_2016), {"text": text, "action": "check"})
    page = checked.content.decode()
    assert checked.status_code == 200 and "Document valide" in page
    changes = page.split('class="diff"')[1].split("</pre>")[0]
    assert re.search(r'<span class="diff__add">\+ +max: 36</span>', changes)
    assert re.search(r'<span class="diff__del">− +max: 40</span>', changes)
    assert "dispositions_transitoires" in changes
    assert Statutes.objects.count() == 1  # checking records nothing

    saved = editor.post(_edit_url(statutes_2016), {"text": text, "action": "save"})
    created = Statutes.objects.get(version=2)
    assert saved.status_code == 302 and saved["Location"] == reverse(
        "governance:statutes_detail", args=[created.pk]
    )
    assert (str(created.adopted_on), created.adopted_by) == ("2017-03-31", "AGE du 31 mars 2017")
    assert created.source_text == text
    crlf = editor.post(
        _edit_url(created),
        {"text": text.replace("2017-03-31", "2018-03-29").replace("\n", "\r\n"), "action": "save"},
    )
    assert crlf.status_code == 302 and "\r" not in Statutes.objects.get(version=3).source_text
    assert AuditEvent.objects.filter(action="statutes.import").count() == 3


def test_a_wrong_text_lists_each_problem_with_its_line_and_changes_nothing(statutes_2016, editor):
    text = _federal(statutes_2016.source_text).replace("mandat_ans: 3", "mandat_ans: trois")
    text = text.replace("quorum: aucun\n", "quroum: aucun\n", 1)
    response = editor.post(_edit_url(statutes_2016), {"text": text, "action": "save"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "2 problèmes : rien n'a été enregistré." in page
    rows = page.split('id="problems"')[1]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "mandat_ans: trois" in row)
    assert f'<tr><td>{line}</td><td class="mono">organes.conseil.mandat_ans</td>' in rows
    assert "assemblees.AGO.quroum" in rows and "clé inconnue" in rows
    assert "trois" in page  # the text as typed stays in the form
    assert Statutes.objects.count() == 1
    assert AuditEvent.objects.filter(action="statutes.import").count() == 1


def test_a_second_version_on_the_same_adoption_date_is_refused(statutes_2016, editor):
    response = editor.post(_edit_url(statutes_2016), {"text": statutes_2016.source_text, "action": "check"})
    assert response.status_code == 400
    assert "a déjà été adoptée à cette date" in response.content.decode()


def test_recording_statutes_needs_the_right(statutes_2016, hq_client, territorial_client, nonstaff_client):
    assert hq_client.get(_edit_url(statutes_2016)).status_code == 403
    text = _federal(statutes_2016.source_text)
    assert (
        territorial_client.post(_edit_url(statutes_2016), {"text": text, "action": "save"}).status_code == 403
    )
    assert nonstaff_client.get(_edit_url(statutes_2016)).status_code == 403
    assert Statutes.objects.count() == 1
    detail = hq_client.get(reverse("governance:statutes_detail", args=[statutes_2016.pk])).content.decode()
    assert "Nouvelle version à partir de celle-ci" not in detail


def test_the_differences_between_two_versions(statutes_2016, editor):
    editor.post(_edit_url(statutes_2016), {"text": _federal(statutes_2016.source_text), "action": "save"})
    newer = Statutes.objects.get(version=2)
    detail = editor.get(reverse("governance:statutes_detail", args=[newer.pk])).content.decode()
    assert "Comparer avec la version précédente" in detail
    page = editor.get(reverse("governance:statutes_diff", args=[newer.pk])).content.decode()
    changed = [line for line in selectors.rules_diff(statutes_2016.rules, newer.rules) if line.kind != "same"]
    assert {(line.kind, line.text.strip()) for line in changed} >= {
        ("del", "date: 2016-03-31"),
        ("add", "date: 2017-03-31"),
        ("del", "max: 40"),
        ("add", "max: 36"),
    }
    assert re.search(r'<span class="diff__add">\+ +max: 36</span>', page)
    # Comparing a version with itself or a version of another association is not offered: 404.
    url = reverse("governance:statutes_diff", args=[newer.pk])
    assert editor.get(url, {"avec": newer.pk}).status_code == 404
    assert editor.get(url, {"avec": "x"}).status_code == 404
    only = editor.get(reverse("governance:statutes_diff", args=[statutes_2016.pk]), {"avec": newer.pk})
    assert re.search(r'<span class="diff__add">\+ +max: 36</span>', only.content.decode())


def test_layout_and_comments_are_not_differences(statutes_2016):
    assert selectors.rules_diff(statutes_2016.rules, dict(statutes_2016.rules)) == []
