"""The booking app's background work."""
from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from vuoro.booking.rush import rush_draw_sweep
from vuoro.booking.waitlist import waitlist_sweep


@task(queue_name="default")
def waitlist_sweep_task() -> dict[str, int]:
    """Release bookings whose new e-mail address was not confirmed in time, lapse held times,
    expire past entries and give free time to the waitlist (vuoro.booking.waitlist).
    `vuoro worker` runs it every minute (settings.PERIODIC_TASKS)."""
    return waitlist_sweep(now=timezone.now())


@task(queue_name="default")
def rush_draw_task() -> int:
    """Number the places of every rush whose draw has passed, if no request has done it yet
    (vuoro.booking.rush). `vuoro worker` runs it every 15 s (settings.PERIODIC_TASKS)."""
    return rush_draw_sweep(now=timezone.now())
