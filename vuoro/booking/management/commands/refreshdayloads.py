import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from vuoro.booking.services import dayload_refresh
from vuoro.network.state import network_state


class Command(BaseCommand):
    help = ("Recompute the per-day summaries (DayLoad) of every service point from its bookings, from today to "
            "the end of the booking horizon: after a bulk load, or after opening hours changed. Availability is "
            "right without it, only slower on days whose summary is missing or stale.")

    def handle(self, *args, **options):
        state = network_state()
        today = timezone.now().astimezone(state.timezone).date()
        stored = dayload_refresh(state=state, first_day=today - dt.timedelta(days=1),
                                 last_day=today + dt.timedelta(days=state.horizon_days + 1))
        if options["verbosity"]:
            self.stdout.write(f"{stored} days summarised")
