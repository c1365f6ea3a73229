"""Reads for guidance: the rules as plain records, the matters to choose from, decisions and weekly counts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from vuoro.guidance import decide
from vuoro.guidance.models import GuidanceLinks, GuidanceRecord, GuidanceRule
from vuoro.network.models import NetworkSettings, Service
from vuoro.network.selectors import point_setup, service_list, service_point_list
from vuoro.scheduling.calendar import Opening

LANGUAGES = ("fi", "sv", "en")
# Said when no rule matches (an administrator removed them all): never silence, never an error.
FALLBACK_MESSAGES = {
    decide.BOOK_APPOINTMENT: _("Book an appointment at a service point. You may choose any service point."),
    decide.TAKE_QUEUE_NUMBER: _("An urgent matter is served on the same day with a queue number at a service point "
                                "that gives out queue numbers."),
    decide.CONTACT_POLICE_OR_BORDER: _("Asylum cannot be applied for at a service point. Tell the police or the "
                                       "border control authorities that you want to apply for asylum."),
    decide.APPLY_ONLINE: _("Apply online with strong electronic identification."),
    decide.VISIT_MISSION_ABROAD: _("Visit a Finnish embassy or consulate."),
}


def guidance_rule_list() -> list[decide.Rule]:
    """The rules in use, in the order they are tried."""
    rows = GuidanceRule.objects.filter(active=True).select_related("service").order_by("priority", "id")
    return [row.as_rule() for row in rows]


def service_code_set() -> set[str]:
    return set(Service.objects.values_list("code", flat=True))


def matter_choices() -> list[tuple[str, str]]:
    """(value, label) of every matter a customer can choose, labels in the active language."""
    services = list(service_list())
    codes = {service.code for service in services}
    choices = [(service.code, service.name) for service in services]
    if decide.FIRST_PERMIT not in codes:
        choices.append((decide.FIRST_PERMIT, str(_("A first residence permit"))))
    if decide.ASYLUM not in codes:
        choices.append((decide.ASYLUM, str(_("Asylum"))))
    if decide.OTHER not in codes:
        choices.append((decide.OTHER, str(_("Something else"))))
    return choices


def matter_is_known(matter: str) -> bool:
    return matter in decide.SPECIAL_MATTERS or Service.objects.filter(code=matter).exists()


def messages_in_each_language(text) -> dict[str, str]:
    """A translatable text in Finnish, Swedish and English."""
    messages = {}
    for language in LANGUAGES:
        with translation.override(language):
            messages[language] = str(text)
    return messages


def guidance_decide(*, answers: decide.Answers) -> decide.Decision:
    """The decision for the answers under the rules in use, always with messages in three languages."""
    decision = decide.decide(answers, guidance_rule_list(), service_codes=service_code_set())
    if decision.messages is None or not all(decision.messages.get(language) for language in LANGUAGES):
        fallback = messages_in_each_language(FALLBACK_MESSAGES[decision.outcome])
        decision = replace(decision, messages={language: (decision.messages or {}).get(language) or fallback[language]
                                               for language in LANGUAGES})
    return decision


_LINK_FIELDS = {decide.ONLINE_SERVICE: "online_service_url", decide.MISSIONS_ABROAD: "missions_url"}


def outcome_links(*, outcome: str) -> dict[str, dict[str, str]]:
    """The links an outcome shows ({"online_service": {"fi": url, ...}, ...}); empty for outcomes that
    end at a desk or with the police."""
    kinds = decide.OUTCOME_LINKS.get(outcome, ())
    if not kinds:
        return {}
    links = GuidanceLinks.current()
    return {kind: links.urls(_LINK_FIELDS[kind]) for kind in kinds}


@dataclass(frozen=True)
class QueuePoint:
    """A service point that gives out queue numbers, with its opening today (None: closed today)."""

    point: object
    today: Opening | None
    zone: ZoneInfo
    queue: object = None  # today's QueueStatus (tickets left, estimated wait), when the point is known

    @property
    def opens_at(self) -> dt.datetime | None:
        return self.today.interval.start.astimezone(self.zone) if self.today else None

    @property
    def closes_at(self) -> dt.datetime | None:
        return self.today.interval.end.astimezone(self.zone) if self.today else None

    @property
    def hours_text(self) -> str:
        """Today's hours in the point's own time zone, e.g. 08:00–16:15; empty when closed."""
        return f"{self.opens_at:%H:%M}–{self.closes_at:%H:%M}" if self.today else ""


def queue_point_list(*, service_code: str | None, now: dt.datetime) -> list[QueuePoint]:
    """Points that give out queue numbers (for the service, when one is given), their hours today and
    today's queue: those with numbers left first, shortest estimated wait first."""
    from vuoro.network.state import network_state
    from vuoro.walkin.selectors import queue_status

    state = network_state()
    points = service_point_list().prefetch_related("hours", "exceptions").filter(daily_tickets__gt=0)
    if service_code:
        points = points.filter(offers__service__code=service_code)
    settings = NetworkSettings.current()
    found = []
    for point in points:
        setup = point_setup(point, settings)
        zone = setup.calendar.zone
        queue = queue_status(state=state, point_id=point.id, now=now) if point.id in state.points else None
        found.append(QueuePoint(point=point, today=setup.calendar.opening_on(now.astimezone(zone).date()), zone=zone,
                                queue=queue))
    found.sort(key=lambda item: (not (item.queue and item.queue.open_now and item.queue.tickets_left),
                                 item.queue.estimated_wait_minutes if item.queue else 0))
    return found


@dataclass(frozen=True)
class WeekCount:
    week_start_date: dt.date
    counts: dict[str, int]  # outcome -> number of guidances

    @property
    def week_number(self) -> int:
        return self.week_start_date.isocalendar().week

    @property
    def avoided(self) -> int:
        return sum(self.counts.get(outcome, 0) for outcome in decide.AVOIDED_VISIT_OUTCOMES)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, outcome: str) -> int:
        return self.counts.get(outcome, 0)


def visits_avoided_by_week(*, weeks: int, today: dt.date) -> list[WeekCount]:
    """Guidance given per week (Monday to Sunday), newest first, for the `weeks` weeks up to `today`."""
    this_monday = today - dt.timedelta(days=today.weekday())
    first_monday = this_monday - dt.timedelta(weeks=weeks - 1)
    starts = [this_monday - dt.timedelta(weeks=n) for n in range(weeks)]
    by_week: dict[dt.date, dict[str, int]] = {start: {} for start in starts}
    rows = (GuidanceRecord.objects.filter(date__gte=first_monday, date__lte=today)
            .values("date", "outcome").annotate(n=Count("id")).order_by())
    for row in rows:
        week = by_week[row["date"] - dt.timedelta(days=row["date"].weekday())]
        week[row["outcome"]] = week.get(row["outcome"], 0) + row["n"]
    return [WeekCount(week_start_date=start, counts=by_week[start]) for start in starts]
