"""Splink's settings validation is off when the engine runs (it costs half a second a linker): here it runs on
every model the engine builds — estimating and predicting, scoring decided pairs, scoring exact copies — and
must find nothing to say."""

from __future__ import annotations

import logging

import pyarrow as pa
import pytest
from splink import DuckDBAPI, SettingsCreator
from splink import comparison_library as cl

from grappe.linkage import LinkageSettings, link
from grappe.linkage.engines import base

from .conftest import record

SPLINK_VALIDATION = "splink.internals.settings_validation"


def _validation_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith(SPLINK_VALIDATION)]


def test_the_validation_speaks_when_a_model_names_a_missing_column(caplog) -> None:
    # Without this, the test below would pass whatever the validation said.
    db_api = DuckDBAPI()
    frame = db_api.register(pa.table({"unique_id": ["a", "b"], "name": ["x", "y"]}), table_name="two_rows")
    model = SettingsCreator(link_type="dedupe_only", comparisons=[cl.ExactMatch("postcode")])
    with caplog.at_level(logging.WARNING):
        base.linker_for(frame, model, validate=True)
    assert any("postcode" in message for message in _validation_warnings(caplog))


def test_every_model_the_engine_builds_passes_splink_s_validation(monkeypatch, caplog) -> None:
    built = []
    unvalidated = base.linker_for

    def validated(frame, model, *, validate=False):
        built.append(model)
        return unvalidated(frame, model, validate=True)

    monkeypatch.setattr(base, "linker_for", validated)
    registry = [
        record("r1", "Kaliop", organisation_id="ORG-1", postcode="42000", city="Saint-Étienne",
               website="kaliop.fr", phone="04 77 12 34 56", email="contact@kaliop.fr", siren="552100554"),
        record("r2", "Zèbre Logiciels", organisation_id="ORG-2", postcode="69003", city="Lyon",
               street="3 rue Garibaldi", naf_code="62.01Z"),
    ]  # fmt: skip
    copy = {"postcode": "42600", "city": "Montbrison", "phone": "04 77 58 00 00"}
    incoming = [
        record("n1", "KALIOP S.A.R.L.", postcode="42000", city="St-Étienne", phone="+33 4 77 12 34 56"),
        record("n2", "Forez Drones", **copy),
        record("n3", "Forez Drones", **copy),  # an exact copy: scored against its representative only
        record("n4", "Forez Drones SAS", postcode="42600", city="Montbrison", phone="0477580000"),
    ]
    decisions = [{"left_id": "n1", "right_id": "r1", "decision": "match"}]  # a decided pair, scored again
    with caplog.at_level(logging.WARNING):
        link(incoming, registry, settings=LinkageSettings(keep_threshold=0.0), decisions=decisions)
    assert len(built) >= 3, "the predictions, the decided pairs and the copies each build a linker"
    assert _validation_warnings(caplog) == []
