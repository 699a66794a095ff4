"""Small hand-made French organisation records for the linkage tests."""

from __future__ import annotations

from typing import Any

import pytest


def record(record_id: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"record_id": record_id, "name": name, **fields}


@pytest.fixture
def kaliop_pair() -> list[dict[str, Any]]:
    """One company written by two networks, plus an unrelated one in the same town."""
    return [
        record(
            "a1",
            "KALIOP SARL",
            street="12 bd de la République",
            postcode="42000",
            city="St-Étienne",
            email="contact@kaliop.fr",
            website="https://www.kaliop.fr/",
            phone="04 77 12 34 56",
            naf_code="62.01Z",
        ),
        record(
            "b1",
            "Kaliop S.A.R.L.",
            street="12 boulevard de la Republique",
            postcode="42000",
            city="SAINT ETIENNE",
            email="j.martin@kaliop.fr",
            website="kaliop.fr",
            phone="+33 (0)4 77 12 34 56",
            naf_code="6201Z",
        ),
        record(
            "c1",
            "Atelier Numérique du Forez",
            street="3 rue Gambetta",
            postcode="42000",
            city="Saint-Étienne",
            phone="04 77 99 88 77",
        ),
    ]
