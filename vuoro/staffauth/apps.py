from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffauthConfig(AppConfig):
    name = "vuoro.staffauth"
    label = "staffauth"
    verbose_name = _("Staff sign-in")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from vuoro.staffauth.policy import session_stamps_clear

        # A new sign-in starts the session's clocks afresh (the middleware stamps them).
        user_logged_in.connect(session_stamps_clear, dispatch_uid="vuoro.staffauth.session_stamps_clear")
