"""The backlog model's inputs and outputs: plain, immutable records (see `backlog`)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from vuoro.scheduling.calendar import PointCalendar


@dataclass(frozen=True, slots=True)
class PointPlan:
    """A service point as the model needs it: its calendar and each service's visit length."""

    id: str
    calendar: PointCalendar
    durations_minutes: Mapping[str, int]  # service code -> minutes, only services offered here


@dataclass(frozen=True, slots=True)
class ExtraDesks:
    """`desks` more desks on every open day from `first_date` to `last_date` (both included)."""

    point_id: str
    first_date: dt.date
    last_date: dt.date
    desks: int
    released_date: dt.date | None = None  # when they become bookable; None: from the start


@dataclass(frozen=True, slots=True)
class ExtraDay:
    """An extra opening (a Saturday, say) with its own hours and desks, on top of any usual ones."""

    point_id: str
    date: dt.date
    opens: dt.time
    closes: dt.time
    desks: int
    released_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class NewDuration:
    """From `from_date`, visits for `service` take `minutes` (at `point_ids`, or everywhere).

    Applies to visits booked from `released_date` on (default: the start) for days from
    `from_date`; visits booked earlier keep the length they were booked with.
    """

    service: str
    minutes: int
    from_date: dt.date
    point_ids: tuple[str, ...] = ()
    released_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class DemandChange:
    """From `from_date`, new requests per week and/or the share deflected by guidance change."""

    from_date: dt.date
    demand_per_week: float | None = None
    deflection_share: float | None = None


@dataclass(frozen=True)
class BacklogScenario:
    """Everything one run needs, as plain data."""

    start_date: dt.date
    weeks: int
    points: tuple[PointPlan, ...]
    demand_per_week: float
    slot_minutes: int = 15
    horizon_days: int = 180
    service_mix: Mapping[str, float] = field(default_factory=dict)  # empty: all services alike
    point_shares: Mapping[str, float] = field(default_factory=dict)  # empty: by desk time
    any_point_share: float = 0.0  # who takes the earliest time at any point offering the service
    initial_waiting: int = 0  # looking for a time at the start, none found yet
    initial_bookings: int = 0  # holding a time at the start: this many, booked earliest first
    initial_booked_days: int = 0  # ... or: every time in the first this many days is taken
    no_show_rate: float = 0.0
    no_show_rebook_share: float = 0.0  # of the no-shows, who books again the same day
    cancellation_rate: float = 0.0  # of bookings, cancelled on a day between booking and visit
    refill_cancelled: bool = True  # freed times are offered again (else they go unused)
    deflection_share: float = 0.0  # of requests, sent online by guidance: no visit needed
    extra_desks: tuple[ExtraDesks, ...] = ()
    extra_days: tuple[ExtraDay, ...] = ()
    new_durations: tuple[NewDuration, ...] = ()
    demand_changes: tuple[DemandChange, ...] = ()
    seed: int = 1
    # Software levers (docs/simulate.md). Reminders prevent a share of the no-shows.
    reminders: bool = False
    no_show_reduction: float = 0.3  # of the no-shows, the share reminders prevent (with reminders on)
    # Of the people holding a time, the share on the waitlist: time a cancellation frees before its
    # day is offered to them first, in the order they asked for a visit (earlier times for them).
    waitlist_share: float = 0.0
    # Pooled capacity: a share of requests is priority; a share of each desk's time is kept for
    # them and released to everyone `priority_release_days` before the day.
    priority_share: float = 0.0
    priority_desk_share: float = 0.0
    priority_release_days: int = 7


@dataclass(frozen=True, slots=True)
class BacklogWeek:
    """One week's figures. Counts are people; times are days."""

    week_start_date: dt.date
    capacity: int  # visits of the week's service mix its open desk time holds
    demand: int  # new requests for a visit
    deflected: int  # of those, sent online by guidance
    served: int
    no_shows: int
    cancelled: int
    waiting: int  # at the week's end: holding a future time, or still looking for one
    booked: int  # ... of them holding a time
    unbooked: int  # ... of them still looking
    lead_time_days: float | None  # mean, booking day to visit, of those who booked this week
    request_to_visit_days: float | None  # mean, request to visit (looking included), same people
    days_to_earliest_free: float | None  # at the week's end, weighted over points (see README)
    desk_hours: float  # open desk time of the week
    booked_desk_hours: float  # of it, taken by visits (no-shows included)
    moved_earlier: int = 0  # waitlisted people moved to an earlier time that week
    days_moved_earlier: float | None = None  # mean days they gained (None: nobody moved)
    priority_lead_time_days: float | None = None  # lead_time_days of the priority requests alone
    public_lead_time_days: float | None = None  # ... and of everybody else


@dataclass(frozen=True, slots=True)
class BacklogResult:
    """The weeks, and the fate of everybody who took part (for checking that nobody is lost)."""

    weeks: tuple[BacklogWeek, ...]
    customers: int  # initial bookings + initial waiting + requests
    served: int
    deflected: int
    cancelled: int
    no_shows_gone: int  # no-shows who did not book again
    booked_at_end: int
    unbooked_at_end: int
    moved_earlier: int = 0  # moves to an earlier time from the waitlist, over the run
    served_customer_ids: tuple[int, ...] = ()  # only with record_served=True
