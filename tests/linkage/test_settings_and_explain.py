"""Settings are data; explanations are records that add up."""

from __future__ import annotations

import math

import pytest

from grappe.linkage import DEFAULT_PARAMETERS, LinkageSettings, LinkageSettingsError, deduplicate

from .conftest import record


def test_settings_round_trip_through_json() -> None:
    settings = LinkageSettings(match_threshold=0.9, review_threshold=0.4, max_block_size=50)
    assert LinkageSettings.from_json(settings.to_json()) == settings


def test_settings_refuse_unknown_keys_and_levels() -> None:
    with pytest.raises(LinkageSettingsError, match="inconnue"):
        LinkageSettings.from_dict({"match_treshold": 0.9})
    parameters = {name: dict(levels) for name, levels in DEFAULT_PARAMETERS.items()}
    del parameters["name"]["nom identique"]
    with pytest.raises(LinkageSettingsError, match="name"):
        LinkageSettings(parameters=parameters)


def test_settings_stored_before_the_site_comparisons_read_back_with_today_s_levels() -> None:
    # A merger planned before the street and the phone were weighed given the place kept their old levels.
    stored = LinkageSettings().to_dict()
    stored["parameters"]["street"] = {
        "même adresse": [0.80, 5e-4],
        "adresse très proche": [0.08, 1e-3],
        "adresses différentes": [0.12, 0.9985],
    }
    stored["parameters"]["phone"] = {"même téléphone": [0.85, 1e-5], "téléphones différents": [0.15, 0.99999]}
    settings = LinkageSettings.from_dict(stored)
    assert settings.parameters["street"] == DEFAULT_PARAMETERS["street"]
    assert settings.parameters["phone"] == DEFAULT_PARAMETERS["phone"]
    stored["parameters"]["street"] = {"même adresse": [0.80, 5e-4]}  # not a set of levels that ever was
    with pytest.raises(LinkageSettingsError, match="street"):
        LinkageSettings.from_dict(stored)


def test_explanation_sums_to_the_match_weight(kaliop_pair) -> None:
    result = deduplicate(kaliop_pair)
    explanation = result.explain("b1", "a1")
    assert math.isclose(explanation.weight_sum, explanation.match_weight, abs_tol=1e-9)
    rows = explanation.records()
    assert rows[0]["kind"] == "prior" and rows[-1]["kind"] == "total"
    assert math.isclose(
        sum(row["weight"] for row in rows if row["kind"] in ("prior", "field")), rows[-1]["weight"]
    )
    name = next(field for field in explanation.fields if field.comparison == "name")
    assert name.status == "agree" and name.left_value and name.right_value
    assert math.isclose(name.bayes_factor, 2**name.weight)


def test_explanation_shows_deterministic_rules_as_rules() -> None:
    records = [
        record("1", "Numélink", siret="73282932000074", city="Roanne", postcode="42300"),
        record("2", "Numelink", siret="73282932000082", city="Valence", postcode="26000"),
    ]
    explanation = deduplicate(records).explain("1", "2")
    assert [rule.code for rule in explanation.rules] == ["siren_equal"]
    assert "établissements distincts" in explanation.rules[0].label
    assert explanation.rules[0].effect == "match"


def test_explaining_an_unscored_pair_is_a_clear_error(kaliop_pair) -> None:
    from grappe.linkage import LinkageInputError

    with pytest.raises(LinkageInputError, match="a1 – zz"):
        deduplicate(kaliop_pair).explain("a1", "zz")
