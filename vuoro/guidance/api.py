"""POST /api/v1/guidance: where to go with a matter (docs/api.md)."""
from __future__ import annotations

from typing import Literal

from django.utils import timezone, translation
from ninja import Field, Router, Schema
from pydantic import StrictBool, StrictStr

from vuoro.apierrors import ApiError, error_answers
from vuoro.booking.guards import client_address
from vuoro.guidance import decide
from vuoro.guidance.models import Outcome
from vuoro.guidance.selectors import matter_is_known, outcome_links
from vuoro.guidance.services import guidance_give, guidance_limit

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
    visitor: str | None = Field(
        None, max_length=64, pattern=r"^[A-Za-z0-9._~-]+$",
        description="Extension: an opaque name for the person asking (for example a hash of the integrator's "
                    "session). Each matter and outcome is counted once a day per visitor; without it the "
                    "visitor is the client address.")


class MessagesOut(Schema):
    fi: str
    sv: str
    en: str


class LinksOut(Schema):
    online_service: MessagesOut | None = Field(
        None, description="The online service's address in each language (`apply_online`, `visit_mission_abroad`).")
    missions_abroad: MessagesOut | None = Field(
        None, description="The address of the list of Finland's embassies and consulates in each language "
                          "(`visit_mission_abroad`).")


class GuidanceOut(Schema):
    outcome: Outcome
    service: str | None = Field(None, description="For `book_appointment` and `take_queue_number`: the service "
                                                  "code to book or queue for, when known; left out otherwise.")
    message: MessagesOut
    links: LinksOut | None = Field(
        None, description="Extension: where an outcome that ends on another site sends the customer, per "
                          "language (the agency sets the addresses); left out for the other outcomes.")


@router.post("/guidance", response={200: GuidanceOut, **error_answers()}, exclude_none=True,
             summary="Where to go with a matter",
             description="The first matching guidance rule decides; each answer is counted by matter, outcome, "
                         "language and date only, once a day per visitor (see `visitor`). An unknown `matter` "
                         "is 422. 429 past 30 answers a minute or 300 an hour from one client address.")
def guidance(request, payload: GuidanceIn):
    guidance_limit(request, now=timezone.now())
    if not matter_is_known(payload.matter):
        raise ApiError(422, "invalid", "The request has invalid or missing fields.",
                       fields={"matter": ["Unknown matter: use a service code, asylum, first-permit or other."]})
    language = payload.language or (translation.get_language() or "fi")[:2]
    answers = decide.Answers(matter=payload.matter, in_country=payload.in_country, strong_eid=payload.strong_eid,
                             urgent=payload.urgent)
    decision = guidance_give(answers=answers, language=language if language in ("fi", "sv", "en") else "fi",
                             today=timezone.localdate(),
                             visitor=f"client:{client_address(request)}:{payload.visitor or ''}")
    return {"outcome": decision.outcome, "service": decision.service, "message": dict(decision.messages),
            "links": outcome_links(outcome=decision.outcome) or None}
