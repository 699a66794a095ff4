"""Bad input gets a clear error or a bounded, correct result."""

from __future__ import annotations

import pyarrow as pa
import pytest

from grappe.linkage import LinkageInputError, LinkageSettings, LinkageSettingsError, deduplicate

from .conftest import record


def test_empty_set() -> None:
    result = deduplicate([])
    assert result.pairs.num_rows == 0
    assert result.clusters.num_rows == 0


def test_single_record() -> None:
    result = deduplicate([record("1", "Kaliop")])
    assert result.clusters.to_pylist() == [{"record_id": "1", "cluster_id": "1"}]


def test_missing_required_column_names_it() -> None:
    with pytest.raises(LinkageInputError, match="name") as error:
        deduplicate([{"record_id": "1", "raison_sociale": "Kaliop"}])
    assert "raison_sociale" in error.value.hint


def test_missing_and_duplicate_ids() -> None:
    with pytest.raises(LinkageInputError, match="sans record_id"):
        deduplicate([{"record_id": None, "name": "A"}])
    with pytest.raises(LinkageInputError, match="en double"):
        deduplicate([record("1", "A"), record("1", "B")])


def test_all_null_columns_are_missing_evidence() -> None:
    table = pa.table(
        {
            "record_id": ["1", "2", "3"],
            "name": ["Kaliop", "Kaliop SARL", None],
            "siren": pa.nulls(3),
            "phone": pa.nulls(3, pa.string()),
        }
    )
    result = deduplicate(table)
    assert result.pairs.num_rows == 1
    assert result.pairs.to_pylist()[0]["identifiers_level"] == "identifiant absent"


def test_numbers_read_by_a_spreadsheet_library() -> None:
    table = pa.table({"record_id": [1, 2], "name": ["Kaliop", "Kaliop"], "siren": [732829320.0, 732829320.0]})
    row = deduplicate(table).pairs.to_pylist()[0]
    assert row["identifier_rule"] == "siren_equal"


def test_ten_thousand_rows_named_sarl_stay_bounded() -> None:
    records = [record(str(i), "SARL", postcode="42000", city="Saint-Étienne") for i in range(10_000)]
    settings = LinkageSettings()
    result = deduplicate(records, settings=settings)
    # No usable name and one shared postcode: every block is over the cap, so nothing explodes.
    assert result.pairs.num_rows <= len(records) * len(settings.blocking_rules) * settings.max_block_size
    assert result.clusters.num_rows == 10_000


def test_unknown_engine_and_bad_settings() -> None:
    with pytest.raises(LinkageSettingsError, match="inconnu"):
        deduplicate([record("1", "A")], engine="oracle")
    with pytest.raises(LinkageSettingsError):
        LinkageSettings(match_threshold=0.4, review_threshold=0.6)
    with pytest.raises(LinkageInputError, match="Décision"):
        deduplicate(
            [record("1", "A"), record("2", "A")],
            decisions=[{"left_id": "1", "right_id": "2", "decision": "maybe"}],
        )
