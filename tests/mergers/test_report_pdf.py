"""The printed merger report, read back from the PDF: a first page a board can read on its own (figures,
départements by name, the map, conflicts and who decided), then the annexes with every name."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from grappe.mergers.models import Merger
from grappe.mergers.report import count_label, merger_report, render_report_pdf

from .test_views import confirm_types

pytestmark = pytest.mark.django_db


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def applied(manager_client: Client, merger: Merger) -> Merger:
    confirm_types(manager_client, merger)
    response = manager_client.post(
        reverse("mergers:apply", args=[merger.pk]), {"confirm": "on", "accept_auto_only": "on"}
    )
    assert response.status_code == 302
    merger.refresh_from_db()
    assert merger.status == Merger.Status.APPLIED
    return merger


def test_the_first_page_summarises_the_merger_for_a_board(applied: Merger):
    report = merger_report(applied)
    pdf = render_report_pdf(report)
    pages = _pages(pdf)
    first = pages[0]
    flat = " ".join(first.split())
    assert f"Rapport de fusion n° {applied.pk}" in first
    assert f"Après la fusion {report.after['members']} adhérents" in flat
    assert "Adhérents par département, avant et après" in first
    # Départements by their names, not codes alone; the map's attribution is there.
    for code in report.after["by_departement"]:
        line = next(line for line in first.splitlines() if line.startswith(f"{code} "))
        assert len(line) > len(code) + 2, line
    assert "IGN Admin Express" in first
    assert "Conflits et leur résolution" in flat and "Décisions de revue, par personne" in flat
    assert "Annexe" not in first.replace("Les annexes", "")
    assert "clé" not in flat  # no dump of the CSV's « section / clé » blocks


def test_the_annexes_name_every_new_member_and_every_overlap_on_their_own_pages(applied: Merger):
    report = merger_report(applied)
    pages = _pages(render_report_pdf(report))
    assert pages[1].lstrip().startswith("Annexe A — Recoupements") or "Annexe A — Recoupements" in pages[1]
    text = " ".join(" ".join(page.split()) for page in pages[1:])
    for item in report.new_members:
        assert " ".join(item["name"].split()) in text
    for pair in report.overlaps:
        assert " ".join(pair.left_label.split()) in text
    assert "Annexe F — Plan et autres répartitions" in text
    # Page numbers in the footer.
    assert f"1 / {len(pages)}" in pages[0]


def test_naf_sections_read_with_their_names_in_the_report():
    assert count_label("by_naf_section", "J") == "J — Information et communication"
    assert count_label("by_naf_section", "?") == "?"


def test_an_unapplied_merger_says_its_figures_are_projected(merger: Merger):
    first = _pages(render_report_pdf(merger_report(merger)))[0]
    assert "Fusion non appliquée" in first


def test_the_pdf_reads_in_english_when_english_is_active(applied: Merger):
    with translation.override("en"):
        first = _pages(render_report_pdf(merger_report(applied)))[0]
    assert f"Merger report no. {applied.pk}" in first
    assert "Members by département, before and after" in " ".join(first.split())
    assert "Adhérents" not in first
