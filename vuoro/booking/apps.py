from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "vuoro.booking"
    label = "booking"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        from vuoro.booking.guard_sql import ensure_after_migrate

        post_migrate.connect(ensure_after_migrate, sender=self, dispatch_uid="vuoro-booking-guard")
        # Network changes ask about the bookings they hit through this seam (the network knows no bookings).
        from vuoro.booking.closures import closure_guard
        from vuoro.network.changes import change_guard_register

        change_guard_register(closure_guard)
