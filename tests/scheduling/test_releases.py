"""Releases in the core: when a day opens, per point and service, across daylight-saving changes."""
import datetime as dt
from zoneinfo import ZoneInfo

from vuoro.scheduling.calendar import local_instant
from vuoro.scheduling.releases import FixedRelease, Releases, RollingRelease

HELSINKI = ZoneInfo("Europe/Helsinki")
UTC = dt.UTC


def fixed(first, last, opens_at, points=(), services=(), id=1):
    return FixedRelease(id=id, first_date=first, last_date=last, opens_at=opens_at, point_ids=frozenset(points),
                        service_codes=frozenset(services))


JULY = (dt.date(2027, 7, 1), dt.date(2027, 7, 31))
OPENS = local_instant(dt.date(2027, 6, 1), dt.time(9), HELSINKI)


class TestFixedRelease:
    def test_holds_its_dates_until_the_moment_and_no_others(self):
        releases = Releases(fixed=(fixed(*JULY, OPENS),))
        before, after = OPENS - dt.timedelta(seconds=1), OPENS
        assert not releases.is_released("p", "s", dt.date(2027, 7, 1), before)
        assert not releases.is_released("p", "s", dt.date(2027, 7, 31), before)
        assert releases.is_released("p", "s", dt.date(2027, 6, 30), before)
        assert releases.is_released("p", "s", dt.date(2027, 8, 1), before)
        assert releases.is_released("p", "s", dt.date(2027, 7, 15), after)
        assert releases.opens_at("p", "s", dt.date(2027, 7, 15)) == OPENS == dt.datetime(2027, 6, 1, 6, tzinfo=UTC)

    def test_holds_only_the_points_and_services_it_names(self):
        releases = Releases(fixed=(fixed(*JULY, OPENS, points={"malmi"}, services={"permit"}),))
        before = OPENS - dt.timedelta(days=1)
        day = dt.date(2027, 7, 2)
        assert not releases.is_released("malmi", "permit", day, before)
        assert releases.is_released("other", "permit", day, before)
        assert releases.is_released("malmi", "card", day, before)

    def test_the_mask_matches_day_by_day_answers(self):
        releases = Releases(fixed=(fixed(*JULY, OPENS), fixed(dt.date(2027, 6, 20), dt.date(2027, 7, 3),
                                                                OPENS + dt.timedelta(days=3), id=2)),
                            rolling=(RollingRelease(days_ahead=30, at=dt.time(7), zone=HELSINKI),))
        first = dt.date(2027, 6, 1)
        for now in (OPENS - dt.timedelta(hours=1), OPENS, OPENS + dt.timedelta(days=3), OPENS + dt.timedelta(days=40)):
            mask = releases.released_days("p", "s", first, 90, now)
            expected = sum(1 << k for k in range(90)
                           if releases.is_released("p", "s", first + dt.timedelta(days=k), now))
            assert mask == expected

    def test_the_latest_of_overlapping_releases_opens_a_day(self):
        later = OPENS + dt.timedelta(days=2)
        releases = Releases(fixed=(fixed(*JULY, OPENS), fixed(dt.date(2027, 7, 10), dt.date(2027, 7, 10), later, id=2)))
        assert releases.opens_at("p", "s", dt.date(2027, 7, 10)) == later
        assert not releases.is_released("p", "s", dt.date(2027, 7, 10), OPENS)


class TestRollingRelease:
    def test_opens_one_more_day_each_morning(self):
        releases = Releases(rolling=(RollingRelease(days_ahead=28, at=dt.time(7), zone=HELSINKI),))
        morning = local_instant(dt.date(2027, 5, 3), dt.time(7), HELSINKI)
        day = dt.date(2027, 5, 31)
        assert not releases.is_released("p", "s", day, morning - dt.timedelta(minutes=1))
        assert releases.is_released("p", "s", day, morning)
        assert releases.is_released("p", "s", day - dt.timedelta(days=1), morning - dt.timedelta(minutes=1))
        assert not releases.is_released("p", "s", day + dt.timedelta(days=1), morning)
        mask = releases.released_days("p", "s", dt.date(2027, 5, 3), 40, morning)
        assert mask == (1 << 29) - 1  # 3 May to 31 May


class TestDaylightSaving:
    """Finland moves its clocks on the last Sundays of March (03:00 → 04:00) and October (04:00 → 03:00)."""

    def test_a_release_on_the_spring_change_day_opens_at_local_time(self):
        opens = local_instant(dt.date(2027, 3, 28), dt.time(9), HELSINKI)
        assert opens == dt.datetime(2027, 3, 28, 6, tzinfo=UTC)  # summer time: UTC+3
        releases = Releases(fixed=(fixed(*JULY, opens),))
        assert not releases.is_released("p", "s", dt.date(2027, 7, 1), dt.datetime(2027, 3, 28, 5, 59, tzinfo=UTC))
        assert releases.is_released("p", "s", dt.date(2027, 7, 1), dt.datetime(2027, 3, 28, 6, tzinfo=UTC))

    def test_a_time_in_the_spring_gap_and_the_autumn_repeat_resolves_like_opening_hours(self):
        # 03:30 does not exist on 28 March: the offset before the change (UTC+2) applies.
        assert local_instant(dt.date(2027, 3, 28), dt.time(3, 30), HELSINKI) == dt.datetime(2027, 3, 28, 1, 30,
                                                                                              tzinfo=UTC)
        # 03:30 happens twice on 31 October: the first (summer time, UTC+3).
        assert local_instant(dt.date(2027, 10, 31), dt.time(3, 30), HELSINKI) == dt.datetime(2027, 10, 31, 0, 30,
                                                                                               tzinfo=UTC)

    def test_a_rolling_window_keeps_its_local_hour_across_the_change(self):
        release = RollingRelease(days_ahead=10, at=dt.time(7), zone=HELSINKI)
        assert release.opens_at(dt.date(2027, 4, 6)) == dt.datetime(2027, 3, 27, 5, tzinfo=UTC)  # winter time
        assert release.opens_at(dt.date(2027, 4, 7)) == dt.datetime(2027, 3, 28, 4, tzinfo=UTC)  # summer time
        assert release.last_open_day(dt.datetime(2027, 3, 28, 3, 59, tzinfo=UTC)) == dt.date(2027, 4, 6)
        assert release.last_open_day(dt.datetime(2027, 3, 28, 4, tzinfo=UTC)) == dt.date(2027, 4, 7)
