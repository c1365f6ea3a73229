"""Writes for guidance: giving guidance counts it, without personal data."""
from __future__ import annotations

import datetime as dt

from vuoro.guidance import decide
from vuoro.guidance.models import GuidanceRecord
from vuoro.guidance.selectors import guidance_decide


def guidance_give(*, answers: decide.Answers, language: str, today: dt.date) -> decide.Decision:
    """Decide where to send the customer and count it: matter, outcome, language and date, nothing else."""
    decision = guidance_decide(answers=answers)
    GuidanceRecord.objects.create(date=today, matter=answers.matter, outcome=decision.outcome, language=language)
    return decision
