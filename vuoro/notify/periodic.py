"""Periodic work that cannot stop for good: `vuoro worker` queues each task of
settings.PERIODIC_TASKS when it is due and not queued already.

The tasks never schedule themselves (a run killed half-way would end the chain). The check reads
the task table: a task with a READY row is queued; otherwise its next run is one interval after
the latest run was due, or now if that time has passed. A RUNNING row left by a killed worker is
just a past run. Queuing twice (two workers at once) costs a spare run, never a missing one.
"""
from __future__ import annotations

import datetime as dt

from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult


def periodic_ensure(*, now: dt.datetime, tasks: dict[str, float]) -> list[str]:
    """Queue every periodic task that has no run queued; returns the paths queued."""
    queued = []
    for path, every in tasks.items():
        runs = DBTaskResult.objects.filter(task_path=path)
        if runs.filter(status="READY").exists():
            continue
        last_due = runs.order_by("-run_after").values_list("run_after", flat=True).first()
        run_after = now if last_due is None else max(now, last_due + dt.timedelta(seconds=every))
        import_string(path).using(run_after=run_after).enqueue()
        queued.append(path)
    return queued
