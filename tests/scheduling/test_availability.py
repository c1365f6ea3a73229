"""Slots from a day's opening and its busy desk time: property-tested invariants."""
import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from vuoro.scheduling.availability import (
    Busy,
    day_slots,
    first_start_bound,
    free_desk_for,
    runs,
    start_cells,
    start_desks,
)
from vuoro.scheduling.calendar import PointCalendar

HELSINKI = ZoneInfo("Europe/Helsinki")
DAY = dt.date(2027, 3, 3)
LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
FAR_AHEAD = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def opening(desks=2, opens=dt.time(9), closes=dt.time(11)):
    return PointCalendar(zone=HELSINKI, desks=desks, weekly={2: (opens, closes)}).opening_on(DAY)


def at(hour, minute=0):
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=HELSINKI)


def slots(o, busy=(), slot=20, duration=40, not_before=LONG_AGO, not_after=FAR_AHEAD):
    return day_slots(o, busy, slot_minutes=slot, duration_minutes=duration, not_before=not_before, not_after=not_after)


class TestDaySlots:
    def test_the_api_example_day(self):
        found = slots(opening())
        assert [s.start for s in found] == [at(9), at(9, 20), at(9, 40), at(10), at(10, 20)]
        assert all(s.free_desks == 2 and s.end - s.start == dt.timedelta(minutes=40) for s in found)

    def test_a_booking_takes_one_desk_from_every_overlapping_start(self):
        found = {s.start: s.free_desks for s in slots(opening(), [Busy(1, at(9, 20), at(10))])}
        assert found == {at(9): 1, at(9, 20): 1, at(9, 40): 1, at(10): 2, at(10, 20): 2}

    def test_past_and_beyond_horizon_starts_are_left_out(self):
        found = slots(opening(), not_before=at(9, 20), not_after=at(10))
        assert [s.start for s in found] == [at(9, 40), at(10)]

    def test_a_desk_not_staffed_that_day_is_ignored(self):
        found = slots(opening(desks=1), [Busy(2, at(9), at(11))])
        assert all(s.free_desks == 1 for s in found)

    def test_a_busy_interval_off_the_grid_blocks_every_cell_it_touches(self):
        found = {s.start for s in slots(opening(desks=1), [Busy(1, at(9, 50), at(10, 10))], duration=20)}
        assert found == {at(9), at(9, 20), at(10, 20), at(10, 40)}


@st.composite
def days(draw):
    desks = draw(st.integers(1, 4))
    slot = draw(st.sampled_from([5, 10, 15, 20, 30]))
    duration = slot * draw(st.integers(1, 6))
    opens = dt.time(draw(st.integers(6, 10)), draw(st.sampled_from([0, 15, 30, 45])))
    closes = dt.time(draw(st.integers(11, 20)), draw(st.sampled_from([0, 10, 45])))
    o = opening(desks=desks, opens=opens, closes=closes)
    start = o.interval.start
    busy = []
    for _ in range(draw(st.integers(0, 12))):
        desk = draw(st.integers(1, desks))
        first = draw(st.integers(0, 60)) * 5
        length = draw(st.integers(1, 30)) * 5
        busy.append(Busy(desk, start + dt.timedelta(minutes=first), start + dt.timedelta(minutes=first + length)))
    return o, busy, slot, duration


def overlaps(a_start, a_end, b):
    return a_start < b.end and b.start < a_end


@settings(max_examples=300, deadline=None)
@given(days())
def test_every_offered_slot_is_in_hours_on_the_grid_and_has_a_free_desk(day):
    o, busy, slot, duration = day
    for s in slots(o, busy, slot=slot, duration=duration):
        assert o.interval.start <= s.start and s.end <= o.interval.end
        assert (s.start - o.interval.start) % dt.timedelta(minutes=slot) == dt.timedelta(0)
        free = [d for d in range(1, o.desks + 1) if not any(b.desk == d and overlaps(s.start, s.end, b) for b in busy)]
        assert len(free) == s.free_desks >= 1


@settings(max_examples=300, deadline=None)
@given(days())
def test_every_free_start_is_offered(day):
    o, busy, slot, duration = day
    offered = {s.start for s in slots(o, busy, slot=slot, duration=duration)}
    t = o.interval.start
    while t + dt.timedelta(minutes=duration) <= o.interval.end:
        end = t + dt.timedelta(minutes=duration)
        if any(not any(b.desk == d and overlaps(t, end, b) for b in busy) for d in range(1, o.desks + 1)):
            assert t in offered
        t += dt.timedelta(minutes=slot)


@settings(max_examples=200, deadline=None)
@given(days(), st.data())
def test_booking_offered_slots_one_after_another_never_overlaps_on_a_desk(day, data):
    o, busy, slot, duration = day
    busy = list(busy)
    mine = []
    for _ in range(8):
        offered = slots(o, busy, slot=slot, duration=duration)
        if not offered:
            break
        chosen = data.draw(st.sampled_from(offered))
        desk = free_desk_for(o, busy, slot_minutes=slot, start=chosen.start, duration_minutes=duration)
        assert desk is not None  # a slot offered is a slot bookable
        new = Busy(desk, chosen.start, chosen.end)
        assert not any(b.desk == desk and overlaps(new.start, new.end, b) for b in busy)
        busy.append(new)
        mine.append(new)
    assert len(mine) == len(set(mine))


@given(st.integers(0, 2**40), st.integers(1, 20))
def test_runs_marks_exactly_the_starts_of_long_enough_runs(free, length):
    got = runs(free, length)
    for k in range(45):
        want = all(free >> (k + i) & 1 for i in range(length))
        assert bool(got >> k & 1) == want


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 40), st.data())
def test_start_desks_gives_every_start_and_its_free_desks_as_counted_by_hand(desks, data):
    """All starts at once, desks counted by bit-sliced addition (the month's answer, and one at a time
    through start_cells) against a count by hand from the desks' bits: the same starts, in order,
    with the same counts."""
    o = opening(desks=desks, opens=dt.time(8), closes=dt.time(18))  # 40 cells of 15 minutes
    free = [data.draw(st.integers(0, 2**40 - 1)) for _ in range(desks)]
    length = data.draw(st.integers(1, 6))
    not_before = at(8) + dt.timedelta(minutes=data.draw(st.integers(-60, 600)))
    not_after = not_before + dt.timedelta(minutes=data.draw(st.integers(-30, 700)))
    window = dict(slot_minutes=15, duration_minutes=15 * length, not_before=not_before, not_after=not_after)
    expected = []
    for cell in range(40 - length + 1):
        start = at(8) + dt.timedelta(minutes=15 * cell)
        count = sum(all(f >> (cell + i) & 1 for i in range(length)) for f in free)
        if count and not_before < start <= not_after:
            expected.append((cell, count))
    cells, counts = start_desks(o, free, **window)
    assert list(zip(cells, counts, strict=True)) == expected
    assert list(start_cells(o, free, **window)) == expected
    # The bound a limited search orders points by: never after the first start, and None only for
    # a day without one (desks free in turn, none all through, may still give a bound).
    bound = first_start_bound(o, free, **window)
    assert bound is not None or not expected
    if expected:
        assert bound <= expected[0][0]
