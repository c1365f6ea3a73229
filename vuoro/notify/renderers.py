"""Who renders a message about what: the seam that keeps the outbox ignorant of other apps.

A booking's messages are rendered by `vuoro.booking.messages` (a notice's own `booking`). Any
other app whose messages go through the outbox registers, in its `AppConfig.ready()`, a renderer
for its kind of subject, and queues its notices with `notice_subject_queue(kind=...)`:

    renderer_register(kind="ticket", render=ticket_message)

A renderer takes the claimed notice (`subject_id`, `event`, `channel`, `created_at`) and `now`,
and returns the message for the notice's channel: an `EmailMessage` for e-mail, `(phone, text)`
for a text, or None when there is nothing to send. It raises `NoticeSkipped` (with the reason)
when the message is no longer true, so that it is marked skipped instead of sent.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.mail import EmailMessage

from vuoro.notify.models import Notice

Rendered = EmailMessage | tuple[str, str] | None
Renderer = Callable[..., Rendered]  # render(*, notice: Notice, now: datetime) -> Rendered

_renderers: dict[str, Renderer] = {}


def renderer_register(*, kind: str, render: Renderer) -> None:
    """Let the outbox send messages about subjects of `kind`, rendered by `render`."""
    if not kind or len(kind) > Notice._meta.get_field("subject_kind").max_length:
        raise ValueError(f"A kind of subject is 1 to 16 characters, not {kind!r}.")
    _renderers[kind] = render


def renderer_get(kind: str) -> Renderer:
    """The renderer registered for `kind`; LookupError when no app registered one."""
    try:
        return _renderers[kind]
    except KeyError:
        raise LookupError(f"No app renders messages about {kind!r}.") from None


def notice_render(*, notice: Notice, now: dt.datetime) -> Rendered:
    """The message of a notice about another app's subject, rendered by that app."""
    return renderer_get(notice.subject_kind)(notice=notice, now=now)
