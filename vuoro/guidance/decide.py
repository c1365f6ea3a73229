"""Which way to send a customer: their answers and the rules give one outcome.

Pure Python, no Django: the rules come in as plain records, first match wins. When no rule
matches (an administrator deleted or switched off too many), a safe fallback still answers.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

ASYLUM, FIRST_PERMIT, OTHER = "asylum", "first-permit", "other"
SPECIAL_MATTERS = (ASYLUM, FIRST_PERMIT, OTHER)

BOOK_APPOINTMENT = "book_appointment"
APPLY_ONLINE = "apply_online"
VISIT_MISSION_ABROAD = "visit_mission_abroad"
CONTACT_POLICE_OR_BORDER = "contact_police_or_border"
TAKE_QUEUE_NUMBER = "take_queue_number"
OUTCOMES = (BOOK_APPOINTMENT, APPLY_ONLINE, VISIT_MISSION_ABROAD, CONTACT_POLICE_OR_BORDER, TAKE_QUEUE_NUMBER)
# Outcomes served at a desk of a service point: they name a service when one is known.
DESK_OUTCOMES = frozenset({BOOK_APPOINTMENT, TAKE_QUEUE_NUMBER})
# Outcomes that send the customer somewhere other than a desk: each one is a visit avoided.
AVOIDED_VISIT_OUTCOMES = (APPLY_ONLINE, VISIT_MISSION_ABROAD, CONTACT_POLICE_OR_BORDER)
# Outcomes that end on another site: the links (per language, configured by the agency) they show.
ONLINE_SERVICE, MISSIONS_ABROAD = "online_service", "missions_abroad"
OUTCOME_LINKS = {APPLY_ONLINE: (ONLINE_SERVICE,), VISIT_MISSION_ABROAD: (ONLINE_SERVICE, MISSIONS_ABROAD)}


@dataclass(frozen=True, slots=True)
class Answers:
    """What the customer told us: a matter (a service code or a special matter) and three yes/no answers."""

    matter: str
    in_country: bool
    strong_eid: bool
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """Conditions and an outcome; None in a condition matches any answer."""

    outcome: str
    matter: str | None = None
    in_country: bool | None = None
    strong_eid: bool | None = None
    urgent: bool | None = None
    service: str | None = None  # a desk outcome's service, instead of the matter's own
    messages: Mapping[str, str] = field(default_factory=dict)
    id: int | None = None

    def matches(self, answers: Answers) -> bool:
        """True when every condition of the rule holds for the answers."""
        return ((self.matter is None or self.matter == answers.matter)
                and (self.in_country is None or self.in_country == answers.in_country)
                and (self.strong_eid is None or self.strong_eid == answers.strong_eid)
                and (self.urgent is None or self.urgent == answers.urgent))


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome, its service (desk outcomes only) and the rule's messages.

    `messages` and `rule_id` are None when no rule matched; the caller then gives its own texts.
    """

    outcome: str
    service: str | None = None
    messages: Mapping[str, str] | None = None
    rule_id: int | None = None

    @property
    def avoids_a_visit(self) -> bool:
        return self.outcome in AVOIDED_VISIT_OUTCOMES


def fallback_outcome(answers: Answers) -> str:
    """The outcome when no rule matches: asylum is never a desk matter; urgent gets a queue number."""
    if answers.matter == ASYLUM:
        return CONTACT_POLICE_OR_BORDER
    return TAKE_QUEUE_NUMBER if answers.urgent else BOOK_APPOINTMENT


def decide(answers: Answers, rules: Iterable[Rule], *, service_codes: Collection[str]) -> Decision:
    """The decision for `answers`: the first matching rule in order, else the fallback.

    A desk outcome names the rule's service, or else the matter when the matter is one of
    `service_codes`; other outcomes name no service.
    """
    for rule in rules:
        if rule.outcome in OUTCOMES and rule.matches(answers):
            return Decision(outcome=rule.outcome, service=_service(rule.outcome, rule.service, answers, service_codes),
                            messages=rule.messages, rule_id=rule.id)
    outcome = fallback_outcome(answers)
    return Decision(outcome=outcome, service=_service(outcome, None, answers, service_codes))


def _service(outcome: str, rule_service: str | None, answers: Answers, service_codes: Collection[str]) -> str | None:
    if outcome not in DESK_OUTCOMES:
        return None
    if rule_service:
        return rule_service
    return answers.matter if answers.matter in service_codes else None
