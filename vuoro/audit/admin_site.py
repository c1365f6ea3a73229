"""The back office's site, which audits every ModelAdmin registered on it.

`AuditedAdminConfig` replaces "django.contrib.admin" in INSTALLED_APPS; its default site is an
`AuditedAdminSite`, whose `register` gives every ModelAdmin (the project's, Django's user and
group admins, any library's) the `AuditedAdminMixin` in front. So each add, change and delete,
and each admin action that changes rows, is written to the audit log with who, when, the
object's type and id, its service point (from the admin's own `point_field`, when it has one)
and its fields before and after (`vuoro.audit.snapshots`: secrets and contact details masked),
in the same transaction as the change. A new ModelAdmin is audited without its author doing
anything; tests/audit/test_admin_changes.py checks that every registered one is.
"""
from __future__ import annotations

import dataclasses
import functools

from django.contrib.admin import ModelAdmin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import ActionLocation
from django.contrib.admin.sites import AdminSite
from django.db import router, transaction
from django.forms.models import _get_foreign_key
from django.utils import timezone
from django.utils.inspect import get_func_args

from vuoro.audit.snapshots import object_snapshot, snapshot_diff


class AuditedAdminConfig(AdminConfig):
    default_site = "vuoro.audit.admin_site.AuditedAdminSite"


def object_point_id(model_admin, obj) -> str:
    """The service point of an object, by the admin's `point_field` ("service_point", "id",
    "booking__service_point"): "" when the admin has none, and the entry is for administrators only."""
    path = getattr(model_admin, "point_field", "")
    if not path or obj is None:
        return ""
    *hops, last = path.split("__")
    target = obj
    for hop in hops:
        target = getattr(target, hop, None)
        if target is None:
            return ""
    value = getattr(target, target._meta.get_field(last).attname, None)
    return "" if value is None else str(value)


def _record(request, *, action: str, model, object_id, point: str, before, after, reason: str = "") -> None:
    from vuoro.audit.services import audit_record

    before, after = snapshot_diff(before, after)
    with transaction.atomic(using=router.db_for_write(model)):
        audit_record(actor=request.user, action=action, object_type=model._meta.label_lower[:40],
                     object_id=str(object_id)[:64], now=timezone.now(), service_point_id=point, reason=reason,
                     before=before, after=after)


def _audited_action(func, name: str):
    """An admin action that records each selected row it changed or deleted (the rows'
    state before and after the action, in one transaction with it)."""
    if getattr(func, "audited", False):
        return func

    @functools.wraps(func)
    def run(model_admin, request, queryset):
        from vuoro.audit.models import AuditEntry

        model = model_admin.model
        with transaction.atomic(using=router.db_for_write(model)):
            before = {obj.pk: (model_admin.audit_snapshot(request, obj), object_point_id(model_admin, obj))
                      for obj in queryset.all()}
            response = func(model_admin, request, queryset)
            survivors = {obj.pk: obj for obj in model._default_manager.filter(pk__in=list(before))}
            for pk, (state, point) in before.items():
                obj = survivors.get(pk)
                after = model_admin.audit_snapshot(request, obj) if obj is not None else None
                if after != state:
                    _record(request, action=AuditEntry.Action.ADMIN_CHANGE if obj is not None
                            else AuditEntry.Action.ADMIN_DELETE, model=model, object_id=pk, point=point,
                            before=state, after=after, reason=f"action: {name}")
        return response

    run.audited = True
    return run


class AuditedAdminMixin:
    """Writes an audit entry for every add, change, delete and data-changing action of a ModelAdmin."""

    def audit_snapshot(self, request, obj) -> dict:
        """The object's fields, with the rows of its inlines (edited on the same page)."""
        children = {}
        for inline in self.get_inlines(request, obj):
            try:
                fk = _get_foreign_key(self.model, inline.model, fk_name=getattr(inline, "fk_name", None))
            except ValueError:  # a generic inline: no foreign key to follow
                continue
            children[inline.model._meta.label_lower] = inline.model._default_manager.filter(**{fk.name: obj.pk})
        return object_snapshot(obj, children=children)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "POST":
            # Taken before the form writes into the instance: its state as stored.
            obj._audit_before = self.audit_snapshot(request, obj)
        return obj

    def save_model(self, request, obj, form, change):
        if change and not hasattr(obj, "_audit_before"):  # list_editable: rows not fetched by get_object
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            obj._audit_before = self.audit_snapshot(request, stored) if stored is not None else None
        super().save_model(request, obj, form, change)

    def log_addition(self, request, obj, message):
        from vuoro.audit.models import AuditEntry

        logged = super().log_addition(request, obj, message)
        # Called after the related rows and inlines are saved: the snapshot has them all.
        _record(request, action=AuditEntry.Action.ADMIN_ADD, model=self.model, object_id=obj.pk,
                point=object_point_id(self, obj), before=None, after=self.audit_snapshot(request, obj))
        return logged

    def log_change(self, request, obj, message):
        from vuoro.audit.models import AuditEntry

        logged = super().log_change(request, obj, message)
        before = obj.__dict__.pop("_audit_before", None)
        _record(request, action=AuditEntry.Action.ADMIN_CHANGE, model=self.model, object_id=obj.pk,
                point=object_point_id(self, obj), before=before, after=self.audit_snapshot(request, obj))
        return logged

    def delete_model(self, request, obj):
        from vuoro.audit.models import AuditEntry

        before = obj.__dict__.pop("_audit_before", None) or self.audit_snapshot(request, obj)
        object_id, point = obj.pk, object_point_id(self, obj)
        with transaction.atomic(using=router.db_for_write(self.model)):
            super().delete_model(request, obj)
            _record(request, action=AuditEntry.Action.ADMIN_DELETE, model=self.model, object_id=object_id,
                    point=point, before=before, after=None)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        parent = super().get_actions
        if "action_location" in get_func_args(parent):
            actions = parent(request, action_location=action_location)
        else:  # an admin that overrides get_actions the old way
            actions = parent(request) if action_location == ActionLocation.CHANGE_LIST else {}
        audited = {}
        for name, action in actions.items():
            if isinstance(action, tuple):
                audited[name] = (_audited_action(action[0], action[1]), *action[1:])
            else:
                audited[name] = dataclasses.replace(action, func=_audited_action(action.func, action.name))
        return audited


class _AtomicPasswordChange:
    """Django's user admin sets a password outside a transaction; here the change and its entry share one."""

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().user_change_password(request, id, form_url)


def audited(admin_class: type[ModelAdmin]) -> type[ModelAdmin]:
    """The admin class with the audit in front (itself when it has it already)."""
    if issubclass(admin_class, AuditedAdminMixin):
        return admin_class
    bases = (AuditedAdminMixin, *((_AtomicPasswordChange,) if hasattr(admin_class, "user_change_password") else ()),
             admin_class)
    return type(admin_class.__name__, bases, {"__module__": admin_class.__module__,
                                              "__qualname__": admin_class.__qualname__,
                                              "__doc__": admin_class.__doc__})


class AuditedSiteMixin:
    """Put in front of any AdminSite (e.g. a two-factor one) to audit what is registered on it."""

    def register(self, model_or_iterable, admin_class=None, **options):
        return super().register(model_or_iterable, audited(admin_class or ModelAdmin), **options)


class AuditedAdminSite(AuditedSiteMixin, AdminSite):
    pass
