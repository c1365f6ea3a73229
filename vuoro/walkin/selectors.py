"""Reads of the day's queue: positions, the wait estimate, what the display board shows."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Max

from vuoro.booking.models import Booking
from vuoro.network.state import NetworkState, PointState
from vuoro.scheduling.queue_estimate import estimated_wait_minutes, mean_service_minutes
from vuoro.walkin.models import Ticket, TicketDay
from vuoro.walkin.services import booking_label

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
    minutes = estimated_wait_minutes(ahead=ahead, busy=busy, desks=max(point.walk_in_desks, 1),
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
    tickets = Ticket.objects.filter(service_point_id=point_id, local_date=day).aggregate(
        issued=Max("issued_at"), called=Max("called_at"), started=Max("started_at"), finished=Max("finished_at"),
        absent=Max("no_show_at"))
    bookings = Booking.objects.filter(service_point_id=point_id, local_date=day).aggregate(
        called=Max("called_at"), started=Max("started_at"), finished=Max("finished_at"), absent=Max("no_show_at"))
    return tuple(tickets.values()) + tuple(bookings.values())


def waiting_list(*, point_id: str, day: dt.date, now: dt.datetime) -> dict:
    """What a clerk sees: checked-in appointments, urgent and other queue numbers, in calling order."""
    appointments = list(Booking.objects.filter(service_point_id=point_id, local_date=day,
                                               status=Booking.Status.CHECKED_IN)
                        .select_related("service", "service_point").order_by("start_at", "checked_in_at"))
    tickets = list(Ticket.objects.filter(service_point_id=point_id, local_date=day, status=Ticket.Status.WAITING)
                   .select_related("service").order_by("-urgent", "number"))
    return {"appointments": appointments, "tickets": tickets}
