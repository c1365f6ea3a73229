"""The database itself refuses two live bookings overlapping on one desk (see vuoro/booking/guard_sql.py)."""
from django.db import migrations

from vuoro.booking.guard_sql import ensure_no_overlap_guard


def forward(apps, schema_editor):
    ensure_no_overlap_guard(schema_editor.connection)


def backward(apps, schema_editor):
    statements = {
        "postgresql": ["ALTER TABLE booking_booking DROP CONSTRAINT IF EXISTS booking_no_overlap_on_desk"],
        "sqlite": ["DROP TRIGGER IF EXISTS booking_no_overlap_insert", "DROP TRIGGER IF EXISTS booking_no_overlap_update"],
    }.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
