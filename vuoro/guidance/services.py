"""Writes for guidance: giving guidance counts it, without personal data, once per visitor."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.crypto import salted_hmac

from vuoro.booking.guards import rate_limit
from vuoro.guidance import decide
from vuoro.guidance.models import GuidanceCounted, GuidanceRecord
from vuoro.guidance.selectors import guidance_decide


def guidance_give(*, answers: decide.Answers, language: str, today: dt.date, visitor: str) -> decide.Decision:
    """Decide where to send the customer and count it: matter, outcome, language and date, nothing
    else; once a day per `visitor` (an opaque text naming the session or the client) for each matter
    and outcome, so sending the same answers again does not count again."""
    decision = guidance_decide(answers=answers)
    fingerprint = salted_hmac("vuoro.guidance.counted", f"{today.isoformat()}|{visitor}|{answers.matter}|"
                              f"{decision.outcome}", algorithm="sha256").hexdigest()
    with transaction.atomic():
        GuidanceCounted.objects.filter(date__lt=today).delete()
        _counted, first = GuidanceCounted.objects.get_or_create(date=today, fingerprint=fingerprint)
        if first:
            GuidanceRecord.objects.create(date=today, matter=answers.matter, outcome=decision.outcome,
                                          language=language)
    return decision


def guidance_limit(request, *, now: dt.datetime) -> None:
    """Count a guidance request or refuse it (429 ApiError): per client address 30 a minute and 300
    an hour, the page and the API together."""
    rate_limit(request, kind="guidance", now=now)  # per minute and per hour
