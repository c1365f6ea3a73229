"""Priority codes: staff issue one to a customer of a priority group (a `priority` pool of the
network file); the customer gives it when booking and sees the pool's kept desk time too.

A code is good for one booking of one service before it expires. It is used up in the booking's
own transaction by a conditional UPDATE (`priority_code_claim`), so of two bookings racing with one
code exactly one succeeds, and a booking that fails leaves its code unused.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction

from vuoro.apierrors import DomainError
from vuoro.audit.models import AuditEntry
from vuoro.audit.services import audit_record
from vuoro.booking.keys import CROCKFORD
from vuoro.booking.models import PriorityCode
from vuoro.network.models import Pool

CODE_LENGTH = 16  # 80 random bits: not guessable within any number of requests the limits allow
OBJECT_TYPE = "priority code"


class InvalidPriorityCode(DomainError):
    """A code that is unknown, used, expired, or for another service."""

    code = "invalid_priority_code"

    def __init__(self, detail: str, reason: str = "invalid"):
        super().__init__(detail)
        self.reason = reason  # unknown, used, expired, service or invalid: for the pages' own words


def normalise_code(text: str) -> str:
    """Crockford's reading rules, as for reservation keys: case, O/I/L, hyphens and spaces forgiven."""
    text = text.strip().upper().replace("-", "").replace(" ", "")
    return text.translate(str.maketrans("OIL", "011"))


def code_hash(text: str) -> str:
    return hashlib.sha256(normalise_code(text).encode()).hexdigest()


def _grouped(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def priority_code_issue(*, pool: Pool, service, valid_days: int, note: str, actor, now: dt.datetime
                        ) -> tuple[PriorityCode, str]:
    """Issue a code for one booking of `service` in `pool`, valid for `valid_days` days; return the
    stored row and the code (XXXX-XXXX-XXXX-XXXX), which is shown once and never stored. Audited."""
    if pool.kind != Pool.Kind.PRIORITY:
        raise InvalidPriorityCode("Codes are issued only for priority pools.")
    if pool.pk and pool.services.exists() and not pool.services.filter(pk=service.pk).exists():
        raise InvalidPriorityCode("This pool does not keep time for that service.")
    if not 1 <= valid_days <= 366:
        raise InvalidPriorityCode("A code is valid for 1 to 366 days.")
    code = "".join(secrets.choice(CROCKFORD) for _ in range(CODE_LENGTH))
    with transaction.atomic():
        row = PriorityCode.objects.create(
            code_hash=code_hash(code), hint=code[-4:], pool=pool, service=service,
            expires_at=now + dt.timedelta(days=valid_days), issued_at=now,
            issued_by=actor if actor is not None and actor.is_authenticated else None, note=note.strip())
        audit_record(actor=actor, action=AuditEntry.Action.PRIORITY_CODE_ISSUE, object_type=OBJECT_TYPE,
                     object_id=row.pk, now=now, reason=row.note,
                     after={"pool": pool.pk, "service": service.code, "hint": row.hint,
                            "expires_at": row.expires_at.isoformat()})
    return row, _grouped(code)


def priority_code_find(*, code: str, now: dt.datetime) -> PriorityCode:
    """A code that may still be used (for its own service), or InvalidPriorityCode saying why not."""
    row = (PriorityCode.objects.select_related("service", "pool").filter(code_hash=code_hash(code)).first()
           if code.strip() else None)
    if row is None:
        raise InvalidPriorityCode("No such priority code: check it and try again.", "unknown")
    if row.used_at is not None:
        raise InvalidPriorityCode("This priority code has already been used.", "used")
    if row.expires_at <= now:
        raise InvalidPriorityCode("This priority code has expired.", "expired")
    return row


def priority_code_check(*, code: str, service_code: str, now: dt.datetime) -> str:
    """The pool a code opens for a service, or InvalidPriorityCode saying why not (read only:
    the booking claims it)."""
    row = priority_code_find(code=code, now=now)
    if row.service.code != service_code:
        raise InvalidPriorityCode("This priority code is for another service.", "service")
    return row.pool_id


def priority_code_claim(*, code: str, service_id: int, now: dt.datetime) -> str:
    """Use a code up, inside the booking's transaction: the pool it opens, or InvalidPriorityCode
    when it is no longer good (used meanwhile by another booking, expired). One conditional UPDATE:
    on PostgreSQL a second claim waits for the first's transaction and then finds the code used."""
    digest = code_hash(code)
    claimed = PriorityCode.objects.filter(code_hash=digest, used_at__isnull=True, expires_at__gt=now,
                                          service_id=service_id).update(used_at=now)
    if claimed != 1:
        raise InvalidPriorityCode("This priority code is no longer valid.")
    return PriorityCode.objects.filter(code_hash=digest).values_list("pool_id", flat=True)[0]


def priority_code_bind(*, code: str, booking_id: int) -> None:
    """Record which booking used the code (same transaction as the claim)."""
    PriorityCode.objects.filter(code_hash=code_hash(code)).update(booking_id=booking_id)
