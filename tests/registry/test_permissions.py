"""Promise 6: everyone sees exactly what their role and territory allow, in pages and admin alike."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from grappe.registry import selectors
from grappe.registry.models import Office, Organisation, Person, SourceRecord, StaffMember

pytestmark = pytest.mark.django_db


def test_head_office_staff_see_every_organisation(registry, hq_user):
    assert set(selectors.visible_organisations(hq_user)) == set(Organisation.objects.all())


def test_territorial_staff_see_only_organisations_established_in_their_departements(
    registry, territorial_user
):
    visible = set(selectors.visible_organisations(territorial_user))
    assert visible == set(registry.in_drome_ardeche)


def test_company_with_one_site_in_the_territory_is_visible_with_all_its_sites(registry, territorial_user):
    establishments = selectors.visible_establishments(territorial_user).filter(
        organisation=registry.multisite
    )
    assert {e.departement_code for e in establishments} == {"42", "26"}


def test_territorial_staff_see_people_and_provenance_of_their_organisations_only(registry, territorial_user):
    assert list(selectors.visible_people(territorial_user)) == [registry.claire]
    records = selectors.visible_source_records(territorial_user)
    assert list(records) == [registry.drome_record]
    assert all(
        lineage.source_record.organisation_id == registry.drome_logiciels.pk
        for lineage in selectors.visible_lineage(territorial_user)
    )


def test_rejected_rows_without_organisation_are_for_head_office_only(registry, hq_user, territorial_user):
    rejected = SourceRecord.objects.filter(status=SourceRecord.Status.REJECTED)
    assert selectors.restrict(hq_user, rejected).count() == 1
    assert selectors.restrict(territorial_user, rejected).count() == 0


def test_staff_without_office_or_with_head_office_see_everything(registry, django_user_model):
    user = django_user_model.objects.create_user("sans.bureau")
    StaffMember.objects.create(association=registry.numelink, user=user, first_name="A", last_name="B")
    assert selectors.scope_for(user).everything


def test_staff_who_left_lose_access(registry, territorial_user):
    territorial_user.staff_member.left_on = datetime.date(2020, 1, 1)
    territorial_user.staff_member.save()
    territorial_user.refresh_from_db()
    assert selectors.scope_for(territorial_user) is None
    assert not selectors.visible_organisations(territorial_user).exists()


def test_superuser_without_staff_record_sees_everything(registry, admin_user):
    assert selectors.visible_organisations(admin_user).count() == Organisation.objects.count()


def test_a_superusers_scope_costs_no_query_a_territorial_one_reads_the_staff_record(
    registry, admin_user, territorial_user, django_assert_num_queries
):
    """The scope is computed on every page: a superuser sees everything whatever their staff record says."""
    with django_assert_num_queries(0):
        assert selectors.scope_for(admin_user).everything
    with django_assert_num_queries(1):
        scope = selectors.scope_for(territorial_user)
    assert not scope.everything and scope.territory is not None


def test_plain_account_sees_nothing(registry, nonstaff_user):
    assert selectors.scope_for(nonstaff_user) is None
    assert not selectors.visible_organisations(nonstaff_user).exists()
    assert not selectors.visible_people(nonstaff_user).exists()
    assert not selectors.visible_associations(nonstaff_user).exists()


def test_bureau_staff_are_territorial_too(registry, django_user_model):
    bureau = Office.objects.create(
        association=registry.auvergne_tic,
        territory=registry.auvergne,
        kind=Office.Kind.BUREAU,
        name="Clermont",
    )
    user = django_user_model.objects.create_user("bureau.clermont")
    StaffMember.objects.create(
        association=registry.auvergne_tic, office=bureau, user=user, first_name="C", last_name="D"
    )
    assert list(selectors.visible_organisations(user)) == [registry.volcans_cloud]


def test_every_registry_model_has_a_visibility_rule(registry, territorial_user):
    from django.apps import apps

    for model in apps.get_app_config("registry").get_models():
        selectors.restrict(territorial_user, model.objects.all()).count()


# --- In the pages ---------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, registry):
    for url in [
        reverse("registry:home"),
        reverse("registry:organisation_list"),
        reverse("registry:organisation_detail", args=[registry.drome_logiciels.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "organisation_list",
        "person_list",
        "membership_list",
        "association_list",
        "territory_list",
        "office_list",
    ],
)
def test_accounts_without_staff_record_are_refused(nonstaff_client, name):
    response = nonstaff_client.get(reverse(f"registry:{name}"))
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_detail_of_another_territory_is_not_found_for_territorial_staff(registry, territorial_client):
    for organisation in registry.outside_drome_ardeche:
        response = territorial_client.get(reverse("registry:organisation_detail", args=[organisation.pk]))
        assert response.status_code == 404
    response = territorial_client.get(reverse("registry:person_detail", args=[registry.paul.pk]))
    assert response.status_code == 404


def test_not_found_and_forbidden_look_the_same(registry, territorial_client):
    hidden = territorial_client.get(reverse("registry:organisation_detail", args=[registry.volcans_cloud.pk]))
    missing = territorial_client.get(reverse("registry:organisation_detail", args=[999_999]))
    assert hidden.status_code == missing.status_code == 404
    assert _without_csrf(hidden.content) == _without_csrf(missing.content)


def _without_csrf(content: bytes) -> bytes:
    """The page minus what differs by construction: the CSRF token and the requested path."""
    return re.sub(rb'name="(csrfmiddlewaretoken|next)" (type="hidden" )?value="[^"]+"', b"", content)


def test_territorial_list_shows_only_their_organisations(registry, territorial_client):
    content = territorial_client.get(reverse("registry:organisation_list")).content.decode()
    for organisation in registry.in_drome_ardeche:
        assert organisation.name in content
    for organisation in registry.outside_drome_ardeche:
        assert organisation.name not in content
    assert "1–3 sur 3" in content


def test_territorial_dashboard_counts_only_their_territory(registry, territorial_client):
    response = territorial_client.get(reverse("registry:home"))
    dashboard = response.context["dashboard"]
    assert dashboard.organisation_count == 3
    assert dashboard.member_count == 2  # Drôme Logiciels and Multisite; Ardèche Data is pending
    assert {code for code, _name, _n in dashboard.by_departement} == {"26"}
    assert "Votre territoire : Drôme-Ardèche" in response.content.decode()


def test_territorial_people_list_hides_other_territories(registry, territorial_client):
    content = territorial_client.get(reverse("registry:person_list")).content.decode()
    assert "Claire" in content
    assert "Durand" not in content
    assert Person.objects.count() == 2


# --- In the admin ---------------------------------------------------------------------------------------------


def test_admin_lists_are_scoped_like_the_pages(registry, territorial_user):
    from django.contrib.auth.models import Permission
    from django.test import Client

    territorial_user.is_staff = True
    territorial_user.save()
    territorial_user.user_permissions.set(Permission.objects.filter(content_type__app_label="registry"))
    client = Client()
    client.force_login(territorial_user)
    content = client.get(reverse("admin:registry_organisation_changelist")).content.decode()
    assert "Drôme Logiciels" in content
    assert "Volcans Cloud" not in content
    hidden = client.get(reverse("admin:registry_organisation_change", args=[registry.volcans_cloud.pk]))
    assert hidden.status_code == 302  # the admin's own "does not exist" redirect: nothing is shown
    membership_content = client.get(reverse("admin:registry_membership_changelist")).content.decode()
    assert "Atelier Numérique Forézien" not in membership_content
