from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from vuoro.walkin.tasks import noshow_sweep_task


class Command(BaseCommand):
    help = "Queue the periodic background work (the no-show sweep) unless it is queued already."

    def handle(self, *args, **options):
        pending = DBTaskResult.objects.filter(task_path=noshow_sweep_task.module_path, status="READY").exists()
        if pending:
            self.stdout.write("periodic work already queued")
            return
        noshow_sweep_task.enqueue()
        self.stdout.write("queued the no-show sweep (it runs every minute on the worker)")
