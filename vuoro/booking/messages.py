"""What a booking's messages say: booking renders its own e-mails and texts, the outbox sends them.

`booking_email` and `booking_text` are the seam between the booking and the outbox
(`vuoro.notify`): the notify app asks for a rendered message by booking id, event and channel,
and knows nothing else of bookings. Either returns None when there is nothing to send (the
booking is gone, or it has no phone number).

Each message names the service, the point and the local date and time, and carries the signed
manage link (vuoro.booking.links); the e-mail adds the check-in QR code as an inline PNG
(multipart/related, referenced by its Content-ID) and the calendar file. One query a message:
the booking with its service and point.
"""
from __future__ import annotations

import datetime as dt
import email.message
import email.policy
import io
import secrets
from email.headerregistry import HeaderRegistry
from functools import lru_cache

import segno
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from vuoro.booking.ics import booking_calendar
from vuoro.booking.links import book_again_url, cannot_come_url, manage_url
from vuoro.booking.models import Booking
from vuoro.booking.templatetags.booking_dates import day_name_year

# What the subject says before "service, point, date".
SUBJECTS = {
    "confirmed": gettext_noop("Your appointment is booked"),
    "rescheduled": gettext_noop("Your appointment was moved"),
    "cancelled": gettext_noop("Your appointment was cancelled"),
    "reminder": gettext_noop("Reminder of your appointment"),
    "recovery": gettext_noop("Link to manage your appointment"),
    "agency_moved": gettext_noop("We moved your appointment"),
    "agency_cancelled": gettext_noop("We had to cancel your appointment"),
    "waitlist_offer": gettext_noop("A time has freed up for you"),
    "confirm_email": gettext_noop("Confirm your booking"),
    "unconfirmed": gettext_noop("Your booking was not confirmed and the time was released"),
}
ENDED = {"cancelled", "agency_cancelled"}  # events after which there is no booking left to manage
CANNOT_COME = {"confirmed", "rescheduled", "reminder", "recovery", "agency_moved"}


class _FoldOnce:
    """A header that keeps its folded form for the last policy it was folded under: the MIME
    headers repeated by every e-mail are one shared header each (_HeaderClasses), and refolding
    them for each e-mail was a fifth of the time of writing it out."""

    def fold(self, *, policy) -> str:
        # What folding reads of the policy (the generator clones the policy for every part).
        key = (policy.max_line_length, policy.utf8, policy.linesep)
        last = self.__dict__.get("_folded")
        if last is not None and last[0] == key:
            return last[1]
        folded = super().fold(policy=policy)
        self._folded = (key, folded)
        return folded


class _HeaderClasses(HeaderRegistry):
    """The standard header classes, each made once: the standard registry makes a new class for
    every header it parses, which was a quarter of the time of building a booking's e-mail.
    The headers that every e-mail repeats word for word (Content-Type: text/plain; ..., From) are
    parsed once too: a header is an immutable str, so one parse serves every e-mail."""

    REPEATED = frozenset({"content-type", "content-transfer-encoding", "content-disposition", "mime-version", "from"})

    def __init__(self):
        super().__init__()
        self._made: dict[str, type] = {}
        self._parsed: dict[tuple[str, str], object] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            cls = self.registry.get(key, self.default_class)  # as HeaderRegistry does, plus _FoldOnce
            made = self._made[key] = type(f"_{cls.__name__}", (_FoldOnce, cls, self.base_class), {})
        return made

    def __call__(self, name: str, value):
        if name.lower() not in self.REPEATED or not isinstance(value, str):
            return super().__call__(name, value)
        key = (name, value)
        header = self._parsed.get(key)
        if header is None:
            if len(self._parsed) >= 256:  # a boundary or file name makes a value unique: start afresh
                self._parsed.clear()
            header = self._parsed[key] = super().__call__(name, value)
        return header


_HEADERS = _HeaderClasses()


@lru_cache(maxsize=8)
def _quick(policy: email.policy.EmailPolicy) -> email.policy.EmailPolicy:
    return policy.clone(header_factory=_HEADERS)


class BookingEmail(EmailMultiAlternatives):
    """An e-mail whose HTML part carries related parts (inline images), each with a Content-ID:
    multipart/alternative(text, multipart/related(html, image...)) inside multipart/mixed."""

    def __init__(self, *args, related: list[tuple[bytes, str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.related = list(related)  # (content, "image/png", content id without <>)

    def message(self, *, policy=email.policy.default):
        """As Django builds it, under the caller's policy with header classes made once, and each
        multipart's boundary a random 128-bit token: no part can contain it by chance, so the
        writer need not search the parts for its own guess (a regular expression compiled anew
        for each boundary)."""
        if isinstance(policy, email.policy.EmailPolicy) and type(policy.header_factory) is HeaderRegistry:
            policy = _quick(policy)
        msg = super().message(policy=policy)
        for part in msg.walk():
            if part.is_multipart():
                part.set_boundary(f"=_{secrets.token_hex(16)}")
        return msg

    def _add_bodies(self, msg: email.message.EmailMessage):
        msg = super()._add_bodies(msg)
        html = next((part for part in msg.iter_parts() if part.get_content_type() == "text/html"), None)
        for content, mimetype, content_id in self.related if html is not None else ():
            maintype, subtype = mimetype.split("/", 1)
            html.add_related(content, maintype=maintype, subtype=subtype, cid=f"<{content_id}>",
                             disposition="inline", filename=f"{content_id.split('@')[0]}.{subtype}")
        return msg


# The data mask of every check-in QR code. Over random reservation keys its penalty score
# (ISO/IEC 18004 7.8.3) is among the lowest of the eight, about 5 % above the best mask's.
QR_MASK = 1


@lru_cache(maxsize=2048)
def qr_png(reservation_key: str) -> bytes:
    """The check-in QR code (the reservation key) as a PNG, 145 pixels square; cached, as
    reminders repeat keys. A full QR code, never a Micro QR (which phones and many readers skip).
    With a fixed data mask: any of the eight decodes alike, and scoring all eight to pick the
    "best" was two thirds of the time of drawing the code."""
    buffer = io.BytesIO()
    segno.make_qr(reservation_key, error="m", mask=QR_MASK).save(buffer, kind="png", scale=5, border=4)
    return buffer.getvalue()


_PLANS: dict[str, tuple] = {}


def _plan() -> tuple:
    """The query of a booking by id with its service and point, compiled once per kind of
    database: Django compiles a query anew on every call, which was most of a text message's time."""
    plan = _PLANS.get(connection.vendor)
    if plan is None:
        query = Booking.objects.select_related("service", "service_point").filter(pk=0).order_by().query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if list(params) != [0]:  # pragma: no cover - Django compiled it otherwise than expected
            raise RuntimeError(f"unexpected parameters {params!r}")
        converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
        plan = _PLANS[connection.vendor] = (sql, compiler, converters)
    return plan


def _booking(booking_id: int) -> Booking | None:
    """The booking with its service and point (one query), built as Django's select_related builds it."""
    sql, compiler, converters = _plan()
    with connection.cursor() as cursor:
        cursor.execute(sql, [booking_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    row = list(compiler.apply_converters(rows, converters))[0] if converters else rows[0]

    def build(info: dict):
        fields = info["select_fields"]
        names = [compiler.select[i][0].target.attname for i in fields]
        return info["model"].from_db(connection.alias, names, [row[i] for i in fields])

    booking = build(compiler.klass_info)
    for info in compiler.klass_info["related_klass_infos"]:
        related = build(info)
        info["local_setter"](booking, related)
        info["remote_setter"](related, booking)
    return booking


def _context(booking: Booking, event: str, reason: str) -> dict:
    zone = booking.service_point_zone
    ended = event in ENDED or booking.status == Booking.Status.CANCELLED
    return {"booking": booking, "event": event, "reason": reason, "ended": ended,
            "start": timezone.localtime(booking.start_at, zone), "end": timezone.localtime(booking.end_at, zone),
            "checklist": booking.service.checklist(booking.language), "agency": settings.AGENCY_NAME,
            "manage_url": manage_url(booking),
            "cannot_come_url": cannot_come_url(booking) if event in CANNOT_COME and not ended else None,
            "book_url": book_again_url(booking) if ended else None,
            "qr_cid": f"qr-{booking.reservation_key}@vuoro"}


def _subject(booking: Booking, start: dt.datetime, event: str) -> str:
    return f"{_(SUBJECTS[event])}: {booking.service.name}, {booking.service_point.name}, {day_name_year(start)}"


def booking_email(*, booking_id: int, event: str, now: dt.datetime, reason: str = "") -> BookingEmail | None:
    """The e-mail (text, HTML with the inline QR code, calendar file) about a booking, in its language.
    `reason` says why the agency moved or cancelled it (shown with those events)."""
    booking = _booking(booking_id)
    if booking is None or not booking.customer_email:
        return None
    if event == OFFER:
        return _offer_email(booking)
    if event in HOLD_EVENTS:
        return _hold_email(booking, event)
    with translation.override(booking.language):
        context = _context(booking, event, reason)
        related = [] if context["ended"] else [(qr_png(booking.reservation_key), "image/png", context["qr_cid"])]
        mail = BookingEmail(subject=_subject(booking, context["start"], event),
                            body=render_to_string("booking/messages/booking.txt", context),
                            to=[booking.customer_email], related=related)
        mail.attach_alternative(render_to_string("booking/messages/booking.html", context), "text/html")
        mail.attach(f"{booking.reservation_key}.ics", booking_calendar(booking, now=now), "text/calendar")
        return mail


def booking_text(*, booking_id: int, event: str, now: dt.datetime, reason: str = "") -> tuple[str, str] | None:
    """The text message about a booking as (phone number, plain text), or None without a number."""
    booking = _booking(booking_id)
    if booking is None or not booking.customer_phone or event in HOLD_EVENTS:
        return None  # a hold for a new e-mail address is told to that address alone
    with translation.override(booking.language):
        if event == OFFER:
            text = render_to_string("booking/messages/waitlist_offer_sms.txt", _offer_context(booking))
        else:
            text = render_to_string("booking/messages/booking_sms.txt", _context(booking, event, reason))
    return booking.customer_phone, " ".join(text.split())


OFFER = "waitlist_offer"  # a time held for a waitlist entry (vuoro.booking.waitlist): no visit yet


def _offer_context(booking: Booking) -> dict:
    from vuoro.booking.models import WaitlistEntry
    from vuoro.booking.waitlist import offer_url

    zone = booking.service_point_zone
    entry = WaitlistEntry.objects.filter(hold_id=booking.pk).first()
    return {"booking": booking, "start": timezone.localtime(booking.start_at, zone),
            "end": timezone.localtime(booking.end_at, zone),
            "held_until": timezone.localtime(booking.held_until or booking.start_at, zone),
            "offer_url": offer_url(entry) if entry is not None else "", "move": bool(entry and entry.booking_id),
            "agency": settings.AGENCY_NAME}


def _offer_email(booking: Booking) -> BookingEmail:
    """The offer of a held time, with its one-click link; no QR code or calendar file (not booked yet)."""
    with translation.override(booking.language):
        context = _offer_context(booking)
        mail = BookingEmail(subject=_subject(booking, context["start"], OFFER),
                            body=render_to_string("booking/messages/waitlist_offer.txt", context),
                            to=[booking.customer_email], related=[])
        mail.attach_alternative(render_to_string("booking/messages/waitlist_offer.html", context), "text/html")
        return mail


# A booking held until its new e-mail address is confirmed (vuoro.booking.email_confirm): the
# link to confirm, and the word that the time was released; by e-mail only.
HOLD_EVENTS = {"confirm_email", "unconfirmed"}


def _hold_email(booking: Booking, event: str) -> BookingEmail:
    """The link that confirms a new address (no QR code or calendar file: not booked yet), or the
    word that the time was released for want of it, with the way to book again."""
    from vuoro.booking.email_confirm import confirm_url

    zone = booking.service_point_zone
    with translation.override(booking.language):
        context = {"booking": booking, "event": event, "start": timezone.localtime(booking.start_at, zone),
                   "end": timezone.localtime(booking.end_at, zone),
                   "held_until": timezone.localtime(booking.held_until or booking.start_at, zone),
                   "confirm_url": confirm_url(booking) if event == "confirm_email" else "",
                   "book_url": book_again_url(booking), "agency": settings.AGENCY_NAME}
        mail = BookingEmail(subject=_subject(booking, context["start"], event),
                            body=render_to_string("booking/messages/email_hold.txt", context),
                            to=[booking.customer_email], related=[])
        mail.attach_alternative(render_to_string("booking/messages/email_hold.html", context), "text/html")
        return mail
