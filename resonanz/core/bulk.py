"""Bulk inserts for the ingest hot path: one `INSERT … VALUES (…), (…) RETURNING id` per table and batch,
with each column's value prepared by a converter chosen once per column.

Django's `bulk_create` prepares every value through the field's full `get_db_prep_save` chain and builds
its SQL per row: measured in `process_events`, about half the CPU of storing a batch (decision 0831). The
models written here (customers, identities, conversations, messages, timeline entries) use plain fields:
text, numbers, booleans, foreign keys, date-times and JSON. A field of any other type is prepared the way
Django does it, so the helper stays correct for fields added later.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)

# Bound parameters per statement: SQLite (≥ 3.32) admits 32,766, PostgreSQL 65,535.
MAX_PARAMS = 30_000

_PLAIN = (
    models.CharField,
    models.TextField,
    models.URLField,
    models.BooleanField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.ForeignKey,
)


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    """What Django's SQLite backend stores for an aware date-time: its UTC wall time as text."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return str(value)


def _converter(field: models.Field[Any, Any]) -> tuple[Callable[[Any], Any] | None, str]:
    """(How to prepare the column's value, its placeholder); None: the value goes as it is."""
    postgres = connection.vendor == "postgresql"
    # Only exact Django types: a subclass (an encrypted text field) may prepare its values in its own way.
    if type(field) in _PLAIN:
        return None, "%s"
    if type(field) is models.DateTimeField:
        return (None if postgres else _sqlite_datetime), "%s"
    if type(field) is models.JSONField and field.encoder is None:
        return json.dumps, "CAST(%s AS jsonb)" if postgres else "%s"
    return (lambda value: field.get_db_prep_save(value, connection)), "%s"


def insert_objects(objects: Sequence[M]) -> None:
    """Insert unsaved model instances of one model, like `bulk_create` (no signals, ``auto_now_add`` set),
    and set their primary keys in order."""
    if not objects:
        return
    model = type(objects[0])
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj in objects:
        for field in stamped:
            field.pre_save(obj, add=True)
    prepared = [(field.attname, *_converter(field)) for field in fields]
    quote = connection.ops.quote_name
    row_sql = "(" + ", ".join(placeholder for _, _, placeholder in prepared) + ")"
    head = (
        f"INSERT INTO {quote(opts.db_table)} "  # noqa: S608 (names from model meta, values as parameters)
        f"({', '.join(quote(field.column) for field in fields)}) VALUES "
    )
    tail = f" RETURNING {quote(opts.pk.column)}"
    per_statement = max(1, MAX_PARAMS // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(objects), per_statement):
            chunk = objects[start : start + per_statement]
            params: list[Any] = []
            for obj in chunk:
                values = obj.__dict__
                for attname, convert, _ in prepared:
                    value = values[attname]
                    params.append(value if convert is None else convert(value))
            cursor.execute(head + ", ".join([row_sql] * len(chunk)) + tail, params)
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) != len(chunk):  # pragma: no cover - the database returns one id per row
                raise RuntimeError(f"{opts.db_table}: {len(ids)} ids for {len(chunk)} rows")
            # RETURNING gives the rows in insert order (SQLite and PostgreSQL; Django's bulk_create relies
            # on the same); sorted ids are that order for an increasing sequence.
            for obj, pk in zip(chunk, sorted(ids), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias
