"""Statutes versions: recorded from YAML through the service and the back office, exported back, read by date;
a rule they leave out is refused with « non fixé par les statuts »."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from governance.conftest import NUMELINK_2016
from grappe.core.models import AuditEvent
from grappe.errors import NotFound
from grappe.governance import selectors, services
from grappe.governance.errors import NotSetByStatutes, StatutesRefused
from grappe.governance.models import Statutes

pytestmark = pytest.mark.django_db

NUMELINK_2015 = (
    NUMELINK_2016.replace("2016-03-31", "2015-06-18", 1)
    .replace("AGE du 31 mars 2016", "AGE du 18 juin 2015")
    .split("dispositions_transitoires:")[0]
)


def test_a_version_is_recorded_with_its_adoption_and_an_audit_event(registry):
    statutes = services.import_statutes(association=registry.numelink, text=NUMELINK_2016)
    assert (statutes.version, statutes.adopted_on, statutes.adopted_by) == (
        1,
        datetime.date(2016, 3, 31),
        "AGE du 31 mars 2016",
    )
    assert statutes.source_text == NUMELINK_2016
    event = AuditEvent.objects.get(action="statutes.import")
    assert event.details == {"version": 1, "adopted_on": "2016-03-31"}


def test_an_invalid_document_saves_nothing_and_lists_every_line(registry):
    broken = NUMELINK_2016.replace("taille: {min: 30, max: 40}", "taille: {min: 30, max: quarante}").replace(
        "plafond_par_porteur: 2", "plafond_par_porteur: -1"
    )
    with pytest.raises(StatutesRefused) as caught:
        services.import_statutes(association=registry.numelink, text=broken)
    assert caught.value.message.splitlines() == [
        "Ces statuts ne peuvent pas être enregistrés :",
        "ligne 13, organes.conseil.taille.max : un nombre entier est attendu, pas « quarante »",
        "ligne 45, procurations.plafond_par_porteur : doit valoir au moins 1, pas -1",
    ]
    assert "rien n'a été enregistré" in caught.value.hint
    assert not Statutes.objects.exists()
    assert not AuditEvent.objects.filter(action="statutes.import").exists()


def test_two_versions_on_one_adoption_date_are_refused(statutes_2016, registry):
    with pytest.raises(StatutesRefused, match=r"version 1 .* a déjà été adoptée à cette date"):
        services.import_statutes(association=registry.numelink, text=NUMELINK_2016)
    assert Statutes.objects.count() == 1


def test_the_version_in_force_is_the_last_adopted_on_the_date(statutes_2016, registry):
    older = services.import_statutes(association=registry.numelink, text=NUMELINK_2015)
    assert older.version == 2  # numbered in the order recorded, in force by adoption date
    assert selectors.statutes_in_force(registry.numelink, datetime.date(2016, 3, 30)) == older
    assert selectors.statutes_in_force(registry.numelink, datetime.date(2016, 3, 31)) == statutes_2016
    with pytest.raises(NotFound, match="Aucuns statuts de Numélink en vigueur le 01/01/2015"):
        selectors.statutes_in_force(registry.numelink, datetime.date(2015, 1, 1))


def test_export_reads_back_to_the_same_rules(statutes_2016, registry):
    text = services.export_statutes(statutes_2016)
    assert "conseil_elargi_auvergne_tic" in text and "jusqu_au: 2017-03-31" in text
    again = services.check_statutes(association=registry.auvergne_tic, text=text)
    assert again == statutes_2016.rules


def test_a_rule_not_set_is_refused_never_guessed(statutes_2016):
    assert selectors.rule(statutes_2016, "organes.conseil.mandat_ans") == 3
    with pytest.raises(NotSetByStatutes) as caught:
        selectors.rule(statutes_2016, "organes.bureau.renouvellement")
    assert caught.value.message == (
        "organes.bureau.renouvellement : non fixé par les statuts (Statuts de Numélink, version 1 (31/03/2016))."
    )


def test_the_board_size_follows_the_transitional_clause_until_its_end(statutes_2016):
    assert selectors.body_size(statutes_2016, "conseil", datetime.date(2016, 4, 1)) == {"min": 48, "max": 52}
    assert selectors.body_size(statutes_2016, "conseil", datetime.date(2017, 3, 31)) == {"min": 48, "max": 52}
    assert selectors.body_size(statutes_2016, "conseil", datetime.date(2017, 4, 1)) == {"min": 30, "max": 40}


def test_the_summary_shows_not_set_rules(statutes_2016):
    shown = {path: value for path, _label, value in selectors.summary(statutes_2016)}
    assert shown["organes.bureau.renouvellement"] == "non fixé par les statuts"
    assert shown["repartition_territoriale.methode"] == "non fixé par les statuts"
    assert shown["convocation.AGE"] == 15


# -- back office -----------------------------------------------------------------------------------------------


def test_the_admin_imports_a_version(registry, admin_client):
    response = admin_client.post(
        reverse("admin:governance_statutes_add"),
        {"association": registry.numelink.pk, "source_text": NUMELINK_2016},
    )
    assert response.status_code == 302
    statutes = Statutes.objects.get()
    page = admin_client.get(reverse("admin:governance_statutes_change", args=[statutes.pk])).content.decode()
    assert "non fixé par les statuts" in page
    assert "Conseil d&#x27;administration : taille" in page


def test_the_admin_shows_the_located_errors_and_saves_nothing(registry, admin_client):
    response = admin_client.post(
        reverse("admin:governance_statutes_add"),
        {
            "association": registry.numelink.pk,
            "source_text": NUMELINK_2016.replace("mandat_ans: 3", "mandat_ans: trois"),
        },
    )
    assert response.status_code == 200
    assert (
        "ligne 14, organes.conseil.mandat_ans : un nombre entier est attendu, pas « trois »"
        in response.content.decode()
    )
    assert not Statutes.objects.exists()


def test_the_admin_exports_one_version_as_yaml(statutes_2016, admin_client):
    response = admin_client.post(
        reverse("admin:governance_statutes_changelist"),
        {"action": "export_yaml", "_selected_action": [statutes_2016.pk]},
    )
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="statuts-{statutes_2016.association.pk}-v1.yaml"'
    )
    other = statutes_2016.association.__class__.objects.get(name="Auvergne TIC")
    assert services.check_statutes(association=other, text=response.content.decode()) == statutes_2016.rules
