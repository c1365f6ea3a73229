"""The back office: an administrator resets a staff member's second factor (a lost phone).

The action is added to whatever admin class the user model is registered with (the site itself is
not replaced). Locked-out sign-ins are lifted under django-axes' "Access attempts"; its access and
failure logs are not kept (AXES_DISABLE_ACCESS_LOG; the audit log has the sign-ins), so their
empty pages are taken out of the back office."""
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AdminPasswordChangeForm, SetUnusablePasswordMixin
from django.contrib.auth.models import Group
from django.utils.text import format_lazy
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


_PERMISSION_ACTIONS = {"add": _("Can add %(model)s"), "change": _("Can change %(model)s"),
                       "delete": _("Can delete %(model)s"), "view": _("Can view %(model)s")}


def permission_label(permission) -> str:
    """A permission as "app | model | what it allows", in the reader's language (the name stored
    with a permission is English, written once when the database was made)."""
    model = permission.content_type.model_class()
    if model is None:
        return str(permission)
    meta = model._meta
    action, _sep, model_name = permission.codename.partition("_")
    if model_name == meta.model_name and action in _PERMISSION_ACTIONS:
        allows = _PERMISSION_ACTIONS[action] % {"model": meta.verbose_name}
    else:
        allows = gettext(permission.name)
    return f"{meta.app_config.verbose_name} | {meta.verbose_name} | {allows}"


def _formfield_for_manytomany(self, db_field, request=None, **kwargs):
    field = super(type(self), self).formfield_for_manytomany(db_field, request, **kwargs)
    if field is not None and db_field.name in ("permissions", "user_permissions"):
        field.label_from_instance = permission_label
    return field


def _reregistered(site: admin.AdminSite, model, **attributes) -> None:
    """Register `model` again with a subclass of its admin class that has `attributes`."""
    registered = site._registry.get(model)
    if registered is None:
        return
    base = type(registered)
    site.unregister(model)
    site.register(model, type(base.__name__, (base,), attributes))


class PasswordChangeForm(AdminPasswordChangeForm):
    """Django's, but its help text is in the reader's language (Django's own is joined to an English
    warning when first imported, and so fixed in the language of that moment)."""

    usable_password_help_text = format_lazy(
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        SetUnusablePasswordMixin.usable_password_help_text,
        _("If disabled, the current password for this user will be lost."))


_reregistered(admin.site, get_user_model(), formfield_for_manytomany=_formfield_for_manytomany,
              change_password_form=PasswordChangeForm,
              actions=[*(type(admin.site._registry[get_user_model()]).actions or []), reset_second_factor])
_reregistered(admin.site, Group, formfield_for_manytomany=_formfield_for_manytomany)
for _unused in (AccessLog, AccessFailureLog):
    if admin.site.is_registered(_unused):
        admin.site.unregister(_unused)
