"""Incremental linkage: only pairs involving new records, stable registry ids, decisions honoured."""

from __future__ import annotations

import pytest

from grappe.linkage import LinkageInputError, LinkageSettings, link, prepare_registry
from grappe.linkage.engines.duckdb import DuckDBEngine

from .conftest import record


@pytest.fixture
def registry() -> list[dict]:
    return [
        record("r1", "Kaliop", organisation_id="ORG-1", postcode="42000", city="Saint-Étienne",
               website="kaliop.fr", phone="04 77 12 34 56"),
        record("r2", "Kaliop SARL", organisation_id="ORG-1", postcode="42000", city="Saint-Etienne",
               website="www.kaliop.fr"),
        record("r3", "Zèbre Logiciels", organisation_id="ORG-3", postcode="69003", city="Lyon",
               email="contact@zebre-logiciels.fr"),
        record("r4", "Zebre Logiciels SAS", organisation_id="ORG-4", postcode="69003", city="Lyon",
               email="info@zebre-logiciels.fr"),
    ]  # fmt: skip


@pytest.fixture
def incoming() -> list[dict]:
    return [
        record("n1", "KALIOP S.A.R.L.", postcode="42000", city="St-Étienne", phone="+33 4 77 12 34 56"),
        record("n2", "Forez Drones", postcode="42600", city="Montbrison", phone="04 77 58 00 00"),
        record("n3", "Forez Drones SAS", postcode="42600", city="Montbrison", phone="0477580000"),
    ]


def clusters(result) -> dict[str, str]:
    return dict(
        zip(result.clusters["record_id"].to_pylist(), result.clusters["cluster_id"].to_pylist(), strict=True)
    )


def test_registry_pairs_are_never_scored(registry, incoming) -> None:
    result = link(incoming, registry, settings=LinkageSettings(keep_threshold=0.0))
    new_ids = {row["record_id"] for row in incoming}
    assert result.pairs.num_rows > 0
    for row in result.pairs.to_pylist():
        assert row["left_id"] in new_ids or row["right_id"] in new_ids
        assert row["kind"] in ("new_registry", "new_new")


def test_registry_ids_are_stable_and_new_records_join_them(registry, incoming) -> None:
    found = clusters(link(incoming, registry))
    assert found["r1"] == found["r2"] == "ORG-1"
    # Two registry organisations stay apart even if they look alike: linking never merges them.
    assert (found["r3"], found["r4"]) == ("ORG-3", "ORG-4")
    assert found["n1"] == "ORG-1"
    assert found["n2"] == found["n3"] == "n2"


def test_prepared_registry_gives_the_same_result(registry, incoming) -> None:
    prepared = prepare_registry(registry)
    assert clusters(link(incoming, prepared)) == clusters(link(incoming, registry))


def test_rejected_pairs_never_come_back(registry, incoming) -> None:
    decisions = [{"left_id": "n1", "right_id": "r1", "decision": "non_match"},
                 {"left_id": "n1", "right_id": "r2", "decision": "non_match"}]  # fmt: skip
    result = link(incoming, registry, decisions=decisions)
    for row in result.pairs.to_pylist():
        if row["left_id"] == "n1" and row["right_id"] in ("r1", "r2"):
            assert row["band"] == "non_match"
    assert clusters(result)["n1"] == "n1"


def test_ids_shared_by_import_and_registry_are_refused(registry) -> None:
    with pytest.raises(LinkageInputError, match="r1"):
        link([record("r1", "Kaliop")], registry)


def test_link_with_empty_import(registry) -> None:
    result = link([], registry)
    assert result.pairs.num_rows == 0
    assert clusters(result)["r1"] == "ORG-1"


def test_prepared_registry_keeps_estimated_parameters(registry, incoming) -> None:
    settings = LinkageSettings(min_records_for_estimation=2, estimation_max_pairs=1_000)
    prepared = prepare_registry(registry, settings=settings)
    first = link(incoming, prepared, settings=settings)
    assert first.stats["estimated_u"] is True
    assert prepared.estimated_parameters is not None
    second = link(incoming, prepared, settings=settings)
    assert second.stats["estimated_u"] is False
    assert second.settings.parameters == prepared.estimated_parameters


class _RecordingEngine(DuckDBEngine):
    """The default engine, noting which registry rows it was given to score and to estimate u on."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict] = []

    def score(self, model, *, registry, training=None, **arguments):
        self.calls.append(
            {
                "registry": set(registry["record_id"].to_pylist()) if registry is not None else None,
                "training": training.num_rows if training is not None else None,
            }
        )
        return super().score(model, registry=registry, training=training, **arguments)


def test_only_registry_records_sharing_a_blocking_key_reach_the_engine(registry, incoming) -> None:
    # A registry record that shares no blocking key with any new record can be in no pair: the engine never
    # sees it, so a link into a million-record registry scores a few hundred rows, not a million.
    far = record("r9", "Boulangerie Martin", organisation_id="ORG-9", postcode="26000", city="Valence",
                 phone="04 75 00 00 00")  # fmt: skip
    engine = _RecordingEngine()
    result = link(incoming, [*registry, far], engine=engine, settings=LinkageSettings(keep_threshold=0.0))
    (call,) = engine.calls
    assert "r9" not in call["registry"]
    assert {"r1", "r2"} <= call["registry"]  # name, phone and postcode keys of n1
    assert call["training"] is None  # four records: fixed parameters, nothing to estimate
    assert clusters(result)["n1"] == "ORG-1"
    assert clusters(result)["r9"] == "ORG-9"


def test_u_is_still_estimated_on_the_whole_registry(registry, incoming) -> None:
    settings = LinkageSettings(min_records_for_estimation=2, estimation_max_pairs=1_000)
    engine = _RecordingEngine()
    link(incoming, prepare_registry(registry, settings=settings), engine=engine, settings=settings)
    assert engine.calls[0]["training"] == len(registry)
