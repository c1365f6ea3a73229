"""Text messages through a swappable backend, like Django's mail backends.

VUORO_SMS_BACKEND picks one: ConsoleBackend (development), LocmemBackend (tests: messages
collect in `outbox`), or an operator's gateway class with the same `send(to, text)`.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


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


def send_sms(*, to: str, text: str) -> None:
    if not to:
        return
    import_string(settings.SMS_BACKEND)().send(TextMessage(to=to, text=text))
