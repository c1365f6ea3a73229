from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from vuoro.notify.periodic import periodic_ensure


class Command(BaseCommand):
    help = ("Queue the periodic background work (settings.PERIODIC_TASKS) that is not queued already. "
            "`vuoro worker` does this by itself every few seconds; this is for a plain `db_worker`.")

    def handle(self, *args, **options):
        queued = periodic_ensure(now=timezone.now(), tasks=settings.PERIODIC_TASKS)
        for path in settings.PERIODIC_TASKS:
            self.stdout.write(f"queued {path}" if path in queued else f"{path} is already queued")
