"""The point of no return after a lost database connection (PostgreSQL: connections are terminated)."""
import threading

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from tests.booking.conftest import at, booking_body
from vuoro.notify.models import Notice
from vuoro.notify.services import notices_send, point_of_no_return


@pytest.mark.django_db(transaction=True)
def test_once_a_stamp_is_lost_with_the_database_no_other_sender_delivers_a_message(client, smoke_network, wednesday):
    """Four senders have rendered their messages when the database connections are cut: the first
    to pass the point of no return delivers one (it cannot be marked sent, and goes again later: at
    least once); the others must not deliver theirs, whose stamps would be lost too."""
    if connection.vendor != "postgresql":
        pytest.skip("terminates PostgreSQL connections")
    for n in range(2):  # an e-mail and a text each: four notices
        answer = client.post("/api/v1/bookings", booking_body(at(wednesday, 9 + n), email=f"p{n}@example.org"),
                             content_type="application/json")
        assert answer.status_code == 201, answer.content
    assert Notice.objects.count() == 4
    Notice.objects.update(sent_at=None, claimed_at=None, attempts=0, next_attempt_at=timezone.now())  # queued again
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        mine = cursor.fetchone()[0]
    rendered, cut = threading.Barrier(4), threading.Barrier(4)
    delivered = []

    def send(notice):
        if rendered.wait() == 0:  # every sender holds its message: cut every connection but the test's
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                               "current_database() AND pid NOT IN (pg_backend_pid(), %s)", [mine])
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
            except DatabaseError:
                pass
        cut.wait()
        point_of_no_return()
        delivered.append(notice.pk)

    with pytest.raises(DatabaseError):
        notices_send(now=timezone.now, send=send, senders=4)
    assert len(delivered) == 1
    assert Notice.objects.filter(sent_at__isnull=False).count() == 0






