"""vuoro.prepared: the hot statements, as Django would run them."""
import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.sql import InsertQuery

from vuoro import prepared
from vuoro.booking.models import Booking, PinGuard

pytestmark = pytest.mark.django_db
NINE = dt.datetime(2027, 3, 3, 9, tzinfo=dt.UTC)


def test_insert_is_djangos_own_statement_with_djangos_values():
    guard = PinGuard(reservation_key="ABCDEFGHJK", attempts=2, window_start_at=NINE)
    query = InsertQuery(PinGuard)
    query.insert_values([f for f in PinGuard._meta.concrete_fields if not f.primary_key], [guard])
    sql, params = query.get_compiler(connection=connection).as_sql()[0]
    assert prepared.insert(guard) == (sql, list(params))
    assert prepared.insert(guard)[1][:2] == ["ABCDEFGHJK", 2]  # the text is cached, the values are not
    other = PinGuard(reservation_key="0123456789", attempts=0, window_start_at=guard.window_start_at)
    assert prepared.insert(other)[1][:2] == ["0123456789", 0]


def test_rows_answers_rows_and_raises_djangos_errors():
    sql, params = prepared.insert(PinGuard(reservation_key="ABCDEFGHJK", attempts=1, window_start_at=NINE))
    assert prepared.rows(sql, params) == []
    for _ in range(3):  # again and again: prepared once on PostgreSQL, then reused
        assert prepared.rows(f"SELECT attempts FROM {PinGuard._meta.db_table} WHERE reservation_key = %s",
                             ["ABCDEFGHJK"]) == [(1,)]
    with pytest.raises(IntegrityError), transaction.atomic():
        prepared.rows(sql, params)  # the same key twice
    assert PinGuard.objects.count() == 1 and Booking.objects.count() == 0
