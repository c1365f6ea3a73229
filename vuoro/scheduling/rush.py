"""A fair release rush: places drawn at random, admitted at a steady rate (pure; `now` passed in).

Everyone who joins a release's queue from `before` ahead of its moment to `after` past it (the
window) gets a random order key: the draw. Who joins later gets a key above every drawn one, in
order of arrival. Once the window has closed, a person's place is 1 + the number of lower keys,
and the queue is admitted `admit_per_minute` places a minute from the window's close, in steps of
`admit_every_seconds` (60 by default: place p is admitted at close + ⌊(p − 1) / rate⌋ minutes; a
step of s seconds admits rate × s / 60 places every s seconds, so that the admitted people's
requests come evenly rather than a minute's at once) and holds a pass for `pass_duration` after that.
Nothing needs a job: every answer follows from the time and the place (which the database numbers
once, at the draw: vuoro.booking.rush). Before the draw a place is only estimated: the keys are
uniform, so a key's fraction of the key space times the others who have joined is the expected
count of lower keys among them. That estimate is only as good as the count it is made with: who
joins early is told to come back once more in the window's last quarter (`retry_before_draw`),
when most people have joined, rather than at an estimate that the later joiners would push back.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

DRAWN_KEYS = 1 << 62  # random keys are below this; late arrivals above, by arrival time
REFRESH_SHARE = 4  # an estimate made before the window's last 1/REFRESH_SHARE is made again within it
_MICRO = dt.timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Rush:
    opens_at: dt.datetime
    admit_per_minute: int
    before: dt.timedelta = dt.timedelta(minutes=15)
    after: dt.timedelta = dt.timedelta(minutes=5)
    pass_duration: dt.timedelta = dt.timedelta(minutes=10)
    admit_every_seconds: int = 60  # 1..60: the admission's step

    @property
    def window_start(self) -> dt.datetime:
        return self.opens_at - self.before

    @property
    def draw_at(self) -> dt.datetime:
        """The window's close: the draw is final, and admission begins."""
        return self.opens_at + self.after

    def order_key(self, joined_at: dt.datetime, random_bits: int) -> int:
        """The key a person joining at `joined_at` gets: `random_bits` (below DRAWN_KEYS) inside the
        window (or before it), a key after every drawn one and every earlier late arrival after it."""
        if joined_at < self.draw_at:
            return random_bits % DRAWN_KEYS
        return DRAWN_KEYS + (joined_at - self.draw_at) // _MICRO

    def estimated_admission(self, order_key: int, joined: int) -> dt.datetime:
        """Before the draw: when a drawn key's place among `joined` people (the key's own
        included) would be admitted at the rate, if nobody else joined. The place is estimated
        as 1 + the expected count of lower keys among the others, key / DRAWN_KEYS × (joined − 1),
        and not rounded, so that the returns after the draw follow the drawn order and spread
        over the whole admission rather than falling in its first minute."""
        ahead = min(max(order_key, 0), DRAWN_KEYS) / DRAWN_KEYS * max(joined - 1, 0)
        return self.draw_at + dt.timedelta(minutes=ahead / self.admit_per_minute)

    def retry_before_draw(self, order_key: int, joined: int, now: dt.datetime) -> dt.datetime:
        """Before the draw: when a waiting person should come back. In the window's last quarter (the
        refresh stretch), at `estimated_admission`: most people have joined, so it is close to the
        place's admission. Earlier, once more within that stretch, at a second of the key's own:
        the key's share of it, so that the returns spread evenly over it and the highest keys,
        whose estimates the later joiners move most, come back last. Nobody is sent back later
        than before; who would have come back at the draw to learn a place admitted minutes on
        comes back then instead, outside the drop's busiest minutes."""
        refresh_from = self.draw_at - (self.draw_at - self.window_start) / REFRESH_SHARE
        if now >= refresh_from or order_key >= DRAWN_KEYS:
            return self.estimated_admission(order_key, joined)
        span = (self.draw_at - refresh_from) // _MICRO  # integers: always before the draw
        return refresh_from + _MICRO * (span * max(order_key, 0) // DRAWN_KEYS)

    def admitted_at(self, place: int) -> dt.datetime:
        """When place `place` (1 = first) is admitted: the start of the step that holds it,
        step × ⌊(p − 1) × 60 / (rate × step)⌋ seconds after the draw (integers: exact)."""
        step = self.admit_every_seconds
        steps = (place - 1) * 60 // (self.admit_per_minute * step)
        return self.draw_at + dt.timedelta(seconds=step * steps)

    def pass_expires_at(self, place: int) -> dt.datetime:
        return self.admitted_at(place) + self.pass_duration

    def ends_at(self, places: int) -> dt.datetime:
        """When the rush is over with `places` people queued: every one admitted and every pass expired."""
        if places <= 0:
            return self.draw_at
        return self.pass_expires_at(places)

    def is_on(self, now: dt.datetime, places: int) -> bool:
        """Whether booking the release's times needs a pass at `now`."""
        return self.window_start <= now < self.ends_at(places)

    def wait_minutes(self, place: int, now: dt.datetime) -> int:
        """Whole minutes from `now` until place `place` is admitted (0 when it is)."""
        return max(0, math.ceil((self.admitted_at(place) - now) / dt.timedelta(minutes=1)))
