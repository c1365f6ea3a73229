"""The waitlist gets a release's times first: in the minutes before the moment the sweep gives
them to the waiting entries, first come first served, before the public can see them; with a
rush, the waitlist first and then the queue for the rest (docs/waitlist.md). `now` is passed in."""
import datetime as dt
import random

import pytest

from tests.booking.conftest import HELSINKI, at
from tests.factories import load_network
from vuoro.booking.models import Booking, WaitlistEntry
from vuoro.booking.rush import RushPassRequired, rush_join, rush_pass_check, rush_status
from vuoro.booking.selectors import availability_list
from vuoro.booking.services import Customer, SlotUnavailable, booking_create
from vuoro.booking.waitlist import waitlist_accept, waitlist_join, waitlist_join_move, waitlist_sweep
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db
SERVICE = "residence-card"
POINT = "smoke-point"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
DAY = dt.date(2027, 3, 10)  # a Wednesday, held back until MOMENT
MOMENT = at(dt.date(2027, 3, 3), 9)
LEAD = dt.timedelta(minutes=10)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def lead(settings):
    settings.WAITLIST_RELEASE_LEAD_MINUTES = 10


def network(release: str = "", *, every_day: bool = False):
    """Two desks, 09:00-11:00 (weekdays, or every day), 40-minute visits on a 20-minute grid: six a day."""
    days = (*WEEKDAYS, "sat", "sun") if every_day else WEEKDAYS
    load_network(slot_minutes=20, horizon_days=60, holidays=None, services=[(SERVICE, 40)],
                 points=[dict(id=POINT, desks=2, services=[SERVICE], hours={d: "09:00-11:00" for d in days})],
                 more=release)


def fixed_release(rush: str = "") -> str:
    return (f'[[releases]]\nfrom = "{DAY}"\nto = "{DAY}"\nopens_at = "{MOMENT:%Y-%m-%dT%H:%M}"\n'
            + (f"rush = {{ {rush} }}\n" if rush else ""))


def join(email, *, joined, auto_book=True, day=DAY, to=None):
    return waitlist_join(state=network_state(), service_code=SERVICE, point_ids=[], from_date=day, to_date=to or day,
                         persons=1, language="en", auto_book=auto_book, now=joined,
                         customer=Customer(name="W", email=email)).entry


def public(day, now):
    return [s.slot.start for s in availability_list(state=network_state(), service_code=SERVICE, point_ids=None,
                                                    from_date=day, to_date=day, limit=None, now=now)]


def statuses(entries):
    return [WaitlistEntry.objects.get(pk=e.pk).status for e in entries]


def book(start, email, now):
    return booking_create(state=network_state(), service_code=SERVICE, point_id=POINT, start_at=start, persons=1,
                          language="fi", customer=Customer(name="P", email=email), now=now).booking


class TestFixedRelease:
    def test_the_sweep_gives_the_times_first_come_first_served_before_the_public_sees_them(self):
        network(fixed_release())
        entries = [join(f"w{n}@example.org", joined=MOMENT - dt.timedelta(days=3, seconds=-n), auto_book=n % 2 == 0)
                   for n in range(7)]
        assert waitlist_sweep(now=MOMENT - LEAD - MINUTE)["given"] == 0  # not yet within the look-ahead
        assert statuses(entries) == ["waiting"] * 7
        sweep_at = MOMENT - LEAD + MINUTE
        assert waitlist_sweep(now=sweep_at)["given"] == 6
        assert statuses(entries) == ["booked", "offered"] * 3 + ["waiting"]
        given = sorted(Booking.objects.filter(local_date=DAY).values_list("start_at", "status"))
        assert [start for start, _ in given] == sorted([at(DAY, h, m) for h, m in ((9, 0), (9, 40), (10, 20))] * 2)
        held = Booking.objects.filter(status=Booking.Status.HELD)
        assert held.count() == 3 and all(h.held_until == sweep_at + dt.timedelta(minutes=30) for h in held)
        # The public never sees them: not before the moment (held back), nor at it (given).
        assert public(DAY, sweep_at) == [] and public(DAY, MOMENT) == []
        with pytest.raises(SlotUnavailable, match="open for booking at"):
            book(at(DAY, 9), "early@example.org", sweep_at)
        # An offer is taken before the moment, with one click as any other.
        offered = WaitlistEntry.objects.get(pk=entries[1].pk)
        waitlist_accept(entry=offered, now=MOMENT - 2 * MINUTE)
        offered.refresh_from_db()
        assert offered.status == "booked" and offered.booked.status == Booking.Status.CONFIRMED

    def test_the_public_gets_what_the_waitlist_left_at_the_moment(self):
        network(fixed_release())
        join("first@example.org", joined=MOMENT - dt.timedelta(days=2))
        join("second@example.org", joined=MOMENT - dt.timedelta(days=1), auto_book=False)
        waitlist_sweep(now=MOMENT - 5 * MINUTE)
        assert public(DAY, MOMENT - MINUTE) == []
        assert public(DAY, MOMENT) == [at(DAY, 9, 40), at(DAY, 10), at(DAY, 10, 20)]  # both desks' 09:00 given
        assert book(public(DAY, MOMENT)[0], "public@example.org", MOMENT).status == Booking.Status.CONFIRMED

    def test_a_move_earlier_is_made_or_offered_and_accepted_before_the_moment(self):
        network(fixed_release())
        later = DAY + dt.timedelta(days=7)
        movers = [book(at(later, 9, 0), "auto@example.org", MOMENT - dt.timedelta(days=5)),
                  book(at(later, 9, 40), "offer@example.org", MOMENT - dt.timedelta(days=5))]
        entries = [waitlist_join_move(state=network_state(), booking=booking, point_ids=[], from_date=DAY,
                                      to_date=None, auto_book=n == 0, now=MOMENT - dt.timedelta(days=4, seconds=-n)
                                      ).entry for n, booking in enumerate(movers)]
        waitlist_sweep(now=MOMENT - 8 * MINUTE)
        assert statuses(entries) == ["booked", "offered"]
        assert Booking.objects.get(pk=movers[0].pk).local_date == DAY
        waitlist_accept(entry=WaitlistEntry.objects.get(pk=entries[1].pk), now=MOMENT - 6 * MINUTE)
        moved = Booking.objects.get(pk=movers[1].pk)
        assert moved.local_date == DAY and moved.status == Booking.Status.CONFIRMED
        assert statuses(entries) == ["booked", "booked"]
        assert not Booking.objects.filter(status=Booking.Status.HELD).exists()

    def test_with_no_look_ahead_the_waitlist_gets_the_times_only_at_the_moment(self, settings):
        settings.WAITLIST_RELEASE_LEAD_MINUTES = 0
        network(fixed_release())
        entry = join("w@example.org", joined=MOMENT - dt.timedelta(days=1))
        assert waitlist_sweep(now=MOMENT - MINUTE)["given"] == 0
        assert waitlist_sweep(now=MOMENT)["given"] == 1
        assert statuses([entry]) == ["booked"]


class TestRush:
    RUSH = "admit_per_minute = 2, before_minutes = 15, after_minutes = 5, pass_minutes = 10"

    def test_the_waitlist_first_without_a_pass_then_the_queue_for_the_rest(self):
        network(fixed_release(self.RUSH))
        release = network_state().releases.fixed[0]
        rush = release.rush
        early = join("early@example.org", joined=rush.window_start - dt.timedelta(hours=1))
        late = join("late@example.org", joined=rush.window_start + MINUTE)  # joined with the queue open
        waitlist_sweep(now=MOMENT - 9 * MINUTE)
        assert statuses([early, late]) == ["booked", "waiting"]
        # The public books these times with a pass only.
        queued = rush_join(state=network_state(), release_id=release.id, email="queued@example.org", phone="",
                           now=rush.window_start + 2 * MINUTE, rng=random.Random(1))
        start = public(DAY, rush.draw_at)[0]
        with pytest.raises(RushPassRequired):
            rush_pass_check(state=network_state(), point_id=POINT, service_code=SERVICE, start_at=start,
                            email="someone@example.org", phone="", rush_pass=None, now=rush.draw_at)
        # Who joined the waitlist once the queue had opened does not pass the queue while it is on.
        assert waitlist_sweep(now=rush.draw_at)["given"] == 0 and statuses([late]) == ["waiting"]
        admitted = rush_status(state=network_state(), release_id=release.id, queue_key=queued.queue_key,
                               now=rush.draw_at)
        assert admitted.status == "admitted"
        rush_pass_check(state=network_state(), point_id=POINT, service_code=SERVICE, start_at=start,
                        email="queued@example.org", phone="", rush_pass=admitted.pass_token, now=rush.draw_at)
        book(start, "queued@example.org", rush.draw_at)
        # Once the rush is over (every pass expired), the waitlist takes what is left as usual.
        over = rush.ends_at(1)
        assert waitlist_sweep(now=over - MINUTE)["given"] == 0
        assert waitlist_sweep(now=over)["given"] == 1
        assert statuses([late]) == ["booked"]
        assert Booking.objects.filter(local_date=DAY).exclude(status="cancelled").count() == 3


class TestRollingWindowAcrossDaylightSaving:
    # Helsinki's clocks go from 03:00 to 04:00 on Sunday 28 March 2027. A window of 15 days at
    # 08:00 opens 11 April at 08:00 EET (06:00 UTC) on the 27th, and 12 April at 08:00 EEST
    # (05:00 UTC) on the 28th: the local time holds, the UTC moment moves an hour.
    ROLLING = '[[rolling_releases]]\ndays_ahead = 15\nat = "08:00"\n'

    def test_each_day_is_given_in_the_minutes_before_its_own_local_moment(self):
        network(self.ROLLING, every_day=True)
        eleventh, twelfth = dt.date(2027, 4, 11), dt.date(2027, 4, 12)
        joined = dt.datetime(2027, 3, 26, 12, 0, tzinfo=HELSINKI)
        on_11 = join("eleventh@example.org", joined=joined, day=eleventh)
        on_12 = join("twelfth@example.org", joined=joined + MINUTE, day=twelfth)
        utc = dt.UTC
        opens_11 = dt.datetime(2027, 3, 27, 6, 0, tzinfo=utc)
        opens_12 = dt.datetime(2027, 3, 28, 5, 0, tzinfo=utc)
        assert opens_11.astimezone(HELSINKI).hour == opens_12.astimezone(HELSINKI).hour == 8
        assert waitlist_sweep(now=opens_11 - LEAD - MINUTE)["given"] == 0
        assert waitlist_sweep(now=opens_11 - LEAD + MINUTE)["given"] == 1
        assert statuses([on_11, on_12]) == ["booked", "waiting"]
        # Not an hour early (06:00 UTC, as the first moment plus 24 hours would be, is an hour late).
        assert waitlist_sweep(now=opens_12 - LEAD - MINUTE)["given"] == 0
        assert statuses([on_12]) == ["waiting"]
        assert waitlist_sweep(now=opens_12 - LEAD + MINUTE)["given"] == 1
        booked = WaitlistEntry.objects.get(pk=on_12.pk).booked
        assert booked.local_date == twelfth and booked.start_at == at(twelfth, 9)
        assert public(twelfth, opens_12 - MINUTE) == []  # held back from the public until 08:00 EEST
        assert public(twelfth, opens_12)[:2] == [at(twelfth, 9), at(twelfth, 9, 20)]  # the other desk's
