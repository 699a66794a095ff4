"""The pages a member of staff opens on a phone (390 px wide, touch screen): nothing wider than the screen but a
table's own scroll area, the header short enough to leave the page on screen, the key column of a table kept in
view while the others scroll, and no keyboard hints where there is no keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser.test_merger_browser import PASSWORD, _log_in, director, merger  # noqa: F401 (fixtures)
from grappe.registry.models import Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "locale": "fr-FR"}

# What sticks out of the viewport, ignoring what a scroll area (a table's wrapper) clips.
OVERFLOWING = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= window.innerWidth + 1) continue;
    let clipped = false;
    for (let up = el.parentElement; up; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) { clipped = true; break; }
    }
    if (!clipped) out.push(el.tagName + '.' + el.className);
  }
  return out;
}"""


@pytest.fixture
def chief(django_user_model):
    """The network's director with every right: the registry's pages as well as the mergers'."""
    return django_user_model.objects.create_superuser(
        "chef", password=PASSWORD, first_name="Anne", last_name="Martin"
    )


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _review_page(phone, live_server, director, merger) -> None:  # noqa: F811
    _log_in(phone, live_server, director)
    phone.goto(f"{live_server.url}/fusions/{merger.pk}/revue/")
    expect(phone.locator("[data-pair]")).to_be_visible()


def test_the_review_page_fits_a_phone_and_hides_keyboard_hints(live_server, phone, merger, director):  # noqa: F811
    _review_page(phone, live_server, director, merger)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.evaluate(OVERFLOWING) == []
    # A touch screen has no keyboard: the hints would promise shortcuts nobody can type.
    expect(phone.get_by_text("Raccourcis clavier :")).to_be_hidden()
    expect(phone.locator(".decision-bar kbd").first).to_be_hidden()
    expect(phone.get_by_role("button", name="Même entreprise")).to_be_visible()


def test_the_header_leaves_the_page_on_screen(live_server, phone, merger, director):  # noqa: F811
    _log_in(phone, live_server, director)
    phone.goto(f"{live_server.url}/fusions/{merger.pk}/")
    top = phone.evaluate("document.querySelector('main').getBoundingClientRect().top")
    assert top <= 150, f"the header takes {top} px of an 844 px screen"
    navigation = phone.get_by_role("navigation", name="Navigation principale")
    # Every section stays one tap away: the menu scrolls sideways, the current one scrolled into view.
    expect(navigation.get_by_role("link", name="Fusions")).to_be_attached()
    expect(navigation.locator("[aria-current=page]")).to_be_in_viewport()
    expect(phone.get_by_role("button", name="Se déconnecter")).to_be_visible()


def test_a_tables_key_column_stays_in_view_while_it_scrolls(live_server, phone, merger, director):  # noqa: F811
    _log_in(phone, live_server, director)
    phone.goto(f"{live_server.url}/fusions/{merger.pk}/")
    wrap = phone.locator(".table-wrap:has(tbody tr)").first
    first_cell = wrap.locator("tbody tr").first.locator("td, th").first
    left_before = first_cell.bounding_box()["x"]
    wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    assert wrap.evaluate("el => el.scrollLeft") > 0, "the table should be wider than the phone"
    assert abs(first_cell.bounding_box()["x"] - left_before) < 2


def test_collapsed_sections_show_a_marker(live_server, phone, merger, chief):  # noqa: F811
    _log_in(phone, live_server, chief)
    organisation = Organisation.objects.order_by("pk").first()
    phone.goto(f"{live_server.url}/organisations/{organisation.pk}/")
    summary = phone.locator("details.provenance > summary").first
    marker = summary.evaluate(
        "el => getComputedStyle(el, '::before').content + '|' + getComputedStyle(el).display"
    )
    content, display = marker.split("|")
    assert display == "list-item" or content not in ("none", "normal", '""'), marker
