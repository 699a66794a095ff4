"""Bulk actions on the organisation list (issue 10): tick rows or « toute la sélection filtrée », then export
them, list their e-mails, or change the membership type of their current memberships in one association (after
a confirmation page with the count). Refused when the selection is empty or holds an organisation outside the
user's territory: nothing changed."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse

from grappe.core.models import AuditEvent
from grappe.registry.models import Membership, MembershipType

pytestmark = pytest.mark.django_db
BULK = "registry:organisation_bulk"


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_the_list_offers_a_checkbox_per_row_and_the_whole_filtered_selection(registry, hq_client):
    page = hq_client.get(reverse("registry:organisation_list"), {"departement": "42"}).content.decode()

    assert f'name="org" value="{registry.atelier_forezien.pk}"' in page
    assert f'name="org" value="{registry.volcans_cloud.pk}"' not in page
    assert 'name="tout" value="oui"' in page and "toute la sélection filtrée (2 organisations)" in page
    assert 'name="requete" value="departement=42"' in page


def test_export_of_ticked_rows_in_the_list_order(registry, hq_client):
    ticked = [registry.volcans_cloud.pk, registry.atelier_forezien.pk]
    rows = _csv(hq_client.post(reverse(BULK), {"action": "export", "org": ticked, "requete": "tri=-nom"}))

    assert rows[0][:2] == ["Raison sociale", "SIREN"]
    assert [row[0] for row in rows[1:]] == ["Volcans Cloud", "Atelier Numérique Forézien"]


def test_export_of_the_whole_filtered_selection(registry, hq_client):
    rows = _csv(
        hq_client.post(reverse(BULK), {"action": "export", "tout": "oui", "requete": "departement=42"})
    )

    assert sorted(row[0] for row in rows[1:]) == ["Atelier Numérique Forézien", "Multisite Industries"]


def test_the_email_list_is_copy_ready_and_downloadable(registry, hq_client):
    registry.drome_logiciels.email = "contact@drome-logiciels.fr"
    registry.drome_logiciels.save()
    ticked = {"org": [registry.drome_logiciels.pk, registry.atelier_forezien.pk], "requete": ""}

    page = hq_client.post(reverse(BULK), {"action": "emails", **ticked}).content.decode()
    rows = _csv(hq_client.post(reverse(BULK), {"action": "emails_csv", **ticked}))

    assert (
        "paul.durand@atelier-forezien.fr; contact@drome-logiciels.fr; claire.martin@drome-logiciels.fr"
        in page
    )
    assert rows[0] == ["Organisation", "Contact", "E-mail"]
    assert ["Drôme Logiciels", "Claire Martin", "claire.martin@drome-logiciels.fr"] in rows


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "export"}, "Aucune organisation sélectionnée."),
        ({"action": "export", "tout": "oui", "requete": "q=introuvable"}, "La sélection filtrée est vide"),
        ({"action": "export", "org": ["12x"]}, "La sélection envoyée est illisible"),
        ({"action": "export", "org": [str(2**63)]}, "La sélection envoyée est illisible"),
        ({"action": "export", "org": ["9" * 40]}, "La sélection envoyée est illisible"),
        ({"action": "export", "org": ["0"]}, "La sélection envoyée est illisible"),
        ({"action": "export", "org": ["-7"]}, "La sélection envoyée est illisible"),
        ({"action": "export", "org": [str(n) for n in range(1, 502)]}, "Plus de 500 lignes cochées"),
        ({"action": "", "tout": "oui"}, "Choisissez l&#x27;action à appliquer à la sélection."),
    ],
)
def test_refusals_go_back_to_the_list_with_a_message(registry, hq_client, data, message):
    response = hq_client.post(reverse(BULK), data, follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("registry:organisation_list"))
    assert message in response.content.decode()


def test_a_selection_outside_the_territory_is_refused_whole(registry, territorial_user, editor_client):
    client = editor_client(territorial_user)
    atelier = registry.atelier_forezien  # Saint-Étienne (42): outside Drôme-Ardèche
    standard = MembershipType.objects.create(association=registry.numelink, name="Standard")
    ticked = {"org": [registry.drome_logiciels.pk, atelier.pk], "requete": "q=x"}

    exported = client.post(reverse(BULK), {"action": "export", **ticked}, follow=True)
    changed = client.post(
        reverse(BULK), {"action": "type", "type": standard.pk, "confirmer": "2", **ticked}, follow=True
    )

    for response in (exported, changed):
        assert response.redirect_chain[-1][0] == reverse("registry:organisation_list") + "?q=x"
        page = response.content.decode()
        assert "1 organisation hors de votre territoire ou introuvable : rien n&#x27;a été fait." in page
        assert atelier.name not in page
    assert not Membership.objects.filter(membership_type=standard).exists()
    # The whole filtered selection is read through the territory: the other territory's rows are not in it.
    rows = _csv(client.post(reverse(BULK), {"action": "export", "tout": "oui"}))
    assert atelier.name not in {row[0] for row in rows}


def test_changing_the_type_is_confirmed_with_its_count_then_audited_per_membership(
    registry, hq_user, editor_client
):
    client = editor_client(hq_user)
    premium = MembershipType.objects.create(association=registry.numelink, name="Premium")
    MembershipType.objects.create(association=registry.auvergne_tic, name="Premium Auvergne")
    Membership.objects.create(  # ended: keeps its type
        organisation=registry.volcans_cloud,
        association=registry.numelink,
        status=Membership.Status.ENDED,
        starts_on=datetime.date(2010, 1, 1),
        ends_on=datetime.date(2014, 1, 1),
    )
    selection = {"action": "type", "tout": "oui", "requete": ""}

    chooser = client.post(reverse(BULK), selection).content.decode()
    confirm = client.post(reverse(BULK), {**selection, "type": premium.pk}).content.decode()

    assert "Premium Auvergne" in chooser and 'name="confirmer"' not in chooser
    assert "4 adhésions actuelles à Numélink passeront au type « Premium »." in confirm
    assert 'name="confirmer" value="4"' in confirm
    assert not Membership.objects.filter(membership_type=premium).exists()  # nothing before confirming

    done = client.post(reverse(BULK), {**selection, "type": premium.pk, "confirmer": "4"}, follow=True)

    assert "4 adhésions sont passées au type « Premium »." in done.content.decode()
    changed = Membership.objects.filter(membership_type=premium)
    assert sorted(m.organisation.name for m in changed) == [
        "Ardèche Data",
        "Atelier Numérique Forézien",
        "Drôme Logiciels",
        "Multisite Industries",
    ]
    events = AuditEvent.objects.filter(action="change", changes__has_key="membership_type")
    assert events.count() == 4 and {e.user for e in events} == {hq_user}


def test_a_bulk_change_made_in_english_is_logged_in_the_network_s_language_and_read_in_each_reader_s(
    registry, hq_user, editor_client
):
    from django.utils import translation

    from grappe.core.audit import described_details

    client = editor_client(hq_user)
    client.cookies["django_language"] = "en"
    premium = MembershipType.objects.create(association=registry.numelink, name="Premium")
    selection = {"action": "type", "tout": "oui", "requete": "", "type": premium.pk}
    client.post(reverse(BULK), {**selection, "confirmer": "4"})

    event = AuditEvent.objects.filter(action="change", changes__has_key="membership_type").first()
    assert event is not None and event.details == {"action": "changement groupé de type"}
    with translation.override("fr"):
        assert described_details(event) == [("opération", "changement groupé de type")]
    with translation.override("en"):
        assert described_details(event) == [("operation", "bulk change of type")]


def test_a_stale_confirmation_changes_nothing(registry, hq_user, editor_client):
    client = editor_client(hq_user)
    premium = MembershipType.objects.create(association=registry.numelink, name="Premium")
    data = {"action": "type", "tout": "oui", "type": premium.pk, "confirmer": "2"}  # 4 by now

    page = client.post(reverse(BULK), data, follow=True).content.decode()

    assert "Le nombre d&#x27;adhésions concernées a changé depuis la confirmation (2, maintenant 4)" in page
    assert not Membership.objects.filter(membership_type=premium).exists()
    assert not AuditEvent.objects.filter(action="change").exists()


def test_readers_without_the_right_to_edit_cannot_change_types(registry, hq_client):
    premium = MembershipType.objects.create(association=registry.numelink, name="Premium")
    data = {"action": "type", "tout": "oui", "type": premium.pk, "confirmer": "3"}

    page = hq_client.post(reverse(BULK), data, follow=True).content.decode()

    assert "Modification réservée aux salariés du réseau qui en ont le droit." in page
    assert not Membership.objects.filter(membership_type=premium).exists()
