"""Deployment checks: production must really send its messages, not print or keep them."""
from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

_NOT_SENT = ("console", "locmem", "dummy", "filebased")


@register(Tags.security, deploy=True)
def messages_really_sent(app_configs, **kwargs) -> list[Error]:
    if settings.DEBUG:
        return []
    errors = []
    mailer = settings.MAILERS.get("default", {}).get("BACKEND", "")
    if any(f".{word}." in mailer.lower() for word in _NOT_SENT):
        errors.append(Error(f"E-mail goes to {mailer}, not to customers.",
                            hint="Set VUORO_EMAIL_BACKEND to an SMTP backend (the default with VUORO_DEBUG=off).",
                            id="vuoro.E101"))
    sms = settings.SMS_BACKEND
    if sms.rsplit(".", 1)[-1] in ("ConsoleBackend", "LocmemBackend"):
        errors.append(Error(f"Text messages go to {sms}, not to customers.",
                            hint="Set VUORO_SMS_BACKEND=vuoro.notify.sms.HttpGatewayBackend with VUORO_SMS_URL "
                                 "and VUORO_SMS_TOKEN.", id="vuoro.E102"))
    elif sms.endswith("HttpGatewayBackend") and not settings.SMS_URL.startswith("https://"):
        errors.append(Error("VUORO_SMS_URL must be an https:// address of the SMS gateway.", id="vuoro.E103"))
    return errors
