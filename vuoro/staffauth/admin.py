"""The back office: an administrator resets a staff member's second factor (a lost phone).

The action is added to whatever admin class the user model is registered with (the site itself is
not replaced). Locked-out sign-ins are lifted under django-axes' "Access attempts"; its access and
failure logs are not kept (AXES_DISABLE_ACCESS_LOG; the audit log has the sign-ins), so their
empty pages are taken out of the back office."""
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from vuoro.staffauth.services import second_factor_reset


@admin.action(description=_("Reset the second factor (they set it up again at their next sign-in)"),
              permissions=["change"])
def reset_second_factor(modeladmin, request, queryset):
    users = [user for user in queryset if second_factor_reset(user=user)]
    if users:
        modeladmin.message_user(request, ngettext(
            "The second factor of %(names)s was reset.", "The second factors of %(names)s were reset.",
            len(users)) % {"names": ", ".join(u.get_username() for u in users)}, messages.SUCCESS)
    else:
        modeladmin.message_user(request, gettext("None of them had a second factor."), messages.WARNING)


def _with_reset_action(site: admin.AdminSite) -> None:
    user_model = get_user_model()
    registered = site._registry.get(user_model)
    if registered is None:
        return
    base = type(registered)
    actions = [*(base.actions or []), reset_second_factor]
    site.unregister(user_model)
    site.register(user_model, type(base.__name__, (base,), {"actions": actions}))


_with_reset_action(admin.site)
for _unused in (AccessLog, AccessFailureLog):
    if admin.site.is_registered(_unused):
        admin.site.unregister(_unused)
