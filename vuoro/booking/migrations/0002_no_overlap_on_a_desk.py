"""The database itself refuses two live bookings overlapping on one desk.

PostgreSQL: an exclusion constraint over (desk, [start, end)) for rows not cancelled.
SQLite: triggers that abort such an insert or update (writes are serialised there anyway).
Either way the loser of a race gets an IntegrityError, never a double booking.
"""
from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE booking_booking ADD CONSTRAINT booking_no_overlap_on_desk
       EXCLUDE USING gist (desk_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&)
       WHERE (status <> 'cancelled')""",
]
PG_BACKWARD = ["ALTER TABLE booking_booking DROP CONSTRAINT IF EXISTS booking_no_overlap_on_desk"]

_SQLITE_CHECK = """
    WHEN NEW.status <> 'cancelled' AND EXISTS (
        SELECT 1 FROM booking_booking b
        WHERE b.desk_id = NEW.desk_id AND b.status <> 'cancelled' AND b.id <> NEW.id
          AND b.start_at < NEW.end_at AND NEW.start_at < b.end_at
          -- no booking lasts a day or more (network file rule), so only a day's rows need a look
          AND b.start_at > datetime(NEW.start_at, '-1 day'))
    BEGIN SELECT RAISE(ABORT, 'booking_no_overlap_on_desk: desk already booked for that time'); END"""
SQLITE_FORWARD = [
    f"CREATE TRIGGER booking_no_overlap_insert BEFORE INSERT ON booking_booking FOR EACH ROW {_SQLITE_CHECK}",
    "CREATE TRIGGER booking_no_overlap_update BEFORE UPDATE OF desk_id, start_at, end_at, status ON booking_booking "
    f"FOR EACH ROW {_SQLITE_CHECK}",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS booking_no_overlap_insert", "DROP TRIGGER IF EXISTS booking_no_overlap_update"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [
        migrations.RunPython(_run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
                             _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD})),
    ]
