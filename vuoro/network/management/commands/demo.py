"""`vuoro demo`: the demo network, demo staff accounts and demo bookings, ready to click through."""
import secrets
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from vuoro.network.models import StaffAssignment
from vuoro.network.roles import ADMINISTRATOR, ANALYST, CLERK, MANAGER

DEMO_STAFF = [
    ("admin", ADMINISTRATOR, []),
    ("manager-malmi", MANAGER, ["helsinki-malmi"]),
    ("clerk-malmi", CLERK, ["helsinki-malmi"]),
    ("clerk-tampere", CLERK, ["tampere"]),
    ("analyst", ANALYST, []),
]


class Command(BaseCommand):
    help = "Load the demo network and data, and (re)set the demo staff accounts' passwords. Keeps existing data."

    def add_arguments(self, parser):
        parser.add_argument("--network", default=str(Path(settings.PROJECT_DIR) / "examples" / "network.toml"))
        parser.add_argument("--no-bookings", action="store_true", help="leave out the demo bookings")

    def handle(self, *args, network, no_bookings=False, **options):
        call_command("loadnetwork", network, stdout=self.stdout, stderr=self.stderr, verbosity=0)
        passwords = self._staff()
        if not no_bookings and apps.is_installed("vuoro.booking"):
            from vuoro.booking.demo import demo_bookings_fill

            made = demo_bookings_fill()
            self.stdout.write(f"demo bookings: {made} new" if made else "demo bookings: already there")
            if apps.is_installed("vuoro.walkin") and apps.is_installed("vuoro.insights"):
                self._insight_history()
        if not no_bookings and apps.is_installed("vuoro.insights"):
            from vuoro.insights.demo import demo_lead_time_history

            made = demo_lead_time_history()
            self.stdout.write(f"demo lead-time history: {made} samples" if made
                              else "demo lead-time history: already there")
        self.stdout.write("\nDemo staff accounts (passwords are new each time `vuoro demo` runs):")
        for username, role, points in DEMO_STAFF:
            where = f" at {', '.join(points)}" if points else ""
            self.stdout.write(f"  {username:<15} {passwords[username]:<16} {role}{where}")

    def _insight_history(self) -> None:
        """The past weeks' visits and queue numbers, and their figures (the insight pages)."""
        from django.utils import timezone

        from vuoro.insights.figures_compute import figures_refresh
        from vuoro.network.state import network_state
        from vuoro.walkin.demo import demo_visits_history

        now = timezone.now()
        tickets = demo_visits_history(now=now)
        if tickets:
            figures_refresh(state=network_state(), now=now, days=35)
            self.stdout.write(f"demo history: {tickets} past queue numbers; insight figures computed")

    @transaction.atomic
    def _staff(self) -> dict[str, str]:
        passwords = {}
        for username, role, points in DEMO_STAFF:
            user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
            password = secrets.token_urlsafe(9)
            user.set_password(password)
            user.is_staff = True
            user.is_superuser = role == ADMINISTRATOR
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            for point in points:
                StaffAssignment.objects.get_or_create(user=user, service_point_id=point)
            passwords[username] = password
        return passwords
