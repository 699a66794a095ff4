"""Tags (issue 10): « Ajouter une étiquette » / « Retirer une étiquette » on the organisation list's selection,
after a confirmation page with the count, audited per organisation; a new tag typed by name (one per
association whatever its case); tags on the organisation page and as the list's ``?etiquette=`` filter, which
saved filters keep; a merger gives the survivor both organisations' tags and undo puts them back."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from grappe.core.models import AuditEvent
from grappe.registry import saved_filters, services
from grappe.registry.models import Organisation, Tag

pytestmark = pytest.mark.django_db
BULK = "registry:organisation_bulk"


def _tagged(tag: Tag) -> list[str]:
    return sorted(tag.organisations.values_list("name", flat=True))


def test_a_new_tag_is_confirmed_with_its_count_then_created_and_audited(registry, hq_user, editor_client):
    client = editor_client(hq_user)
    ticked = [registry.drome_logiciels.pk, registry.atelier_forezien.pk]
    data = {"action": "tag_add", "org": ticked, "requete": "", "choisi": "oui"}
    new = {"nouvelle": "  Salon   2026 ", "association": registry.numelink.pk}

    chooser = client.post(reverse(BULK), {"action": "tag_add", "org": ticked}).content.decode()
    confirm = client.post(reverse(BULK), {**data, **new}).content.decode()

    assert 'name="nouvelle"' in chooser and 'name="confirmer"' not in chooser
    assert "L'étiquette « Salon 2026 » sera ajoutée à 2 organisations." in confirm
    assert "elle sera créée" in confirm and 'name="confirmer" value="2"' in confirm
    assert not Tag.objects.exists()  # nothing before confirming, not even the tag

    done = client.post(reverse(BULK), {**data, **new, "confirmer": "2"}, follow=True)

    assert "Étiquette « Salon 2026 » ajoutée à 2 organisations." in done.content.decode()
    tag = Tag.objects.get()
    assert (tag.name, tag.association) == ("Salon 2026", registry.numelink)
    assert _tagged(tag) == ["Atelier Numérique Forézien", "Drôme Logiciels"]
    events = AuditEvent.objects.filter(action="organisation.tag")
    assert sorted(e.object_id for e in events) == sorted(ticked) and {e.user for e in events} == {hq_user}
    assert AuditEvent.objects.filter(action="tag.create", object_id=tag.pk).count() == 1


def test_typing_an_existing_name_in_another_case_or_without_accents_reuses_the_tag(
    registry, hq_user, editor_client
):
    client = editor_client(hq_user)
    salon = Tag.objects.create(association=registry.numelink, name="Salon Été")
    salon.organisations.add(registry.drome_logiciels)
    data = {"action": "tag_add", "tout": "oui", "choisi": "oui", "association": registry.numelink.pk}
    total = Organisation.objects.count()

    confirm = client.post(reverse(BULK), {**data, "nouvelle": "SALON ÉTÉ"}).content.decode()
    client.post(reverse(BULK), {**data, "nouvelle": "salon ete", "confirmer": str(total - 1)})

    # The tag pages' rule (case, accents and spaces aside): « salon ete » is « Salon Été », not a second tag.
    assert "elle sera créée" not in confirm
    assert Tag.objects.count() == 1 and salon.organisations.count() == total
    # The database holds the rule too, for any other way in (admin, shell).
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(association=registry.numelink, name="salon été")
    Tag.objects.create(association=registry.auvergne_tic, name="Salon été")  # another association's


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"nouvelle": "   "}, "Choisissez une étiquette ou tapez le nom d&#x27;une nouvelle."),
        ({"nouvelle": "x" * 61}, "Le nom d&#x27;une étiquette tient en 60 caractères (61 tapés)."),
        ({"nouvelle": "Salon", "association": ""}, "Choisissez l&#x27;association"),
        ({"etiquette": "999999"}, "Cette étiquette n&#x27;existe plus"),
    ],
)
def test_a_refused_tag_is_explained_on_the_form_and_nothing_is_created(
    registry, hq_user, typed, message, editor_client
):
    client = editor_client(hq_user)
    data = {"action": "tag_add", "tout": "oui", "choisi": "oui", "association": registry.numelink.pk}

    response = client.post(reverse(BULK), {**data, **typed, "confirmer": "5"})

    page = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' in page and message in page
    assert 'name="confirmer"' not in page
    assert not Tag.objects.exists() and not AuditEvent.objects.exists()


def test_removing_a_tag_counts_only_the_organisations_that_carry_it(registry, hq_user, editor_client):
    client = editor_client(hq_user)
    tag = Tag.objects.create(association=registry.numelink, name="À relancer")
    tag.organisations.add(registry.drome_logiciels, registry.volcans_cloud)
    data = {"action": "tag_remove", "tout": "oui", "requete": "", "choisi": "oui", "etiquette": tag.pk}

    confirm = client.post(reverse(BULK), data).content.decode()
    stale = client.post(reverse(BULK), {**data, "confirmer": "3"}, follow=True).content.decode()
    assert _tagged(tag) == ["Drôme Logiciels", "Volcans Cloud"]
    done = client.post(reverse(BULK), {**data, "confirmer": "2"}, follow=True).content.decode()

    assert "L'étiquette « À relancer » sera retirée de 2 organisations." in confirm
    assert (
        "Le nombre d&#x27;organisations concernées a changé depuis la confirmation (3, maintenant 2)" in stale
    )
    assert "Étiquette « À relancer » retirée de 2 organisations." in done
    assert _tagged(tag) == [] and Tag.objects.filter(pk=tag.pk).exists()
    assert AuditEvent.objects.filter(action="organisation.untag").count() == 2


def test_out_of_territory_or_empty_selection_or_reader_changes_nothing(
    registry, territorial_user, hq_client, editor_client
):
    tag = Tag.objects.create(association=registry.numelink, name="Salon")
    add = {"action": "tag_add", "choisi": "oui", "etiquette": tag.pk, "requete": "q=x"}
    client = editor_client(territorial_user)
    outside = {"org": [registry.drome_logiciels.pk, registry.atelier_forezien.pk], "confirmer": "2"}

    refused = client.post(reverse(BULK), {**add, **outside}, follow=True).content.decode()
    empty = client.post(reverse(BULK), {**add, "confirmer": "0"}, follow=True).content.decode()
    reader = hq_client.post(
        reverse(BULK), {**add, "tout": "oui", "requete": "", "confirmer": "6"}, follow=True
    )

    assert "1 organisation hors de votre territoire ou introuvable : rien n&#x27;a été fait." in refused
    assert "Aucune organisation sélectionnée." in empty
    assert "Modification réservée aux salariés du réseau qui en ont le droit." in reader.content.decode()
    assert _tagged(tag) == [] and not AuditEvent.objects.exists()


def test_tags_show_on_the_page_and_filter_the_list_and_saved_filters_keep_them(
    registry, hq_user, editor_client
):
    client = editor_client(hq_user)
    tag = Tag.objects.create(association=registry.numelink, name="Salon 2026")
    tag.organisations.add(registry.drome_logiciels)
    list_url = reverse("registry:organisation_list")

    detail = client.get(reverse("registry:organisation_detail", args=[registry.drome_logiciels.pk]))
    filtered = client.get(list_url, {"etiquette": tag.pk}).content.decode()
    saved = saved_filters.save_filter(
        user=hq_user, list_name="organisations", name="Salon", query=f"etiquette={tag.pk}&page=2"
    )

    assert f'href="{list_url}?etiquette={tag.pk}"' in detail.content.decode()
    assert "Salon 2026" in detail.content.decode()
    assert "Drôme Logiciels" in filtered and "Volcans Cloud" not in filtered
    assert saved.query == f"etiquette={tag.pk}"


def test_a_merged_organisation_gives_its_tags_to_the_survivor_each_once(registry):
    survivor, duplicate = registry.drome_logiciels, registry.ardeche_data
    both, own, theirs = (Tag.objects.create(association=registry.numelink, name=n) for n in "abc")
    survivor.tags.add(both, own)
    duplicate.tags.add(both, theirs)

    services.merge_organisations(survivor=survivor, duplicates=[duplicate])

    assert sorted(survivor.tags.values_list("name", flat=True)) == ["a", "b", "c"]
    assert Organisation.tags.through.objects.count() == 3


def test_a_merger_unites_the_tags_and_undo_restores_them_exactly(tmp_path):
    from grappe.mergers import services as merger_services
    from grappe.mergers.snapshot import dump_rows, registry_checksum
    from mergers import scenario

    world = scenario.build(tmp_path)
    shared = Tag.objects.create(association=world.numelink, name="Partout")
    organisations = list(Organisation.objects.order_by("pk"))
    for organisation in organisations:
        own = Tag.objects.create(association=world.numelink, name=f"Fiche {organisation.pk}")
        organisation.tags.add(shared, own)
    merger = merger_services.plan_merger(
        absorbing=world.numelink, absorbed=world.auvergne_tic, effective_on=scenario.EFFECTIVE
    )
    merger_services.set_membership_type_mapping(merger=merger, mapping={}, user=None)
    merger.refresh_from_db()
    through = Organisation.tags.through
    rows_before, checksum_before = dump_rows(through), registry_checksum()

    merger = merger_services.apply_merger(merger=merger, accept_auto_only=True)

    surviving = set(Organisation.objects.values_list("pk", flat=True))
    gone = [o for o in organisations if o.pk not in surviving]
    assert gone, "the scenario merges at least one pair"
    # Every absorbed organisation's own tag now sits on a survivor; the shared one once per survivor.
    assert set(through.objects.values_list("organisation_id", flat=True)) == surviving
    for organisation in gone:
        assert Tag.objects.get(name=f"Fiche {organisation.pk}").organisations.count() == 1
    assert shared.organisations.count() == len(surviving)

    merger_services.undo_merger(merger=merger)

    assert dump_rows(through) == rows_before
    assert registry_checksum() == checksum_before


def test_renaming_a_tag_in_the_admin_keeps_the_rule_on_its_new_name(registry, admin_client):
    salon = Tag.objects.create(association=registry.numelink, name="Salon")
    Tag.objects.create(association=registry.numelink, name="Relance")
    url = reverse("admin:registry_tag_change", args=[salon.pk])

    renamed = admin_client.post(url, {"association": registry.numelink.pk, "name": "Salon 2026"})
    taken = admin_client.post(url, {"association": registry.numelink.pk, "name": "RELANCÉ"})

    assert renamed.status_code == 302
    salon.refresh_from_db()
    assert (salon.name, salon.key) == ("Salon 2026", "salon 2026")
    assert taken.status_code == 200
    assert (
        "Cette association a déjà l&#x27;étiquette « Relance » (majuscules et accents mis à part)."
        in taken.content.decode()
    )
    assert Tag.objects.get(pk=salon.pk).name == "Salon 2026"
