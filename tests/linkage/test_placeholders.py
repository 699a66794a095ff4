"""Records sharing an address, a site, a phone or a SIREN that stands for none are not one company because of it."""

from __future__ import annotations

import pytest

from grappe.linkage import LinkageSettings, deduplicate

from .conftest import record

LYON = {"postcode": "69001", "city": "Lyon"}


@pytest.mark.parametrize(
    "shared",
    [
        {"email": "nc@nc.fr"},
        {"email": "none@none.com"},
        {"website": "www.pasdesite.fr"},
        {"website": "x.fr"},
        {"phone": "01 23 45 67 89"},
        {"phone": "06 00 00 00 00"},
        {"siren": "000 000 000"},
        {"siret": "000 000 000 00000"},
    ],
)
def test_two_companies_sharing_a_placeholder_are_not_matched_by_it(shared: dict[str, str]) -> None:
    result = deduplicate(
        [record("a", "Alpha Numérique", **LYON, **shared), record("b", "Beta Conseil", **LYON, **shared)],
        settings=LinkageSettings(keep_threshold=0.0),
    )
    pairs = result.pairs.to_pylist()
    assert all(row["band"] == "non_match" for row in pairs)
    assert all(row["domain_level"] in (None, "e-mail et site absents") for row in pairs)
    assert all(row["phone_level"] in (None, "téléphone absent") for row in pairs)
    assert all(row["identifiers_level"] in (None, "identifiant absent") for row in pairs)


def test_a_real_shared_domain_still_counts() -> None:
    result = deduplicate(
        [
            record("a", "Kaliop", email="contact@kaliop.fr", **LYON),
            record("b", "Kaliop SARL", website="https://www.kaliop.fr/", **LYON),
        ],
        settings=LinkageSettings(keep_threshold=0.0),
    )
    (row,) = result.pairs.to_pylist()
    assert row["domain_level"] == "même domaine (site ou e-mail)" and row["band"] == "match"


@pytest.mark.parametrize("name", ["NC", "A compléter", "xxx"])
def test_two_companies_named_as_unknown_in_one_town_are_not_one_by_their_name(name: str) -> None:
    result = deduplicate(
        [record("a", name, street="3 rue Alpha", **LYON), record("b", name, street="9 avenue Beta", **LYON)],
        settings=LinkageSettings(keep_threshold=0.0),
    )
    assert all(row["band"] == "non_match" for row in result.pairs.to_pylist())
