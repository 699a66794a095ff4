"""The staff dues page: the year's dues with what each has been paid, filters, territory, invoices on demand."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from grappe.finance.models import BillingSettings, Document, Due

from .conftest import bill_registry

URL = "/cotisations/"


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def dues(registry):
    return bill_registry(registry)


def test_the_page_lists_the_years_dues_with_totals_and_states(hq_client, dues):
    paid, partial = dues
    response = hq_client.get(URL, {"year": "2026"})
    assert response.status_code == 200
    text = page_text(response)
    count = Due.objects.count()
    assert f"Émis : {count * 90},00 € · réglé : 130,00 € · reste dû : {count * 90 - 130},00 €" in text
    assert f"{paid.membership.organisation.name} Numélink 2026 90,00 € 90,00 € réglée" in text
    assert (
        f"{partial.membership.organisation.name} Numélink 2026 90,00 € 40,00 € partiellement réglée" in text
    )
    assert "style=" not in response.content.decode() and "<script>" not in response.content.decode()

    only_partial = page_text(hq_client.get(URL, {"year": "2026", "state": "partial"}))
    assert partial.membership.organisation.name in only_partial
    assert paid.membership.organisation.name not in only_partial
    assert "Aucune cotisation ne correspond" in page_text(hq_client.get(URL, {"year": "2019"}))


def test_a_territorial_employee_sees_only_their_territorys_dues(territorial_client, registry, dues):
    text = page_text(territorial_client.get(URL, {"year": "2026"}))
    for organisation in registry.in_drome_ardeche:
        if Due.objects.filter(membership__organisation=organisation).exists():
            assert organisation.name in text
    for organisation in registry.outside_drome_ardeche:
        assert f">{organisation.name}<" not in territorial_client.get(URL, {"year": "2026"}).content.decode()


def test_outsiders_are_refused(nonstaff_client, client, dues):
    assert nonstaff_client.get(URL).status_code == 403
    assert client.get(URL).status_code == 302


def test_issuing_an_invoice_needs_the_permission_and_gives_the_pdf(hq_user, registry, dues):
    paid, _partial = dues
    BillingSettings.objects.create(
        association=registry.numelink, street="1 rue", postcode="42000", city="Saint-Étienne"
    )
    client = Client()
    client.force_login(hq_user)
    url = reverse("finance:issue_invoice", args=[paid.pk])
    assert client.post(url).status_code == 403  # the director sees dues; invoicing is the accountant's right
    assert not Document.objects.exists()
    hq_user.user_permissions.add(Permission.objects.get(codename="add_document"))
    client = Client()
    client.force_login(hq_user)
    response = client.post(url, follow=True)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert (
        f"Facture n° FAC-{datetime.date.today().year}-00001" in text
        and paid.membership.organisation.name in text
    )
    assert Document.objects.count() == 1


def test_another_territorys_documents_answer_404(territorial_client, hq_user, registry, dues):
    BillingSettings.objects.create(
        association=registry.numelink, street="1 rue", postcode="42000", city="Saint-Étienne"
    )
    from grappe.finance.documents import issue_invoice

    outside = Due.objects.filter(membership__organisation__in=registry.outside_drome_ardeche).first()
    document = issue_invoice(due=outside).document
    assert territorial_client.get(reverse("finance:document_pdf", args=[document.pk])).status_code == 404
    assert territorial_client.get(reverse("finance:document_pdf", args=[document.pk + 99])).status_code == 404


def test_a_page_link_swaps_only_the_results_block(hq_client, dues, monkeypatch):
    monkeypatch.setattr("grappe.finance.views.PAGE_SIZE", 2)
    page = hq_client.get(URL, {"year": "2026"}).content.decode()
    assert re.search(r'<nav class="pagination"[^>]* hx-boost="true" hx-target="#results"', page)
    block = hq_client.get(
        URL, {"year": "2026", "page": "2"}, headers={"HX-Request": "true", "HX-Target": "results"}
    ).content.decode()
    assert "Page 2 / " in block and "<html" not in block and 'role="search"' not in block


def _rows(response) -> list[str]:
    """The results' rows as text, in the order the page shows them."""
    body = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("</tr>") if "<td" in row]


def test_the_dues_sort_by_any_column_header_and_keep_their_filters(hq_client, dues):
    paid, partial = dues
    Due.objects.filter(pk=paid.pk).update(due_on=datetime.date(2026, 1, 15))

    by_paid = _rows(hq_client.get(URL, {"year": "2026", "tri": "-regle"}))
    assert by_paid[0].startswith(paid.membership.organisation.name)
    assert by_paid[1].startswith(partial.membership.organisation.name)

    # État: what is still to be paid first, then partly paid, then paid.
    by_state = _rows(hq_client.get(URL, {"year": "2026", "tri": "etat"}))
    assert by_state[-1].startswith(paid.membership.organisation.name) and "réglée" in by_state[-1]
    assert by_state[-2].startswith(partial.membership.organisation.name)
    assert by_state[0].endswith("à régler") or "à régler" in by_state[0]

    by_due_date = _rows(hq_client.get(URL, {"year": "2026", "tri": "echeance"}))
    assert by_due_date[0].startswith(paid.membership.organisation.name)

    response = hq_client.get(URL, {"year": "2026", "state": "partial", "tri": "-montant"})
    assert _rows(response) == [_rows(hq_client.get(URL, {"year": "2026", "state": "partial"}))[0]]
    html = response.content.decode()
    assert 'aria-sort="descending"' in html and 'data-sort="montant"' in html
    # Each header keeps the search and filters, and asks for the other direction on its own column.
    assert re.search(r'href="\?[^"]*year=2026[^"]*state=partial[^"]*tri=montant"', html.replace("&amp;", "&"))
    assert 'name="tri" value="-montant"' in html  # the next search keeps the sort


def test_the_dues_list_reads_in_french_order_and_ignores_an_unknown_sort(hq_client, dues):
    default = _rows(hq_client.get(URL, {"year": "2026"}))
    names = [row.split(" Numélink ")[0] for row in default]
    from grappe.france.text import fold

    assert names == sorted(names, key=fold)
    assert _rows(hq_client.get(URL, {"year": "2026", "tri": "bidon"})) == default
    assert _rows(hq_client.get(URL, {"year": "2026", "tri": "-organisation"})) == default[::-1]


def test_sorting_the_dues_swaps_only_the_results_block(hq_client, dues):
    response = hq_client.get(
        URL, {"year": "2026", "tri": "montant"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    html = response.content.decode()
    assert '<form class="search-panel"' not in html
    assert 'name="tri" value="montant"' in html and 'hx-swap-oob="true"' in html
