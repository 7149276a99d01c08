"""Statements for the hottest paths, without the ORM's per-call cost.

The ORM compiles every query anew on each call: for a three-table ``select_related`` or a model
with forty fields that is a millisecond or two of CPU, more than the database spends answering.
On the few paths that run on every request (token auth) or must sustain hundreds of writes a
second (filing a ticket), these helpers keep the ORM's own SQL, compiled once per process, or
write plain statements from the models' metadata, and build model instances with ``from_db``
as the ORM would. Everything else uses the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import connection
from django.db.models import Model, QuerySet

_compiled: dict[str, tuple[str, int]] = {}
_inserts: dict[tuple, str] = {}


def compiled(name: str, build: Callable[[], QuerySet]) -> tuple[str, int]:
    """The SQL of ``build()`` and its parameter count, compiled once per process under ``name``.

    ``build`` makes the query with stand-in values; callers pass the real ones, in the same order.
    """
    entry = _compiled.get(name)
    if entry is None:
        sql, params = build().query.sql_with_params()
        entry = _compiled[name] = (sql, len(params))
    return entry


def fetch(name: str, build: Callable[[], QuerySet], params: Sequence) -> list[tuple]:
    """Rows of the compiled query ``name`` for ``params``."""
    sql, count = compiled(name, build)
    if len(params) != count:
        raise ValueError(f"{name}: {count} parameters expected, {len(params)} given")
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def columns(model: type[Model], alias: str) -> str:
    """The model's concrete columns, qualified by ``alias``, in ``from_db`` order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def width(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


def instance(model: type[Model], row: Sequence, start: int = 0) -> Model:
    """A model instance from ``row[start:start + width(model)]``, as the ORM would load it."""
    fields = model._meta.concrete_fields
    values = row[start : start + len(fields)]
    # Database values go through each field's converters, as the ORM's compiler applies them.
    converted = []
    for field, value in zip(fields, values, strict=True):
        for converter in _converters(field):
            value = converter(value, field, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


_converter_cache: dict = {}


def _converters(field) -> list:
    key = (connection.vendor, field)
    found = _converter_cache.get(key)
    if found is None:
        expression = field.get_col(field.model._meta.db_table)
        found = _converter_cache[key] = connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection)
    return found


def insert(objs: Sequence[Model]) -> None:
    """Insert ``objs`` (all of one model, none saved yet) in one statement and set their primary keys.

    As ``bulk_create`` does, without its per-call compile: defaults and ``auto_now`` apply
    through each field's ``pre_save``; no signals are sent.
    """
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    key = (connection.vendor, model, len(objs))
    sql = _inserts.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = _inserts[key] = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
            f"VALUES {', '.join([row] * len(objs))} RETURNING {quote(meta.pk.column)}"
        )
    params = []
    for obj in objs:
        for field in fields:
            params.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = cursor.fetchall()
    for obj, (pk,) in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
