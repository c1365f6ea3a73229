"""The worker's hourly refresh of the month in figures (settings.PERIODIC_TASKS)."""
from __future__ import annotations

from django.tasks import task
from django.utils import timezone


@task()
def figures_refresh_task() -> int:
    """Recompute each point's last days (nightly: the last weeks) of the figures; returns the days written."""
    from vuoro.insights.figures_compute import figures_refresh
    from vuoro.network.state import network_state

    return sum(figures_refresh(state=network_state(), now=timezone.now()).values())
