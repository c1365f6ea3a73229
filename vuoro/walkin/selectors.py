"""Reads of the day's queue: positions, the wait estimate, what the display board shows."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf.locale import LANG_INFO
from django.db.models import Count, Max, Q
from django.utils.translation import gettext

from vuoro.booking.models import Booking
from vuoro.network.state import NetworkState, PointState
from vuoro.scheduling.queue_estimate import estimated_wait_minutes, mean_service_minutes
from vuoro.walkin.models import PausedDesk, Ticket, TicketDay
from vuoro.walkin.services import appointment_shown, booking_label

ACTIVE = (Ticket.Status.CALLED, Ticket.Status.IN_SERVICE)


@dataclass(frozen=True)
class Estimate:
    position: int  # 1 = first in line
    wait_minutes: int


def _configured_minutes(point: PointState) -> float:
    durations = list(point.durations.values())
    return sum(durations) / len(durations) if durations else 15.0


def _service_minutes(point: PointState, day: dt.date) -> float:
    done = Ticket.objects.filter(service_point_id=point.id, local_date=day, status=Ticket.Status.DONE,
                                 started_at__isnull=False, finished_at__isnull=False)
    observed = [(end - start).total_seconds() / 60 for start, end in done.values_list("started_at", "finished_at")]
    return mean_service_minutes(observed_minutes=observed, configured_minutes=_configured_minutes(point))


def queue_estimate(*, state: NetworkState, point_id: str, now: dt.datetime, ticket: Ticket | None = None) -> Estimate:
    """Position and expected wait of `ticket`, or of someone taking a number now when None."""
    point = state.points[point_id]
    day = now.astimezone(point.zone).date()
    today = Ticket.objects.filter(service_point_id=point_id, local_date=day)
    waiting = today.filter(status=Ticket.Status.WAITING)
    if ticket is None:
        ahead = waiting.count()
    else:
        ahead = waiting.filter(urgent=True, number__lt=ticket.number).count() if ticket.urgent else (
            waiting.filter(urgent=True).count() + waiting.filter(urgent=False, number__lt=ticket.number).count())
    busy = today.filter(status__in=ACTIVE).count()
    return Estimate(position=ahead + 1, wait_minutes=_wait_minutes(point, day, ahead=ahead, busy=busy))


def _wait_minutes(point: PointState, day: dt.date, *, ahead: int, busy: int) -> int:
    # A paused walk-in desk counts as closed. With every one paused the queue still moves (any desk
    # may call a queue number), so the estimate assumes one desk rather than none.
    paused = PausedDesk.objects.filter(desk__service_point_id=point.id, desk__kind="walk_in",
                                       desk__active=True).count() if point.walk_in_desks else 0
    minutes = estimated_wait_minutes(ahead=ahead, busy=busy, desks=max(point.walk_in_desks - paused, 1),
                                     mean_service_minutes=_service_minutes(point, day))
    return math.ceil(minutes)


@dataclass(frozen=True)
class QueueStatus:
    waiting: int
    tickets_left: int
    estimated_wait_minutes: int
    now_serving: list[dict]
    last_calls: list[dict]
    open_now: bool


def queue_status(*, state: NetworkState, point_id: str, now: dt.datetime) -> QueueStatus:
    """The queue of a point today: who is waiting, who is being served where, what a newcomer waits."""
    point = state.points[point_id]
    day = now.astimezone(point.zone).date()
    issued = TicketDay.objects.filter(service_point_id=point_id, date=day).values_list("issued", flat=True).first()
    waiting = Ticket.objects.filter(service_point_id=point_id, local_date=day, status=Ticket.Status.WAITING).count()
    opening = point.calendar.opening_on(day)
    open_now = opening is not None and opening.interval.start <= now < opening.interval.end
    serving_tickets = list(Ticket.objects.filter(service_point_id=point_id, local_date=day, status__in=ACTIVE)
                           .select_related("desk"))
    serving = [{"number": t.label, "desk": desk_display_number(point, t.desk), "called_at": t.called_at}
               for t in serving_tickets]
    serving += [{"number": booking_label(b), "desk": desk_display_number(point, b.served_at_desk),
                 "called_at": b.called_at}
                for b in Booking.objects.filter(service_point_id=point_id, local_date=day,
                                                status__in=(Booking.Status.CALLED, Booking.Status.IN_SERVICE))
                .select_related("served_at_desk", "service_point")]
    serving.sort(key=lambda item: item["called_at"], reverse=True)
    # A newcomer has everyone waiting ahead; the desks busy are those serving queue numbers.
    wait = _wait_minutes(point, day, ahead=waiting, busy=len(serving_tickets))
    return QueueStatus(waiting=waiting, tickets_left=max((point.daily_tickets or 0) - (issued or 0), 0),
                       estimated_wait_minutes=wait, now_serving=serving, last_calls=serving[:6],
                       open_now=open_now)


@dataclass(frozen=True)
class Call:
    """A call to a desk as the board shows it: a queue number, or an appointment by its time and
    the last characters of its reservation key (never a name)."""
    kind: str  # "ticket" or "appointment"
    number: str  # A-001 for a queue number, "" for an appointment
    time: str  # the appointment's start, "15:30"
    key_end: str  # the appointment's key, its last three characters
    desk: str
    called_at: dt.datetime


def recent_calls(*, state: NetworkState, point_id: str, now: dt.datetime, limit: int = 5) -> list[Call]:
    """The last `limit` calls of the day at a point, newest first (served and absent ones too: the
    board is where a customer who looked away finds their number again)."""
    point = state.points[point_id]
    day = now.astimezone(point.zone).date()
    tickets = (Ticket.objects.filter(service_point_id=point_id, local_date=day, called_at__isnull=False)
               .select_related("desk").order_by("-called_at")[:limit])
    bookings = (Booking.objects.filter(service_point_id=point_id, local_date=day, called_at__isnull=False)
                .select_related("served_at_desk").order_by("-called_at")[:limit])
    calls = [Call("ticket", t.label, "", "", desk_display_number(point, t.desk), t.called_at) for t in tickets]
    calls += [Call("appointment", "", f"{b.start_at.astimezone(point.zone):%H:%M}", b.reservation_key[-3:],
                   desk_display_number(point, b.served_at_desk), b.called_at) for b in bookings]
    calls.sort(key=lambda call: call.called_at, reverse=True)
    return calls[:limit]


def desk_display_number(point: PointState, desk) -> str:
    """One numbering for the customers: appointment desks first, then the walk-in desks."""
    if desk is None:
        return ""
    offset = max(point.desk_numbers.values(), default=0) if desk.kind == "walk_in" else 0
    return str(offset + desk.number)


def board_fingerprint(*, point_id: str, day: dt.date) -> tuple:
    """Changes whenever anything the board shows changes: cheap enough to poll twice a second."""
    # The counts see what no timestamp shows: a customer transferred back into the queue, a no-show undone.
    serving = Q(status__in=ACTIVE)
    tickets = Ticket.objects.filter(service_point_id=point_id, local_date=day).aggregate(
        issued=Max("issued_at"), called=Max("called_at"), started=Max("started_at"), finished=Max("finished_at"),
        absent=Max("no_show_at"), serving=Count("pk", filter=serving))
    bookings = Booking.objects.filter(service_point_id=point_id, local_date=day).aggregate(
        called=Max("called_at"), started=Max("started_at"), finished=Max("finished_at"), absent=Max("no_show_at"),
        serving=Count("pk", filter=serving))
    return tuple(tickets.values()) + tuple(bookings.values())


NO_SHOW_UNDO = dt.timedelta(minutes=5)  # a no-show is undone within 5 minutes, and before the desk's next call


@dataclass(frozen=True)
class QueueRow:
    """One customer waiting at a point, as the console lists them."""

    kind: str  # "booking" or "ticket"
    id: int
    label: str
    urgent: bool
    service_name: str
    start_at: dt.datetime | None  # an appointment's time
    since_at: dt.datetime  # checked in, or took the number
    for_desk_id: int | None  # transferred to this desk: only it calls them
    shown: str  # as the board shows them: "A-012", "Appointment 15:30 (…0MQ)"


@dataclass(frozen=True)
class ConsoleQueue:
    """Who waits at a point, in calling order; every count is taken from these rows, so a count
    shown never differs from the rows shown with it."""

    rows: list[QueueRow]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def appointments(self) -> int:
        return sum(row.kind == "booking" for row in self.rows)

    @property
    def urgent(self) -> int:
        return sum(row.urgent for row in self.rows)

    @property
    def numbers(self) -> int:
        return self.total - self.appointments


def console_queue(*, point_id: str, day: dt.date) -> ConsoleQueue:
    """What a clerk sees: checked-in appointments, urgent and other queue numbers, in calling order."""
    appointments = (Booking.objects.filter(service_point_id=point_id, local_date=day, status=Booking.Status.CHECKED_IN)
                    .select_related("service", "service_point").order_by("start_at", "checked_in_at", "id"))
    tickets = (Ticket.objects.filter(service_point_id=point_id, local_date=day, status=Ticket.Status.WAITING)
               .select_related("service").order_by("-urgent", "number"))
    rows = [QueueRow("booking", b.pk, b.reservation_key, False, b.service.name, b.start_at, b.checked_in_at,
                     b.served_at_desk_id, appointment_shown(b.start_at, b.service_point_zone, b.reservation_key))
            for b in appointments]
    rows += [QueueRow("ticket", t.pk, t.label, t.urgent, t.service.name if t.service else "", None, t.issued_at,
                      t.desk_id, t.label) for t in tickets]
    return ConsoleQueue(rows=rows)


@dataclass(frozen=True)
class DeskVisit:
    """A customer called to a desk or being served there: what the clerk needs to greet them."""

    kind: str
    id: int
    label: str  # the queue number, or the reservation key
    status: str
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    name: str  # "" for a queue number: the kiosk asks no name
    persons: int | None
    language: str
    service_name: str
    start_at: dt.datetime | None
    shown: str  # as the board shows them: "A-012", "Appointment 15:30 (…0MQ)"

    @property
    def language_name(self) -> str:
        """The customer's language in the clerk's language ("Finnish", "suomi"...); the code if unknown."""
        info = LANG_INFO.get(self.language)
        return gettext(info["name"]) if info else self.language


def desk_visits(*, desk, day: dt.date) -> list[DeskVisit]:
    """The customers called to `desk` or being served there today, first called first."""
    statuses = ["called", "in_service"]
    visits = [DeskVisit("ticket", t.pk, t.label, t.status, t.called_at, t.started_at, "", None, t.language,
                        t.service.name if t.service else "", None, t.label)
              for t in Ticket.objects.filter(desk=desk, local_date=day, status__in=statuses).select_related("service")]
    visits += [DeskVisit("booking", b.pk, b.reservation_key, b.status, b.called_at, b.started_at, b.customer_name,
                         b.persons, b.language, b.service.name, b.start_at,
                         appointment_shown(b.start_at, b.service_point_zone, b.reservation_key))
               for b in Booking.objects.filter(served_at_desk=desk, local_date=day, status__in=statuses)
               .select_related("service", "service_point")]
    return sorted(visits, key=lambda v: (v.called_at is None, v.called_at or dt.datetime.min.replace(tzinfo=dt.UTC)))


@dataclass(frozen=True)
class UndoableNoShow:
    kind: str
    id: int
    label: str  # as the board shows them: "A-012", "Appointment 15:30 (…0MQ)"
    no_show_at: dt.datetime
    until_at: dt.datetime


def desk_undoable_no_show(*, desk, now: dt.datetime) -> UndoableNoShow | None:
    """The customer this desk last marked absent, while that can still be undone: for NO_SHOW_UNDO
    after marking, and only until the desk calls its next customer."""
    since = now - NO_SHOW_UNDO
    found = [UndoableNoShow("ticket", t.pk, t.label, t.no_show_at, t.no_show_at + NO_SHOW_UNDO)
             for t in Ticket.objects.filter(desk=desk, status=Ticket.Status.NO_SHOW, no_show_at__gt=since)
             .order_by("-no_show_at")[:1]]
    found += [UndoableNoShow("booking", b.pk, appointment_shown(b.start_at, b.service_point_zone, b.reservation_key),
                             b.no_show_at, b.no_show_at + NO_SHOW_UNDO)
              for b in Booking.objects.filter(served_at_desk=desk, status=Booking.Status.NO_SHOW, no_show_at__gt=since)
              .select_related("service_point").order_by("-no_show_at")[:1]]
    if not found:
        return None
    last = max(found, key=lambda item: item.no_show_at)
    called_since = (
        Ticket.objects.filter(desk=desk, called_at__gte=last.no_show_at).exclude(
            pk=last.id if last.kind == "ticket" else None).exists()
        or Booking.objects.filter(served_at_desk=desk, called_at__gte=last.no_show_at).exclude(
            pk=last.id if last.kind == "booking" else None).exists())
    return None if called_since else last


def paused_desk_ids(*, desk_ids: list[int]) -> set[int]:
    """Which of these desks are paused."""
    return set(PausedDesk.objects.filter(desk_id__in=desk_ids).values_list("desk_id", flat=True))
