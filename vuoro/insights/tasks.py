"""The insight app's background work."""
from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from vuoro.insights.recording import lead_times_record
from vuoro.network.state import network_state


@task(queue_name="default")
def lead_times_record_task() -> int:
    """Record the hour's lead times and free time ahead (vuoro.insights.recording). `vuoro worker`
    runs it every hour (settings.PERIODIC_TASKS); a killed run is simply the next hour's to finish."""
    return lead_times_record(state=network_state(), now=timezone.now())
