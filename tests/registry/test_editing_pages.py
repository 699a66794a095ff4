"""Issue 10, « Editing and the member's life »: staff pages that add a member, edit an organisation, its
establishments, contacts and memberships, and show its timeline — through the editing services (the import's
checks, lineage « saisie manuelle », one audit event per change), with role and territory respected."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from grappe.core.models import AuditEvent
from grappe.france.identifiers import complete_siren, complete_siret
from grappe.registry import editing, selectors, services
from grappe.registry.models import (
    Establishment,
    Lineage,
    Membership,
    MembershipType,
    Organisation,
    Person,
    Role,
)

pytestmark = pytest.mark.django_db

NEW_SIREN = complete_siren("73282932")
BAD_SIREN = NEW_SIREN[:-1] + str((int(NEW_SIREN[-1]) + 1) % 10)


@pytest.fixture
def hq_editor(hq_user, editor_client) -> Client:
    return editor_client(hq_user)


@pytest.fixture
def territorial_editor(territorial_user, editor_client) -> Client:
    return editor_client(territorial_user)


def manual_lineage(obj, field):
    return Lineage.objects.filter(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        field=field,
        source=Lineage.Source.MANUAL,
    )


def new_member(**changes):
    data = {
        "org-name": "Forez Robotique",
        "org-siren": NEW_SIREN,
        "org-legal_form_code": "SAS",
        "org-naf_code": "6201Z",
        "org-headcount_bracket": "11",
        "org-email": "contact@forez-robotique.fr",
        "org-phone": "04 77 12 34 56",
        "org-website": "forez-robotique.fr",
        "site-siret": "",
        "site-street": "3 rue Michelet",
        "site-postcode": "42000",
        "site-city": "saint etienne",
        "site-country": "FR",
        "adh-association": "",
        "adh-status": "active",
        "adh-starts_on": "",
    }
    data.update(changes)
    return data


def organisation_data(org, **changes):
    data = {
        "name": org.name,
        "siren": org.siren,
        "vat_number": org.vat_number,
        "legal_form_code": org.legal_form_code,
        "naf_code": org.naf_code,
        "headcount_bracket": org.headcount_bracket,
        "email": org.email,
        "phone": org.phone,
        "website": org.website,
    }
    if org.is_startup:
        data["is_startup"] = "on"
    data.update(changes)
    return data


# -- adding a member ------------------------------------------------------------------------------------------


def test_a_known_siren_is_refused_and_the_existing_organisation_shown(registry, hq_editor):
    drome = registry.drome_logiciels
    before = Organisation.objects.count()
    response = hq_editor.post(
        reverse("registry:organisation_create"), new_member(**{"org-siren": drome.siren})
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Déjà au registre" in content
    assert (
        reverse("registry:organisation_detail", args=[drome.pk]) in content and "Drôme Logiciels" in content
    )
    assert Organisation.objects.count() == before
    assert not AuditEvent.objects.exists()


def test_the_lookup_finds_an_organisation_by_one_of_its_sirets_before_anything_is_typed(registry, hq_editor):
    siret = registry.multisite.establishments.order_by("pk").last().siret
    response = hq_editor.get(reverse("registry:organisation_create"), {"identifiant": siret})
    content = response.content.decode()
    assert "Multisite Industries" in content and "Déjà au registre" in content
    assert 'name="org-name"' not in content  # no form to create a duplicate


def test_the_lookup_prefills_the_form_when_the_number_is_new(registry, hq_editor):
    response = hq_editor.get(reverse("registry:organisation_create"), {"identifiant": NEW_SIREN})
    content = response.content.decode()
    assert "Déjà au registre" not in content
    assert f'value="{NEW_SIREN}"' in content


def test_an_organisation_outside_the_territory_is_refused_without_being_named(registry, territorial_editor):
    atelier = registry.atelier_forezien
    response = territorial_editor.get(reverse("registry:organisation_create"), {"identifiant": atelier.siren})
    content = response.content.decode()
    assert "hors de votre territoire" in content
    assert "Atelier Numérique Forézien" not in content


def test_a_new_member_is_created_with_its_head_office_membership_lineage_and_events(registry, hq_editor):
    response = hq_editor.post(
        reverse("registry:organisation_create"),
        new_member(**{"adh-association": registry.numelink.pk, "adh-starts_on": "2026-01-15"}),
    )
    org = Organisation.objects.get(siren=NEW_SIREN)
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:organisation_detail", args=[org.pk]
    )
    assert (org.legal_form_code, org.naf_code, org.naf_version) == ("5710", "62.01Z", "NAFRev2")
    assert org.phone == "+33477123456" and org.website_domain == "forez-robotique.fr"
    site = org.establishments.get()
    assert site.is_head_office and site.city == "Saint-Étienne" and site.departement_code == "42"
    membership = org.memberships.get()
    assert membership.association == registry.numelink and membership.starts_on == datetime.date(2026, 1, 15)
    assert manual_lineage(org, "name").get().author.username == "direction"
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", "object_type__model"))
    assert actions == [("create", "organisation"), ("create", "establishment"), ("create", "membership")]


def test_a_siret_alone_gives_the_siren(registry, hq_editor):
    siret = complete_siret(f"{NEW_SIREN}0001")
    hq_editor.post(
        reverse("registry:organisation_create"), new_member(**{"org-siren": "", "site-siret": siret})
    )
    assert Organisation.objects.get(siren=NEW_SIREN).establishments.get().siret == siret


def test_wrong_values_of_a_new_member_are_shown_on_their_fields_and_nothing_is_created(registry, hq_editor):
    before = (Organisation.objects.count(), Establishment.objects.count())
    response = hq_editor.post(
        reverse("registry:organisation_create"),
        new_member(**{"org-siren": BAD_SIREN, "org-naf_code": "99.99Q", "site-postcode": "99999"}),
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Rien n'a été enregistré" in content
    for field in ("org-siren", "org-naf_code", "site-postcode"):
        assert f'id="id_{field}_error"' in content, field
    assert (Organisation.objects.count(), Establishment.objects.count()) == before
    assert not AuditEvent.objects.exists() and not Lineage.objects.filter(source="manual").exists()


def test_territorial_staff_cannot_add_a_member_outside_their_territory(registry, territorial_editor):
    response = territorial_editor.post(reverse("registry:organisation_create"), new_member())
    assert "hors de votre territoire" in response.content.decode()
    assert not Organisation.objects.filter(siren=NEW_SIREN).exists()
    territorial_editor.post(
        reverse("registry:organisation_create"),
        new_member(**{"site-postcode": "26000", "site-city": "Valence"}),
    )
    assert Organisation.objects.filter(siren=NEW_SIREN).exists()


# -- editing an organisation ----------------------------------------------------------------------------------


def test_an_edit_is_saved_with_lineage_and_one_audit_event(registry, hq_editor):
    drome = registry.drome_logiciels
    url = reverse("registry:organisation_edit", args=[drome.pk])
    response = hq_editor.post(
        url, organisation_data(drome, name="Drôme Logiciels SAS", phone="04 75 06 05 08")
    )
    assert response.status_code == 302
    drome.refresh_from_db()
    assert drome.name == "Drôme Logiciels SAS" and drome.phone == "+33475060508"
    assert manual_lineage(drome, "name").get().value == "Drôme Logiciels SAS"
    event = AuditEvent.objects.get()
    assert event.action == "change" and event.actor == "Sophie Bernard"
    assert event.changes["name"] == ["Drôme Logiciels", "Drôme Logiciels SAS"]
    assert set(event.changes) == {"name", "phone"}


def test_invalid_values_give_located_errors_and_change_nothing(registry, hq_editor):
    drome = registry.drome_logiciels
    response = hq_editor.post(
        reverse("registry:organisation_edit", args=[drome.pk]),
        organisation_data(
            drome, name="Autre nom", siren=registry.atelier_forezien.siren, email="pas-un-mail"
        ),
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="id_siren_error"' in content and "Atelier Numérique Forézien" in content
    assert 'id="id_email_error"' in content
    assert 'id="id_name_error"' not in content
    drome.refresh_from_db()
    assert drome.name == "Drôme Logiciels"
    assert not AuditEvent.objects.exists()


def test_establishments_are_added_and_edited_with_the_imports_place_check(registry, hq_editor):
    drome = registry.drome_logiciels
    response = hq_editor.post(
        reverse("registry:establishment_create", args=[drome.pk]),
        {
            "siret": complete_siret(f"{registry.atelier_forezien.siren}0009"),
            "postcode": "07000",
            "city": "Privas",
            "country": "FR",
        },
    )
    assert 'id="id_siret_error"' in response.content.decode()
    assert drome.establishments.count() == 1
    hq_editor.post(
        reverse("registry:establishment_create", args=[drome.pk]),
        {"postcode": "07000", "city": "privas", "country": "FR"},
    )
    site = drome.establishments.get(city="Privas")
    assert site.departement_code == "07" and site.commune_code
    hq_editor.post(
        reverse("registry:establishment_edit", args=[site.pk]),
        {
            "postcode": "07000",
            "city": "Privas",
            "country": "FR",
            "street": "1 place de la Mairie",
            "is_head_office": "",
        },
    )
    site.refresh_from_db()
    assert site.street == "1 place de la Mairie"
    assert AuditEvent.objects.filter(object_id=site.pk, action="change").get().changes == {
        "street": ["", "1 place de la Mairie"]
    }


def test_contacts_are_added_and_edited(registry, hq_editor):
    drome = registry.drome_logiciels
    url = reverse("registry:contact_create", args=[drome.pk])
    response = hq_editor.post(url, {"last_name": "Petit", "email": "pas-un-mail", "kind": "billing"})
    assert 'id="id_email_error"' in response.content.decode()
    assert not Person.objects.filter(last_name="Petit").exists()
    hq_editor.post(
        url,
        {
            "first_name": "Inès",
            "last_name": "Petit",
            "email": "ines.petit@drome-logiciels.fr",
            "kind": "billing",
        },
    )
    role = Role.objects.get(person__last_name="Petit")
    assert role.organisation == drome and role.kind == "billing"
    hq_editor.post(
        reverse("registry:contact_edit", args=[role.pk]),
        {
            "first_name": "Inès",
            "last_name": "Petit-Roux",
            "email": "ines.petit@drome-logiciels.fr",
            "kind": "contact",
            "job_title": "Comptable",
        },
    )
    role.refresh_from_db()
    assert (role.person.last_name, role.kind, role.job_title) == ("Petit-Roux", "contact", "Comptable")
    assert manual_lineage(role.person, "last_name").filter(retained=True).get().value == "Petit-Roux"


# -- memberships ----------------------------------------------------------------------------------------------


def test_a_membership_ends_with_its_date_and_reason_shown_in_the_timeline(registry, hq_editor):
    membership = registry.drome_logiciels.memberships.get()
    url = reverse("registry:membership_edit", args=[membership.pk])
    data = {"association": registry.numelink.pk, "status": "ended", "starts_on": "2015-03-01"}
    response = hq_editor.post(url, data)
    assert 'id="id_ends_on_error"' in response.content.decode()  # an ended membership has an end date
    reason = {"end_reason": "dissolution", "end_reason_detail": "Liquidation judiciaire"}
    response = hq_editor.post(url, {**data, "ends_on": "2014-12-31", **reason})
    assert 'id="id_ends_on_error"' in response.content.decode()  # before its start
    membership.refresh_from_db()
    assert membership.status == "active" and membership.ends_on is None
    response = hq_editor.post(url, {**data, "ends_on": "31/12/2025", **reason})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == "ended" and membership.ends_on == datetime.date(2025, 12, 31)
    assert (membership.end_reason, membership.end_reason_detail) == ("dissolution", "Liquidation judiciaire")
    event = AuditEvent.objects.get()
    assert event.changes["end_reason"] == ["", "dissolution"]
    timeline = hq_editor.get(
        reverse("registry:timeline", args=[registry.drome_logiciels.pk])
    ).content.decode()
    assert "Fin de l&#x27;adhésion à Numélink" in timeline
    assert (
        "motif : dissolution ou cessation d&#x27;activité" in timeline
        and "Liquidation judiciaire" in timeline
    )


def test_another_reason_must_say_which_and_an_unknown_kind_is_refused(registry, hq_editor):
    membership = registry.drome_logiciels.memberships.get()
    url = reverse("registry:membership_edit", args=[membership.pk])
    data = {"association": registry.numelink.pk, "status": "ended", "starts_on": "2015-03-01"}
    data["ends_on"] = "2025-12-31"

    other = hq_editor.post(url, {**data, "end_reason": "other"})
    unknown = hq_editor.post(url, {**data, "end_reason": "bankruptcy"})

    assert 'id="id_end_reason_detail_error"' in other.content.decode()
    assert 'id="id_end_reason_error"' in unknown.content.decode()
    membership.refresh_from_db()
    assert membership.end_reason == "" and not AuditEvent.objects.exists()


def test_a_membership_type_of_another_association_is_refused(registry, hq_editor):
    other_type = MembershipType.objects.create(association=registry.auvergne_tic, name="Entreprise")
    response = hq_editor.post(
        reverse("registry:membership_create", args=[registry.drome_logiciels.pk]),
        {"association": registry.numelink.pk, "membership_type": other_type.pk, "status": "active"},
    )
    assert 'id="id_membership_type_error"' in response.content.decode()
    assert registry.drome_logiciels.memberships.count() == 1


def test_a_reason_without_an_end_date_is_refused(registry, hq_editor):
    membership = registry.drome_logiciels.memberships.get()
    response = hq_editor.post(
        reverse("registry:membership_edit", args=[membership.pk]),
        {
            "association": registry.numelink.pk,
            "status": "active",
            "starts_on": "2015-03-01",
            "end_reason": "resignation",
        },
    )
    assert 'id="id_end_reason_error"' in response.content.decode()
    assert not AuditEvent.objects.exists()


# -- who may edit ---------------------------------------------------------------------------------------------


def _edit_urls(registry):
    drome = registry.drome_logiciels
    return [
        reverse("registry:organisation_create"),
        reverse("registry:organisation_edit", args=[drome.pk]),
        reverse("registry:establishment_create", args=[drome.pk]),
        reverse("registry:establishment_edit", args=[drome.establishments.get().pk]),
        reverse("registry:contact_create", args=[drome.pk]),
        reverse("registry:contact_edit", args=[drome.roles.get().pk]),
        reverse("registry:membership_create", args=[drome.pk]),
        reverse("registry:membership_edit", args=[drome.memberships.get().pk]),
    ]


def test_readers_get_no_edit_link_and_a_403(registry, hq_client, nonstaff_client):
    detail = hq_client.get(reverse("registry:organisation_detail", args=[registry.drome_logiciels.pk]))
    content = detail.content.decode()
    assert reverse("registry:organisation_edit", args=[registry.drome_logiciels.pk]) not in content
    assert "Ajouter un contact" not in content
    assert "Ajouter un membre" not in hq_client.get(reverse("registry:organisation_list")).content.decode()
    for url in _edit_urls(registry):
        assert hq_client.get(url).status_code == 403, url
        assert hq_client.post(url, {"name": "X"}).status_code == 403, url
        assert nonstaff_client.get(url).status_code == 403, url
        assert Client().get(url).status_code == 302, url
    assert not AuditEvent.objects.exists()


def test_editors_see_the_edit_links(registry, hq_editor):
    content = hq_editor.get(
        reverse("registry:organisation_detail", args=[registry.drome_logiciels.pk])
    ).content.decode()
    for url in _edit_urls(registry)[1:]:
        assert url in content, url


def test_territorial_staff_edit_their_territory_only(registry, territorial_editor):
    for url in _edit_urls(registry):
        assert territorial_editor.get(url).status_code == 200, url
    atelier = registry.atelier_forezien
    outside = [
        reverse("registry:organisation_edit", args=[atelier.pk]),
        reverse("registry:establishment_edit", args=[atelier.establishments.get().pk]),
        reverse("registry:contact_edit", args=[atelier.roles.get().pk]),
        reverse("registry:membership_edit", args=[atelier.memberships.get().pk]),
        reverse("registry:timeline", args=[atelier.pk]),
    ]
    for url in outside:
        assert territorial_editor.get(url).status_code == 404, url
    response = territorial_editor.post(outside[0], organisation_data(atelier, name="Pris"))
    assert response.status_code == 404
    atelier.refresh_from_db()
    assert atelier.name == "Atelier Numérique Forézien"


def test_territorial_staff_cannot_move_an_organisation_out_of_their_territory(registry, territorial_editor):
    site = registry.drome_logiciels.establishments.get()
    response = territorial_editor.post(
        reverse("registry:establishment_edit", args=[site.pk]),
        {"siret": site.siret, "postcode": "42000", "city": "Saint-Étienne", "country": "FR"},
    )
    assert 'id="id_postcode_error"' in response.content.decode()
    site.refresh_from_db()
    assert site.departement_code == "26"


# -- the timeline ---------------------------------------------------------------------------------------------


def test_the_timeline_shows_memberships_imports_and_edits_with_who(registry, hq_editor):
    drome = registry.drome_logiciels
    hq_editor.post(
        reverse("registry:organisation_edit", args=[drome.pk]),
        organisation_data(drome, email="info@drome-logiciels.fr"),
    )
    content = hq_editor.get(reverse("registry:timeline", args=[drome.pk])).content.decode()
    assert "Adhésion à Numélink" in content and "apportée par RhoneAlley" in content
    assert "Import de « adherents-rhonealley-2016.csv »" in content and "ligne 2" in content
    assert "SIREN" in content  # the value the file gave, from its lineage
    assert "Modification" in content and "Sophie Bernard" in content and "info@drome-logiciels.fr" in content
    newest_first = [content.index("Modification"), content.index("Import de"), content.index("Adhésion à")]
    assert newest_first == sorted(newest_first)


def test_a_membership_reopened_loses_its_end_date(registry, hq_editor):
    membership = registry.drome_logiciels.memberships.get()
    membership.status, membership.ends_on = "ended", datetime.date(2025, 12, 31)
    membership.save()
    response = hq_editor.post(
        reverse("registry:membership_edit", args=[membership.pk]),
        {"association": registry.numelink.pk, "status": "active", "starts_on": "2015-03-01", "ends_on": ""},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == "active" and membership.ends_on is None


def test_a_membership_of_an_absorbed_network_can_still_be_edited(registry, hq_editor):
    old = Membership.objects.create(
        organisation=registry.drome_logiciels,
        association=registry.rhonealley,
        status="ended",
        starts_on=datetime.date(2010, 1, 1),
        ends_on=datetime.date(2016, 6, 1),
    )
    response = hq_editor.post(
        reverse("registry:membership_edit", args=[old.pk]),
        {
            "association": registry.rhonealley.pk,
            "status": "ended",
            "starts_on": "2010-01-01",
            "ends_on": "2016-06-01",
            "end_reason": "merger",
            "end_reason_detail": "Absorption de RhoneAlley par Numélink",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.get().changes["end_reason"] == ["", "merger"]


def test_a_duplicate_created_at_the_same_moment_is_refused_not_a_crash(registry, hq_editor, monkeypatch):
    # The check passed for both people; the database's unique SIREN stops the second.
    monkeypatch.setattr(editing, "_check_unique_siren", lambda checker, organisation: None)
    monkeypatch.setattr(selectors, "existing_organisation", lambda user, **numbers: None)
    before = Organisation.objects.count()
    response = hq_editor.post(
        reverse("registry:organisation_create"),
        new_member(
            **{"org-siren": registry.drome_logiciels.siren, "site-postcode": "26000", "site-city": "Valence"}
        ),
    )
    assert response.status_code == 200
    assert "vient d&#x27;être enregistré" in response.content.decode()
    assert Organisation.objects.count() == before and not AuditEvent.objects.exists()


def test_a_new_head_office_replaces_the_former_one(registry, hq_editor):
    drome = registry.drome_logiciels
    former = drome.establishments.get()
    hq_editor.post(
        reverse("registry:establishment_create", args=[drome.pk]),
        {"postcode": "07000", "city": "Privas", "country": "FR", "is_head_office": "on"},
    )
    assert list(drome.establishments.filter(is_head_office=True).values_list("city", flat=True)) == ["Privas"]
    former.refresh_from_db()
    assert not former.is_head_office
    assert AuditEvent.objects.filter(object_id=former.pk, action="change").get().changes == {
        "is_head_office": [True, False]
    }


def test_the_timeline_shows_a_merge_of_duplicates_as_a_merger(registry, hq_editor, hq_user):
    drome = registry.drome_logiciels
    duplicate = Organisation.objects.create(name="DROME LOGICIELS")
    services.merge_organisations(survivor=drome, duplicates=[duplicate], user=hq_user)
    content = hq_editor.get(reverse("registry:timeline", args=[drome.pk])).content.decode()
    assert "timeline__entry--merger" in content
    assert "Fusion de fiches en double" in content and "DROME LOGICIELS" in content


def test_the_timeline_reads_a_fixed_number_of_queries(
    registry, hq_editor, hq_user, django_assert_max_num_queries
):
    drome = registry.drome_logiciels
    for n in range(25):
        services.update_organisation(
            organisation=drome, user=hq_user, values={"name": f"Drôme Logiciels {n}"}
        )
        services.save_membership(
            membership=Membership(organisation=drome),
            user=hq_user,
            values={"association": registry.auvergne_tic, "starts_on": f"{n + 1:02d}/01/2020"},
        )
    # 9 for the registry's own parts, 1 for the declared sources (start-ups: the projects it came from).
    with django_assert_max_num_queries(10):
        response = hq_editor.get(reverse("registry:timeline", args=[drome.pk]))
    assert response.content.decode().count("timeline__entry--membership") == 26


def test_the_admin_holds_territorial_staff_to_their_territory_on_the_field(
    registry, territorial_user, django_user_model
):
    territorial_user.is_staff = True
    territorial_user.save()
    territorial_user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="registry", codename__in=["view_establishment", "change_establishment"]
        )
    )
    client = Client()
    client.force_login(territorial_user)
    site = registry.drome_logiciels.establishments.get()
    url = reverse("admin:registry_establishment_change", args=[site.pk])
    data = {
        "organisation": registry.drome_logiciels.pk,
        "siret": site.siret,
        "name": "",
        "street": site.street,
        "postcode": "42000",
        "city": "Saint-Étienne",
        "country": "FR",
        "commune_code": "",
        "departement_code": "26",
        "email": "",
        "phone": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "hors de votre territoire" in response.content.decode()
    site.refresh_from_db()
    assert site.departement_code == "26"
