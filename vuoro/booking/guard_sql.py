"""The database's own guard against two live bookings overlapping on one desk.

PostgreSQL: an exclusion constraint over (desk, [start, end)) for rows not cancelled.
SQLite: triggers that abort such an insert or update (writes are serialised there anyway).
SQLite drops a table's triggers whenever a migration rebuilds the table, so the triggers are
(re)made after every migrate as well as in migration 0002; the statements are idempotent.
"""
from __future__ import annotations

PG_STATEMENTS = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'booking_no_overlap_on_desk') THEN
           ALTER TABLE booking_booking ADD CONSTRAINT booking_no_overlap_on_desk
             EXCLUDE USING gist (desk_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&)
             WHERE (status <> 'cancelled');
         END IF;
       END $$""",
]

_SQLITE_CHECK = """
    WHEN NEW.status <> 'cancelled' AND EXISTS (
        SELECT 1 FROM booking_booking b
        WHERE b.desk_id = NEW.desk_id AND b.status <> 'cancelled' AND b.id <> NEW.id
          AND b.start_at < NEW.end_at AND NEW.start_at < b.end_at
          AND b.start_at > datetime(NEW.start_at, '-1 day'))
    BEGIN SELECT RAISE(ABORT, 'booking_no_overlap_on_desk: desk already booked for that time'); END"""
# The last condition only narrows the search: no booking lasts a day (network file rule).
SQLITE_STATEMENTS = [
    f"CREATE TRIGGER IF NOT EXISTS booking_no_overlap_insert BEFORE INSERT ON booking_booking FOR EACH ROW "
    f"{_SQLITE_CHECK}",
    "CREATE TRIGGER IF NOT EXISTS booking_no_overlap_update BEFORE UPDATE OF desk_id, start_at, end_at, status "
    f"ON booking_booking FOR EACH ROW {_SQLITE_CHECK}",
]


def ensure_no_overlap_guard(connection) -> None:
    statements = {"postgresql": PG_STATEMENTS, "sqlite": SQLITE_STATEMENTS}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def ensure_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    connection = connections[using]
    if "booking_booking" in connection.introspection.table_names():
        ensure_no_overlap_guard(connection)
