"""Reminders: an e-mail some hours before the visit and a text a few hours before it.

Only live bookings get them; a moved booking's reminder follows its new time (the one queued for
the old time is skipped when its turn comes); a cancelled one gets none. A reminder is queued once
per booking, channel and start (a unique constraint), however often the queuer runs or restarts.
A booking made or moved after its reminder's window had begun gets none: its confirmation serves.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q

from vuoro.booking.models import Booking
from vuoro.notify.models import Notice
from vuoro.notify.services import sender_wake

# The events that give a booking its current start: the reminder window counts from the last one.
_PLACED = [Notice.Event.RESCHEDULED, Notice.Event.AGENCY_MOVED]


def reminder_windows() -> list[tuple[str, dt.timedelta]]:
    """(channel, how long before the visit) for each reminder that is on (hours > 0)."""
    windows = [(Notice.Channel.EMAIL, settings.REMINDER_EMAIL_HOURS), (Notice.Channel.SMS, settings.REMINDER_SMS_HOURS)]
    return [(channel, dt.timedelta(hours=hours)) for channel, hours in windows if hours > 0]


def reminders_queue(*, now: dt.datetime) -> int:
    """Queue every reminder whose time has come and that is not queued yet; returns how many."""
    now = now.astimezone(dt.UTC)  # hours before the visit are real hours, whatever the clock does
    new = []
    for channel, before in reminder_windows():
        already = Notice.objects.filter(booking=OuterRef("pk"), event=Notice.Event.REMINDER, channel=channel,
                                        about_start=OuterRef("start_at"))
        due = (Booking.objects.filter(status=Booking.Status.CONFIRMED, start_at__gt=now, start_at__lte=now + before)
               .filter(~Exists(already))
               .annotate(moved_at=Max("notices__created_at", filter=Q(notices__event__in=_PLACED))))
        if channel == Notice.Channel.SMS:
            due = due.exclude(customer_phone="")
        for booking_id, start_at, created_at, moved_at in due.values_list("pk", "start_at", "created_at", "moved_at"):
            placed_at = max(created_at, moved_at or created_at)
            if placed_at >= start_at - before:
                continue  # made or moved inside the window: its confirmation told of the time
            new.append(Notice(booking_id=booking_id, event=Notice.Event.REMINDER, channel=channel, about_start=start_at,
                              created_at=now, next_attempt_at=now))
    if new:
        # Two queuers at once (a restarted worker beside the old one): the constraint keeps one of each.
        Notice.objects.bulk_create(new, ignore_conflicts=True)
        sender_wake()
    return len(new)
