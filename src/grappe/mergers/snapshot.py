"""Undo made exact: the rows a merger will touch, dumped before it runs and written back on undo.

A snapshot is plain data: for each registry model and each model another app declared as a dependent of an
organisation, establishment, person, membership or territory (``grappe.core.dependents``), the full rows (every
concrete column, by attname) of the scope — the primary keys apply may change or delete — and the highest
primary key before apply, which tells apart the rows apply created. Restoring updates the rows that still
exist, re-inserts the deleted ones with their former ids (raw insert: ``auto_now`` fields keep their old values)
and deletes the created ones.

``registry_checksum`` hashes a canonical dump of every registry table and every declared dependent table: the
tests compare it before apply and after undo.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.apps import apps
from django.db import connections, models, router

from grappe.core import dependents
from grappe.core.chunks import chunked

Scope = dict[str, set[int]]

# Restore order: a model's rows before the rows that point to them (foreign keys are deferred anyway).
_ORDER = (
    "registry.Association",
    "registry.Territory",
    "registry.Office",
    "registry.StaffMember",
    "registry.StaffAssignment",
    "registry.Brand",
    "registry.Brand_territories",
    "registry.College",
    "registry.MembershipType",
    "registry.Organisation",
    "registry.Establishment",
    "registry.Person",
    "registry.Role",
    "registry.Membership",
    "registry.SourceRecord",
    "registry.Lineage",
)


def registry_models() -> list[type[models.Model]]:
    """Every table of the registry app, many-to-many tables included, and every declared dependent table of
    the other apps, in a stable order."""
    found = {
        model._meta.label: model
        for model in apps.get_app_config("registry").get_models(include_auto_created=True)
    }
    for model in dependents.dependent_models():
        found.setdefault(model._meta.label, model)
    return [found[label] for label in sorted(found)]


def restore_order() -> tuple[str, ...]:
    """The registry's tables parents first, then the other apps' dependent tables (they point at the registry)."""
    others = sorted(
        model._meta.label for model in dependents.dependent_models() if model._meta.label not in _ORDER
    )
    return (*_ORDER, *others)


def model_for(label: str) -> type[models.Model]:
    app_label, name = label.split(".")
    return apps.get_model(app_label, name)


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields]


# What the database gives for most columns, and JSON takes as it is: checked first, by exact type, since a
# snapshot of a large merger passes millions of values through ``_plain``.
_JSON_NATIVE = frozenset({int, str, bool, float, type(None)})


def _plain(value: Any) -> Any:
    if type(value) in _JSON_NATIVE:
        return value
    if isinstance(value, datetime.date | datetime.time):  # datetime.datetime is a date
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _read_rows(
    model: type[models.Model], pks: Iterable[int] | None = None
) -> tuple[list[str], Iterator[tuple]]:
    """The column names of ``model`` (attnames, sorted) and its rows (all, or those of ``pks``) in primary-key
    order, as the database gives them. Read a few thousand at a time: a whole registry's lineage (over a million
    rows for 40,000 members) is hashed without ever being held in memory."""
    names = sorted(field.attname for field in _fields(model))
    queryset = model._base_manager.order_by("pk").values_list(*names)
    if pks is None:
        return names, queryset.iterator(chunk_size=2000)
    # The chunks are in primary-key order, and so is each chunk's query.
    return names, (row for chunk in chunked(sorted(set(pks))) for row in queryset.filter(pk__in=chunk))


def dump_rows(model: type[models.Model], pks: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """The rows as JSON-ready dicts (attname → value), ordered by primary key; ``pks`` None means all."""
    names, rows = _read_rows(model, pks)
    return [dict(zip(names, map(_plain, row), strict=True)) for row in rows]


def _rows_for_digest(model: type[models.Model], pks: Iterable[int] | None = None) -> Iterator[dict[str, Any]]:
    """The rows as dicts whose keys are already in sorted order, values as the database gives them
    (``_json_value`` writes them as ``_plain`` would)."""
    names, rows = _read_rows(model, pks)
    return (dict(zip(names, row, strict=True)) for row in rows)


def _json_value(value: Any) -> Any:
    """What the digest writes for a value JSON has no type for: ``_plain``'s form, else its text."""
    plain = _plain(value)
    return plain if plain is not value else str(value)


# One encoder for every row: ``json.dumps`` with options builds a new one per call, which was most of the cost of
# hashing a registry. The output is the same as ``json.dumps(row, sort_keys=True, ensure_ascii=False,
# default=str)`` over ``_plain`` values, byte for byte: the checksums stored with applied mergers stay valid.
_ROW_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=_json_value)


def _encoded(label: str, rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """What a checksum hashes of one table: its label, then each row as JSON on a line."""
    encode = _ROW_ENCODER.encode
    yield label.encode()
    for row in rows:
        yield encode(row).encode() + b"\n"


def _digest(parts: Iterable[tuple[str, Iterable[dict[str, Any]]]]) -> str:
    digest = hashlib.sha256()
    for label, rows in parts:
        for chunk in _encoded(label, rows):
            digest.update(chunk)
    return digest.hexdigest()


def registry_checksum() -> str:
    """SHA-256 of every registry table dumped in primary-key order."""
    return _digest((model._meta.label, _rows_for_digest(model)) for model in registry_models())


def scope_checksum(scope: Mapping[str, Iterable[int]]) -> str:
    """SHA-256 of the current state of the rows of ``scope`` (missing rows simply absent)."""
    return _digest((label, _rows_for_digest(model_for(label), scope[label])) for label in sorted(scope))


def scope_checksums(scope: Mapping[str, Iterable[int]]) -> tuple[str, dict[str, str]]:
    """``scope_checksum(scope)`` and each table's own (``scope_checksum({label: pks})``), reading the rows once:
    apply stores both (undo checks the whole, then names the tables that changed), and on a large merger each
    read of the rows it touched costs seconds."""
    whole = hashlib.sha256()
    each: dict[str, str] = {}
    for label in sorted(scope):
        own = hashlib.sha256()
        for chunk in _encoded(label, _rows_for_digest(model_for(label), scope[label])):
            whole.update(chunk)
            own.update(chunk)
        each[label] = own.hexdigest()
    return whole.hexdigest(), each


def max_pks() -> dict[str, int]:
    return {
        label: model_for(label)._base_manager.aggregate(n=models.Max("pk"))["n"] or 0
        for label in restore_order()
    }


def take_snapshot(scope: Scope) -> dict[str, Any]:
    """The rows of ``scope`` as they are now, and the highest ids (rows above them are created later)."""
    return {
        "scope": {label: sorted(pks) for label, pks in scope.items()},
        "rows": {label: dump_rows(model_for(label), pks) for label, pks in scope.items()},
        "max_pk": max_pks(),
    }


def created_since(snapshot: Mapping[str, Any]) -> dict[str, list[int]]:
    """Rows created after the snapshot was taken (ids above the highest id it saw)."""
    created = {}
    for label, highest in snapshot["max_pk"].items():
        pks = list(
            model_for(label)._base_manager.filter(pk__gt=highest).order_by("pk").values_list("pk", flat=True)
        )
        if pks:
            created[label] = pks
    return created


def restore_snapshot(snapshot: Mapping[str, Any], created: Mapping[str, list[int]]) -> None:
    """Write the snapshot's rows back and delete the rows created since. Run inside a transaction."""
    rows_by_label: dict[str, list[dict[str, Any]]] = snapshot["rows"]
    order = restore_order()
    for label in order:
        if label in rows_by_label:
            _restore_rows(model_for(label), rows_by_label[label])
    for label in reversed(order):
        if created.get(label):
            manager = model_for(label)._base_manager
            for chunk in chunked(created[label]):
                manager.filter(pk__in=chunk).delete()


def _restore_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Put back the rows that differ from the snapshot (or are gone), leave the others alone.

    A changed row is deleted and re-inserted rather than updated: one ``DELETE … WHERE id IN`` and one multi-row
    ``INSERT`` per chunk, where an ``UPDATE … CASE`` over every column of thousands of rows took minutes and
    gigabytes. The foreign keys pointing at a row deleted here are checked at commit (both databases create
    them deferred), by which time it is back.
    """
    fields = _fields(model)
    pk_name = model._meta.pk.attname
    wanted = {row[pk_name]: row for row in rows}
    current = {row[pk_name]: _as_stored(row) for row in dump_rows(model, wanted)}
    changed = [pk for pk in wanted if pk in current and current[pk] != wanted[pk]]
    using = router.db_for_write(model)
    for chunk in chunked(changed):
        model._base_manager.filter(pk__in=chunk)._raw_delete(using)
    missing = [_instance(model, fields, row) for pk, row in wanted.items() if current.get(pk) != row]
    for chunk in chunked(missing, _rows_per_statement(model, len(fields))):
        # raw=True: the stored values go in as they are (no auto_now / auto_now_add), ids included.
        model._base_manager._insert(chunk, fields=fields, raw=True)


_STORED_ENCODER = json.JSONEncoder(default=str)  # what json.dumps(row, default=str) uses, built once


def _as_stored(row: dict[str, Any]) -> Any:
    """A dumped row as the snapshot holds it once through JSON (tuples become lists, and so on)."""
    return json.loads(_STORED_ENCODER.encode(row))


def _rows_per_statement(model: type[models.Model], variables_per_row: int) -> int:
    """At most 200 rows a statement, fewer when they would pass the database's limit on bound variables."""
    limit = connections[router.db_for_write(model)].features.max_query_params
    return max(1, min(200, limit // variables_per_row)) if limit else 200


def _instance(model: type[models.Model], fields: list[models.Field], row: dict[str, Any]) -> models.Model:
    obj = model()
    for field in fields:
        value = row[field.attname]
        if value is not None and not isinstance(field, models.JSONField):
            value = field.to_python(value)
        setattr(obj, field.attname, value)
    return obj
