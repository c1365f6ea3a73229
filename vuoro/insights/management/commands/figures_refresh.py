"""`vuoro figures_refresh --days 180`: recompute the month in figures for past days now (after an
import, or to fill the figures of a new installation); the worker keeps them up to date after."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vuoro.insights.figures_compute import figures_refresh
from vuoro.network.state import network_state


class Command(BaseCommand):
    help = "Recompute the insight figures of each service point's last days."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=40, help="days before today to recompute (default 40)")
        parser.add_argument("--point", action="append", default=None, help="only this service point (repeatable)")

    def handle(self, *args, days: int, point: list[str] | None, **options):
        if days < 0 or days > 3660:
            raise CommandError("--days must be between 0 and 3660.")
        state = network_state()
        unknown = sorted(set(point or ()) - set(state.points))
        if unknown:
            raise CommandError(f"Unknown service point: {', '.join(unknown)}")
        written = figures_refresh(state=state, now=timezone.now(), days=days, point_ids=point)
        self.stdout.write(f"Recomputed {sum(written.values())} point-days at {len(written)} service points.")
