"""Messages to customers, sent by the background worker after the change has committed."""
from __future__ import annotations

import smtplib
import threading

from django.conf import settings
from django.core.mail import mailers
from django.tasks import task
from django.utils import timezone

from vuoro.booking.messages import booking_email, booking_text
from vuoro.booking.models import Booking
from vuoro.notify.models import Notice
from vuoro.notify.reminders import reminders_queue
from vuoro.notify.renderers import notice_render
from vuoro.notify.services import (
    NoticeSkipped,
    PermanentFailure,
    notice_outdated,
    notices_send,
    point_of_no_return,
    sender_continue,
)
from vuoro.notify.sms import send_sms


@task(queue_name="default")
def send_notices() -> int:
    """Send the queued messages (vuoro.notify.services), then linger a moment for more."""
    sent = notices_send(now=timezone.now, send=notice_deliver, linger_seconds=settings.NOTIFY_LINGER_SECONDS,
                        max_seconds=settings.NOTIFY_RUN_SECONDS, senders=settings.NOTIFY_SENDERS, finish=mailer_close)
    sender_continue(now=timezone.now())
    return sent


@task(queue_name="default")
def notices_sweep_task() -> int:
    """Send whatever is due (a wake-up lost, a retry whose time has come). `vuoro worker` runs it
    every minute (settings.PERIODIC_TASKS)."""
    sent = notices_send(now=timezone.now, send=notice_deliver, max_seconds=settings.NOTIFY_RUN_SECONDS,
                        senders=settings.NOTIFY_SENDERS, finish=mailer_close)
    sender_continue(now=timezone.now())
    return sent


@task(queue_name="default")
def reminders_queue_task() -> int:
    """Queue the reminders that have come due (vuoro.notify.reminders), and wake the sender."""
    return reminders_queue(now=timezone.now())


def notice_deliver(notice: Notice) -> None:
    """Send one notice on its channel: the booking app (or the app that registered a renderer for
    the notice's kind of subject) renders it, this only sends it."""
    now = timezone.now()
    if notice.subject_kind:
        message = notice_render(notice=notice, now=now)
        if message is None:
            raise NoticeSkipped("nothing to send")
        if notice.channel == Notice.Channel.SMS:
            send_sms(to=message[0], text=message[1])
        else:
            email_send(message)
        return
    if hasattr(notice, "booking_status"):  # read with the claim (PostgreSQL)
        status, start_at = notice.booking_status, notice.booking_start_at
    else:
        status, start_at = Booking.objects.filter(pk=notice.booking_id).values_list("status", "start_at").first() \
            or (None, None)
    why = notice_outdated(notice=notice, status=status, start_at=start_at, now=now)
    if why is not None:
        raise NoticeSkipped(why)
    if notice.channel == Notice.Channel.SMS:
        text = booking_text(booking_id=notice.booking_id, event=notice.event, now=now)
        if text is None:
            raise NoticeSkipped("no phone number")
        send_sms(to=text[0], text=text[1])
        return
    mail = booking_email(booking_id=notice.booking_id, event=notice.event, now=now)
    if mail is None:
        raise NoticeSkipped("nothing to send")
    email_send(mail)


_mailers = threading.local()


def _mailer():
    """This sender's connection to the mail server, kept open from one message to the next
    (opened afresh when the mail settings change, as they do between tests)."""
    config = settings.MAILERS.get("default")
    if getattr(_mailers, "backend", None) is None or _mailers.config != config:
        mailer_close()
        _mailers.backend, _mailers.config = mailers.default, config
    return _mailers.backend


def mailer_close() -> None:
    """Close this sender's connection to the mail server (at the end of a run)."""
    backend, _mailers.backend = getattr(_mailers, "backend", None), None
    if backend is not None:
        try:
            backend.close()
        except (OSError, smtplib.SMTPException):
            pass


def _guard(smtp) -> None:
    """Make the connection call point_of_no_return() before DATA, where the server accepts."""
    if getattr(smtp, "_vuoro_guarded", False):
        return
    data = smtp.data

    def guarded_data(message):
        point_of_no_return()
        return data(message)

    smtp.data, smtp._vuoro_guarded = guarded_data, True


def email_send(mail) -> None:
    """Send one e-mail over this sender's open connection; raise PermanentFailure when it can
    never go (the address cannot be written, or the server refuses it with a 5xx answer), so it
    is not tried again. A connection the server had closed meanwhile is opened again once."""
    for fresh in (False, True):
        backend = _mailer()
        reused = getattr(backend, "connection", None) is not None
        try:
            if backend.open() is not None and getattr(backend, "connection", None) is not None:
                _guard(backend.connection)
            backend.send_messages([mail])
            return
        except smtplib.SMTPRecipientsRefused as error:  # the connection stays usable (smtplib sent RSET)
            codes = [code for code, _ in error.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(f"refused by the mail server: {error.recipients}") from error
            raise
        except (ValueError, UnicodeError, IndexError) as error:  # an address the mailer cannot even write down
            raise PermanentFailure(f"the address cannot be used: {error}") from error
        except smtplib.SMTPServerDisconnected as error:
            mailer_close()
            if reused and not fresh and not isinstance(error.__context__, TimeoutError):
                continue  # the server closed it while it lay idle: one more try on a new connection
            raise
        except smtplib.SMTPResponseException as error:
            mailer_close()
            # Our own sender or login refused is the operator's to fix: worth trying again meanwhile.
            ours = isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError)
            if error.smtp_code >= 500 and not ours:
                raise PermanentFailure(f"refused by the mail server: {error.smtp_code} {error.smtp_error!r}") from error
            raise
        except BaseException:
            mailer_close()  # a timeout or a broken connection: the next message starts afresh
            raise
