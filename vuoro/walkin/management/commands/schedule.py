from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from vuoro.notify.tasks import notices_sweep_task
from vuoro.walkin.tasks import noshow_sweep_task


class Command(BaseCommand):
    help = "Queue the periodic background work (no-show sweep, message sweep) unless it is queued already."

    def handle(self, *args, **options):
        for task, what in ((noshow_sweep_task, "the no-show sweep"), (notices_sweep_task, "the message sweep")):
            if DBTaskResult.objects.filter(task_path=task.module_path, status="READY").exists():
                self.stdout.write(f"{what} is already queued")
                continue
            task.enqueue()
            self.stdout.write(f"queued {what} (it runs every minute on the worker)")
