"""Staff sign-in in the audit log, from Django's auth signals (connected in AuditConfig.ready).

A failed sign-in names the username tried and the client's address, never the password (nor any
other credential: only the username field is read).
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from vuoro.audit.models import AuditEntry
from vuoro.audit.services import audit_record

USERNAME_TRIED_AT_MOST = 150  # Django's username length


def _address(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "") if request is not None else ""


OBJECT_TYPE = "sign-in"  # the object is the username, whether or not such a user exists


def _record(*, actor, action: str, username: str, request) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action=action, object_type=OBJECT_TYPE, object_id=username[:64],
                     now=timezone.now(), after={"username": username, "address": _address(request)})


def on_signed_in(sender, request, user, **kwargs) -> None:
    _record(actor=user, action=AuditEntry.Action.SIGN_IN, username=user.get_username(), request=request)


def on_signed_out(sender, request, user, **kwargs) -> None:
    if user is None or not user.is_authenticated:  # signing out without being signed in: no act
        return
    _record(actor=user, action=AuditEntry.Action.SIGN_OUT, username=user.get_username(), request=request)


def on_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    field = get_user_model().USERNAME_FIELD
    tried = str(credentials.get(field) or credentials.get("username") or "")[:USERNAME_TRIED_AT_MOST]
    _record(actor=None, action=AuditEntry.Action.SIGN_IN_FAILED, username=tried, request=request)


def connect() -> None:
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_signed_in, dispatch_uid="vuoro.audit.sign_in")
    user_logged_out.connect(on_signed_out, dispatch_uid="vuoro.audit.sign_out")
    user_login_failed.connect(on_sign_in_failed, dispatch_uid="vuoro.audit.sign_in_failed")
