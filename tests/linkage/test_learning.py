"""Learning from the review: decided pairs refine the model, the questions come in the order that teaches most,
and what was learnt is stored with the settings. On the generator's hard cases (no postcode on a third of
rows, foreign members, one-field addresses, local phones, franchises, junk contact columns), without the
SIREN and SIRET columns, so that the model has something to learn."""

from __future__ import annotations

import pyarrow as pa
import pytest

from grappe.linkage import LinkageSettings, LinkageSettingsError, deduplicate
from grappe.linkage.learning import question_order
from grappe.linkage.scoring import score_assignments

from .test_deduplicate import cluster_of


@pytest.fixture(scope="module")
def hard() -> tuple[list[dict], dict[str, object]]:
    generator = pytest.importorskip("grappe.demo.generator")
    rows = [
        {**row, "record_id": str(row["record_id"])} for row in generator.real_exports_records(1000, seed=5)
    ]
    truth = {row["record_id"]: row["entity_id"] for row in rows}
    records = [{k: v for k, v in row.items() if k not in ("entity_id", "siren", "siret")} for row in rows]
    return records, truth


def f1(result, truth) -> float:
    clusters = cluster_of(result)
    return score_assignments((clusters[k], truth[k], True) for k in truth).f1


def answer(pairs, truth) -> list[dict[str, str]]:
    return [
        {"left_id": a, "right_id": b, "decision": "match" if truth[a] == truth[b] else "non_match"}
        for a, b in pairs
    ]


def test_the_hard_cases_with_identifiers_stay_near_perfect() -> None:
    generator = pytest.importorskip("grappe.demo.generator")
    rows = [
        {**row, "record_id": str(row["record_id"])} for row in generator.real_exports_records(1000, seed=5)
    ]
    truth = {row["record_id"]: row["entity_id"] for row in rows}
    result = deduplicate([{k: v for k, v in row.items() if k != "entity_id"} for row in rows])
    assert f1(result, truth) >= 0.99


def test_fifty_answers_to_the_engines_questions_improve_the_model(hard) -> None:
    records, truth = hard
    result = deduplicate(records)
    before = f1(result, truth)
    labels: list[dict[str, str]] = []
    for _ in range(2):
        labels += answer(result.questions(limit=25), truth)
        result = deduplicate(records, decisions=labels)
    assert len(labels) == 50
    assert before >= 0.93  # the defaults alone
    assert f1(result, truth) > before + 0.02
    learned = result.stats["parameters"]
    assert learned["decisions_learned"] == 50
    assert learned["learned_levels"] > 0
    assert result.settings.learned_weights


def test_questions_leave_out_decided_pairs_and_pairs_an_identifier_settles(hard) -> None:
    records, truth = hard
    first = deduplicate(records).questions(limit=10)
    decided = deduplicate(records, decisions=answer(first, truth))
    asked = set(map(frozenset, decided.questions()))
    assert not asked & set(map(frozenset, first))
    rows = {frozenset((r["left_id"], r["right_id"])): r for r in decided.pairs.to_pylist()}
    assert all(rows[pair]["identifier_rule"] not in ("siret_equal", "siren_equal") for pair in asked)


def test_the_first_questions_are_the_least_predictable_each_between_two_other_groups(hard) -> None:
    records, _ = hard
    result = deduplicate(records)
    group = dict(
        zip(result.clusters["record_id"].to_pylist(), result.clusters["cluster_id"].to_pylist(), strict=True)
    )
    rows = {frozenset((r["left_id"], r["right_id"])): r for r in result.pairs.to_pylist()}
    order = result.questions()
    between = [frozenset((group[a], group[b])) for a, b in order]
    joining = [len(groups) == 2 for groups in between]
    assert joining == sorted(joining, reverse=True)  # pairs already in one group come last
    joined = [groups for groups, join in zip(between, joining, strict=True) if join]
    first = joined[: len(set(joined))]
    # One between two groups before a second. (Three such questions since 2026-12-08: the queue no longer asks
    # about companies whose one link is « contact@orange.fr », which seven of them were; normalise.SHARED_BY_BRANDS.)
    assert len(first) >= 3 and len(set(first)) == len(first)
    weights = [
        abs(rows[frozenset(pair)]["match_weight"]) for pair, join in zip(order, joining, strict=True) if join
    ]
    assert weights[0] == min(weights)  # the least predictable first


def _pairs(*rows: tuple[str, str, float]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"left_id": a, "right_id": b, "match_weight": w, "decision": None, "identifier_rule": None,
             "name_level": "noms proches"}
            for a, b, w in rows
        ]
    )  # fmt: skip


def test_one_question_between_two_groups_before_a_second_and_grouped_pairs_last() -> None:
    """Two spelling families of one company (a, b) give nine pairs between them; one answer settles them."""
    families = [(f"a{i}", f"b{j}", 0.1 * (3 * i + j + 1)) for i in range(3) for j in range(3)]
    pairs = _pairs(*families, ("a0", "c0", 2.0), ("a1", "a2", 0.05))
    clusters = pa.Table.from_pylist(
        [{"record_id": f"{g}{i}", "cluster_id": g} for g in "abc" for i in range(3)]
    )
    order = question_order(pairs, clusters)
    assert order[:3] == [("a0", "b0"), ("a0", "c0"), ("a0", "b1")]
    assert order[-1] == ("a1", "a2")  # already one group: a « yes » changes nothing
    # Without groups every record is its own: the least predictable first, pattern by pattern.
    assert question_order(pairs)[0] == ("a1", "a2")


def test_what_was_learnt_round_trips_with_the_settings(hard) -> None:
    records, truth = hard
    first = deduplicate(records)
    learned = deduplicate(records, decisions=answer(first.questions(limit=25), truth)).settings
    again = LinkageSettings.from_json(learned.to_json())
    assert again == learned
    replayed = deduplicate(records, settings=again)  # no decisions: the stored model is used as it is
    assert replayed.settings.learned_weights == learned.learned_weights


def test_a_learnt_weight_for_an_unknown_level_is_refused() -> None:
    with pytest.raises(LinkageSettingsError, match="niveau inconnu"):
        LinkageSettings(learned_weights={"name": {"nom presque pareil": 1.0}})


def test_learning_can_be_turned_off(hard) -> None:
    records, truth = hard
    first = deduplicate(records)
    off = LinkageSettings(learn_from_decisions=False)
    result = deduplicate(records, settings=off, decisions=answer(first.questions(limit=25), truth))
    assert result.stats["parameters"]["decisions_learned"] == 0
    assert not result.settings.learned_weights
