"""Which e-mail addresses have been confirmed by their owners (README, "No hoarding").

An address is known when its person key (vuoro.contact.email_key) was confirmed by a link, or a
booking of it was confirmed (made at once, by staff, or confirmed later) and has not been purged
yet. Confirmations outlive the bookings' contact details as keyed digests (ConfirmedEmail): an
HMAC-SHA-256 of the key with the server's secret, never the address. A digest made with an
earlier secret (VUORO_SECRET_KEY_FALLBACKS) still counts.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.crypto import salted_hmac

from vuoro import prepared
from vuoro.booking.models import Booking, ConfirmedEmail

SALT = "vuoro.booking.confirmed-email"
BATCH = 1000


def email_digest(email_key: str, *, secret: str | None = None) -> str:
    """The keyed digest of an e-mail key (64 hex digits), with the current secret or `secret`."""
    return salted_hmac(SALT, email_key, secret=secret or settings.SECRET_KEY, algorithm="sha256").hexdigest()


def _known_sql(secrets: int) -> str:
    # One statement (prepared on PostgreSQL: it runs with every public booking while the network
    # asks new addresses to confirm): a digest with any accepted secret, or a booking of the key
    # that is not a hold never confirmed (a held booking, or one cancelled while held, keeps its
    # hold_reason; one confirmed has none).
    digests = ", ".join(["%s"] * secrets)
    return (f"SELECT 1 WHERE EXISTS (SELECT 1 FROM {ConfirmedEmail._meta.db_table} WHERE digest IN ({digests})) "
            f"OR EXISTS (SELECT 1 FROM {Booking._meta.db_table} WHERE email_key = %s AND hold_reason = '')")


def email_confirmed(email_key: str) -> bool:
    """Whether the address (its person key) was confirmed: by a link, or by a booking of it that
    was confirmed (a cancelled one too, unless it was a hold never confirmed)."""
    if not email_key:
        return False
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return bool(prepared.rows(_known_sql(len(secrets)),
                              [*(email_digest(email_key, secret=secret) for secret in secrets), email_key]))


def emails_confirmed_record(*, email_keys, now: dt.datetime) -> int:
    """Record these e-mail keys as confirmed at `now` (their digests; one seen before is seen again)."""
    digests = sorted({email_digest(key) for key in email_keys if key})
    for first in range(0, len(digests), BATCH):
        ConfirmedEmail.objects.bulk_create(
            [ConfirmedEmail(digest=digest, seen_at=now) for digest in digests[first:first + BATCH]],
            update_conflicts=True, unique_fields=["digest"], update_fields=["seen_at"])
    return len(digests)
