"""What the booking pages say when the chosen time cannot be booked: what is true (in the past,
beyond the horizon, a closed day and why, not released yet, outside the hours, off the grid, kept
for a priority group, or taken), in the customer's language.

An old link (a bookmarked details page, the day page left open overnight) is checked when the page
is shown, before the customer types anything; what only the booking itself can find out (someone
booked the time a moment ago) is told when it refuses.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from vuoro.booking.selectors import availability_list
from vuoro.booking.services import SlotUnavailable, start_check
from vuoro.booking.templatetags.booking_dates import clock
from vuoro.network.state import NetworkState
from vuoro.scheduling import refusal


@dataclass(frozen=True)
class Problem:
    """A refusal as a page tells it: the reason (vuoro.scheduling.refusal), a heading and what is true."""

    reason: str
    heading: str
    text: str


def start_problem(*, state: NetworkState, service_code: str, point_id: str, start_at: dt.datetime,
                  now: dt.datetime, persons: int, pools: frozenset[str], bookings_too: bool = True) -> Problem | None:
    """Why a start a page is about to offer cannot be booked at `now`, or None. With `bookings_too`,
    the day's free times are read as availability reads them (a move leaves it out: the booking's
    own time would count against it)."""
    try:
        start_check(state=state, point_id=point_id, service_code=service_code, start_at=start_at, now=now,
                    persons=persons)
    except SlotUnavailable as error:
        return problem_of(error, state=state, point_id=point_id, service_code=service_code, start_at=start_at,
                          persons=persons)
    if not bookings_too:
        return None
    point = state.points[point_id]
    day = start_at.astimezone(point.zone).date()

    def offered(pools: frozenset[str]) -> bool:
        return any(found.slot.start == start_at for found in availability_list(
            state=state, service_code=service_code, point_ids=[point_id], from_date=day, to_date=day, limit=None,
            now=now, persons=persons, pools=pools))

    if offered(pools):
        return None
    kept = {pool_id for pool_id in state.pools_at([point_id]) - pools
            if state.pools[pool_id].services is None or service_code in state.pools[pool_id].services}
    if kept and offered(pools | kept):
        error = SlotUnavailable.kept(day, state.pools[next(iter(kept))])
    else:
        error = SlotUnavailable.taken(day)
    return problem_of(error, state=state, point_id=point_id, service_code=service_code, start_at=start_at,
                      persons=persons, just_now=False)


def problem_of(error: SlotUnavailable, *, state: NetworkState, point_id: str, service_code: str,
               start_at: dt.datetime, persons: int, just_now: bool = True) -> Problem:
    """The page's words for a refusal; `just_now`: the booking itself found the time taken (someone
    was quicker), rather than the page finding it taken when shown."""
    refused = error.refusal
    point = state.points.get(point_id)
    zone = point.zone if point else state.timezone
    reason = error.reason
    if reason == refusal.PAST:
        return Problem(reason, _("This time has already passed"), _("The link you followed is out of date."))
    if reason == refusal.BEYOND_HORIZON:
        opens_at = refused.opens_at.astimezone(zone)
        return Problem(reason, _("This time cannot be booked yet"),
                       _("Appointments can be booked at most %(days)s days ahead, so this time can be booked from "
                         "%(date)s at %(time)s.") % {"days": state.horizon_days,
                                                     "date": date_format(opens_at.date(), "DATE_FORMAT"),
                                                     "time": clock(opens_at)})
    if reason == refusal.CLOSED:
        why = {refusal.HOLIDAY: _("It is a public holiday."),
               refusal.EXCEPTION: _("The service point is closed on this day by exception.")}.get(
            refused.closed_because, _("The service point is not open on this day of the week."))
        return Problem(reason, _("The service point is closed on this day"), why)
    if reason == refusal.NOT_RELEASED:
        opens_at = refused.opens_at.astimezone(state.timezone)
        return Problem(reason, _("The times of this day are not open for booking yet"),
                       _("They open for booking on %(date)s at %(time)s.") % {
                           "date": date_format(opens_at.date(), "DATE_FORMAT"), "time": clock(opens_at)})
    if reason in (refusal.OUTSIDE_HOURS, refusal.OFF_GRID):
        opens, closes = (moment.astimezone(zone) for moment in refused.hours)
        if reason == refusal.OFF_GRID:
            return Problem(reason, _("This is not one of the times you can book"),
                           _("Bookable times start every %(minutes)s minutes, the first at %(opens)s.") % {
                               "minutes": state.slot_minutes, "opens": clock(opens)})
        minutes = state.visit_minutes(point, service_code, persons) if point else None
        return Problem(reason, _("This time is outside the opening hours"),
                       _("On this day the service point is open %(opens)s–%(closes)s. A visit of %(minutes)s "
                         "minutes starting at %(start)s does not fit within those hours.") % {
                           "opens": clock(opens), "closes": clock(closes), "minutes": minutes,
                           "start": clock(start_at.astimezone(zone))})
    if reason == refusal.KEPT:
        return Problem(reason, _("This time is kept for a priority group"),
                       _("It can be booked with a priority code issued by the agency. If it is still free on "
                         "%(date)s, anyone can book it from then on.") % {
                           "date": date_format(error.kept_until, "DATE_FORMAT")})
    if reason == refusal.NOT_OFFERED_HERE:
        return Problem(reason, _("This service point does not offer this service"), "")
    if just_now:
        return Problem(refusal.TAKEN, _("Someone booked that time just before you"), "")
    return Problem(refusal.TAKEN, _("This time is no longer free"), _("Someone else has booked it."))
