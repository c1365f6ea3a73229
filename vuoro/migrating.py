"""Helpers the migrations share."""
from __future__ import annotations

from django.db import migrations, models


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


def index_only_where_set(*, model_name: str, field: models.ForeignKey, table: str, column: str,
                         index_name: str) -> list[migrations.operations.base.Operation]:
    """The operations that make a nullable foreign key's index partial (`WHERE column IS NOT NULL`):
    the field becomes `db_index=False` in the migration state, its old index is dropped by name
    (`drop_column_indexes`; back: a plain index again), and the partial index is added."""
    field_name = column.removesuffix("_id")

    def drop(apps, schema_editor):
        drop_column_indexes(schema_editor, table, column)

    def create(apps, schema_editor):
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {table}_{column}_single ON {table} ({column})")

    return [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AlterField(model_name=model_name, name=field_name, field=field)],
            database_operations=[migrations.RunPython(drop, create)],
        ),
        migrations.AddIndex(model_name=model_name, index=models.Index(
            condition=models.Q((f"{field_name}__isnull", False)), fields=[field_name], name=index_name)),
    ]
