"""A company's brand: the first distinctive word of its name, kept when the company is renamed.

A names-only list (patent applicants) holds one company under its old and its new name: the brand is the one
word they share, the others describe an activity in two languages. Such a pair must reach a person (the
review band), not be dropped as "different names". Two different companies whose names share only a common
word must stay apart.
"""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from grappe.linkage import deduplicate

from .conftest import record
from .test_names_only import _coined, _written, names_only_registry

BRAND_LEVEL = "même marque, autres mots différents"

_OLD = (
    "N.V. {brand}'s Stoomweverijen",
    "Naamloze Vennootschap {brand}'s Stoomweverijen",
    "{brand} Stoomweverijen NV",
)
_NEW = (
    "Koninklijke {brand} Textiles N.V.",
    "{brand} Textiles GmbH",
    "{brand} Textiles AG",
    "{brand} Textiles S.A.",
    "KONINKLIJKE {brand} TEXTILES NV",
)


def _renamed(brand: str, rng: random.Random) -> list[dict]:
    """One company: 40 rows under its old Dutch name, 80 under its new one, legal forms of four countries."""
    rows = []
    for index in range(120):
        pattern = rng.choice(_OLD) if index < 40 else rng.choice(_NEW)
        rows.append(record(f"renamed-{index}", pattern.format(brand=brand)))
    return rows


def _pair(result, a: str, b: str) -> dict:
    pairs = result.pairs.to_pylist()
    wanted = {a, b}
    found = [row for row in pairs if {row["left_id"], row["right_id"]} == wanted]
    assert found, f"pair {a}–{b} not scored"
    return found[0]


def _cluster_of(result) -> dict[str, str]:
    return dict(
        zip(*(result.clusters.column(c).to_pylist() for c in ("record_id", "cluster_id")), strict=True)
    )


@pytest.fixture(scope="module")
def renamed() -> tuple[list[dict], str, str]:
    records, _ = names_only_registry(seed=5)
    rows = _renamed("Dorvalek", random.Random(7))
    old = next(row["record_id"] for row in rows if "Stoomweverijen" in row["name"])
    new = next(row["record_id"] for row in rows if "Textiles" in row["name"])
    return [*records, *rows], old, new


def test_a_renamed_company_sharing_its_brand_is_put_to_a_reviewer(renamed) -> None:
    records, old, new = renamed
    result = deduplicate(records)
    assert result.stats["prior_source"] == "estimated"
    clusters = _cluster_of(result)
    if clusters[old] == clusters[new]:  # joined: good, nothing to ask
        return
    # Not joined: then some pair between the two names is asked, on the strength of the shared brand.
    olds = {r["record_id"] for r in records if "Stoomweverijen" in r["name"]}
    news = {r["record_id"] for r in records if "Textiles" in r["name"]}
    across = [
        row
        for row in result.pairs.to_pylist()
        if {row["left_id"], row["right_id"]} & olds and {row["left_id"], row["right_id"]} & news
    ]
    assert across, "no pair between the old and the new name was scored"
    assert any(row["band"] == "review" for row in across)
    assert {row["name_level"] for row in across if row["band"] == "review"} == {BRAND_LEVEL}
    explanation = result.explain(across[0]["left_id"], across[0]["right_id"])
    assert any(field.level == BRAND_LEVEL and field.weight > 0 for field in explanation.fields)


def test_legal_forms_of_four_countries_are_one_name(renamed) -> None:
    records, _, _ = renamed
    result = deduplicate(records)
    names = dict(
        zip(*(result.features[0].column(c).to_pylist() for c in ("record_id", "name_norm")), strict=True)
    )
    new_names = {names[r["record_id"]] for r in records if "Textiles" in r["name"]}
    old_names = {names[r["record_id"]] for r in records if "Stoomweverijen" in r["name"]}
    assert new_names == {"dorvalek textile"}
    assert old_names == {"dorvalek stoomweverijen"}


def test_companies_sharing_only_a_common_word_are_not_matched() -> None:
    """Thirty companies named "Nova <something>": the shared first word says nothing, whatever its position."""
    rng = random.Random(11)
    base, truth = names_only_registry(seed=13)
    taken: set[str] = set()
    records = list(base)
    for company in range(30):
        name = f"Nova {_coined(rng, taken)}"
        for _ in range(rng.randint(2, 6)):
            record_id = f"nova-{company}-{len(records)}"
            records.append(record(record_id, _written(name, rng.choice(("B.V.", "AG", "GmbH", "S.A.")), rng)))
            truth[record_id] = f"nova-{company}"
    result = deduplicate(records)
    clusters = _cluster_of(result)
    novas = [r["record_id"] for r in records if r["record_id"].startswith("nova-")]
    for a in novas:
        for b in novas:
            if truth[a] != truth[b]:
                assert clusters[a] != clusters[b], (a, b)
    table = result.pairs
    mixed = [
        row
        for row in table.to_pylist()
        if row["left_id"].startswith("nova-")
        and row["right_id"].startswith("nova-")
        and truth[row["left_id"]] != truth[row["right_id"]]
    ]
    # Not matched, and not even asked: a brand thirty companies wear weighs next to nothing.
    assert mixed and all(row["band"] == "non_match" for row in mixed)


def test_a_member_registry_s_namesakes_sharing_a_brand_in_two_towns_stay_apart() -> None:
    """With a member registry's prior, a brand in common and two towns are far from a match."""
    records = [
        record("a", "Dorvalek Textiles SARL", postcode="42000", city="Saint-Étienne", street="3 rue Neuve"),
        record("b", "Dorvalek Immobilier SAS", postcode="69003", city="Lyon", street="8 cours Gambetta"),
        *(record(f"x{i}", f"Entreprise {i} Conseil", postcode="38000", city="Grenoble") for i in range(40)),
    ]
    result = deduplicate(pa.Table.from_pylist(records))
    cluster = _cluster_of(result)
    assert cluster["a"] != cluster["b"]
