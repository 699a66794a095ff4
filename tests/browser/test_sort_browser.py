"""Sorting a list from its column headers: French order, the other way round on a second click, the search
kept, and a new search keeping the sort (issue 10)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser.sessions import log_in
from grappe.registry.models import Establishment, Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _names(page) -> list[str]:
    return page.locator("#results tbody tr td:nth-child(2) > a").all_inner_texts()


def test_staff_sort_the_organisations_by_a_column_header(live_server, page, registry, hq_user):
    for name in ("AUBERT Conseil", "ANDRÉ Logiciels", "Afon Data"):
        org = Organisation.objects.create(name=name)
        Establishment.objects.create(organisation=org, city="Saint-Étienne", departement_code="42")
    log_in(live_server, page, hq_user)

    page.goto(f"{live_server.url}/organisations/?q=saint+etienne")
    names = _names(page)
    assert names.index("Afon Data") < names.index("ANDRÉ Logiciels") < names.index("AUBERT Conseil")

    header = page.get_by_role("columnheader", name=re.compile("Raison sociale"))
    expect(header).to_have_attribute("aria-sort", "ascending")
    header.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"tri=-nom"))
    expect(page).to_have_url(re.compile(r"q=saint"))
    expect(page.get_by_role("columnheader", name=re.compile("Raison sociale"))).to_have_attribute(
        "aria-sort", "descending"
    )
    names = _names(page)
    assert names.index("AUBERT Conseil") < names.index("ANDRÉ Logiciels") < names.index("Afon Data")

    # A new search keeps the sort.
    search = page.get_by_role("searchbox")
    search.fill("")
    search.press_sequentially("logiciels", delay=20)
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"tri=-nom"))


def test_paging_and_sorting_swap_the_results_and_leave_the_search_panel_as_it_was(
    live_server, page, registry, hq_user
):
    """« Suivante » and a column header replace the results only: the filters the reader opened stay open, the
    address follows (so a reload or « Précédent » lands on the same results), and a filter chosen afterwards keeps
    the sort."""
    for n in range(60):
        org = Organisation.objects.create(name=f"Zénith {n:02d}")
        Establishment.objects.create(organisation=org, city="Valence", departement_code="26")
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}/organisations/")
    page.get_by_text("Filtres", exact=True).click()  # the panel a full reload would close again
    panel = page.locator("details.more-filters")
    expect(panel).to_have_attribute("open", "")
    page.evaluate("document.querySelector('form.search-panel').dataset.sameDocument = 'oui'")

    page.get_by_role("link", name=re.compile("Suivante")).first.click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("#results .pagination .current")).to_have_text("Page 2 / 2")
    assert page.evaluate("document.querySelector('form.search-panel').dataset.sameDocument") == "oui"
    expect(panel).to_have_attribute("open", "")

    page.get_by_role("columnheader", name=re.compile("Raison sociale")).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"tri=-nom"))
    expect(page.get_by_role("columnheader", name=re.compile("Raison sociale"))).to_have_attribute(
        "aria-sort", "descending"
    )
    assert _names(page)[0] == "Zénith 59"
    assert page.evaluate("document.querySelector('form.search-panel').dataset.sameDocument") == "oui"

    # A filter chosen now keeps the sort the reader sees (the form's hidden sort was brought up to date).
    page.get_by_label("Département").select_option("26")
    expect(page).to_have_url(re.compile(r"departement=26"))
    expect(page).to_have_url(re.compile(r"tri=-nom"))
    assert _names(page)[0] == "Zénith 59"

    page.go_back()
    expect(page).to_have_url(re.compile(r"tri=-nom"))
    expect(page).not_to_have_url(re.compile(r"departement=26"))


def _focused(page) -> str:
    """The focused element, as a keyboard user finds it: its id, or its sort key, or its tag."""
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " return e.id || (e.dataset && e.dataset.sort ? 'sort:' + e.dataset.sort : e.tagName); })()"
    )


def test_keyboard_focus_follows_the_results_a_page_link_or_a_header_replaced(
    live_server, page, registry, hq_user
):
    """The link a keyboard user pressed is replaced with the results it asked for: the focus goes to the same
    column's header after a sort and to the start of the new results after a page link, never back to the top
    of the document (WCAG 2.4.3)."""
    for n in range(60):
        org = Organisation.objects.create(name=f"Zénith {n:02d}")
        Establishment.objects.create(organisation=org, city="Valence", departement_code="26")
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}/organisations/")

    page.get_by_role("link", name=re.compile("Suivante")).first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#results .pagination .current").first).to_have_text("Page 2 / 2")
    expect(page.locator("#results")).to_be_focused()
    page.keyboard.press("Tab")  # on into the new results, not back to the menu
    assert page.evaluate("document.getElementById('results').contains(document.activeElement)")

    page.get_by_role("columnheader", name=re.compile("Raison sociale")).get_by_role("link").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("columnheader", name=re.compile("Raison sociale"))).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(page.locator('#results a[data-sort="nom"]')).to_be_focused()
    assert _focused(page) == "sort:nom"

    # The search box keeps the focus while the results follow what is typed.
    search = page.get_by_role("searchbox")
    search.press_sequentially("zénith 1", delay=20)
    expect(page.locator("#results tbody tr")).not_to_have_count(50)
    expect(search).to_be_focused()


def test_a_treasurer_sorts_the_dues_by_what_is_left_to_pay(live_server, page, registry, hq_user):
    """The dues page sorts like the registry's lists: a header click swaps the results, the address follows,
    and a filter chosen afterwards keeps the sort."""
    from finance.conftest import bill_registry

    paid, partial = bill_registry(registry)
    log_in(live_server, page, hq_user)
    page.goto(f"{live_server.url}/cotisations/?year=2026")
    expect(page.get_by_role("columnheader", name=re.compile("Organisation"))).to_have_attribute(
        "aria-sort", "ascending"
    )

    page.get_by_role("columnheader", name=re.compile("Réglé")).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"tri=regle"))
    page.get_by_role("columnheader", name=re.compile("Réglé")).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"tri=-regle"))
    first = page.locator("#results tbody tr").first
    expect(first).to_contain_text(paid.membership.organisation.name)
    expect(page.locator("#results tbody tr").nth(1)).to_contain_text(partial.membership.organisation.name)

    page.get_by_label("État").select_option("partial")
    expect(page).to_have_url(re.compile(r"state=partial"))
    expect(page).to_have_url(re.compile(r"tri=-regle"))
    expect(page.locator("#results tbody tr")).to_have_count(1)
