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
