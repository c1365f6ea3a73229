"""Drop the single-column indexes on booking.service_point, .desk and .email_key: the composite
indexes (point, day), (desk, start) and (email, service) begin with those columns and serve the
same lookups, and each booking written then updates five fewer indexes.

Only PostgreSQL's indexes are dropped. On SQLite, altering these fields would rebuild the table and
rebuild it for nothing, so there the state alone changes and the old indexes stay (harmless).
(A rebuild drops SQLite's overlap triggers; vuoro/booking/guard_sql.py remakes them after every
migrate.)
"""
import django.db.models.deletion
from django.db import migrations, models

COLUMNS = (["service_point_id"], ["desk_id"], ["email_key"])


def drop_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "booking_booking")
    for name, info in constraints.items():
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] in COLUMNS:
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for (column,) in COLUMNS:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS booking_booking_{column}_single "
                              f"ON booking_booking ({column})")


class Migration(migrations.Migration):

    dependencies = [
        ("booking", "0005_dayload_free_cells"),
        ("network", "0002_network_version"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="booking",
                    name="desk",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="bookings", to="network.desk", verbose_name="desk"),
                ),
                migrations.AlterField(
                    model_name="booking",
                    name="email_key",
                    field=models.CharField(max_length=254),
                ),
                migrations.AlterField(
                    model_name="booking",
                    name="service_point",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="bookings", to="network.servicepoint",
                                            verbose_name="service point"),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
