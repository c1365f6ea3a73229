"""The numbering at the draw under real concurrency: threads on the real database, released at
the same instant (on SQLite they queue for its one writer; on PostgreSQL they race)."""
import datetime as dt
import logging
import random

import pytest

from tests.booking.conftest import next_weekday
from tests.booking.test_concurrency import in_parallel
from tests.booking.test_rush import network
from vuoro.booking.models import RushDraw, RushPlace
from vuoro.booking.rush import NoRush, queue_key_of, queue_key_place, rush_join, rush_status
from vuoro.network.models import Release
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db(transaction=True)
PARALLEL = 24


@pytest.fixture
def rush():
    day = next_weekday(2)
    return network(day, day, f"{day - dt.timedelta(days=7)}T09:00", rate=50)


def join(release_id, n, now, rng=None):
    return rush_join(state=network_state(), release_id=release_id, email=f"person-{n}@example.org", phone="",
                     now=now, rng=rng)


def place_id(queue_key):
    return queue_key_place(queue_key)[1]


def test_many_pollers_at_the_draw_number_it_once_and_each_finds_its_place(rush, caplog):
    release_id, rule = rush
    caplog.set_level(logging.INFO, logger="vuoro.rush")
    rng = random.Random(12)
    keys = [join(release_id, n, rule.window_start, rng).queue_key for n in range(600)]
    ranked = sorted(RushPlace.objects.filter(release_id=release_id).values_list("order_key", "id"))
    expected = {row_id: place for place, (_, row_id) in enumerate(ranked, 1)}
    state = network_state()

    def poll(n):  # each thread polls every PARALLEL-th person, its first poll at the draw itself
        return [(key, rush_status(state=state, release_id=release_id, queue_key=key, now=rule.draw_at).place)
                for key in keys[n::PARALLEL]]

    results = in_parallel(PARALLEL, poll)
    assert not [r for r in results if isinstance(r, Exception)], results
    found = {place_id(key): place for result in results for key, place in result}
    assert len(found) == 600 and found == expected
    numbered = [r.getMessage() for r in caplog.records if "numbered" in r.getMessage()]
    assert numbered == [f"release {release_id}: 600 places numbered at the draw"]
    assert RushDraw.objects.values_list("drawn", "late").get(release_id=release_id) == (600, 0)


def test_late_joiners_racing_get_distinct_dense_places_after_the_drawn(rush):
    release_id, rule = rush
    for n in range(10):
        join(release_id, n, rule.window_start, random.Random(n))
    after = rule.draw_at + dt.timedelta(minutes=1)

    def arrive(n):  # 3 of every 4 are new; every 4th is a drawn person joining again
        email = f"late-{n}@example.org" if n % 4 else f"person-{n // 4 % 10}@example.org"
        return rush_join(state=network_state(), release_id=release_id, email=email, phone="", now=after).place

    results = in_parallel(PARALLEL * 2, arrive)
    assert not [r for r in results if isinstance(r, Exception)], results
    late = [place for n, place in enumerate(results) if n % 4]
    assert sorted(late) == list(range(11, 11 + len(late)))  # distinct, dense, after the 10 drawn
    assert all(place <= 10 for n, place in enumerate(results) if not n % 4)
    assert RushDraw.objects.values_list("drawn", "late", "joined").get(release_id=release_id) == (
        10, len(late), 10 + len(late))


def test_many_asking_at_once_for_a_place_left_without_a_number_give_it_one_number(rush):
    release_id, rule = rush
    for n in range(5):
        join(release_id, n, rule.window_start, random.Random(n))
    join(release_id, 5, rule.draw_at)  # numbers the draw; place 6
    cut = RushPlace.objects.create(release_id=release_id, email_key="cut", order_key=rule.order_key(rule.draw_at, 0),
                                   joined_at=rule.draw_at)  # as a join cut off after its first statement leaves it
    key = queue_key_of(release_id, cut.pk)
    state = network_state()
    results = in_parallel(PARALLEL, lambda n: rush_status(state=state, release_id=release_id, queue_key=key,
                                                          now=rule.draw_at + dt.timedelta(seconds=1)).place)
    assert results == [7] * PARALLEL
    assert RushDraw.objects.values_list("drawn", "late").get(release_id=release_id) == (5, 2)


def test_joins_served_while_the_draw_is_numbered_are_either_drawn_or_late_never_both_or_lost(rush):
    """Joins whose clock says 'just before the draw' race with pollers at the draw: every place
    ends up numbered exactly once, 1..n with no gap, the drawn in order of key."""
    release_id, rule = rush
    keys = [join(release_id, n, rule.window_start, random.Random(n)).queue_key for n in range(200)]
    state = network_state()
    just_before = rule.draw_at - dt.timedelta(milliseconds=1)

    def work(n):
        if n % 2:
            return rush_join(state=state, release_id=release_id, email=f"racer-{n}@example.org", phone="",
                             now=just_before).queue_key
        return rush_status(state=state, release_id=release_id, queue_key=keys[n], now=rule.draw_at).place

    results = in_parallel(PARALLEL * 2, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    for key in results[1::2]:  # every racer has a place once anyone asks after the draw
        assert rush_status(state=state, release_id=release_id, queue_key=key, now=rule.draw_at).place is not None
    rows = list(RushPlace.objects.filter(release_id=release_id).order_by("place").values_list("place", "order_key"))
    assert [place for place, _ in rows] == list(range(1, 200 + PARALLEL + 1))
    drawn, late = RushDraw.objects.values_list("drawn", "late").get(release_id=release_id)
    assert drawn + late == 200 + PARALLEL and drawn >= 200
    drawn_keys = [key for _, key in rows[:drawn]]
    assert drawn_keys == sorted(drawn_keys)


def test_a_join_after_the_draw_of_a_release_removed_a_moment_ago_is_not_found(rush):
    """(Committed transactions, as in production: the foreign key fails at the commit.)"""
    release_id, rule = rush
    join(release_id, 0, rule.window_start)
    stale = network_state()
    Release.objects.all().delete()  # another server removes the release; this copy still has it
    for now in (rule.window_start, rule.draw_at + dt.timedelta(seconds=1)):
        with pytest.raises(NoRush):
            rush_join(state=stale, release_id=release_id, email="late@example.org", phone="", now=now)
    assert not RushPlace.objects.exists() and not RushDraw.objects.exists()
