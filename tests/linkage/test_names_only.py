"""Names and nothing else: foreign legal forms, very uneven clusters, exact copies, the prior from the data."""

from __future__ import annotations

import math
import random
from itertools import combinations

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grappe.linkage import LinkageSettings, deduplicate, link
from grappe.linkage.errors import LinkageInputError
from grappe.linkage.model import _rule_pairs
from grappe.linkage.pipeline import _stand_in_for_representatives

from .conftest import record

# How registries and patent offices write one foreign company: legal form spelt several ways, a seat after a
# comma, a leading asterisk, upper or title case.
_FORMS = ("N.V.", "NV", "N. V.", "B.V.", "BV", "GmbH", "AG", "Inc.", "Ltd", "S.p.A.", "Oy", "AB", "K.K.")
_SEATS = ("Amsterdam", "Delft, NL", "Eindhoven")


def _coined(rng: random.Random, taken: set[str]) -> str:
    while True:
        word = "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 4)))
        if word not in taken:
            taken.add(word)
            return word.capitalize()


def _written(name: str, form: str, rng: random.Random) -> str:
    text = f"{name} {form}"
    if rng.random() < 0.3:
        text += f", {rng.choice(_SEATS)}"
    if rng.random() < 0.2:
        text = "* " + text
    return text.upper() if rng.random() < 0.5 else text


def names_only_registry(seed: int = 3) -> tuple[list[dict], dict[str, str]]:
    """~1 400 applicants: a few companies with hundreds of rows each, a long tail of small ones, singletons."""
    rng = random.Random(seed)
    taken: set[str] = set()
    sizes = [400, 150, 80, 40, 20] + [rng.randint(2, 12) for _ in range(60)] + [1] * 300
    records, truth = [], {}
    for company, size in enumerate(sizes):
        name = f"{_coined(rng, taken)} {_coined(rng, taken)}"
        form = rng.choice(_FORMS)
        for _ in range(size):
            record_id = str(len(records))
            records.append(record(record_id, _written(name, rng.choice((form, *_FORMS)), rng)))
            truth[record_id] = f"company-{company}"
    return records, truth


def _cluster_of(clusters: pa.Table) -> dict[str, str]:
    return dict(zip(clusters["record_id"].to_pylist(), clusters["cluster_id"].to_pylist(), strict=True))


def _pairwise(clusters: pa.Table, truth: dict[str, str]) -> tuple[float, float]:
    found = _cluster_of(clusters)
    same = {(a, b) for a, b in combinations(sorted(truth), 2) if truth[a] == truth[b]}
    grouped = {(a, b) for a, b in combinations(sorted(found), 2) if found[a] == found[b]}
    hits = len(same & grouped)
    return hits / max(len(grouped), 1), hits / len(same)


@pytest.fixture(scope="module")
def applicants() -> tuple[list[dict], dict[str, str]]:
    return names_only_registry()


def test_a_names_only_list_with_foreign_legal_forms_clusters_by_company(applicants) -> None:
    records, truth = applicants
    result = deduplicate(records)
    precision, recall = _pairwise(result.clusters, truth)
    assert precision == 1.0 and recall == 1.0
    # One company fills a quarter of the rows: λ is counted from the data, not taken from a duplicate rate.
    assert result.stats["prior_source"] == "estimated"
    assert result.prior_probability > 100 * 0.2 / (len(records) - 1)


def test_with_the_fixed_prior_a_name_alone_links_only_copies(applicants) -> None:
    """Records equal on every field they have are one company whatever the prior; two different spellings of a
    name, with nothing else, are not enough under a member registry's prior."""
    records, _ = applicants
    result = deduplicate(records, settings=LinkageSettings(estimate_prior=False))
    assert result.stats["prior_source"] == "fixed"
    names = dict(
        zip(*(result.features[0].column(c).to_pylist() for c in ("record_id", "name_norm")), strict=True)
    )
    spellings: dict[str, set[str]] = {}
    for record_id, cluster in zip(
        *(result.clusters.column(c).to_pylist() for c in ("record_id", "cluster_id")), strict=True
    ):
        spellings.setdefault(cluster, set()).add(names[record_id])
    assert all(len(found) == 1 for found in spellings.values())
    assert len(spellings) < len(records)  # the copies of a name are one company


def test_small_sets_keep_the_fixed_prior() -> None:
    records = [record(str(i), "Akzo Nobel N.V." if i % 2 else "AKZO NOBEL NV") for i in range(300)]
    result = deduplicate(records)
    assert result.stats["prior_source"] == "fixed"
    assert math.isclose(result.prior_probability, 0.2 / 299)


def test_a_member_registry_keeps_the_fixed_prior() -> None:
    # Same-name pairs give its records fewer than one partner each: the fixed rate describes it, and the
    # fixed m/u values were set together with it.
    generator = pytest.importorskip("grappe.demo.generator")
    sample = generator.generate_registry(1_500, seed=11, duplicate_rate=0.3)
    result = deduplicate(sample.table.drop_columns(["entity_id"]))
    assert result.stats["prior_source"] == "fixed"
    assert 0 < result.stats["prior_rule_pairs"] < 1_500 / 2


_name = st.sampled_from(["kaliop", "dupont", None])
_departement = st.sampled_from(["42", "69", None])
_rows = st.lists(st.tuples(_name, _departement), max_size=12)


def _table(rows: list[tuple[str | None, str | None]]) -> pa.Table:
    return pa.table(
        {
            "name_norm": pa.array([name for name, _ in rows], pa.string()),
            "departement": pa.array([departement for _, departement in rows], pa.string()),
        }
    )


def _compatible(a: tuple, b: tuple) -> bool:
    return a[0] is not None and a[0] == b[0] and (a[1] is None or b[1] is None or a[1] == b[1])


@settings(max_examples=60, deadline=None)
@given(new=_rows, registry=_rows)
def test_counting_the_rule_s_pairs_is_listing_them(new, registry) -> None:
    within = sum(_compatible(a, b) for a, b in combinations(new, 2))
    across = sum(_compatible(a, b) for a in new for b in registry)
    with duckdb.connect() as con:
        assert _rule_pairs(con, _table(new), None) == (within, 0)
        assert _rule_pairs(con, _table(new), _table(registry)) == (within, across)


def test_exact_copies_beyond_the_block_cap_are_one_organisation() -> None:
    # 60 copies of one row share every blocking key; the cap (50) used to drop all those blocks, so the copies
    # were never compared. One of them now stands for the others, which are each compared to it.
    row = {"name": "Kaliop SARL", "postcode": "42000", "city": "Saint-Étienne", "phone": "04 77 12 34 56"}
    records = [record(f"c{i:02d}", **row) for i in range(60)] + [record("other", "Zèbre Logiciels")]
    result = deduplicate(records)
    clusters = _cluster_of(result.clusters)
    assert {clusters[f"c{i:02d}"] for i in range(60)} == {"c00"}
    assert clusters["other"] == "other"
    assert result.stats["copies"] == 59
    assert result.pairs.num_rows == 59  # each copy against c00, not 1 770 pairs
    explanation = result.explain("c17", "c00")
    assert explanation.band == "match"


def test_copies_an_import_made_separate_organisations_are_still_copies() -> None:
    # What the platform hands the engine for a deduplication or a merger: an import made each row an
    # organisation of its own (no SIREN said otherwise), so every record carries another organisation_id. That
    # was decided by nobody: rows equal on every field they have are one organisation (PATSTAT through
    # `grappe merge dedup` was F1 0.038 while the engine alone gave 0.835).
    row = {"name": "* AKZO NOBEL N.V.", "postcode": None, "city": None}
    records = [record(f"c{i:02d}", organisation_id=f"o{i}", **row) for i in range(60)]
    records.append(record("other", "Zèbre Logiciels", organisation_id="o-other"))
    result = deduplicate(records)
    clusters = _cluster_of(result.clusters)
    assert {clusters[f"c{i:02d}"] for i in range(60)} == {"c00"}
    assert clusters["other"] == "other"
    assert result.stats["copies"] == 59
    # A name alone does not reach the sure band on its own here (61 records: the fixed prior); the pairs say
    # what the clusters do, for a plan that reads the pairs, and no reviewer is asked about them.
    pair = _scored_pair(result, "c07", "c00")
    assert pair is not None and (pair["band"], pair["identifier_rule"]) == ("match", "identical")
    assert pair["match_probability"] < LinkageSettings().match_threshold
    assert [rule.code for rule in result.explain("c07", "c00").rules] == ["identical"]
    assert not result.questions()


def test_new_copies_of_a_registry_company_all_join_it_and_registry_copies_stay_apart() -> None:
    # A registry is resolved: two of its organisations equal on every field were kept apart by someone, and a
    # link never merges them. The new records' organisations were not decided: their copies go together.
    row = {"name": "Akzo Nobel N.V.", "postcode": "42000", "city": "Saint-Étienne"}
    registry = [record("r1", organisation_id="ORG-1", **row), record("r2", organisation_id="ORG-2", **row)]
    incoming = [record(f"n{i:02d}", organisation_id=f"new-{i}", **row) for i in range(55)]
    result = link(incoming, registry)
    clusters = _cluster_of(result.clusters)
    assert (clusters["r1"], clusters["r2"]) == ("ORG-1", "ORG-2")
    assert len({clusters[f"n{i:02d}"] for i in range(55)}) == 1
    assert clusters["n00"] in ("ORG-1", "ORG-2")


def test_a_pair_with_a_copy_is_explained_through_the_record_standing_for_it() -> None:
    # Three copies of Kaliop's row are compared to c00 only; c00 is compared to the other Kaliop record. The
    # copies have c00's evidence against it (they are equal on every compared field), not "not compared".
    row = {"name": "Kaliop SARL", "postcode": "42000", "city": "Saint-Étienne", "phone": "04 77 12 34 56"}
    records = [record(f"c{i:02d}", **row) for i in range(4)]
    records.append(record("kaliop-roanne", "Kaliop", postcode="42300", city="Roanne", phone="04 77 12 34 56"))
    result = deduplicate(records)
    assert result.stats["copies"] == 3
    through = result.explain("c00", "kaliop-roanne")
    for copy in ("c01", "c03"):
        explanation = result.explain(copy, "kaliop-roanne")
        assert {explanation.left_id, explanation.right_id} == {copy, "kaliop-roanne"}
        assert explanation.match_weight == through.match_weight and explanation.fields == through.fields
        reversed_ = result.explain("kaliop-roanne", copy)
        assert {reversed_.left_id, reversed_.right_id} == {copy, "kaliop-roanne"}
    assert result.explain("c01", "c02").band == result.explain("c01", "c00").band == "match"
    with pytest.raises(LinkageInputError, match="n'a pas été comparée"):
        result.explain("c01", "nobody")


def test_a_copy_its_representative_does_not_match_still_gets_the_representative_s_pairs() -> None:
    scored = pa.table(
        {
            "record_id_l": ["r", "r", "x"],
            "record_id_r": ["c", "x", "y"],
            "match_probability": [0.3, 0.99, 0.2],
            "gamma_identifiers": pa.array([None, None, None], pa.int32()),
        }
    )
    features = pa.table({"record_id": ["r", "c", "x", "y"], "representative": ["r", "r", "x", "y"]})
    with duckdb.connect() as con:
        pairs = _stand_in_for_representatives(con, scored, features, LinkageSettings()).to_pylist()
    found = {(row["record_id_l"], row["record_id_r"]): row["match_probability"] for row in pairs}
    assert found == {("r", "c"): 0.3, ("r", "x"): 0.99, ("x", "y"): 0.2, ("c", "x"): 0.99}


def _scored_pair(result, a: str, b: str) -> dict | None:
    for row in result.pairs.to_pylist():
        if {row["left_id"], row["right_id"]} == {a, b}:
            return row
    return None


def test_records_without_a_postcode_still_block_on_the_name_s_first_letters() -> None:
    records = [record("a", "UNILEVER N.V."), record("b", "Uniliver NV"), record("c", "Unilver")]
    result = deduplicate(records, settings=LinkageSettings(keep_threshold=0.0))
    row = _scored_pair(result, "a", "b")
    assert row is not None and row["name_level"].startswith("nom très proche")


def test_an_import_finds_a_registry_company_written_with_a_foreign_legal_form() -> None:
    registry = [
        record("r1", "Akzo Nobel N.V.", organisation_id="ORG-1", postcode="42000", city="Saint-Étienne")
    ]
    incoming = [record("n1", "* AKZO NOBEL NV, Arnhem", postcode="42000", city="St-Étienne")]
    result = link(incoming, registry)
    assert _cluster_of(result.clusters)["n1"] == "ORG-1"


def test_a_company_s_shared_domain_keeps_its_fixed_weight_in_a_small_registry() -> None:
    # In 300 rows, a domain held by two sites of one company is held by 2 of 300 records, which says nothing
    # about how common it is: its frequency is not used below min_records_for_estimation.
    records = [record("a", "Kaliop", website="kaliop.fr", postcode="42000"),
               record("b", "Kaliop", website="www.kaliop.fr", postcode="26000")]  # fmt: skip
    result = deduplicate(records, settings=LinkageSettings(keep_threshold=0.0))
    m, u = LinkageSettings().parameters["domain"]["même domaine (site ou e-mail)"]
    assert math.isclose(_scored_pair(result, "a", "b")["domain_weight"], math.log2(m / u))


def test_a_list_dominated_by_one_company_keeps_the_fixed_u(applicants) -> None:
    """Random pairs of such a list are often the same company: sampling them would not measure chance."""
    records, _ = applicants
    settings = LinkageSettings(min_records_for_estimation=100)
    result = deduplicate(records, settings=settings)
    assert result.stats["prior"] > settings.max_prior_for_u_estimation
    assert result.stats["parameters"]["u_kept_fixed_for_a_dominant_entity"] is True
    assert result.stats["estimated_u"] is False
