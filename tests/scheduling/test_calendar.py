"""Opening hours become aware intervals: exceptions first, then holidays, then the week."""
import datetime as dt
from zoneinfo import ZoneInfo

import holidays

from vuoro.scheduling.calendar import DayException, PointCalendar, local_interval

HELSINKI = ZoneInfo("Europe/Helsinki")
WEEK = {d: (dt.time(8), dt.time(16, 15)) for d in range(5)}


def calendar(**kwargs) -> PointCalendar:
    return PointCalendar(**{"zone": HELSINKI, "desks": 3, "weekly": WEEK, **kwargs})


class TestOpeningOn:
    def test_a_weekday_opens_at_local_wall_clock_time(self):
        opening = calendar().opening_on(dt.date(2027, 3, 3))
        assert opening.interval.start == dt.datetime(2027, 3, 3, 6, 0, tzinfo=dt.UTC)  # 08:00 +02:00
        assert opening.desks == 3

    def test_the_hours_hold_across_the_spring_daylight_saving_change(self):
        before, after = calendar().opening_on(dt.date(2027, 3, 26)), calendar().opening_on(dt.date(2027, 3, 29))
        assert before.interval.start.astimezone(HELSINKI).time() == dt.time(8)
        assert after.interval.start.astimezone(HELSINKI).time() == dt.time(8)
        assert before.interval.start.hour == 6 and after.interval.start.hour == 5  # UTC moves, local does not

    def test_the_hours_hold_across_the_autumn_change(self):
        opening = calendar().opening_on(dt.date(2027, 11, 1))
        assert opening.interval.start == dt.datetime(2027, 11, 1, 6, 0, tzinfo=dt.UTC)

    def test_a_day_left_out_of_the_week_is_closed(self):
        assert calendar().opening_on(dt.date(2027, 3, 6)) is None  # a Saturday

    def test_a_public_holiday_closes_the_point(self):
        fi = holidays.country_holidays("FI", years=2027)
        assert calendar(holidays=fi).opening_on(dt.date(2027, 12, 6)) is None  # Independence Day, a Monday
        assert calendar(holidays=fi).opening_on(dt.date(2027, 12, 7)) is not None

    def test_an_exception_opens_a_holiday_and_sets_the_desks(self):
        fi = holidays.country_holidays("FI", years=2027)
        exceptions = {dt.date(2027, 12, 6): DayException(hours=(dt.time(9), dt.time(12)), desks=1)}
        opening = calendar(holidays=fi, exceptions=exceptions).opening_on(dt.date(2027, 12, 6))
        assert opening.desks == 1 and opening.interval.duration == dt.timedelta(hours=3)

    def test_an_exception_without_hours_closes_the_day(self):
        exceptions = {dt.date(2027, 3, 3): DayException(hours=None)}
        assert calendar(exceptions=exceptions).opening_on(dt.date(2027, 3, 3)) is None

    def test_a_saturday_opening_by_exception(self):
        exceptions = {dt.date(2027, 3, 6): DayException(hours=(dt.time(9), dt.time(15)))}
        assert calendar(exceptions=exceptions).opening_on(dt.date(2027, 3, 6)).desks == 3

    def test_openings_lists_only_open_days(self):
        days = [o.day for o in calendar().openings(dt.date(2027, 3, 1), dt.date(2027, 3, 14))]
        assert len(days) == 10 and all(d.weekday() < 5 for d in days)

    def test_open_days_as_a_bitset_match_the_openings(self):
        fi = holidays.country_holidays("FI", years=2027)
        exceptions = {dt.date(2027, 12, 11): DayException(hours=(dt.time(9), dt.time(13)))}  # a Saturday
        cal = calendar(holidays=fi, exceptions=exceptions)
        first = dt.date(2027, 11, 29)
        mask = cal.open_days(first, 40)
        assert [k for k in range(40) if mask >> k & 1] == [
            (o.day - first).days for o in cal.openings(first, first + dt.timedelta(days=39))]
        assert not mask >> 7 & 1 and mask >> 12 & 1  # Independence Day (Mon 6 Dec) shut, Saturday 11 Dec open
        assert cal.open_days(first, 40) == mask and mask < 1 << 40
        # From any day, for any count (the bitset is put together from blocks of 128 days)
        for offset in range(0, 400, 7):
            start = first + dt.timedelta(days=offset - 200)
            for count in (0, 1, 40, 129, 300):
                mask = cal.open_days(start, count)
                assert [k for k in range(count) if mask >> k & 1] == [
                    (o.day - start).days for o in cal.openings(start, start + dt.timedelta(days=count - 1))]


def test_a_night_opening_through_the_change_is_an_hour_shorter():
    interval = local_interval(dt.date(2027, 3, 28), dt.time(0, 0), dt.time(6, 0), HELSINKI)
    assert interval.duration == dt.timedelta(hours=5)


def test_the_core_never_imports_django():
    import pathlib

    core = pathlib.Path(__file__).resolve().parents[2] / "vuoro" / "scheduling"
    for module in core.glob("*.py"):
        text = module.read_text()
        assert "import django" not in text and "from django" not in text, module.name
