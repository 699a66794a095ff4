"""Bulk actions on the people and membership lists (issue 10), through the organisation list's code: tick rows or
« toute la sélection filtrée », then export them, list their e-mails, or (memberships) change their type or end
them with a date and a reason after a confirmation page with the count. Refused whole, nothing changed, when the
selection is empty, too big, holds a row outside the user's territory, or the count moved since the
confirmation."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from grappe.core.models import AuditEvent
from grappe.registry import bulk
from grappe.registry.models import Lineage, Membership, MembershipType

pytestmark = pytest.mark.django_db
PEOPLE = "registry:person_bulk"
MEMBERSHIPS = "registry:membership_bulk"


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def _membership(registry, organisation) -> Membership:
    return Membership.objects.get(organisation=organisation, association=registry.numelink)


# -- the lists offer the selection -----------------------------------------------------------------------------


def test_the_people_list_offers_a_checkbox_per_row_and_its_actions_only(registry, hq_client):
    page = hq_client.get(reverse("registry:person_list"), {"q": "martin"}).content.decode()

    assert f'name="personne" value="{registry.claire.pk}"' in page
    assert f'name="personne" value="{registry.paul.pk}"' not in page
    assert "toute la sélection filtrée (1 personne)" in page and 'name="requete" value="q=martin"' in page
    assert 'value="emails"' in page and 'value="type"' not in page and 'value="end"' not in page


def test_the_membership_list_offers_a_checkbox_per_row_and_its_actions(registry, hq_client):
    page = hq_client.get(reverse("registry:membership_list"), {"status": "active"}).content.decode()
    drome = _membership(registry, registry.drome_logiciels)

    assert f'name="adhesion" value="{drome.pk}"' in page
    assert "toute la sélection filtrée (4 adhésions)" in page
    assert 'value="type"' in page and 'value="end"' in page and 'value="tag_add"' not in page


# -- people: export and e-mails --------------------------------------------------------------------------------


def test_people_export_of_ticked_rows_and_of_the_whole_search(registry, hq_client):
    ticked = _csv(
        hq_client.post(reverse(PEOPLE), {"action": "export", "personne": [registry.paul.pk], "requete": ""})
    )
    searched = _csv(
        hq_client.post(reverse(PEOPLE), {"action": "export", "tout": "oui", "requete": "q=martin"})
    )

    assert ticked[0][:3] == ["Nom", "Prénom", "E-mail"]
    assert [row[:2] for row in ticked[1:]] == [["Durand", "Paul"]]
    assert [row[:2] for row in searched[1:]] == [["Martin", "Claire"]]
    assert "Drôme Logiciels" in searched[1][4]


def test_people_email_list_names_each_person_and_their_organisations(registry, hq_client):
    data = {"personne": [registry.claire.pk, registry.paul.pk], "requete": "tri=nom"}

    page = hq_client.post(reverse(PEOPLE), {"action": "emails", **data}).content.decode()
    rows = _csv(hq_client.post(reverse(PEOPLE), {"action": "emails_csv", **data}))

    assert "paul.durand@atelier-forezien.fr; claire.martin@drome-logiciels.fr" in page
    assert "2 personnes sélectionnées" in page
    assert ["Drôme Logiciels", "Claire Martin", "claire.martin@drome-logiciels.fr"] in rows


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "export"}, "Aucune personne sélectionnée."),
        ({"action": "export", "tout": "oui", "requete": "q=introuvable"}, "aucune personne ne correspond"),
        ({"action": "export", "personne": [str(2**63)]}, "La sélection envoyée est illisible"),
        ({"action": "export", "personne": [str(n) for n in range(1, 502)]}, "Plus de 500 lignes cochées"),
        ({"action": "type", "tout": "oui"}, "Choisissez l&#x27;action à appliquer à la sélection."),
        ({"action": "end", "tout": "oui"}, "Choisissez l&#x27;action à appliquer à la sélection."),
    ],
)
def test_people_refusals_go_back_to_the_list(registry, hq_client, data, message):
    response = hq_client.post(reverse(PEOPLE), data, follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("registry:person_list"))
    assert message in response.content.decode()


def test_a_person_outside_the_territory_refuses_the_whole_export(registry, territorial_client):
    # Paul acts for Atelier Forézien (Loire): outside Drôme-Ardèche.
    data = {"action": "export", "personne": [registry.claire.pk, registry.paul.pk], "requete": ""}

    page = territorial_client.post(reverse(PEOPLE), data, follow=True).content.decode()

    assert "1 personne hors de votre territoire ou introuvable : rien n&#x27;a été fait." in page
    assert "paul.durand" not in page


# -- memberships: export, e-mails, type ------------------------------------------------------------------------


def test_membership_export_and_emails_of_ticked_rows(registry, hq_client):
    ticked = [
        _membership(registry, registry.drome_logiciels).pk,
        _membership(registry, registry.atelier_forezien).pk,
    ]
    data = {"adhesion": ticked, "requete": "tri=organisation"}

    rows = _csv(hq_client.post(reverse(MEMBERSHIPS), {"action": "export", **data}))
    page = hq_client.post(reverse(MEMBERSHIPS), {"action": "emails", **data}).content.decode()

    assert rows[0][:3] == ["Organisation", "SIREN", "Association"]
    assert [row[0] for row in rows[1:]] == ["Atelier Numérique Forézien", "Drôme Logiciels"]
    assert "paul.durand@atelier-forezien.fr; claire.martin@drome-logiciels.fr" in page
    assert "2 adhésions sélectionnées" in page


def test_changing_the_type_of_ticked_memberships_is_confirmed_then_audited(registry, hq_user, editor_client):
    client = editor_client(hq_user)
    premium = MembershipType.objects.create(association=registry.numelink, name="Premium")
    drome = _membership(registry, registry.drome_logiciels)
    data = {"action": "type", "adhesion": [drome.pk], "requete": "", "type": premium.pk}

    confirm = client.post(reverse(MEMBERSHIPS), data).content.decode()
    assert "1 adhésion actuelle à Numélink passera au type « Premium »." in confirm
    assert f'name="adhesion" value="{drome.pk}"' in confirm
    done = client.post(reverse(MEMBERSHIPS), {**data, "confirmer": "1"}, follow=True).content.decode()

    assert "1 adhésion est passée au type « Premium »." in done
    assert list(Membership.objects.filter(membership_type=premium)) == [drome]
    assert AuditEvent.objects.filter(action="change", changes__has_key="membership_type").count() == 1


# -- memberships: end --------------------------------------------------------------------------------------------


def test_ending_memberships_asks_the_date_and_reason_confirms_the_count_then_audits_each(
    registry, hq_user, editor_client
):
    client = editor_client(hq_user)
    selection = {"action": "end", "tout": "oui", "requete": f"association={registry.numelink.pk}"}
    ending = {**selection, "choisi": "oui", "fin": "31/12/2025", "motif": "resignation", "precisions": ""}

    form = client.post(reverse(MEMBERSHIPS), selection).content.decode()
    confirm = client.post(reverse(MEMBERSHIPS), ending).content.decode()

    assert 'name="fin"' in form and "démission" in form and 'name="confirmer"' not in form
    assert "4 adhésions en cours prendront fin le 31 décembre 2025 (motif : démission)." in confirm
    assert 'name="confirmer" value="4"' in confirm
    assert not Membership.objects.filter(status=Membership.Status.ENDED).exists()  # nothing before confirming

    done = client.post(reverse(MEMBERSHIPS), {**ending, "confirmer": "4"}, follow=True).content.decode()

    assert "4 adhésions prennent fin le 31 décembre 2025." in done
    ended = Membership.objects.filter(association=registry.numelink)
    assert {(m.status, m.ends_on, m.end_reason) for m in ended} == {
        (Membership.Status.ENDED, datetime.date(2025, 12, 31), "resignation")
    }
    events = AuditEvent.objects.filter(action="change", changes__has_key="end_reason")
    assert events.count() == 4 and {e.user for e in events} == {hq_user}
    assert Lineage.objects.filter(field="end_reason").count() == 4
    assert Membership.objects.get(organisation=registry.volcans_cloud).status == Membership.Status.ACTIVE


def test_an_end_date_ahead_is_recorded_without_ending_the_membership_yet(registry, hq_user, editor_client):
    client = editor_client(hq_user)
    drome = _membership(registry, registry.drome_logiciels)
    data = {"action": "end", "adhesion": [drome.pk], "choisi": "oui", "motif": "merger", "confirmer": "1"}

    client.post(reverse(MEMBERSHIPS), {**data, "fin": "2199-01-31"})

    drome.refresh_from_db()
    assert (drome.status, drome.ends_on, drome.end_reason) == ("active", datetime.date(2199, 1, 31), "merger")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"fin": "", "motif": "resignation"}, "Date de fin : indiquez quand les adhésions prennent fin."),
        ({"fin": "31/02/2025", "motif": "resignation"}, "Date de fin : Date « 31/02/2025 » impossible"),
        ({"fin": "hier", "motif": "resignation"}, "Date de fin : Date « hier » illisible"),
        ({"fin": "31/12/2025", "motif": ""}, "Motif du départ : choisissez-en un dans la liste"),
        ({"fin": "31/12/2025", "motif": "fâcherie"}, "Motif du départ : choisissez-en un dans la liste"),
        ({"fin": "31/12/2025", "motif": "other"}, "Précisions : « autre motif » ne dit pas lequel"),
        (
            {"fin": "31/12/2025", "motif": "other", "precisions": "x" * 501},
            "Précisions : 500 caractères au plus",
        ),
    ],
)
def test_a_refused_ending_is_shown_on_its_form_with_what_was_typed_and_changes_nothing(
    registry, hq_user, fields, message, editor_client
):
    client = editor_client(hq_user)
    data = {"action": "end", "tout": "oui", "requete": "", "choisi": "oui", "confirmer": "4", **fields}

    page = client.post(reverse(MEMBERSHIPS), data).content.decode()

    assert 'role="alert"' in page and message in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert f'value="{fields["fin"]}"' in page
    assert not Membership.objects.exclude(ends_on=None).exists()
    assert not AuditEvent.objects.filter(action="change").exists()


def test_an_end_before_a_membership_starts_refuses_the_whole_ending(registry, hq_user, editor_client):
    client = editor_client(hq_user)
    # Ardèche Data's pending membership starts on 1 September 2024.
    data = {
        "action": "end",
        "tout": "oui",
        "requete": "",
        "choisi": "oui",
        "fin": "01/01/2020",
        "motif": "exclusion",
    }
    confirm = client.post(reverse(MEMBERSHIPS), data).content.decode()
    assert 'name="confirmer" value="5"' in confirm

    page = client.post(reverse(MEMBERSHIPS), {**data, "confirmer": "5"}, follow=True).content.decode()

    assert "1 adhésion commence après le 01/01/2020 (Ardèche Data) : rien n&#x27;a été modifié." in page
    assert not Membership.objects.exclude(ends_on=None).exists()


def test_a_stale_end_confirmation_changes_nothing(registry, hq_user, editor_client):
    client = editor_client(hq_user)
    data = {"action": "end", "tout": "oui", "choisi": "oui", "fin": "31/12/2025", "motif": "resignation"}

    page = client.post(reverse(MEMBERSHIPS), {**data, "confirmer": "3"}, follow=True).content.decode()

    assert "a changé depuis la confirmation (3, maintenant 5)" in page
    assert not Membership.objects.exclude(ends_on=None).exists()


def test_readers_without_the_right_to_edit_cannot_end_memberships(registry, hq_client):
    data = {"action": "end", "tout": "oui", "choisi": "oui", "fin": "31/12/2025", "motif": "resignation"}

    page = hq_client.post(reverse(MEMBERSHIPS), {**data, "confirmer": "5"}, follow=True).content.decode()

    assert "Modification réservée aux salariés du réseau qui en ont le droit." in page
    assert not Membership.objects.exclude(ends_on=None).exists()


def test_a_membership_outside_the_territory_refuses_the_whole_ending(
    registry, territorial_user, editor_client
):
    client = editor_client(territorial_user)
    ticked = [
        _membership(registry, registry.drome_logiciels).pk,
        _membership(registry, registry.atelier_forezien).pk,
    ]
    data = {"action": "end", "adhesion": ticked, "choisi": "oui", "fin": "31/12/2025", "motif": "resignation"}

    response = client.post(reverse(MEMBERSHIPS), {**data, "confirmer": "2", "requete": "q=x"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("registry:membership_list") + "?q=x"
    assert (
        "1 adhésion hors de votre territoire ou introuvable : rien n&#x27;a été fait."
        in response.content.decode()
    )
    assert not Membership.objects.exclude(ends_on=None).exists()


# -- reading a selection -------------------------------------------------------------------------------------------


@given(st.lists(st.integers(min_value=-(2**70), max_value=2**70), max_size=5))
def test_a_selection_reads_only_ids_a_row_can_have(numbers: list[int]) -> None:
    try:
        selection = bulk.read_selection("", [str(n) for n in numbers], False)
    except bulk.BulkRefused as error:
        assert "illisible" in str(error)
        assert any(n < 1 or n > 2**63 - 1 for n in numbers)
    else:
        assert selection.ids == tuple(sorted(set(numbers)))
        assert all(1 <= n <= 2**63 - 1 for n in numbers)
