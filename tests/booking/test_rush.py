"""A fair release rush on the database: the draw, one place a person, admission, and passes."""
import datetime as dt
import random
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.booking.conftest import HELSINKI, at, booking_body
from tests.factories import load_network
from vuoro.booking.models import RushDraw, RushPlace
from vuoro.booking.rush import (
    RushError,
    RushPassRequired,
    person_key,
    queue_key_of,
    queue_key_place,
    rush_draw_sweep,
    rush_join,
    rush_pass_check,
    rush_poll,
    rush_status,
)
from vuoro.booking.services import Customer, booking_create
from vuoro.network.models import Release
from vuoro.network.state import network_state
from vuoro.scheduling.rush import DRAWN_KEYS

pytestmark = pytest.mark.django_db
SERVICE = "residence-card"
POINT = "smoke-point"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def network(first: dt.date, last: dt.date, opens_at: str, *, rate=2, after=5, before=15, pass_minutes=10,
            step=None):
    step = f", admit_every_seconds = {step}" if step else ""
    load_network(slot_minutes=20, horizon_days=60, holidays=None, services=[(SERVICE, 40)],
                 points=[dict(id=POINT, desks=2, services=[SERVICE], hours={d: "09:00-11:00" for d in WEEKDAYS})],
                 more=f'[[releases]]\nfrom = "{first}"\nto = "{last}"\nopens_at = "{opens_at}"\n'
                      f"rush = {{ admit_per_minute = {rate}, before_minutes = {before}, after_minutes = {after}, "
                      f"pass_minutes = {pass_minutes}{step} }}\n")
    release = network_state().releases.fixed[0]
    return release.id, release.rush


@pytest.fixture
def rush(wednesday):
    """Wednesday's times open at 09:00 a week before, with a queue of 2 admitted a minute."""
    return network(wednesday, wednesday, f"{wednesday - dt.timedelta(days=7)}T09:00")


def join(release_id, n, now, **kwargs):
    return rush_join(state=network_state(), release_id=release_id, email=f"person-{n}@example.org", phone="",
                     now=now, **kwargs)


class TestDraw:
    def test_places_are_drawn_not_given_by_arrival_and_latecomers_queue_behind(self, rush):
        release_id, rule = rush
        rng = random.Random(2027)
        arrivals = 60
        keys = []
        for n in range(arrivals):  # one arrival every 20 s, from the window's start to its close
            joined = join(release_id, n, rule.window_start + dt.timedelta(seconds=20 * n), rng=rng)
            assert joined.status == "waiting" and joined.place is None  # no place before the draw
            keys.append(joined.queue_key)
        late = [join(release_id, arrivals + k, rule.draw_at + dt.timedelta(seconds=k)).queue_key for k in range(3)]
        after = rule.draw_at + dt.timedelta(minutes=1)
        places = [rush_status(state=network_state(), release_id=release_id, queue_key=k, now=after).place
                  for k in keys]
        assert sorted(places) == list(range(1, arrivals + 1))
        # Arrival order and place are unrelated: Spearman's rank correlation near 0 (|rho| < 0.3
        # happens by chance with p ≈ 0.02 for 60 people; the seed fixes this draw).
        mean = (arrivals + 1) / 2
        rho = sum((i + 1 - mean) * (p - mean) for i, p in enumerate(places)) / sum((p - mean) ** 2 for p in places)
        assert abs(rho) < 0.3, rho
        first_half = sum(1 for p in places[: arrivals // 2] if p <= arrivals // 2)
        assert 8 <= first_half <= 22  # the early half holds about half of the front places, not all
        assert [rush_status(state=network_state(), release_id=release_id, queue_key=k, now=after).place
                for k in late] == [arrivals + 1, arrivals + 2, arrivals + 3]

    def test_one_place_a_person_by_email_or_phone(self, rush):
        release_id, rule = rush
        state = network_state()
        now = rule.window_start
        first = rush_join(state=state, release_id=release_id, email="person@example.org", phone="+358401234567",
                          now=now)
        again = rush_join(state=state, release_id=release_id, email="Person@Example.org", phone="", now=now)
        by_phone = rush_join(state=state, release_id=release_id, email="other@example.org", phone="+358401234567",
                             now=now + dt.timedelta(minutes=1))
        assert first.queue_key == again.queue_key == by_phone.queue_key
        assert RushPlace.objects.count() == 1

    def test_joining_before_the_window_is_refused_and_takes_no_place(self, rush):
        release_id, rule = rush
        with pytest.raises(RushError, match="arriving early gains nothing"):
            join(release_id, 1, rule.window_start - dt.timedelta(seconds=1))
        assert not RushPlace.objects.exists()


class TestAdmission:
    def test_the_queue_is_admitted_at_its_rate_and_each_pass_expires(self, rush):
        release_id, rule = rush
        keys = [join(release_id, n, rule.window_start, rng=random.Random(n)).queue_key for n in range(5)]

        def statuses(now):
            found = [rush_status(state=network_state(), release_id=release_id, queue_key=k, now=now) for k in keys]
            return sorted((s.place, s.status) for s in found)

        assert statuses(rule.draw_at - dt.timedelta(seconds=1)) == [(None, "waiting")] * 5
        assert statuses(rule.draw_at) == [(1, "admitted"), (2, "admitted"), (3, "waiting"), (4, "waiting"),
                                          (5, "waiting")]
        assert statuses(rule.draw_at + dt.timedelta(minutes=1)) == [
            (1, "admitted"), (2, "admitted"), (3, "admitted"), (4, "admitted"), (5, "waiting")]
        assert statuses(rule.draw_at + dt.timedelta(minutes=10)) == [
            (1, "over"), (2, "over"), (3, "admitted"), (4, "admitted"), (5, "admitted")]

    def test_a_waiting_person_is_told_when_to_come_back(self, rush):
        release_id, rule = rush
        stretch = rule.draw_at - (rule.draw_at - rule.window_start) / 4  # the window's last quarter
        for n in range(5):
            join(release_id, n, rule.window_start, rng=random.Random(n))
        # Joined early: back once more in the window's last quarter, at the key's share of it, since
        # an estimate made from the first few would be pushed back by everyone who joins later.
        early = [join(release_id, n, rule.window_start) for n in range(5)]
        keys = {s.queue_key: RushPlace.objects.get(pk=queue_key_place(s.queue_key)[1]).order_key for s in early}
        for status in early:
            share = (rule.draw_at - stretch) // dt.timedelta(microseconds=1) * keys[status.queue_key] // DRAWN_KEYS
            assert status.retry_at == stretch + dt.timedelta(microseconds=share)
            assert stretch <= status.retry_at < rule.draw_at and status.place is None
        for n in range(5, 9):
            join(release_id, n, stretch - dt.timedelta(seconds=1), rng=random.Random(n))
        # In the stretch: back when the place estimated from the key (its share of the key space
        # times the 8 others who have joined; nothing counts the lower keys) would be admitted at
        # the rate, not rounded to whole minutes, so the returns follow the draw and spread out.
        waiting = [rush_status(state=network_state(), release_id=release_id, queue_key=s.queue_key, now=s.retry_at)
                   for s in early]
        for status in waiting:
            estimate = keys[status.queue_key] / DRAWN_KEYS * 8
            assert status.retry_at == rule.draw_at + dt.timedelta(minutes=estimate / rule.admit_per_minute)
            polled = rush_status(state=network_state(), release_id=release_id, queue_key=status.queue_key,
                                 now=rule.draw_at - dt.timedelta(seconds=1))
            assert polled.retry_at == status.retry_at and polled.place is None
        by_key = sorted(waiting, key=lambda s: keys[s.queue_key])
        assert [s.retry_at for s in by_key] == sorted(s.retry_at for s in waiting)
        assert rule.draw_at <= by_key[0].retry_at < by_key[-1].retry_at < rule.admitted_at(9)
        ninth = next(s for n in range(9) if (s := join(release_id, n, rule.draw_at)).place == 9)
        assert ninth.retry_at == ninth.admitted_at == rule.draw_at + dt.timedelta(minutes=4)


    def test_the_draw_may_be_at_the_moment_itself(self, wednesday):
        """after_minutes = 0: whoever joins before the moment is drawn; from the moment on, in order of arrival."""
        release_id, rule = network(wednesday, wednesday, f"{wednesday - dt.timedelta(days=7)}T09:00", after=0)
        assert rule.draw_at == rule.opens_at
        drawn = join(release_id, 1, rule.opens_at - dt.timedelta(seconds=1))
        late = join(release_id, 2, rule.opens_at)
        assert drawn.status == "waiting" and drawn.retry_at == rule.opens_at
        assert (late.place, late.status, late.admitted_at) == (2, "admitted", rule.opens_at)  # 2 a minute


    def test_places_go_with_the_retention_purge(self, rush):
        from vuoro.retention import retention_purge

        release_id, rule = rush
        join(release_id, 0, rule.window_start)
        assert retention_purge(now=rule.window_start, days=1).rush_places_deleted == 0
        assert retention_purge(now=rule.window_start + dt.timedelta(days=2), days=1).rush_places_deleted == 1


def stored_places(release_id):
    """Every place of the release as stored: [(place, order_key, joined_at)] by place."""
    return list(RushPlace.objects.filter(release_id=release_id).order_by("place", "id")
                .values_list("place", "order_key", "joined_at"))


class TestNumbering:
    def test_places_are_numbered_once_at_the_draw_in_key_order_and_latecomers_after_in_arrival(self, rush, caplog):
        release_id, rule = rush
        caplog.set_level("INFO", logger="vuoro.rush")
        rng = random.Random(7)
        for n in range(30):
            join(release_id, n, rule.window_start + dt.timedelta(seconds=n), rng=rng)
        assert [place for place, _, _ in stored_places(release_id)] == [None] * 30  # nothing numbered before
        draw = RushDraw.objects.get(release_id=release_id)
        assert (draw.joined, draw.drawn, draw.late) == (30, None, 0)
        # The first request after the draw numbers every drawn place; latecomers then take the next.
        late = [join(release_id, 30 + k, rule.draw_at + dt.timedelta(seconds=k)) for k in range(3)]
        assert [s.place for s in late] == [31, 32, 33]
        places = stored_places(release_id)
        assert [place for place, _, _ in places] == list(range(1, 34))
        drawn_keys = [key for place, key, _ in places[:30]]
        assert drawn_keys == sorted(drawn_keys) and max(drawn_keys) < DRAWN_KEYS  # 1..30 in order of key
        assert [joined_at for _, _, joined_at in places[30:]] == [
            rule.draw_at + dt.timedelta(seconds=k) for k in range(3)]  # then in order of arrival
        draw.refresh_from_db()
        assert (draw.joined, draw.drawn, draw.late, draw.drawn_at) == (33, 30, 3, rule.draw_at)
        assert [r.getMessage() for r in caplog.records] == [f"release {release_id}: 30 places numbered at the draw"]
        # Joining again changes nothing: the same place, no count.
        assert join(release_id, 5, rule.draw_at + dt.timedelta(minutes=1)).place == next(
            s.place for s in [rush_status(state=network_state(), release_id=release_id,
                                          queue_key=join(release_id, 5, rule.draw_at).queue_key, now=rule.draw_at)])
        draw.refresh_from_db()
        assert (draw.joined, draw.late) == (33, 3)

    def test_a_poll_is_one_read_by_primary_key_and_only_the_first_after_the_draw_numbers(self, rush, caplog):
        release_id, rule = rush
        caplog.set_level("INFO", logger="vuoro.rush")
        keys = [join(release_id, n, rule.window_start, rng=random.Random(n)).queue_key for n in range(5)]

        def poll(key, now):
            state = network_state()
            with CaptureQueriesContext(connection) as queries:
                status = rush_status(state=state, release_id=release_id, queue_key=key, now=now)
            return status, [q["sql"] for q in queries.captured_queries]

        status, sql = poll(keys[0], rule.draw_at - dt.timedelta(seconds=1))
        assert status.place is None and len(sql) == 1 and "COUNT(" not in sql[0].upper()
        first, _ = poll(keys[0], rule.draw_at)  # numbers the places
        assert len(caplog.records) == 1
        for key in keys:
            status, sql = poll(key, rule.draw_at + dt.timedelta(seconds=30))
            assert status.place is not None and len(sql) == 1 and "COUNT(" not in sql[0].upper()
        assert len(caplog.records) == 1  # numbered once
        assert first.place == RushPlace.objects.get(pk=queue_key_place(keys[0])[1]).place

    def test_a_poll_reads_its_row_and_the_networks_version_in_one_statement(self, wednesday):
        release_id, rule = network(wednesday, wednesday, f"{wednesday - dt.timedelta(days=7)}T09:00", rate=1)
        keys = [join(release_id, n, rule.window_start, rng=random.Random(n)).queue_key for n in range(3)]
        rush_poll(release_id=release_id, queue_key=keys[0], now=rule.draw_at)  # numbers the places
        # The rate changes (a new network version): the next poll, one statement, answers by it.
        release = Release.objects.get(pk=release_id)
        release.rush_admit_per_minute, release.rush_admit_every_seconds = 2, 30
        release.save()
        with CaptureQueriesContext(connection) as queries:
            state, status = rush_poll(release_id=release_id, queue_key=keys[1], now=rule.draw_at)
        assert "version" in queries.captured_queries[0]["sql"]  # then the new network is read, once
        assert state.releases.get(release_id).rush.admit_every_seconds == 30
        with CaptureQueriesContext(connection) as queries:
            assert rush_poll(release_id=release_id, queue_key=keys[1], now=rule.draw_at)[1] == status
        assert len(queries.captured_queries) == 1
        assert status.admitted_at == rule.draw_at + dt.timedelta(seconds=30 * (status.place - 1))
        assert status == rush_status(state=network_state(), release_id=release_id, queue_key=keys[1], now=rule.draw_at)
        for forged in (queue_key_of(release_id + 1, queue_key_place(keys[0])[1]), keys[0] + "x",
                       queue_key_of(release_id, 10**9)):
            with pytest.raises(RushError):
                rush_poll(release_id=release_id, queue_key=forged, now=rule.draw_at)

    def test_admitted_in_steps_each_waiting_person_is_told_their_own_second(self, wednesday):
        # 6 a minute in steps of 10 s: one every 10 s, and each told to come back at that second
        # (with the default step all six would be told the same minute).
        release_id, rule = network(wednesday, wednesday, f"{wednesday - dt.timedelta(days=7)}T09:00", rate=6,
                                   step=10)
        keys = [join(release_id, n, rule.window_start, rng=random.Random(n)).queue_key for n in range(6)]
        told = [rush_poll(release_id=release_id, queue_key=k, now=rule.draw_at)[1] for k in keys]
        assert sorted((s.place, s.retry_at) for s in told if s.status == "waiting") == [
            (p, rule.draw_at + dt.timedelta(seconds=10 * (p - 1))) for p in range(2, 7)]
        first = next(s for s in told if s.place == 1)
        assert first.status == "admitted" and first.retry_at is None
        assert all(rush_poll(release_id=release_id, queue_key=k, now=rule.draw_at + dt.timedelta(seconds=50))[1]
                   .status == "admitted" for k in keys)

    def test_the_pass_check_reads_the_stored_total_instead_of_counting(self, rush, wednesday):
        release_id, rule = rush
        join(release_id, 0, rule.window_start)  # drawn: place 1
        for n in range(1, 3):  # late: places 2 and 3, admitted in the second minute
            join(release_id, n, rule.draw_at + dt.timedelta(seconds=n))

        def check(now):
            """Refused or free, and the statements that read the queue (the network's version is read too)."""
            state = network_state()
            with CaptureQueriesContext(connection) as queries:
                try:
                    rush_pass_check(state=state, point_id=POINT, service_code=SERVICE, start_at=at(wednesday, 9),
                                    email="someone@example.org", phone="", rush_pass=None, now=now)
                    outcome = "free"
                except RushPassRequired:
                    outcome = "refused"
            return outcome, [q["sql"] for q in queries.captured_queries if "rush" in q["sql"]]

        assert check(rule.draw_at) == ("refused", [])  # within the first pass: on, whatever the queue
        outcome, sql = check(rule.ends_at(3) - dt.timedelta(seconds=1))  # place 3's pass runs to the end
        assert outcome == "refused" and len(sql) == 1
        assert "booking_rushdraw" in sql[0] and "COUNT(" not in sql[0].upper()
        assert check(rule.ends_at(3))[0] == "free"

    def test_a_join_served_after_the_numbering_is_a_latecomer_whatever_its_clock_says(self, rush):
        """A server whose clock is a little behind serves a join 'before the draw' after another
        has numbered: the join takes the next place, never a number held by someone else."""
        release_id, rule = rush
        for n in range(3):
            join(release_id, n, rule.window_start, rng=random.Random(n))
        rush_draw_sweep(now=rule.draw_at)
        behind = join(release_id, 3, rule.draw_at - dt.timedelta(milliseconds=5))
        assert behind.status == "waiting" and behind.place is None  # its own clock: before the draw
        assert [place for place, _, _ in stored_places(release_id)] == [1, 2, 3, 4]
        assert rush_status(state=network_state(), release_id=release_id, queue_key=behind.queue_key,
                           now=rule.draw_at).place == 4

    def test_a_place_left_without_a_number_after_the_draw_gets_the_next_one_when_asked(self, rush):
        """A join cut off between its two statements after the draw (its process stopped) leaves a
        place without a number: the first request for it, a poll or a join again, gives it the next."""
        release_id, rule = rush
        for n in range(3):
            join(release_id, n, rule.window_start, rng=random.Random(n))
        assert join(release_id, 3, rule.draw_at + dt.timedelta(seconds=1)).place == 4
        cut = [RushPlace.objects.create(release_id=release_id, email_key=person_key(f"cut-{n}@example.org"),
                                        order_key=rule.order_key(rule.draw_at + dt.timedelta(seconds=2 + n), 0),
                                        joined_at=rule.draw_at + dt.timedelta(seconds=2 + n)) for n in range(2)]
        polled = rush_status(state=network_state(), release_id=release_id, now=rule.draw_at + dt.timedelta(seconds=5),
                             queue_key=queue_key_of(release_id, cut[1].pk))
        again = rush_join(state=network_state(), release_id=release_id, email="cut-0@example.org", phone="",
                          now=rule.draw_at + dt.timedelta(seconds=6))
        assert (polled.place, again.place) == (5, 6)
        assert join(release_id, 4, rule.draw_at + dt.timedelta(seconds=7)).place == 7
        assert [place for place, _, _ in stored_places(release_id)] == list(range(1, 8))
        assert RushDraw.objects.values_list("drawn", "late").get(release_id=release_id) == (3, 4)

    def test_the_worker_numbers_a_draw_nobody_has_asked_about(self, rush):
        release_id, rule = rush
        for n in range(4):
            join(release_id, n, rule.window_start, rng=random.Random(n))
        assert rush_draw_sweep(now=rule.draw_at - dt.timedelta(seconds=1)) == 0
        assert rush_draw_sweep(now=rule.draw_at) == 1
        assert sorted(place for place, _, _ in stored_places(release_id)) == [1, 2, 3, 4]
        assert rush_draw_sweep(now=rule.draw_at + dt.timedelta(seconds=15)) == 0  # once
        assert RushDraw.objects.get(release_id=release_id).drawn == 4


class TestBookingDuringTheRush:
    def book(self, wednesday, now, rush_pass=None, email="person-0@example.org"):
        state = network_state()
        rush_pass_check(state=state, point_id=POINT, service_code=SERVICE, start_at=at(wednesday, 9), email=email,
                        phone="", rush_pass=rush_pass, now=now)
        return booking_create(state=state, service_code=SERVICE, point_id=POINT, start_at=at(wednesday, 9),
                              persons=1, language="fi", customer=Customer(name="P", email=email), now=now)

    def test_without_a_pass_with_an_expired_one_with_anothers_and_with_a_valid_one(self, rush, wednesday):
        release_id, rule = rush
        join(release_id, 0, rule.window_start)  # drawn: place 1
        for n in range(1, 5):  # late: places 2 to 5, so the rush lasts 2 minutes past place 1's pass
            join(release_id, n, rule.draw_at + dt.timedelta(seconds=n))
        admitted = rush_status(state=network_state(), release_id=release_id,
                               queue_key=join(release_id, 0, rule.draw_at).queue_key, now=rule.draw_at)
        assert admitted.status == "admitted" and admitted.place == 1 and admitted.pass_token
        assert admitted.pass_expires_at == rule.draw_at + dt.timedelta(minutes=10)
        with pytest.raises(RushPassRequired):
            self.book(wednesday, rule.draw_at)
        with pytest.raises(RushPassRequired):
            self.book(wednesday, admitted.pass_expires_at, rush_pass=admitted.pass_token)
        with pytest.raises(RushPassRequired):
            self.book(wednesday, rule.draw_at, rush_pass=admitted.pass_token, email="someone-else@example.org")
        with pytest.raises(RushPassRequired):
            self.book(wednesday, rule.draw_at, rush_pass=admitted.pass_token[:-2] + "xx")
        made = self.book(wednesday, rule.draw_at + dt.timedelta(minutes=9), rush_pass=admitted.pass_token)
        assert made.booking.start_at == at(wednesday, 9)

    def test_the_pass_given_before_the_admission_serves_from_the_admission_on(self, rush, wednesday):
        """Once the place is known, the answer carries the pass for later (docs/rush.md): it serves
        its person from the admission until the pass's expiry, as the pass given then would, and
        never before; the pass for now comes only with the admission."""
        release_id, rule = rush
        for n in range(5):  # late: places 1 to 5 in turn, so the rush lasts past place 3's pass
            join(release_id, n, rule.draw_at + dt.timedelta(seconds=n))
        key = join(release_id, 2, rule.draw_at + dt.timedelta(seconds=2)).queue_key
        before_draw = rush_status(state=network_state(), release_id=release_id, queue_key=key,
                                  now=rule.draw_at - dt.timedelta(seconds=1))
        assert before_draw.place is None and before_draw.pass_from_admission is None
        waiting = rush_status(state=network_state(), release_id=release_id, queue_key=key, now=rule.draw_at)
        assert waiting.status == "waiting" and waiting.place == 3 and waiting.pass_token is None
        assert waiting.admitted_at > rule.draw_at and waiting.pass_from_admission
        assert waiting.pass_expires_at == waiting.admitted_at + dt.timedelta(minutes=10)
        early = waiting.pass_from_admission
        with pytest.raises(RushPassRequired):
            self.book(wednesday, waiting.admitted_at - dt.timedelta(seconds=1), rush_pass=early,
                      email="person-2@example.org")
        with pytest.raises(RushPassRequired):
            self.book(wednesday, waiting.admitted_at, rush_pass=early, email="person-1@example.org")
        with pytest.raises(RushPassRequired):
            self.book(wednesday, waiting.pass_expires_at, rush_pass=early, email="person-2@example.org")
        made = self.book(wednesday, waiting.admitted_at, rush_pass=early, email="person-2@example.org")
        assert made.booking.start_at == at(wednesday, 9)
        admitted = rush_status(state=network_state(), release_id=release_id, queue_key=key, now=waiting.admitted_at)
        assert admitted.status == "admitted" and admitted.pass_token and admitted.pass_from_admission is None

    def test_a_pass_for_later_follows_an_admission_slowed_since(self, wednesday):
        """The agency slows the admission mid-rush (2 a minute, then 1): a pass for later serves
        from the place's admission under the rules of the moment, not the earlier one it named."""
        opens_at = f"{wednesday - dt.timedelta(days=7)}T09:00"
        release_id, rule = network(wednesday, wednesday, opens_at)
        for n in range(6):
            join(release_id, n, rule.draw_at + dt.timedelta(seconds=n))  # late: places 1 to 6 in turn
        key = join(release_id, 4, rule.draw_at + dt.timedelta(seconds=4)).queue_key
        early = rush_status(state=network_state(), release_id=release_id, queue_key=key, now=rule.draw_at)
        assert early.place == 5 and early.admitted_at == rule.draw_at + dt.timedelta(minutes=2)
        slower_id, slower = network(wednesday, wednesday, opens_at, rate=1)
        assert slower_id == release_id and slower.admitted_at(5) == rule.draw_at + dt.timedelta(minutes=4)
        with pytest.raises(RushPassRequired):
            self.book(wednesday, early.admitted_at, rush_pass=early.pass_from_admission, email="person-4@example.org")
        made = self.book(wednesday, slower.admitted_at(5), rush_pass=early.pass_from_admission,
                         email="person-4@example.org")
        assert made.booking.pk

    def test_once_every_pass_has_expired_anyone_books_and_joining_takes_no_place(self, rush, wednesday):
        release_id, rule = rush
        join(release_id, 0, rule.window_start)
        with pytest.raises(RushPassRequired):
            self.book(wednesday, rule.ends_at(1) - dt.timedelta(seconds=1), email="late@example.org")
        assert join(release_id, 9, rule.ends_at(1)).status == "open"
        assert RushPlace.objects.count() == 1
        assert self.book(wednesday, rule.ends_at(1), email="late@example.org").booking.pk


def rush_now_on(wednesday):
    """A queue whose window is open whatever the time of day today: opened at today's midnight, the
    draw a day later (its times are released, and nobody is admitted yet)."""
    today = timezone.now().astimezone(HELSINKI).date()
    return network(wednesday, wednesday, f"{today}T00:00", after=1440, before=0)


class TestApi:
    def test_join_poll_and_book_with_the_pass(self, client, wednesday):
        release_id, rule = rush_now_on(wednesday)
        answer = client.post(f"/api/v1/releases/{release_id}/queue", {"email": "Person@Example.org"},
                             content_type="application/json")
        body = answer.json()
        assert answer.status_code == 200, body
        assert body["status"] == "waiting" and body["place"] is None and body["pass"] is None
        assert body["pass_from_admission"] is None  # the place is not known yet
        assert body["retry_after_seconds"] >= 1 and answer["Retry-After"] == str(body["retry_after_seconds"])
        again = client.post(f"/api/v1/releases/{release_id}/queue", {"email": "person@example.org"},
                            content_type="application/json").json()
        assert again["queue_key"] == body["queue_key"]
        polled = client.get(f"/api/v1/releases/{release_id}/queue/{body['queue_key']}")
        assert polled.status_code == 200 and polled.json()["queue_key"] == body["queue_key"]
        refused = client.post("/api/v1/bookings", booking_body(at(wednesday, 9)), content_type="application/json")
        assert refused.status_code == 409 and refused.json()["error"] == "rush_pass_required"
        admitted = rush_status(state=network_state(), release_id=release_id, queue_key=body["queue_key"],
                               now=rule.draw_at)
        made = client.post("/api/v1/bookings", booking_body(at(wednesday, 9)), content_type="application/json",
                           headers={"X-Rush-Pass": admitted.pass_token})
        assert made.status_code == 201, made.json()

    def test_the_schema_names_the_release_queues_answer_not_the_walk_in_queues(self, client):
        """Both queues' answers were once one schema, "QueueOut", in the OpenAPI document: the walk-in's."""
        schema = client.get("/api/v1/openapi.json").json()
        for path, method in (("/api/v1/releases/{release_id}/queue", "post"),
                             ("/api/v1/releases/{release_id}/queue/{queue_key}", "get")):
            ref = schema["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            fields = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
            assert {"queue_key", "place", "pass", "pass_expires_at", "pass_from_admission"} <= set(fields)

    def test_a_poll_is_answered_before_sessions_in_one_statement_with_the_security_headers(self, client, wednesday):
        release_id, _ = rush_now_on(wednesday)
        joined = client.post(f"/api/v1/releases/{release_id}/queue", {"email": "person@example.org"},
                             content_type="application/json").json()
        client.cookies.clear()
        with CaptureQueriesContext(connection) as queries:
            polled = client.get(f"/api/v1/releases/{release_id}/queue/{joined['queue_key']}",
                                headers={"Accept-Language": "fi", "X-Forwarded-For": "203.0.113.9"})
        assert polled.status_code == 200, polled.content
        body = polled.json()
        assert {k: body[k] for k in ("release", "queue_key", "status", "place", "draw_at")} == {
            k: joined[k] for k in ("release", "queue_key", "status", "place", "draw_at")}
        assert body["retry_after_seconds"] >= 1 and polled["Retry-After"] == str(body["retry_after_seconds"])
        assert len(queries.captured_queries) == 1  # the row and the network's version; no session, no counter
        assert not polled.cookies and "Vary" not in polled  # no session or language touched
        assert polled["X-Frame-Options"] == "DENY" and polled["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in polled and polled["Content-Type"] == "application/json"
        for path in (f"/api/v1/releases/{release_id}/queue/forged:key",
                     f"/api/v1/releases/{release_id + 1}/queue/{joined['queue_key']}"):
            missing = client.get(path)
            assert missing.status_code == 404 and missing.json()["error"] == "not_found"
            assert missing["X-Frame-Options"] == "DENY"
        # Other methods and paths go down the whole stack as before.
        assert client.post(f"/api/v1/releases/{release_id}/queue/{joined['queue_key']}").status_code == 405

    def test_the_pass_may_come_in_the_body_and_serves_only_its_person(self, client, wednesday):
        release_id, rule = rush_now_on(wednesday)
        key = client.post(f"/api/v1/releases/{release_id}/queue", {"email": "person@example.org"},
                          content_type="application/json").json()["queue_key"]
        token = rush_status(state=network_state(), release_id=release_id, queue_key=key, now=rule.draw_at).pass_token
        other = client.post("/api/v1/bookings", {**booking_body(at(wednesday, 9), email="x@example.org"),
                                                 "rush_pass": token}, content_type="application/json")
        assert other.status_code == 409
        mine = client.post("/api/v1/bookings", {**booking_body(at(wednesday, 9)), "rush_pass": token},
                           content_type="application/json")
        assert mine.status_code == 201

    def test_moving_a_booking_into_the_release_needs_the_pass_too(self, client, wednesday):
        release_id, rule = rush_now_on(wednesday)
        thursday = wednesday + dt.timedelta(days=1)
        made = client.post("/api/v1/bookings", booking_body(at(thursday, 9)), content_type="application/json").json()
        path = f"/api/v1/bookings/{made['reservation_key']}/reschedule"
        body = {"start": at(wednesday, 9).isoformat()}
        refused = client.post(path, body, content_type="application/json", headers={"X-PIN": made["pin"]})
        assert refused.status_code == 409 and refused.json()["error"] == "rush_pass_required"
        key = client.post(f"/api/v1/releases/{release_id}/queue", {"email": "person@example.org"},
                          content_type="application/json").json()["queue_key"]
        token = rush_status(state=network_state(), release_id=release_id, queue_key=key, now=rule.draw_at).pass_token
        moved = client.post(path, body, content_type="application/json",
                            headers={"X-PIN": made["pin"], "X-Rush-Pass": token})
        assert moved.status_code == 200 and moved.json()["start"] == at(wednesday, 9).isoformat()

    def test_before_the_window_409_and_an_unknown_release_or_key_404(self, client, wednesday):
        network(wednesday, wednesday, "2998-01-01T09:00")
        release_id = Release.objects.get().pk
        early = client.post(f"/api/v1/releases/{release_id}/queue", {"email": "person@example.org"},
                            content_type="application/json")
        assert early.status_code == 409 and early.json()["error"] == "rush_not_open"
        assert client.post(f"/api/v1/releases/{release_id + 1}/queue", {"email": "person@example.org"},
                           content_type="application/json").status_code == 404
        assert client.get(f"/api/v1/releases/{release_id}/queue/forged:key").status_code == 404


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))).strip()


class TestPages:
    @pytest.mark.parametrize(("language", "join_words", "place_words"), [
        ("fi", "Liity jonoon", "Olet jonossa."),
        ("sv", "Ställ dig i kön", "Du står i kön."),
        ("en", "Join the queue", "You are in the queue."),
    ])
    def test_join_and_see_the_place_without_javascript(self, client, wednesday, language, join_words, place_words):
        release_id, _ = rush_now_on(wednesday)
        headers = {"Accept-Language": language}
        page = client.get(f"/releases/{release_id}/queue/", headers=headers)
        assert page.status_code == 200 and join_words in text(page)
        answer = client.post(f"/releases/{release_id}/queue/", {"email": "person@example.org", "phone": ""},
                             headers=headers)
        assert answer.status_code == 302
        status = client.get(answer.url, headers=headers)
        assert status.status_code == 200 and place_words in text(status)
        assert int(status["Retry-After"]) >= 1
        assert 'http-equiv="refresh"' not in status.content.decode()  # only when asked for
        auto = client.get(answer.url + "?auto=1", headers=headers)
        assert 'http-equiv="refresh"' in auto.content.decode()

    def test_the_details_page_sends_a_customer_without_a_pass_to_the_queue(self, client, wednesday):
        release_id, _ = rush_now_on(wednesday)
        from urllib.parse import urlencode

        url = "/book/details/?" + urlencode({"service": SERVICE, "point": POINT, "start": at(wednesday, 9).isoformat()})
        answer = client.post(url, {"name": "Test Person", "email": "person@example.org", "phone": "",
                                   "language": "en"}, headers={"Accept-Language": "en"})
        assert answer.status_code == 409
        assert f"/releases/{release_id}/queue/" in answer.content.decode()


class TestStaleNetworkCopy:
    def test_a_rush_removed_a_moment_ago_refuses_nobody(self, client, wednesday):
        from vuoro.network.state import network_state_unchecked

        rush_now_on(wednesday)
        network_state()  # this process's copy knows the rush...
        Release.objects.all().delete()  # ...which another server then removes
        assert network_state_unchecked().releases  # the copy is stale until someone checks
        made = client.post("/api/v1/bookings", booking_body(at(wednesday, 9)), content_type="application/json")
        assert made.status_code == 201, made.json()
