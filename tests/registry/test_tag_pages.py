"""Staff pages for an association's tags (issue 10): the list with each tag's count (a link to the tagged
organisations), create, rename (a name the association already has, case and accents aside, is a form error),
delete after a confirmation with the count, merge two tags. Tags are association-wide: head-office staff with
the right to edit change them; territorial staff and readers read the list only (403 on the changes)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from grappe.core.models import AuditEvent
from grappe.registry import tags
from grappe.registry.models import Organisation, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def salon(registry) -> Tag:
    tag = Tag.objects.create(association=registry.numelink, name="Salon 2026")
    for organisation in (registry.drome_logiciels, registry.atelier_forezien, registry.multisite):
        organisation.tags.add(tag)
    return tag


@pytest.fixture
def relancer(registry) -> Tag:
    tag = Tag.objects.create(association=registry.numelink, name="À relancer")
    registry.drome_logiciels.tags.add(tag)
    return tag


def _page(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


# -- the list --------------------------------------------------------------------------------------------------


def test_the_list_shows_each_tag_with_its_count_and_the_actions_to_head_office(
    registry, hq_user, salon, relancer, editor_client
):
    page = _page(
        editor_client(hq_user).get(reverse("registry:tag_list"), {"association": registry.numelink.pk})
    )

    assert page.index("À relancer") < page.index("Salon 2026")
    assert (
        f'href="/organisations/?etiquette={salon.pk}" aria-label="3 organisations étiquetées « Salon 2026 »"'
        in page
    )
    assert reverse("registry:tag_rename", args=[salon.pk]) in page
    assert reverse("registry:tag_create") + f"?association={registry.numelink.pk}" in page


def test_the_list_opens_on_the_staff_members_own_association(registry, hq_user, salon, editor_client):
    # Auvergne TIC comes first in the alphabet; the head office's staff belong to Numélink.
    page = _page(editor_client(hq_user).get(reverse("registry:tag_list")))

    assert "3 organisations étiquetées « Salon 2026 »" in page
    assert reverse("registry:tag_create") + f"?association={registry.numelink.pk}" in page


def test_territorial_staff_read_their_counts_without_the_actions(
    registry, territorial_user, salon, editor_client
):
    page = _page(editor_client(territorial_user).get(reverse("registry:tag_list")))

    # Drôme Logiciels and Multisite are in Drôme-Ardèche; Atelier Forézien (Loire) is not counted.
    assert "2 organisations étiquetées « Salon 2026 »" in page
    assert reverse("registry:tag_rename", args=[salon.pk]) not in page
    assert reverse("registry:tag_create") not in page


def test_the_organisation_list_links_to_the_tags(registry, hq_client):
    page = hq_client.get(reverse("registry:organisation_list")).content.decode()

    assert f'href="{reverse("registry:tag_list")}"' in page


# -- create and rename -----------------------------------------------------------------------------------------


def test_creating_a_tag_is_audited(registry, hq_user, editor_client):
    client = editor_client(hq_user)

    response = client.post(
        reverse("registry:tag_create"), {"association": registry.numelink.pk, "nom": "  Prospects   2027 "}
    )

    tag = Tag.objects.get()
    assert response.url == reverse("registry:tag_list") + f"?association={registry.numelink.pk}"
    assert (tag.name, tag.association) == ("Prospects 2027", registry.numelink)
    assert AuditEvent.objects.filter(action="tag.create", object_id=tag.pk, user=hq_user).count() == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Donnez un nom à l'étiquette."),
        ("salon 2026", "Numélink a déjà l'étiquette « Salon 2026 »."),
        ("SALON   2026", "Numélink a déjà l'étiquette « Salon 2026 »."),
        ("a relancer", "Numélink a déjà l'étiquette « À relancer »."),
        ("x" * 61, "Le nom d'une étiquette tient en 60 caractères (61 tapés)."),
    ],
)
def test_a_refused_new_name_is_a_form_error_and_creates_nothing(
    registry, hq_user, salon, relancer, name, message, editor_client
):
    response = editor_client(hq_user).post(
        reverse("registry:tag_create"), {"association": registry.numelink.pk, "nom": name}
    )

    page = _page(response)
    assert response.status_code == 200 and 'role="alert"' in page
    assert message in page.split('class="errorlist"')[1]
    assert Tag.objects.count() == 2 and not AuditEvent.objects.exists()


def test_the_same_name_in_another_association_is_a_different_tag(registry, hq_user, salon, editor_client):
    editor_client(hq_user).post(
        reverse("registry:tag_create"), {"association": registry.auvergne_tic.pk, "nom": "Salon 2026"}
    )

    assert Tag.objects.filter(name="Salon 2026").count() == 2


def test_renaming_is_audited_and_a_taken_name_is_a_form_error(
    registry, hq_user, salon, relancer, editor_client
):
    client = editor_client(hq_user)
    url = reverse("registry:tag_rename", args=[salon.pk])

    form = _page(client.get(url))
    refused = _page(client.post(url, {"nom": "à RELANCER"}))
    accents = client.post(url, {"nom": "Sålon 2026"})  # its own name with another accent: allowed
    renamed = client.post(url, {"nom": "Salon du numérique 2026"}, follow=True)

    assert 'value="Salon 2026"' in form
    assert (
        "Numélink a déjà l'étiquette « À relancer »." in refused
        and "Renommer l'étiquette « Salon 2026 »" in refused
    )
    assert accents.status_code == 302
    assert "renommée « Salon du numérique 2026 »" in _page(renamed)
    salon.refresh_from_db()
    assert salon.name == "Salon du numérique 2026" and salon.organisations.count() == 3
    events = AuditEvent.objects.filter(action="tag.rename", object_id=salon.pk)
    assert [e.changes["name"] for e in events.order_by("pk")] == [
        ["Salon 2026", "Sålon 2026"],
        ["Sålon 2026", "Salon du numérique 2026"],
    ]


# -- delete ----------------------------------------------------------------------------------------------------


def test_deleting_shows_how_many_organisations_carry_it_then_audits(registry, hq_user, salon, editor_client):
    client = editor_client(hq_user)
    url = reverse("registry:tag_delete", args=[salon.pk])

    confirm = _page(client.get(url))
    assert "3 organisations portent cette étiquette : elles la perdront." in confirm
    assert 'name="confirmer" value="3"' in confirm and Tag.objects.filter(pk=salon.pk).exists()

    done = _page(client.post(url, {"confirmer": "3"}, follow=True))

    assert "Étiquette « Salon 2026 » supprimée : 3 organisations la portaient." in done
    assert not Tag.objects.filter(pk=salon.pk).exists()
    assert AuditEvent.objects.filter(action="tag.delete", object_id=salon.pk).count() == 1
    assert AuditEvent.objects.filter(action="organisation.untag").count() == 3


def test_a_stale_delete_confirmation_deletes_nothing(registry, hq_user, salon, editor_client):
    client = editor_client(hq_user)

    page = _page(
        client.post(reverse("registry:tag_delete", args=[salon.pk]), {"confirmer": "2"}, follow=True)
    )

    assert "a changé depuis la confirmation (2, maintenant 3)" in page
    assert Tag.objects.filter(pk=salon.pk).exists() and not AuditEvent.objects.exists()


# -- merge -----------------------------------------------------------------------------------------------------


def test_merging_gives_the_target_to_the_tag_carriers_then_deletes_the_tag(
    registry, hq_user, salon, relancer, editor_client
):
    client = editor_client(hq_user)
    url = reverse("registry:tag_merge", args=[salon.pk])

    chooser = _page(client.get(url))
    confirm = _page(client.post(url, {"cible": relancer.pk}))
    assert f'<option value="{relancer.pk}">À relancer</option>' in chooser
    # Drôme Logiciels already carries « À relancer »: two organisations gain it.
    assert "2 organisations recevront « À relancer »." in confirm and 'name="confirmer" value="2"' in confirm
    assert Tag.objects.filter(pk=salon.pk).exists()

    done = _page(client.post(url, {"cible": relancer.pk, "confirmer": "2"}, follow=True))

    assert "« Salon 2026 » fondue dans « À relancer » : 2 organisations ont reçu « À relancer »." in done
    assert not Tag.objects.filter(pk=salon.pk).exists()
    assert sorted(relancer.organisations.values_list("name", flat=True)) == [
        "Atelier Numérique Forézien",
        "Drôme Logiciels",
        "Multisite Industries",
    ]
    assert AuditEvent.objects.filter(action="tag.merge", object_id=relancer.pk).count() == 1
    assert AuditEvent.objects.filter(action="organisation.tag").count() == 2


def test_merging_into_itself_or_another_association_s_tag_is_refused(registry, hq_user, salon, editor_client):
    other = Tag.objects.create(association=registry.auvergne_tic, name="Salon Auvergne")
    client = editor_client(hq_user)
    url = reverse("registry:tag_merge", args=[salon.pk])
    Tag.objects.create(association=registry.numelink, name="Autre")

    for target in (salon.pk, other.pk, "", "x"):
        page = _page(client.post(url, {"cible": target, "confirmer": "3"}))
        assert 'role="alert"' in page
    assert Tag.objects.count() == 3 and not AuditEvent.objects.exists()


def test_a_stale_merge_confirmation_changes_nothing(registry, hq_user, salon, relancer, editor_client):
    page = _page(
        editor_client(hq_user).post(
            reverse("registry:tag_merge", args=[salon.pk]), {"cible": relancer.pk, "confirmer": "3"}
        )
    )

    assert "a changé depuis la confirmation (3, maintenant 2)" in page
    assert Tag.objects.filter(pk=salon.pk).exists() and relancer.organisations.count() == 1


# -- who may change them ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["tag_rename", "tag_delete", "tag_merge"])
def test_territorial_staff_and_readers_cannot_change_tags(
    registry, territorial_user, hq_client, salon, route, editor_client
):
    url = reverse(f"registry:{route}", args=[salon.pk])
    territorial = editor_client(territorial_user)

    for client in (territorial, hq_client):
        assert client.get(url).status_code == 403
        assert client.post(url, {"nom": "Autre", "confirmer": "3", "cible": salon.pk}).status_code == 403
    assert (
        territorial.post(
            reverse("registry:tag_create"), {"association": registry.numelink.pk, "nom": "X"}
        ).status_code
        == 403
    )
    assert Tag.objects.get().name == "Salon 2026" and salon.organisations.count() == 3


def test_the_service_refuses_territorial_staff_too(registry, territorial_user, salon):
    with pytest.raises(tags.TagRefused, match="gérées par la direction et le siège"):
        tags.delete_tag(user=territorial_user, tag=salon, expected=3)
    assert Organisation.objects.filter(tags=salon).count() == 3


@given(st.text(max_size=20))
def test_names_equal_for_people_have_one_key(name: str) -> None:
    assert tags.name_key(name.upper()) == tags.name_key(name.lower()) or name.upper().lower() != name.lower()
    assert tags.name_key(f"  {name}  ") == tags.name_key(name)
