"""Why a start is not offered, told truthfully by the pure core (no database, `now` passed in)."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from vuoro.scheduling import refusal
from vuoro.scheduling.calendar import DayException, PointCalendar

HELSINKI = ZoneInfo("Europe/Helsinki")
WEEKDAYS_8_TO_16 = {day: (dt.time(8), dt.time(16)) for day in range(5)}
CALENDAR = PointCalendar(zone=HELSINKI, desks=2, weekly={**WEEKDAYS_8_TO_16, 6: (dt.time(8), dt.time(16))},
                         exceptions={dt.date(2027, 4, 14): DayException(hours=None),
                                     dt.date(2027, 4, 15): DayException(hours=(dt.time(8), dt.time(16)), desks=0)},
                         holidays=frozenset({dt.date(2027, 3, 26)}))
NOW = dt.datetime(2027, 3, 10, 12, 0, tzinfo=HELSINKI)  # a Wednesday, winter time (+02:00)
HORIZON = dt.timedelta(days=180)


def at(day: str, clock: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(clock), tzinfo=HELSINKI)


def refused(start, *, now=NOW, minutes=40, opens_at=None):
    return refusal.start_refusal(calendar=CALENDAR, slot_minutes=20, duration_minutes=minutes, start=start, now=now,
                                 horizon=HORIZON, opens_at=opens_at)


class TestStartRefusal:
    def test_an_offered_start_is_not_refused(self):
        assert refused(at("2027-03-11", "10:00")) is None

    def test_a_start_at_or_before_now_is_in_the_past(self):
        assert refused(NOW).reason == refusal.PAST
        assert refused(at("2027-03-10", "10:00")).reason == refusal.PAST

    def test_the_past_comes_first_even_on_a_closed_day(self):
        assert refused(at("2027-03-06", "10:00")).reason == refusal.PAST  # a Saturday, closed

    def test_on_the_spring_forward_day_the_past_is_told_by_the_instant(self):
        now = at("2027-03-28", "12:00")  # Sunday 28 March 2027: clocks went from 03:00 to 04:00
        assert now.utcoffset() == dt.timedelta(hours=3)
        assert refused(at("2027-03-28", "11:40"), now=now).reason == refusal.PAST
        assert refused(at("2027-03-28", "12:20"), now=now) is None
        # The same instant written with the winter offset is the same start.
        assert refused(dt.datetime(2027, 3, 28, 11, 20, tzinfo=dt.timezone(dt.timedelta(hours=2))), now=now) is None

    def test_beyond_the_horizon_names_the_moment_it_comes_within_it_across_a_clock_change(self):
        # 180 days after 10 March 12:00 (+02:00) is 6 September 13:00 (+03:00) local: the clocks moved.
        assert refused(at("2027-09-06", "13:00")) is None
        found = refused(at("2027-09-06", "13:20"))
        assert found.reason == refusal.BEYOND_HORIZON
        # 180 days of 24 hours before it: 12:20 in winter time, not 13:20 (wall-clock arithmetic).
        assert found.opens_at == at("2027-03-10", "12:20")

    @pytest.mark.parametrize(("day", "why"), [("2027-03-26", refusal.HOLIDAY), ("2027-04-14", refusal.EXCEPTION),
                                              ("2027-04-15", refusal.EXCEPTION), ("2027-03-13", refusal.WEEKLY)])
    def test_a_closed_day_says_why(self, day, why):
        found = refused(at(day, "10:00"))
        assert (found.reason, found.closed_because, found.day) == (refusal.CLOSED, why, dt.date.fromisoformat(day))

    def test_an_exception_with_hours_opens_a_holiday(self):
        calendar = PointCalendar(zone=HELSINKI, desks=1, weekly=WEEKDAYS_8_TO_16,
                                 exceptions={dt.date(2027, 3, 26): DayException(hours=(dt.time(9), dt.time(12)))},
                                 holidays=frozenset({dt.date(2027, 3, 26)}))
        assert refusal.closed_because(calendar, dt.date(2027, 3, 26)) is None

    def test_a_day_not_yet_released_names_when_it_opens(self):
        opens_at = at("2027-05-02", "09:00")
        found = refused(at("2027-06-02", "10:00"), opens_at=opens_at)
        assert (found.reason, found.opens_at) == (refusal.NOT_RELEASED, opens_at)
        assert refused(at("2027-06-02", "10:00"), now=opens_at, opens_at=opens_at) is None

    def test_closed_is_told_before_not_released(self):
        assert refused(at("2027-03-13", "10:00"), opens_at=at("2027-05-02", "09:00")).reason == refusal.CLOSED

    @pytest.mark.parametrize(("clock", "minutes"), [("07:00", 40), ("07:40", 40), ("15:40", 40), ("16:00", 40),
                                                    ("15:20", 60)])
    def test_a_visit_that_does_not_fit_the_day_is_outside_the_hours(self, clock, minutes):
        found = refused(at("2027-03-11", clock), minutes=minutes)
        assert found.reason == refusal.OUTSIDE_HOURS
        assert found.hours == (at("2027-03-11", "08:00"), at("2027-03-11", "16:00"))

    @pytest.mark.parametrize("clock", ["08:10", "10:05", "10:00:30"])
    def test_a_start_between_grid_points_is_off_the_grid(self, clock):
        assert refused(at("2027-03-11", clock)).reason == refusal.OFF_GRID

    def test_off_the_grid_on_the_spring_forward_day(self):
        now = at("2027-03-27", "12:00")
        assert refused(at("2027-03-28", "08:20"), now=now) is None
        assert refused(at("2027-03-28", "08:30"), now=now).reason == refusal.OFF_GRID
