"""Reminders: an e-mail 48 hours and a text 2 hours before the visit, only for live bookings,
following a moved booking, never twice, none when the booking was made inside the window."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.booking.conftest import at, phone_of
from vuoro.booking.models import Booking
from vuoro.booking.services import Customer, booking_cancel, booking_create, booking_reschedule
from vuoro.network.state import network_state
from vuoro.notify.models import Notice
from vuoro.notify.reminders import reminders_queue
from vuoro.notify.services import notices_send
from vuoro.notify.tasks import notice_deliver

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def book(start: dt.datetime, *, made_at: dt.datetime | None = None, phone: str | None = None,
         email: str = "r@example.org") -> Booking:
    return booking_create(state=network_state(), service_code="residence-card", point_id="smoke-point",
                          start_at=start, persons=1, language="fi",
                          customer=Customer(name="R", email=email, phone=phone_of(email) if phone is None else phone),
                          now=made_at or start - dt.timedelta(days=5)).booking


def reminders(booking: Booking) -> list[tuple[str, dt.datetime]]:
    return sorted(booking.notices.filter(event="reminder").values_list("channel", "about_start"))


@pytest.fixture
def hours(settings):
    settings.REMINDER_EMAIL_HOURS, settings.REMINDER_SMS_HOURS = 48, 2


class TestWhenRemindersGo:
    def test_the_email_goes_48_hours_and_the_text_2_hours_before(self, smoke_network, wednesday, hours):
        start = at(wednesday, 9)
        booking = book(start)
        assert reminders_queue(now=start - 48 * HOUR - dt.timedelta(seconds=1)) == 0
        assert reminders_queue(now=start - 48 * HOUR) == 1
        assert reminders(booking) == [("email", start)]
        assert reminders_queue(now=start - 2 * HOUR - dt.timedelta(seconds=1)) == 0
        assert reminders_queue(now=start - 2 * HOUR) == 1
        assert reminders(booking) == [("email", start), ("sms", start)]

    def test_the_hours_are_settings_and_zero_turns_a_reminder_off(self, smoke_network, wednesday, settings):
        settings.REMINDER_EMAIL_HOURS, settings.REMINDER_SMS_HOURS = 24, 0
        start = at(wednesday, 9)
        booking = book(start)
        assert reminders_queue(now=start - 25 * HOUR) == 0
        assert reminders_queue(now=start - HOUR) == 1
        assert reminders(booking) == [("email", start)]

    def test_no_text_without_a_phone(self, smoke_network, wednesday, hours):
        start = at(wednesday, 9)
        booking = book(start, phone="")
        reminders_queue(now=start - HOUR)
        assert reminders(booking) == [("email", start)]

    def test_the_48_hours_are_real_hours_across_a_daylight_saving_change(self, smoke_network, hours):
        # Clocks go forward on the night to Sunday 28 March 2027: 48 hours before Monday 09:00 is
        # Saturday 08:00 on the clock, not 09:00.
        helsinki = ZoneInfo("Europe/Helsinki")
        start = dt.datetime(2027, 3, 29, 9, tzinfo=helsinki)
        booking = book(start, made_at=dt.datetime(2027, 3, 1, tzinfo=helsinki))
        saturday_8 = dt.datetime(2027, 3, 27, 8, tzinfo=helsinki)
        assert start.astimezone(dt.UTC) - saturday_8.astimezone(dt.UTC) == 48 * HOUR
        assert reminders_queue(now=saturday_8 - dt.timedelta(seconds=1)) == 0
        assert reminders_queue(now=saturday_8) == 1
        assert reminders(booking) == [("email", start)]


class TestOnlyLiveBookingsAndNeverTwice:
    def test_a_cancelled_booking_gets_none_and_a_queued_one_is_skipped(self, smoke_network, wednesday, hours):
        start = at(wednesday, 9)
        kept, cancelled = book(start, email="k@example.org"), book(start, email="c@example.org")
        booking_cancel(booking=cancelled, now=start - 49 * HOUR)
        reminders_queue(now=start - 47 * HOUR)
        booking_cancel(booking=kept, now=start - 46 * HOUR)
        assert reminders_queue(now=start - HOUR) == 0  # neither gets its text
        assert reminders(cancelled) == []
        notices_send(now=lambda: start - HOUR, send=notice_deliver)
        queued = kept.notices.get(event="reminder")
        assert queued.sent_at is None and queued.skipped_at is not None

    def test_never_twice_however_often_the_queuer_runs(self, smoke_network, wednesday, hours):
        start = at(wednesday, 9)
        booking = book(start)
        for minutes in range(0, 60, 10):
            reminders_queue(now=start - 40 * HOUR + dt.timedelta(minutes=minutes))
        assert reminders(booking) == [("email", start)]

    def test_the_database_refuses_a_second_reminder_for_the_same_start(self, smoke_network, wednesday, hours):
        start = at(wednesday, 9)
        booking = book(start)
        reminders_queue(now=start - 40 * HOUR)
        with pytest.raises(IntegrityError), transaction.atomic():
            Notice.objects.create(booking=booking, event="reminder", channel="email", about_start=start,
                                  created_at=timezone.now(), next_attempt_at=timezone.now())


class TestAMovedBooking:
    def test_its_reminder_follows_the_new_time(self, smoke_network, wednesday, hours):
        old, new = at(wednesday, 9), at(wednesday + dt.timedelta(days=1), 10)
        booking = book(old)
        reminders_queue(now=old - 47 * HOUR)
        booking_reschedule(state=network_state(), booking=booking, start_at=new, point_id=None,
                           now=old - 46 * HOUR)
        assert reminders_queue(now=new - 48 * HOUR) == 1
        assert reminders(booking) == [("email", old), ("email", new)]
        notices_send(now=lambda: new - 48 * HOUR, send=notice_deliver)
        stale, fresh = booking.notices.filter(event="reminder").order_by("about_start")
        assert stale.skipped_at is not None and "moved" in stale.last_error
        assert fresh.sent_at is not None

    def test_none_when_made_or_moved_after_its_window_had_begun(self, smoke_network, wednesday, hours):
        start = at(wednesday, 9)
        late = book(start, made_at=start - 30 * HOUR, email="late@example.org")
        moved = book(at(wednesday, 10, 20), email="moved@example.org")
        booking_reschedule(state=network_state(), booking=moved, start_at=start, point_id=None,
                           now=start - 10 * HOUR)
        assert reminders_queue(now=start - 9 * HOUR) == 0  # the confirmation told them of the time
        assert reminders_queue(now=start - 2 * HOUR) == 2  # the text's window began after
        assert reminders(late) == [("sms", start)] and reminders(moved) == [("sms", start)]
