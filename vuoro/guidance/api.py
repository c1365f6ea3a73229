"""POST /api/v1/guidance: where to go with a matter (API.md)."""
from __future__ import annotations

from typing import Literal

from django.utils import timezone, translation
from ninja import Field, Router, Schema
from pydantic import StrictBool, StrictStr

from vuoro.apierrors import ApiError, error_answers
from vuoro.guidance import decide
from vuoro.guidance.models import Outcome
from vuoro.guidance.selectors import matter_is_known
from vuoro.guidance.services import guidance_give

router = Router(tags=["guidance"])


class GuidanceIn(Schema):
    # The pattern keeps odd text (a NUL byte, say) away from the database: such a matter is a 422, never a 500.
    matter: StrictStr = Field(..., max_length=64, pattern=r"^[a-z0-9-]+$",
                              description="A service code, `asylum`, `first-permit` or `other`.")
    in_country: StrictBool = Field(..., description="Is the customer in Finland now?")
    strong_eid: StrictBool = Field(..., description="Does the customer have strong electronic identification?")
    urgent: StrictBool = Field(False, description="Extension: must the matter be handled today? Default false.")
    language: Literal["fi", "sv", "en"] | None = Field(
        None, description="Extension: the customer's language, counted in the statistics. "
                          "Default: the request's language (Accept-Language), else Finnish.")


class MessagesOut(Schema):
    fi: str
    sv: str
    en: str


class GuidanceOut(Schema):
    outcome: Outcome
    service: str | None = Field(None, description="For `book_appointment` and `take_queue_number`: the service "
                                                  "code to book or queue for, when known; left out otherwise.")
    message: MessagesOut


@router.post("/guidance", response={200: GuidanceOut, **error_answers()}, exclude_none=True,
             summary="Where to go with a matter",
             description="The first matching guidance rule decides; each answer is counted by matter, outcome, "
                         "language and date only. An unknown `matter` is 422.")
def guidance(request, payload: GuidanceIn):
    if not matter_is_known(payload.matter):
        raise ApiError(422, "invalid", "The request has invalid or missing fields.",
                       fields={"matter": ["Unknown matter: use a service code, asylum, first-permit or other."]})
    language = payload.language or (translation.get_language() or "fi")[:2]
    answers = decide.Answers(matter=payload.matter, in_country=payload.in_country, strong_eid=payload.strong_eid,
                             urgent=payload.urgent)
    decision = guidance_give(answers=answers, language=language if language in ("fi", "sv", "en") else "fi",
                             today=timezone.localdate())
    return {"outcome": decision.outcome, "service": decision.service, "message": dict(decision.messages)}
