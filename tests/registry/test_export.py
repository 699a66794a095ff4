"""``/organisations/export.csv``: the list as the page shows it (search, filters, sort, visibility), in a CSV
that French Excel opens as it is (issue 10)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from grappe.registry import exports
from grappe.registry.models import Organisation

pytestmark = pytest.mark.django_db


def _export(client, **params) -> tuple[bytes, list[list[str]]]:
    response = client.get(reverse("registry:organisation_export"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="organisations-')
    raw = b"".join(response.streaming_content)
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_the_export_is_the_filtered_sorted_list_for_french_excel(registry, hq_client):
    raw, rows = _export(hq_client, departement="42", tri="-nom")

    assert raw.startswith("\ufeff".encode()) and b";" in raw.splitlines()[0]
    header, *body = rows
    assert header[:3] == ["Raison sociale", "SIREN", "SIRET du siège"]
    listed = hq_client.get(reverse("registry:organisation_list"), {"departement": "42", "tri": "-nom"})
    assert [row[0] for row in body] == [org.name for org in listed.context["page"].object_list]
    atelier = next(row for row in body if row[0] == registry.atelier_forezien.name)
    siren = registry.atelier_forezien.siren
    assert atelier[1] == f"{siren[:3]} {siren[3:6]} {siren[6:]}"  # text to a spreadsheet, not 7,3E+08
    assert "Numélink (à jour)" in atelier[14]


def test_the_export_follows_the_search_and_reads_in_english(registry, hq_client):
    hq_client.cookies["django_language"] = "en"
    _raw, rows = _export(hq_client, q="saint etienne")

    header, *body = rows
    assert header[0] == "Company name"
    assert registry.atelier_forezien.name in {row[0] for row in body}
    assert registry.volcans_cloud.name not in {row[0] for row in body}


def test_the_export_shows_only_what_the_user_may_see(registry, territorial_client):
    _raw, rows = _export(territorial_client)

    names = {row[0] for row in rows[1:]}
    assert names == {org.name for org in registry.in_drome_ardeche}


def test_a_cell_a_spreadsheet_would_run_is_written_as_text(registry, hq_client):
    Organisation.objects.filter(pk=registry.atelier_forezien.pk).update(name='=HYPERLINK("http://x","y")')

    _raw, rows = _export(hq_client)

    assert '\'=HYPERLINK("http://x","y")' in {row[0] for row in rows[1:]}


def test_staff_only(client, registry, nonstaff_client):
    assert client.get(reverse("registry:organisation_export")).status_code == 302
    assert nonstaff_client.get(reverse("registry:organisation_export")).status_code == 403


def _download(client, name: str, **params) -> list[list[str]]:
    response = client.get(reverse(f"registry:{name}_export"), params)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_the_membership_export_is_the_filtered_sorted_list(registry, hq_client):
    header, *body = _download(hq_client, "membership", association=registry.numelink.pk, tri="-organisation")
    assert header[:4] == ["Organisation", "SIREN", "Association", "Statut"]
    listed = hq_client.get(
        reverse("registry:membership_list"), {"association": registry.numelink.pk, "tri": "-organisation"}
    )
    assert [row[0] for row in body] == [m.organisation.name for m in listed.context["page"].object_list]
    assert {row[2] for row in body} == {"Numélink"}
    pending = next(row for row in body if row[0] == registry.ardeche_data.name)
    assert pending[3] == "en attente" and pending[4] == "01/09/2024"


def test_the_people_export_lists_each_person_with_their_roles_in_visible_organisations(registry, hq_client):
    header, *body = _download(hq_client, "person", q="martin")
    assert header == ["Nom", "Prénom", "E-mail", "Téléphone", "Organisations et fonctions"]
    (claire,) = body
    assert claire[:2] == ["Martin", "Claire"] and registry.drome_logiciels.name in claire[4]


def test_list_exports_keep_to_the_territory_and_to_staff(registry, territorial_client, nonstaff_client):
    body = _download(territorial_client, "membership")[1:]
    assert {row[0] for row in body} <= {org.name for org in registry.in_drome_ardeche}
    people = {row[0] for row in _download(territorial_client, "person")[1:]}
    assert "Martin" in people and registry.paul.last_name not in people
    for name in ("membership", "person"):
        assert nonstaff_client.get(reverse(f"registry:{name}_export")).status_code == 403


def test_a_long_export_is_sent_in_chunks_of_many_lines_and_nothing_lost():
    """The server sends each piece on its own: a line a piece costs a system call per line. Every line is there,
    once, in order, whatever the count (a chunk's worth, one more, none)."""
    for count in (0, 1, exports.CHUNK_LINES - 1, exports.CHUNK_LINES, 2 * exports.CHUNK_LINES + 1):
        lines = [[f"ligne {n}", str(n)] for n in range(count)]
        pieces = list(exports.write_csv(["Nom", "N°"], lines))
        assert len(pieces) == count // exports.CHUNK_LINES + 1
        rows = list(csv.reader(io.StringIO("".join(pieces).removeprefix("\ufeff")), delimiter=";"))
        assert rows == [["Nom", "N°"], *lines]
