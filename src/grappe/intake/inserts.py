"""The import's inserts, written the fastest way each database offers (issue 13, point 7).

An import writes about six registry rows and 26 lineage rows per member. ``bulk_create`` compiles SQL for
every object — per value, the field's conversion, placeholder and parameter — and on PostgreSQL, whose
Django cursors bind values on the client, then quotes every array of its ``UNNEST``: about two thirds of
the write's time. Here the primary keys are reserved first, one query per model and batch (SQLite: the
next values of the table's ``AUTOINCREMENT`` sequence, safe because an import's transaction holds SQLite's
one write lock from its start; PostgreSQL: ``nextval`` of the identity's sequence, safe against any other
writer), then the rows go as plain tuples: one prepared ``executemany`` on SQLite, one ``COPY`` on
PostgreSQL. The values are those ``bulk_create`` would send: a field's own ``get_db_prep_save`` for every
value that is not plain text, a number, a boolean or empty; ``auto_now`` / ``auto_now_add`` fields get the
time of the batch; a foreign key to an object saved just before gets its key. ``tests/intake/
test_write_equivalence.py`` holds the registry rows and lineage to those ``bulk_create`` wrote.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import operator
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.base import ModelState
from django.utils import timezone

from grappe.registry.models import FoldedKeys

# Fields whose plain Python values (str, int, bool, None) are stored as they are on both databases.
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)
_Model = TypeVar("_Model", bound=models.Model)
_PLAIN_TYPES = (str, int, bool, type(None))
_PLAIN_TYPE_SET = frozenset(_PLAIN_TYPES)
# Values a file repeats (dates, fees) and the batch's time: converted once per batch and field.
_REPEATED_TYPES = (datetime.date, datetime.datetime, decimal.Decimal)


def _connection() -> Any:
    """The database connection itself: ``django.db.connection`` is a proxy that looks the connection up
    again at each use (a thread-local read), and this module uses it for every value."""
    return connections[DEFAULT_DB_ALIAS]


@functools.cache
def _blank(
    model: type[models.Model],
) -> tuple[dict[str, Any], tuple[tuple[str, Any], ...], dict[str, str]]:
    """A new object's values: the fields' defaults that are values, the fields whose default is made per
    object (``default=list``), and the key attribute of each foreign key (``organisation`` →
    ``organisation_id``)."""
    fixed: dict[str, Any] = {}
    made = []
    for field in model._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            made.append((field.attname, field.default))
        else:
            fixed[field.attname] = field.get_default()
    keys = {
        field.name: field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey)
    }
    return fixed, tuple(made), keys


def new_object(model: type[_Model], **values: Any) -> _Model:
    """``model(**values)``, built the way a planner builds tens of thousands of them: the defaults set at once,
    then ``values``; a foreign key given its object gets the object's key (None while it is unsaved:
    ``create_objects`` reads it then) and keeps the object, as Django's attribute does.

    ``Model.__init__`` looks every field up in the keyword arguments and sends ``pre_init`` / ``post_init``,
    and a foreign key's attribute asks the database router for every object; nothing in Grappe listens to
    those signals or routes the registry's models (tests/intake/test_write_equivalence.py)."""
    obj = model.__new__(model)
    state = obj._state = ModelState()
    fixed, made, keys = _blank(model)
    attributes = obj.__dict__
    attributes.update(fixed)
    for attname, make in made:
        attributes[attname] = make()
    for name, value in values.items():
        if name in keys and isinstance(value, models.Model):
            attributes[keys[name]] = value.pk
            state.fields_cache[name] = value
        else:
            setattr(obj, name, value)
    return obj


def quoted_columns(model: type[models.Model], names: Sequence[str]) -> tuple[str, str]:
    """The quoted table and comma-separated quoted columns of ``names`` (fields of ``model``)."""
    quote = _connection().ops.quote_name
    columns = []
    for name in names:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field) and field.column
        columns.append(quote(field.column))
    return quote(model._meta.db_table), ", ".join(columns)


def insert_rows(model: type[models.Model], names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (values of the fields ``names``, ready for the database) into ``model``'s table with
    one prepared statement (SQLite) or one ``COPY`` (PostgreSQL).

    On PostgreSQL, ``executemany`` still sends one statement per row; ``COPY`` streams a batch's 13,000
    lineage rows as one: about nine times faster again (0.6 s → 0.07 s a batch, benchmarks/intake)."""
    if not rows:
        return
    connection = _connection()
    table, columns = quoted_columns(model, names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's wrapper has no copy(); psycopg's own cursor, in the same transaction, has.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(names))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def reserve_keys(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys of ``model``, in increasing order, the ones its table would give next.

    Inside the import's transaction only: on SQLite the keys are read from the table's sequence, and only the
    write lock the transaction holds keeps another writer from taking them."""
    if count == 0:
        return []
    connection = _connection()
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return sorted(key for (key,) in cursor.fetchall())
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_keys needs the import's transaction")
        # AUTOINCREMENT (Django's SQLite tables): the next key is above any the table ever gave.
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max({connection.ops.quote_name(column)}) FROM "
            f"{connection.ops.quote_name(table)}), 0))",
            [table],
        )
        (last,) = cursor.fetchone()
    return list(range(last + 1, last + 1 + count))


def _prepared(value: Any, prepare: Any, seen: dict[Any, Any], connection: Any) -> Any:
    """``value`` as the database stores it (the field's ``get_db_prep_save``); a repeated date, time or amount
    converted once (``seen``: per batch and field)."""
    kind = type(value)
    if kind in _REPEATED_TYPES:
        remembered = (kind, value)
        if remembered not in seen:
            seen[remembered] = prepare(value, connection)
        return seen[remembered]
    return prepare(value, connection)


def create_objects(model: type[models.Model], objects: list[Any]) -> None:
    """Insert the unsaved ``objects`` of ``model`` as ``bulk_create`` would, faster: each gets its primary key,
    its foreign keys to objects saved before it, its folded keys and its ``auto_now`` times."""
    if not objects:
        return
    connection = _connection()
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    # One time for the batch (bulk_create read the clock once per object): created_at, updated_at.
    now = timezone.now()
    stamped = [
        field
        for field in fields
        if isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add)
    ]
    relations = [(field.name, field.attname) for field in fields if field.is_relation]
    # The row's values read at once (C speed): the columns whose plain values are stored as they are are
    # checked by type in one pass, the others converted one by one (``_prepared``).
    read = operator.itemgetter(*(field.attname for field in fields))
    columns = [
        (index, isinstance(field, _PLAIN_FIELDS), field.get_db_prep_save, {})
        for index, field in enumerate(fields)
    ]
    plain = [index for index, is_plain, _prepare, _seen in columns if is_plain]
    read_plain = operator.itemgetter(*plain) if len(plain) > 1 else None
    converted = [(index, prepare, seen) for index, is_plain, prepare, seen in columns if not is_plain]
    folded = issubclass(model, FoldedKeys)
    rows = []
    for obj, key in zip(objects, reserve_keys(model, len(objects)), strict=True):
        obj.pk = key
        for field in stamped:
            if isinstance(field, models.DateTimeField):
                setattr(obj, field.attname, now)
            else:
                field.pre_save(obj, add=True)  # sets the attribute, as bulk_create does
        cache = obj._state.fields_cache
        for name, attname in relations:
            related = cache.get(name)
            if related is not None:
                related_key = related.pk
                if related_key is None:
                    raise ValueError(f"{meta.label}.{name}: the related object is not saved")
                setattr(obj, attname, related_key)
        if folded:
            obj.fill_folded_keys()
        row = [key, *read(obj.__dict__)] if len(fields) > 1 else [key, read(obj.__dict__)]
        if read_plain is not None and _PLAIN_TYPE_SET.issuperset(map(type, read_plain(row[1:]))):
            for index, prepare, seen in converted:
                row[index + 1] = _prepared(row[index + 1], prepare, seen, connection)
        else:  # a plain column holds another type (rare): each value as bulk_create would
            for index, is_plain, prepare, seen in columns:
                value = row[index + 1]
                if not (is_plain and type(value) in _PLAIN_TYPES):
                    row[index + 1] = _prepared(value, prepare, seen, connection)
        rows.append(tuple(row))
        obj._state.adding = False
        obj._state.db = connection.alias
    insert_rows(model, [meta.pk.name, *(field.name for field in fields)], rows)
