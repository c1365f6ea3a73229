"""The third-party apps of the back office, named in the staff's language.

django-axes (sign-in lock-outs), django-otp's TOTP devices (authenticator apps) and
django-tasks-db (background tasks) name their apps, and django-otp its model and fields, in plain
English strings that no catalogue can translate. These configurations, listed in INSTALLED_APPS
in their place, give them translatable names; the words themselves are in vuoro/locale, as are
those the apps mark for translation but ship no Finnish or Swedish for.
"""
from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.contrib.admin import display as admin_display
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpAppConfig
from django_tasks_db.apps import TasksAppConfig

# django-otp's TOTP device: each field's label and help text.
TOTP_FIELDS = {
    "user": (_("staff member"), _("The staff member whose app this is.")),
    "name": (_("name"), _("A name for the device, such as “work phone”.")),
    "confirmed": (_("confirmed"), _("Whether the app was set up to the end and can be used.")),
    "key": (_("key"), _("The shared secret, in hexadecimal (up to 40 bytes).")),
    "step": (_("time step"), _("The seconds each code is valid for.")),
    "t0": (_("start time"), _("The Unix time from which time steps are counted.")),
    "digits": (_("digits"), _("The number of digits in a code.")),
    "tolerance": (_("tolerance"), _("How many time steps earlier or later a code is still accepted.")),
    "drift": (_("drift"), _("How many time steps the app's clock is known to be off.")),
    "last_t": (_("last time step used"), _("The time step of the latest accepted code; the next must be later.")),
    "throttling_failure_timestamp": (_("last failed code at"),
                                     _("When a wrong code was last given; empty if the last code was right.")),
    "throttling_failure_count": (_("failed codes in a row"), _("Wrong codes given in a row.")),
    "created_at": (_("created at"), _("When the app was set up.")),
    "last_used_at": (_("last used at"), _("When a code of the app was last accepted.")),
}


def _registered_admin(model):
    """The ModelAdmin the app registered (the admin's autodiscovery, first in INSTALLED_APPS, ran before)."""
    from django.contrib import admin

    return admin.site._registry.get(model)

TOTP_SECTIONS = {"Identity": _("Identity"), "Timestamps": _("Timestamps"), "Configuration": _("Configuration"),
                 "State": _("State"), "Throttling": _("Throttling")}


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in lock-outs")

    def ready(self):
        super().ready()
        from axes.models import AccessAttempt
        from django.utils import timezone

        AccessAttempt.__str__ = lambda attempt: (
            f"{attempt.username} {timezone.localtime(attempt.attempt_time):%Y-%m-%d %H:%M}")
        registered = _registered_admin(AccessAttempt)
        if registered is not None:  # two columns named after their methods, in English
            type(registered).status.short_description = _("status")
            type(registered).expiration.short_description = _("Expires At")


class TotpConfig(TotpAppConfig):
    verbose_name = _("Second factor")

    def ready(self):
        super().ready()
        from django_otp.plugins.otp_totp.models import TOTPDevice

        meta = TOTPDevice._meta
        meta.verbose_name, meta.verbose_name_plural = _("authenticator app"), _("authenticator apps")
        for name, (label, _help) in TOTP_FIELDS.items():
            # The label only: a field's help text is part of its migration state, its label is not.
            meta.get_field(name).verbose_name = label
        registered = _registered_admin(TOTPDevice)
        if registered is not None:  # its help texts, search help and sections' titles are English
            registered.search_help_text = _("Search by the staff member's username or e-mail address.")
            fieldsets, get_form = registered.get_fieldsets, registered.get_form
            # The two read-only times are shown by functions of our own: as model fields they would show
            # django-otp's English help texts.
            for name in TOTP_TIMES:
                setattr(registered, f"{name}_shown", _time_shown(name))
            registered.readonly_fields = [f"{name}_shown" if name in TOTP_TIMES else name
                                          for name in registered.readonly_fields]
            registered.get_fieldsets = lambda request, obj=None: [
                (TOTP_SECTIONS.get(title, title),
                 {**options, "fields": [f"{name}_shown" if name in TOTP_TIMES else name for name in options["fields"]]})
                for title, options in fieldsets(request, obj)]
            registered.get_form = lambda request, obj=None, **kwargs: _with_help_texts(
                get_form(request, obj, **kwargs), meta)


TOTP_TIMES = ("created_at", "last_used_at")


def _time_shown(name: str):
    @admin_display(description=TOTP_FIELDS[name][0])
    def shown(device):
        return getattr(device, name) or "–"
    return shown


def _with_help_texts(form_class, meta):
    """The form's fields with TOTP_FIELDS' help texts; read-only fields show their model field's."""
    for name, (_label, help_text) in TOTP_FIELDS.items():
        if name in form_class.base_fields:
            form_class.base_fields[name].help_text = help_text
    return form_class


class TasksConfig(TasksAppConfig):
    verbose_name = _("Background tasks")

    def ready(self):
        super().ready()
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.__str__ = lambda result: f"{result.task_name} ({result.get_status_display()})"
        registered = _registered_admin(DBTaskResult)
        if registered is not None:  # "task_name" is a property: its column would be headed in English
            registered.list_display = [_task_name if name == "task_name" else name for name in registered.list_display]
            type(registered).formatted_traceback.short_description = _("traceback")
            type(registered).display_run_after.short_description = _("run after")


@admin_display(description=_("task"))
def _task_name(result) -> str:
    return result.task_name
