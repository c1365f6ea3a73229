"""Request counters in an UNLOGGED table on PostgreSQL: a counter's write then never waits for the
write-ahead log to reach the disk (it was a commit's flush on every limited request). After a crash
PostgreSQL empties the table: every client's counts start afresh, which a limit per minute and per
hour can bear (docs/deploy.md). PIN attempts (PinGuard) stay in a logged table."""
from django.db import migrations


def _set(logged: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            table = apps.get_model("booking", "RateCounter")._meta.db_table
            schema_editor.execute(f"ALTER TABLE {table} SET {'LOGGED' if logged else 'UNLOGGED'}")
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("booking", "0010_rush_place"),
    ]

    operations = [migrations.RunPython(_set(False), _set(True), elidable=False)]
