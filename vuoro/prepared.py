"""The few statements run on every booking or availability request, prepared on PostgreSQL.

Django sends each statement with its values written in (client-side binding) and never keeps a
plan. For the handful of hot statements whose text is fixed and whose best plan does not depend
on the values (lookups by a unique key or an index prefix), PostgreSQL parsing and planning them
again each time was about a third of its work per booking. `rows` runs such a statement as a
prepared statement (parsed and planned once per connection); everything else stays as Django
runs it, so no other query is ever held to a generic plan.
"""
from __future__ import annotations

from collections.abc import Sequence

import psycopg
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper


def rows(sql: str, params: Sequence) -> list[tuple]:
    """Run one statement (`%s` placeholders) and return the rows it answers, if any."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    connection.ensure_connection()
    # Django's own error classes (IntegrityError, OperationalError) as for any other statement.
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        if connection.queries_logged:  # DEBUG, or a test's CaptureQueriesContext: listed like Django's own
            with CursorDebugWrapper(cursor, connection).debug_sql(sql, params):
                cursor.execute(sql, params, prepare=True)
        else:
            cursor.execute(sql, params, prepare=True)
        return cursor.fetchall() if cursor.description else []


_INSERTS: dict[type, tuple[str, list]] = {}


def insert(instance) -> tuple[str, list]:
    """Django's own `INSERT INTO ... VALUES (...)` of a new model instance (every concrete field
    but an automatic primary key) and its parameters, for a caller that wraps it in a statement
    of its own. The text is compiled once per model; the values are prepared as Django's
    compiler prepares them (`pre_save`, then `get_db_prep_save`)."""
    model = type(instance)
    if model not in _INSERTS:
        from django.db.models.sql import InsertQuery

        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        query = InsertQuery(model)
        query.insert_values(fields, [instance])
        sql, _ = query.get_compiler(connection=connection).as_sql()[0]
        _INSERTS[model] = (sql, fields)
    sql, fields = _INSERTS[model]
    return sql, [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
