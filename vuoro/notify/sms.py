"""Text messages through a swappable backend, like Django's mail backends.

VUORO_SMS_BACKEND picks one: HttpGatewayBackend (production: an HTTPS gateway), ConsoleBackend
(development), LocmemBackend (tests: messages collect in `outbox`), or an operator's own class
with the same `send(message)`. A backend raises on failure; PermanentFailure when trying again
cannot help.
"""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from vuoro.notify.services import PermanentFailure


@dataclass(frozen=True)
class TextMessage:
    to: str
    text: str


outbox: list[TextMessage] = []


class BaseBackend:
    def send(self, message: TextMessage) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, message: TextMessage) -> None:
        sys.stdout.write(f"SMS to {message.to}: {message.text}\n")
        sys.stdout.flush()


class LocmemBackend(BaseBackend):
    def send(self, message: TextMessage) -> None:
        outbox.append(message)


class HttpGatewayBackend(BaseBackend):
    """POST {"to": ..., "text": ...} as JSON to VUORO_SMS_URL with `Authorization: Bearer
    VUORO_SMS_TOKEN`, waiting VUORO_SMS_TIMEOUT seconds at most. A 2xx answer is success; 4xx
    (the gateway refuses this message) a permanent failure; anything else a failure to retry."""

    def send(self, message: TextMessage) -> None:
        request = urllib.request.Request(
            settings.SMS_URL, data=json.dumps({"to": message.to, "text": message.text}).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_TOKEN}"})
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as answer:
                answer.read(4096)
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode("utf-8", "replace")
            if 400 <= error.code < 500 and error.code not in (401, 403, 408, 429):
                raise PermanentFailure(f"refused by the SMS gateway: {error.code} {detail}") from error
            raise OSError(f"SMS gateway answered {error.code}: {detail}") from error


def send_sms(*, to: str, text: str) -> None:
    if not to:
        return
    import_string(settings.SMS_BACKEND)().send(TextMessage(to=to, text=text))
