"""Slots: where on a day's grid a service of a given length can still start, and on how many desks.

The day is cut into cells of `slot_minutes` from its opening time. Each staffed desk's free
cells are one Python integer used as a bitset (bit k = cell k free), so "free for d cells from
cell k" is an AND of shifted copies, and counting desks is a popcount. A service point's
180-day horizon with tens of desks is a few thousand integer operations.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from vuoro.scheduling.calendar import Opening


@dataclass(frozen=True, slots=True)
class Slot:
    """A start time at which a service can be booked, and how many desks are free all through it."""

    start: dt.datetime
    end: dt.datetime
    free_desks: int


@dataclass(frozen=True, slots=True)
class Busy:
    """Desk time already taken: `[start, end)` on desk number `desk` (1-based)."""

    desk: int
    start: dt.datetime
    end: dt.datetime


def cell_count(opening: Opening, slot_minutes: int) -> int:
    """How many whole grid cells fit in the day's opening."""
    return int(opening.interval.duration.total_seconds() // (slot_minutes * 60))


def free_cells_by_desk(opening: Opening, busy: Iterable[Busy], *, slot_minutes: int) -> dict[int, int]:
    """Each staffed desk (numbers 1..opening.desks) → bitset of its free grid cells.

    A busy interval blocks every cell it touches, even partly (an interval off the grid, for
    instance left by an older grid, never lets a cell be offered twice).
    """
    cells = cell_count(opening, slot_minutes)
    full = (1 << cells) - 1
    free = dict.fromkeys(range(1, opening.desks + 1), full)
    origin = opening.interval.start
    slot_seconds = slot_minutes * 60
    for item in busy:
        if item.desk not in free:
            continue
        first = int((item.start - origin).total_seconds() // slot_seconds)
        last = -int(-(item.end - origin).total_seconds() // slot_seconds)  # ceiling
        first, last = max(first, 0), min(last, cells)
        if last > first:
            free[item.desk] &= ~(((1 << (last - first)) - 1) << first)
    return free


def runs(free: int, length: int) -> int:
    """Bit k set when cells k .. k+length-1 are all set in `free`."""
    result = free
    span = 1
    # Doubling: combine runs of `span` into runs of up to 2*span, then finish exactly.
    while span * 2 <= length:
        result &= result >> span
        span *= 2
    if span < length:
        result &= result >> (length - span)
    return result


def day_slots(
    opening: Opening,
    busy: Iterable[Busy],
    *,
    slot_minutes: int,
    duration_minutes: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> list[Slot]:
    """The slots of one day for a service lasting `duration_minutes`, earliest first.

    A start is offered when it is on the grid, the whole service fits in the opening, it lies
    in `(not_before, not_after]` and at least one staffed desk is free all through it.
    """
    if duration_minutes <= 0 or duration_minutes % slot_minutes:
        raise ValueError("duration_minutes must be a positive multiple of slot_minutes")
    free = free_cells_by_desk(opening, busy, slot_minutes=slot_minutes).values()
    return list(slots_from_free(opening, free, slot_minutes=slot_minutes, duration_minutes=duration_minutes,
                           not_before=not_before, not_after=not_after))


def slots_from_free(
    opening: Opening,
    free: Iterable[int],
    *,
    slot_minutes: int,
    duration_minutes: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> Iterator[Slot]:
    """`day_slots` from the staffed desks' free-cell bitsets (as `free_cells_by_desk` makes them),
    earliest first."""
    origin = opening.interval.start
    duration = dt.timedelta(minutes=duration_minutes)
    for cell, desks in start_cells(opening, free, slot_minutes=slot_minutes, duration_minutes=duration_minutes,
                                   not_before=not_before, not_after=not_after):
        start = origin + dt.timedelta(minutes=cell * slot_minutes)
        yield Slot(start=start, end=start + duration, free_desks=desks)


def start_cells(
    opening: Opening,
    free: Iterable[int],
    *,
    slot_minutes: int,
    duration_minutes: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> Iterator[tuple[int, int]]:
    """The offered starts of `slots_from_free` as (grid cell, free desks), earliest first, made one
    at a time (a caller that needs only the first few stops early).

    Plain integers, no datetimes: a month of a busy network is tens of thousands of starts, and
    the caller turns only those it shows into times.
    """
    starts, any_start = _start_bits(opening, free, slot_minutes, duration_minutes, not_before, not_after)
    desks = len(starts)
    while any_start:
        low = any_start & -any_start
        yield low.bit_length() - 1, desks - [b & low for b in starts].count(0)
        any_start ^= low


def start_desks(
    opening: Opening,
    free: Iterable[int],
    *,
    slot_minutes: int,
    duration_minutes: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> tuple[list[int], list[int]]:
    """All the offered starts of `start_cells` at once: their cells, earliest first, and in step
    their free desks.

    The desks are counted for every cell together, not by a list per start: a month's answer has
    hundreds of starts and is the common long read. Up to 15 desks, each desk's start bits read
    as hexadecimal digits put its bit k in digit k, so one sum of those numbers holds every cell's
    count in its digits (a few C-level steps a desk); beyond, by bit-sliced addition (plane j
    holds bit j of each cell's count).
    """
    starts, any_start = _start_bits(opening, free, slot_minutes, duration_minutes, not_before, not_after)
    if not any_start:
        return [], []
    # Cell k is the k-th binary digit from the right: read them all in one pass of C.
    cells = [k for k, digit in enumerate(bin(any_start)[:1:-1]) if digit == "1"]
    if len(starts) <= 15:
        total = 0
        for bits in starts:
            total += int(bin(bits)[2:], 16)
        digits = format(total, "x")[::-1]
        return cells, [_HEX[digits[k]] for k in cells]
    planes: list[int] = []
    for carry in starts:
        for j, plane in enumerate(planes):
            if not carry:
                break
            planes[j], carry = plane ^ carry, plane & carry
        if carry:
            planes.append(carry)
    counts = [0] * (any_start.bit_length())
    for j, plane in enumerate(planes):
        weight = 1 << j
        for k, digit in enumerate(bin(plane & any_start)[:1:-1]):
            if digit == "1":
                counts[k] += weight
    return cells, [counts[k] for k in cells]


_HEX = {format(n, "x"): n for n in range(16)}


def first_start_bound(opening: Opening, free: Iterable[int], *, slot_minutes: int, duration_minutes: int,
                      not_before: dt.datetime, not_after: dt.datetime) -> int | None:
    """A cell no later than the first offered start of `start_cells` (None: the day certainly has
    none), for the cost of one desk's: the first offered cell from which the desks taken together
    stay free as long as the visit. A start needs one desk free all through, so there may be none
    from there (desks free in turn), never one before."""
    union_starts = _union_starts(list(free), _cells(slot_minutes, duration_minutes),
                                 _offered_mask(opening, slot_minutes, not_before, not_after))
    return (union_starts & -union_starts).bit_length() - 1 if union_starts else None


def _cells(slot_minutes: int, duration_minutes: int) -> int:
    if duration_minutes <= 0 or duration_minutes % slot_minutes:
        raise ValueError("duration_minutes must be a positive multiple of slot_minutes")
    return duration_minutes // slot_minutes


def _union_starts(free: list[int], length: int, mask: int) -> int:
    """The offered cells from which the desks' free cells taken together hold a run of `length`."""
    union = 0
    for bits in free:
        union |= bits
    return runs(union, length) & mask


def _start_bits(opening: Opening, free: Iterable[int], slot_minutes: int, duration_minutes: int,
                not_before: dt.datetime, not_after: dt.datetime) -> tuple[list[int], int]:
    """The start bits of each desk with any (`runs` of the visit's length), and the offered starts
    of them all: those in (not_before, not_after] where at least one desk is free throughout."""
    length = _cells(slot_minutes, duration_minutes)
    free = list(free)
    mask = _offered_mask(opening, slot_minutes, not_before, not_after)
    # A start needs a desk free all through it, so the desks' free cells taken together must be:
    # one test rules out most days without a start (today's past, a nearly full day).
    if not _union_starts(free, length, mask):
        return [], 0
    starts = [bits for bits in (runs(f, length) for f in free) if bits]
    any_start = 0
    for bits in starts:
        any_start |= bits
    return starts, any_start & mask


def _offered_mask(opening: Opening, slot_minutes: int, not_before: dt.datetime, not_after: dt.datetime) -> int:
    """The cells in (not_before, not_after] as a bitset: a mask rather than a test per start."""
    if not_before < opening.interval.start and not_after >= opening.interval.end:
        return -1  # every cell: the whole day lies ahead and within the horizon (most days)
    slot_seconds = slot_minutes * 60
    after = (not_before - opening.interval.start).total_seconds()
    first = 0 if after < 0 else int(after // slot_seconds) + 1
    last = (not_after - opening.interval.start).total_seconds()
    if last < 0:
        return 0
    return ((1 << (int(last // slot_seconds) + 1)) - 1) & ~((1 << first) - 1)


def longest_run(free: int) -> int:
    """The length of the longest run of set bits: the most cells one desk has free in a row."""
    length = 0
    while free:
        free &= free >> 1
        length += 1
    return length


def free_desk_for(
    opening: Opening, busy: Iterable[Busy], *, slot_minutes: int, start: dt.datetime, duration_minutes: int,
    preferred: Sequence[int] = (),
) -> int | None:
    """A desk number free for the whole of `[start, start + duration)` on the grid, or None.

    Desks in `preferred` are tried first, then the lowest number: packing bookings onto the
    first desks keeps whole desks free for walk-ins and late changes.
    """
    cells = visit_cells(opening, slot_minutes=slot_minutes, start=start, duration_minutes=duration_minutes)
    if cells is None:
        return None
    free = free_cells_by_desk(opening, busy, slot_minutes=slot_minutes)
    return free_desk_in([free[n] for n in sorted(free)], cells=cells, preferred=preferred)


def visit_cells(opening: Opening, *, slot_minutes: int, start: dt.datetime, duration_minutes: int) -> int | None:
    """The grid cells a visit from `start` covers, as a bitset; None when it is off the grid or
    does not fit in the opening."""
    if duration_minutes <= 0 or duration_minutes % slot_minutes:
        return None
    offset = (start - opening.interval.start).total_seconds()
    if offset < 0 or offset % (slot_minutes * 60):
        return None
    k = int(offset // (slot_minutes * 60))
    length = duration_minutes // slot_minutes
    if k + length > cell_count(opening, slot_minutes):
        return None
    return ((1 << length) - 1) << k


def free_desk_in(free: Sequence[int], *, cells: int, preferred: Sequence[int] = ()) -> int | None:
    """The number of a desk (1-based, `free[n - 1]` its free cells) with all of `cells` free:
    one in `preferred` first, then the lowest number; None when there is none."""
    for desk in [*preferred, *range(1, len(free) + 1)]:
        if 1 <= desk <= len(free) and free[desk - 1] & cells == cells:
            return desk
    return None
