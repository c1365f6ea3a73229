"""Capacity pools: kept desks hidden from the public until N days before the day, shown to an
eligible customer (a priority code) and to staff booking for a customer; codes are used once."""
import datetime as dt

import pytest
from django.contrib.auth.models import User

from tests.booking.conftest import HELSINKI
from tests.factories import load_network
from vuoro.audit.models import AuditEntry
from vuoro.booking.models import Booking, DayLoad, PriorityCode
from vuoro.booking.priority import InvalidPriorityCode, priority_code_issue
from vuoro.booking.selectors import availability_list, busy_by_point_day, day_summary
from vuoro.booking.services import Customer, SlotUnavailable, booking_cancel, booking_create, booking_reschedule
from vuoro.booking.staff import booking_desk_create
from vuoro.network.models import Pool, Service
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db
WA = "withdrawal-agreement"
EVERY_DAY = {d: "09:00-11:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# A fixed "now": the core never reads the clock. 08:00 local on a Monday.
NOW = dt.datetime(2030, 3, 4, 8, 0, tzinfo=HELSINKI)


def at(days_ahead: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(NOW.date() + dt.timedelta(days=days_ahead), dt.time(hour, minute), tzinfo=HELSINKI)


@pytest.fixture
def pooled():
    """Two desks at malmi, 09:00-11:00 every day, 30-minute visits; the second desk is kept for
    withdrawal-agreement beneficiaries' residence cards until 3 days before the day."""
    return load_network(slot_minutes=30, horizon_days=60, holidays=None,
                        services=[("residence-card", 30), ("extended-permit", 30)],
                        points=[dict(id="malmi", desks=2, services=["residence-card", "extended-permit"],
                                     hours=EVERY_DAY)],
                        pools=[dict(id=WA, desks=1, public_days_before=3, services=["residence-card"])])


def free_desks(days_ahead: int, *, service="residence-card", pools=frozenset()) -> list[int]:
    day = NOW.date() + dt.timedelta(days=days_ahead)
    return [s.free_desks for s in availability_list(state=network_state(), service_code=service, point_ids=None,
                                                    from_date=day, to_date=day, limit=None, now=NOW, pools=pools)]


def book(start, *, email="a@example.org", service="residence-card", **kwargs):
    return booking_create(state=network_state(), service_code=service, point_id="malmi", start_at=start, persons=1,
                          language="fi", customer=Customer(name="A", email=email), now=NOW, **kwargs)


def issue(*, service="residence-card", valid_days=30, now=NOW):
    return priority_code_issue(pool=Pool.objects.get(pk=WA), service=Service.objects.get(code=service),
                               valid_days=valid_days, note="case 123", actor=None, now=now)


def desk_number(made) -> int:
    return made.booking.desk.number


class TestPublicView:
    def test_hides_the_kept_desk_more_than_n_days_ahead(self, pooled):
        assert free_desks(4) == [1, 1, 1, 1]
        assert free_desks(30) == [1, 1, 1, 1]

    def test_shows_it_within_n_days_of_the_day(self, pooled):
        assert free_desks(3) == [2, 2, 2, 2]
        assert free_desks(1) == [2, 2, 2, 2]

    def test_hides_it_for_every_service_not_only_the_pools(self, pooled):
        assert free_desks(10, service="extended-permit") == [1, 1, 1, 1]

    def test_a_public_booking_never_lands_on_the_kept_desk(self, pooled):
        assert desk_number(book(at(10, 9))) == 1
        with pytest.raises(SlotUnavailable):
            book(at(10, 9), email="b@example.org")
        assert free_desks(10) == [1, 1, 1]

    def test_within_n_days_the_public_may_book_the_kept_desk(self, pooled):
        book(at(2, 9))
        assert desk_number(book(at(2, 9), email="b@example.org")) == 2


class TestEligibleView:
    def test_an_eligible_caller_sees_the_kept_desk(self, pooled):
        assert free_desks(10, pools=frozenset({WA})) == [2, 2, 2, 2]

    def test_only_for_the_pools_services(self, pooled):
        assert free_desks(10, service="extended-permit", pools=frozenset({WA})) == [1, 1, 1, 1]

    def test_an_eligible_booking_fills_the_kept_desk_first(self, pooled):
        assert desk_number(book(at(10, 9), pools=frozenset({WA}))) == 2
        assert free_desks(10) == [1, 1, 1, 1]  # the public's desk is still free

    def test_staff_booking_for_a_customer_sees_every_pool_at_the_point(self, pooled):
        book(at(10, 9))  # the public desk taken
        staff = User.objects.create_user("clerk")
        made = booking_desk_create(state=network_state(), service_code="residence-card", point_id="malmi",
                                   start_at=at(10, 9), persons=1, language="fi",
                                   customer=Customer(name="B", email="b@example.org"), actor=staff, now=NOW)
        assert desk_number(made) == 2 and made.booking.channel == Booking.Channel.DESK


class TestPriorityCodes:
    def test_issuing_is_audited_and_stores_no_code(self, pooled):
        row, code = issue()
        assert len(code.replace("-", "")) == 16 and code[-4:] == row.hint
        assert code.replace("-", "") not in row.code_hash
        entry = AuditEntry.objects.get(action=AuditEntry.Action.PRIORITY_CODE_ISSUE)
        assert entry.after["pool"] == WA and entry.reason == "case 123"

    def test_a_code_opens_the_pool_and_is_used_by_the_booking(self, pooled):
        row, code = issue()
        made = book(at(10, 9), priority_code=code.lower())
        assert desk_number(made) == 2
        row.refresh_from_db()
        assert row.used_at == NOW and row.booking_id == made.booking.pk

    def test_a_code_is_good_once(self, pooled):
        _, code = issue()
        book(at(10, 9), priority_code=code)
        with pytest.raises(InvalidPriorityCode, match="already been used"):
            book(at(11, 9), email="b@example.org", priority_code=code)
        assert Booking.objects.count() == 1

    def test_an_expired_code_is_refused(self, pooled):
        _, code = issue(valid_days=1, now=NOW - dt.timedelta(days=2))
        with pytest.raises(InvalidPriorityCode, match="expired"):
            book(at(10, 9), priority_code=code)

    def test_a_code_for_another_service_is_refused(self, pooled):
        _, code = issue()
        with pytest.raises(InvalidPriorityCode, match="another service"):
            book(at(10, 9), service="extended-permit", priority_code=code)
        assert PriorityCode.objects.get().used_at is None

    def test_no_code_is_issued_for_a_service_the_pool_does_not_keep_time_for(self, pooled):
        with pytest.raises(InvalidPriorityCode, match="does not keep time"):
            issue(service="extended-permit")

    def test_a_wrong_code_is_refused(self, pooled):
        with pytest.raises(InvalidPriorityCode, match="No such"):
            book(at(10, 9), priority_code="ABCD-EFGH-JKMN-PQRS")

    def test_a_booking_that_fails_leaves_its_code_unused(self, pooled):
        _, code = issue()
        book(at(10, 9), pools=frozenset({WA}))
        book(at(10, 9), email="b@example.org")
        with pytest.raises(SlotUnavailable):
            book(at(10, 9), email="c@example.org", priority_code=code)
        assert PriorityCode.objects.get().used_at is None

    def test_a_customer_with_a_code_may_move_within_the_pool(self, pooled):
        _, code = issue()
        made = book(at(10, 9), priority_code=code)
        book(at(12, 9), email="b@example.org")  # the public desk of the new time taken
        moved = booking_reschedule(state=network_state(), booking=made.booking, start_at=at(12, 9), point_id=None,
                                   now=NOW)
        assert moved.desk.number == 2

    def test_a_public_customer_may_not_move_into_the_pool(self, pooled):
        made = book(at(10, 9))
        book(at(12, 9), email="b@example.org")
        with pytest.raises(SlotUnavailable):
            booking_reschedule(state=network_state(), booking=made.booking, start_at=at(12, 9), point_id=None,
                               now=NOW)


def test_day_summaries_stay_exact_with_pools(pooled):
    _, code = issue()
    made = [book(at(10, 9)), book(at(10, 9), email="b@example.org", priority_code=code),
            book(at(10, 10), email="c@example.org", pools=frozenset({WA})), book(at(2, 9), email="d@example.org")]
    booking_cancel(booking=made[0].booking, now=NOW)
    state = network_state()
    point = state.points["malmi"]
    for load in DayLoad.objects.all():
        busy = busy_by_point_day([point], [load.date]).get((point.id, load.date), [])
        assert load.booked_minutes == sum((b.end - b.start).total_seconds() // 60 for b in busy)
        assert (load.free_cells, load.free_run_minutes) == day_summary(point.calendar.opening_on(load.date), busy,
                                                                       slot_minutes=state.slot_minutes)
    # Desk 1 free again at 9:00; the kept desk taken at 9:00 and 10:00.
    assert free_desks(10) == [1, 1, 1, 1]
    assert free_desks(10, pools=frozenset({WA})) == [1, 2, 1, 2]


@pytest.mark.django_db(transaction=True)
def test_two_bookings_racing_with_one_code_give_one_booking(pooled):
    from tests.booking.test_concurrency import in_parallel

    _, code = issue()
    # Different days: the day locks do not queue them, only the code does.
    results = in_parallel(2, lambda n: book(at(10 + n, 9), email=f"r{n}@example.org", priority_code=code))
    kinds = sorted(type(r).__name__ for r in results)
    assert kinds == ["InvalidPriorityCode", "NewBooking"], results
    row = PriorityCode.objects.get()
    assert Booking.objects.count() == 1 and row.booking_id == Booking.objects.get().pk


def test_on_a_day_with_fewer_desks_staffed_the_pool_keeps_the_top_ones_of_those(db):
    day = NOW.date() + dt.timedelta(days=10)
    load_network(slot_minutes=30, horizon_days=60, holidays=None, services=[("residence-card", 30)],
                 points=[dict(id="malmi", desks=3, services=["residence-card"], hours=EVERY_DAY,
                              exceptions=[(str(day), "09:00-11:00", 1)])],
                 pools=[dict(id=WA, desks=1, public_days_before=3)])
    assert free_desks(10) == []  # its one staffed desk is kept
    assert free_desks(10, pools=frozenset({WA})) == [1, 1, 1, 1]
    assert free_desks(11) == [2, 2, 2, 2]


def test_what_each_caller_is_offered_is_what_that_caller_can_book(pooled):
    """Random callers (public, eligible, staff) book random starts: a start is booked exactly when
    that caller was offered it, and the day summaries match the bookings throughout."""
    import random

    rng = random.Random(12)
    callers = [frozenset(), frozenset({WA})]
    seen = set()
    for n in range(40):
        pools = rng.choice(callers)
        service = rng.choice(["residence-card", "extended-permit"])
        days_ahead = rng.choice([1, 2, 3, 4, 5, 9])
        day = NOW.date() + dt.timedelta(days=days_ahead)
        offered = {s.slot.start for s in availability_list(
            state=network_state(), service_code=service, point_ids=None, from_date=day, to_date=day, limit=None,
            now=NOW, pools=pools)}
        start = at(days_ahead, 9) + dt.timedelta(minutes=30 * rng.randrange(4))
        try:
            book(start, email=f"r{n}@example.org", service=service, pools=pools)
            booked = True
        except SlotUnavailable:
            booked = False
        assert booked == (start in offered), (n, pools, service, days_ahead, start)
        seen.add((bool(pools), booked))
    assert seen == {(False, False), (False, True), (True, False), (True, True)}  # every case was met
    state = network_state()
    point = state.points["malmi"]
    for load in DayLoad.objects.all():
        busy = busy_by_point_day([point], [load.date]).get((point.id, load.date), [])
        assert (load.free_cells, load.free_run_minutes) == day_summary(point.calendar.opening_on(load.date), busy,
                                                                       slot_minutes=state.slot_minutes)
