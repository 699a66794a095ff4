"""Turning what callers hand us (pandas, Arrow, a list of dicts) into one checked Arrow table of text.

Every field is compared as text: a SIREN read by pandas as an integer has lost nothing yet, but one read as a
float has ("4.12e+08"), and the normaliser refuses it like any other malformed identifier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .errors import LinkageInputError

REQUIRED_COLUMNS = ("record_id", "name")
OPTIONAL_COLUMNS = (
    "siren",
    "siret",
    "street",
    "postcode",
    "city",
    "departement",
    "email",
    "website",
    "phone",
    "naf_code",
    # ISO 3166 alpha-2 (or a common name: "Suisse", "Belgium"); a record without one is taken to be in
    # ``LinkageSettings.default_country``. Postcodes and phones are read by their country's rules.
    "country",
    # Registry side only: the organisation a record already belongs to (defaults to its record_id).
    "organisation_id",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

Records = Any  # pandas.DataFrame | pyarrow.Table | Sequence[Mapping[str, Any]] — pandas is optional


def to_table(records: Records, *, label: str) -> pa.Table:
    """The records as an Arrow table with exactly ``COLUMNS``, all text, ids unique and present."""
    table = _as_arrow(records, label=label)
    missing = [name for name in REQUIRED_COLUMNS if name not in table.column_names]
    if missing:
        raise LinkageInputError(
            f"{label} : colonne(s) obligatoire(s) absente(s) : {', '.join(missing)}.",
            hint=f"Colonnes reçues : {', '.join(table.column_names) or '(aucune)'}. "
            f"Colonnes reconnues : {', '.join(COLUMNS)}.",
        )
    columns = {}
    for name in COLUMNS:
        if name in table.column_names:
            columns[name] = _as_text(table.column(name), label=label, name=name)
        else:
            columns[name] = pa.nulls(table.num_rows, pa.string())
    result = pa.table(columns)
    _check_ids(result, label=label)
    return result


def _as_arrow(records: Records, *, label: str) -> pa.Table:
    if isinstance(records, pa.Table):
        return records
    if hasattr(records, "__arrow_c_stream__"):  # pandas ≥ 2.2, polars, DuckDB relations
        return pa.table(records)
    if hasattr(records, "to_dict") and hasattr(records, "columns"):  # older pandas
        return pa.Table.from_pylist(records.to_dict("records"))
    if isinstance(records, Sequence) and not isinstance(records, str | bytes):
        if records and not all(isinstance(row, Mapping) for row in records):
            raise LinkageInputError(
                f"{label} : chaque enregistrement doit être un dictionnaire colonne → valeur."
            )
        rows = list(records)
        if not rows:
            return pa.table({name: pa.array([], pa.string()) for name in REQUIRED_COLUMNS})
        # Arrow's from_pylist takes its columns from the first row only; records often omit empty fields.
        names = list(dict.fromkeys(key for row in rows for key in row))
        return pa.table({name: pa.array([row.get(name) for row in rows]) for name in names})
    raise LinkageInputError(
        f"{label} : type d'entrée non pris en charge ({type(records).__name__}).",
        hint="Passez un DataFrame pandas, une table Arrow ou une liste de dictionnaires.",
    )


def _as_text(column: pa.ChunkedArray, *, label: str, name: str) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_null(kind):
        return pa.chunked_array([pa.nulls(len(column), pa.string())])
    if pa.types.is_floating(kind) and name != "record_id":
        # A float identifier has already been through a spreadsheet; whole values are written without ".0".
        as_int = pc.cast(column, pa.int64(), safe=False)
        whole = pc.equal(pc.cast(as_int, kind), column)
        return pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(column, pa.string()))
    try:
        return pc.cast(column, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise LinkageInputError(
            f"{label} : la colonne « {name} » ne peut pas être lue comme du texte ({kind}).",
        ) from error


def _check_ids(table: pa.Table, *, label: str) -> None:
    ids = table.column("record_id")
    if ids.null_count:
        raise LinkageInputError(
            f"{label} : {ids.null_count} enregistrement(s) sans record_id.",
            hint="Chaque enregistrement doit avoir un identifiant unique.",
        )
    if pc.count_distinct(ids).as_py() != len(ids):
        counts = pc.value_counts(ids)
        duplicated = [str(item["values"]) for item in counts.to_pylist() if item["counts"] > 1][:5]
        raise LinkageInputError(
            f"{label} : record_id en double : {', '.join(duplicated)}.",
            hint="Chaque enregistrement doit avoir un identifiant unique.",
        )


def check_disjoint_ids(new: pa.Table, registry: pa.Table) -> None:
    """New records and registry records are told apart by id, so an id may not be in both."""
    shared = pc.is_in(new.column("record_id"), value_set=registry.column("record_id").combine_chunks())
    count = pc.sum(pc.cast(shared, pa.int64())).as_py() or 0
    if count:
        examples = pc.filter(new.column("record_id"), shared).to_pylist()[:5]
        raise LinkageInputError(
            f"{count} nouvel(aux) enregistrement(s) ont un record_id déjà présent dans le registre : "
            f"{', '.join(map(str, examples))}.",
            hint="Préfixez les identifiants de l'import (par exemple « import-2024: ») pour les distinguer.",
        )
