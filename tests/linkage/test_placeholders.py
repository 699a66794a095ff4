"""Records sharing an address, a site, a phone or a SIREN that stands for none are not one company because of it."""

from __future__ import annotations

import pytest

from grappe.linkage import LinkageSettings, deduplicate, link

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


def _clusters(result) -> dict[str, str]:
    table = result.clusters
    return dict(
        zip(table.column("record_id").to_pylist(), table.column("cluster_id").to_pylist(), strict=True)
    )


# An accountant's address given for each client, a group's site for its subsidiaries, an incubator's switchboard
# for the start-ups it hosts: a contact detail given by companies of three brands or more is a shared one.
_CLIENTS = ["Alpha Numérique", "Beta Conseil", "Gamma Studio", "Delta Logiciels"]


@pytest.mark.parametrize(
    "shared",
    [{"email": "cabinet@expert-compta.fr"}, {"website": "www.groupe-alpha.fr"}, {"phone": "04 77 12 34 56"}],
)
def test_a_contact_detail_shared_by_companies_of_three_brands_says_nothing(shared: dict[str, str]) -> None:
    records = [
        record(str(index), name, street=f"{index + 1} rue des Arts", **LYON, **shared)
        for index, name in enumerate(_CLIENTS)
    ]
    result = deduplicate(records, settings=LinkageSettings(keep_threshold=0.0))
    assert result.pairs.num_rows == 0 or all(row["band"] == "non_match" for row in result.pairs.to_pylist())
    assert len(set(result.clusters.column("cluster_id").to_pylist())) == 4


def test_a_company_s_own_address_given_by_its_records_still_counts() -> None:
    # Three records of one company (one brand) and a renamed one: two brands, the address is theirs.
    records = [
        record("a", "Kaliop", email="contact@kaliop.fr", **LYON),
        record("b", "KALIOP SARL", email="contact@kaliop.fr", street="12 rue Michelet", **LYON),
        record("c", "Kaliop Lyon", email="contact@kaliop.fr", **LYON),
        record("d", "Numélink Conseil", email="contact@kaliop.fr", **LYON),
    ]
    result = deduplicate(records, settings=LinkageSettings(keep_threshold=0.0))
    clusters = _clusters(result)
    assert clusters["a"] == clusters["b"] == clusters["c"]
    pair = next(row for row in result.pairs.to_pylist() if {row["left_id"], row["right_id"]} == {"a", "d"})
    assert pair["domain_level"] == "même adresse e-mail"


def test_an_address_shared_across_the_registry_and_the_new_records_is_counted_across_both() -> None:
    registry = [
        record("r1", "Alpha Numérique", organisation_id="O1", email="cabinet@expert-compta.fr", **LYON),
        record("r2", "Beta Conseil", organisation_id="O2", email="cabinet@expert-compta.fr", **LYON),
    ]
    incoming = [record("n1", "Gamma Studio", email="cabinet@expert-compta.fr", **LYON)]
    result = link(incoming, registry, settings=LinkageSettings(keep_threshold=0.0))
    clusters = _clusters(result)
    assert clusters["n1"] not in ("O1", "O2")


@pytest.mark.parametrize(
    ("names", "shared"),
    [
        # One company's establishments: one brand, three rarest words.
        (["Kaliop Lyon", "Kaliop Paris", "Kaliop Nantes"], {"email": "contact@kaliop.fr"}),
        # One company written three ways: three first words, two rarest words.
        (["Duval Média", "Média Duval", "Dubal Média"], {"phone": "04 68 12 34 56"}),
    ],
)
def test_one_company_written_several_ways_keeps_its_own_contact_details(names, shared) -> None:
    records = [record(str(index), name, **LYON, **shared) for index, name in enumerate(names)]
    result = deduplicate(records, settings=LinkageSettings(keep_threshold=0.0))
    levels = {
        row["domain_level"] if "email" in shared else row["phone_level"] for row in result.pairs.to_pylist()
    }
    assert levels == {"même adresse e-mail"} if "email" in shared else levels == {"même téléphone"}
