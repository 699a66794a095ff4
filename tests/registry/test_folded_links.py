"""A link to an organisation folded into another (a bookmark, an e-mail, a board's minutes) leads to the
organisation it became, within what the reader may see; a merger's undo takes the fold back with the rest."""

from __future__ import annotations

import re

from grappe.registry import services
from grappe.registry.models import FoldedOrganisation, Organisation


def _url(organisation_id: int) -> str:
    return f"/organisations/{organisation_id}/"


def test_the_page_of_a_folded_organisation_leads_to_its_survivor_and_says_so(hq_client, registry):
    folded_id, name = registry.ardeche_data.pk, registry.ardeche_data.name
    services.merge_organisations(survivor=registry.drome_logiciels, duplicates=[registry.ardeche_data])

    response = hq_client.get(_url(folded_id))
    assert response.status_code == 302 and response["Location"] == _url(registry.drome_logiciels.pk)
    page = " ".join(re.sub(r"<[^>]+>", " ", hq_client.get(response["Location"]).content.decode()).split())
    assert f"La fiche « {name} » (n° {folded_id}) a été fusionnée dans celle-ci le" in page


def test_a_link_follows_an_organisation_folded_twice(hq_client, registry):
    first = registry.ardeche_data.pk
    services.merge_organisations(survivor=registry.drome_logiciels, duplicates=[registry.ardeche_data])
    services.merge_organisations(survivor=registry.atelier_forezien, duplicates=[registry.drome_logiciels])

    assert hq_client.get(_url(first))["Location"] == _url(registry.atelier_forezien.pk)
    assert set(
        FoldedOrganisation.objects.filter(survivor=registry.atelier_forezien).values_list(
            "folded_id", flat=True
        )
    ) == {first, registry.drome_logiciels.pk}


def test_a_survivor_outside_the_readers_territory_stays_introuvable(territorial_client, hq_client, registry):
    folded_id = registry.ardeche_data.pk
    services.merge_organisations(survivor=registry.drome_logiciels, duplicates=[registry.ardeche_data])
    assert territorial_client.get(_url(folded_id)).status_code == 302  # Drôme-Ardèche: theirs

    # Auvergne folded into the Loire: neither is the Drôme-Ardèche office's.
    elsewhere = registry.volcans_cloud.pk
    services.merge_organisations(survivor=registry.atelier_forezien, duplicates=[registry.volcans_cloud])
    assert territorial_client.get(_url(elsewhere)).status_code == 404
    assert hq_client.get(_url(elsewhere)).status_code == 302


def test_an_id_never_folded_is_introuvable(hq_client, registry):
    missing = Organisation.objects.order_by("-pk").first().pk + 1000
    assert hq_client.get(_url(missing)).status_code == 404
