"""Helpers the migrations share."""
from __future__ import annotations


def drop_column_indexes(schema_editor, table: str, column: str) -> None:
    """Drop the index Django made for `db_index` on this one column (`<table>_<column>_<hash>`, and
    on PostgreSQL its `_like` twin for a text column), found by the names the database lists:
    DROP INDEX alone. Letting Django alter the field to `db_index=False` instead would drop the
    foreign key and add it again on PostgreSQL (checking every row, under a lock that holds up
    writes) and rebuild the table on SQLite."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        if (info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [column]
                and name.startswith(f"{table}_{column}")):
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")
