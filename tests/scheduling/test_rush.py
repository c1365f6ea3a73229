"""The rush's rules in the core: keys, admission by place, and when the rush is over."""
import datetime as dt

from vuoro.scheduling.rush import DRAWN_KEYS, Rush

OPENS = dt.datetime(2027, 6, 1, 6, tzinfo=dt.UTC)
RUSH = Rush(opens_at=OPENS, admit_per_minute=3)


class TestRush:
    def test_the_window_runs_from_a_quarter_before_to_five_minutes_after(self):
        assert RUSH.window_start == OPENS - dt.timedelta(minutes=15)
        assert RUSH.draw_at == OPENS + dt.timedelta(minutes=5)

    def test_inside_the_window_the_key_is_the_draw_and_after_it_the_arrival(self):
        assert RUSH.order_key(RUSH.window_start, 12345) == 12345
        assert RUSH.order_key(RUSH.draw_at - dt.timedelta(microseconds=1), DRAWN_KEYS + 7) == 7
        late, later = (RUSH.order_key(RUSH.draw_at + dt.timedelta(seconds=s), 1) for s in (1, 2))
        assert DRAWN_KEYS < late < later

    def test_places_are_admitted_a_batch_a_minute(self):
        assert [RUSH.admitted_at(p) - RUSH.draw_at for p in (1, 3, 4, 6, 7)] == [
            dt.timedelta(0), dt.timedelta(0), dt.timedelta(minutes=1), dt.timedelta(minutes=1),
            dt.timedelta(minutes=2)]
        assert RUSH.pass_expires_at(4) == RUSH.draw_at + dt.timedelta(minutes=11)

    def test_places_may_be_admitted_in_steps_of_seconds_at_the_same_rate(self):
        steps = Rush(opens_at=OPENS, admit_per_minute=120, admit_every_seconds=5)  # 10 every 5 s
        assert [steps.admitted_at(p) - steps.draw_at for p in (1, 10, 11, 21, 120, 121)] == [
            dt.timedelta(0), dt.timedelta(0), dt.timedelta(seconds=5), dt.timedelta(seconds=10),
            dt.timedelta(seconds=55), dt.timedelta(minutes=1)]
        slow = Rush(opens_at=OPENS, admit_per_minute=30, admit_every_seconds=1)  # one every 2 s
        assert [slow.admitted_at(p) - slow.draw_at for p in (1, 2, 3, 31)] == [
            dt.timedelta(0), dt.timedelta(seconds=2), dt.timedelta(seconds=4), dt.timedelta(minutes=1)]
        # The default step of a minute is the batch rule; a step changes when, never how many a minute.
        for place in range(1, 400):
            assert RUSH.admitted_at(place) == RUSH.draw_at + dt.timedelta(minutes=(place - 1) // 3)
            assert steps.admitted_at(place) <= RUSH.draw_at + dt.timedelta(minutes=(place - 1) // 120 + 1)
        assert steps.wait_minutes(11, steps.draw_at) == 1 and steps.pass_expires_at(11) == (
            steps.draw_at + dt.timedelta(minutes=10, seconds=5))

    def test_the_rush_lasts_until_the_last_pass_has_expired(self):
        assert RUSH.ends_at(0) == RUSH.draw_at
        assert RUSH.ends_at(7) == RUSH.draw_at + dt.timedelta(minutes=12)
        assert RUSH.is_on(RUSH.window_start, 7) and not RUSH.is_on(RUSH.window_start - dt.timedelta(seconds=1), 7)
        assert RUSH.is_on(RUSH.ends_at(7) - dt.timedelta(seconds=1), 7) and not RUSH.is_on(RUSH.ends_at(7), 7)
        assert RUSH.wait_minutes(7, RUSH.draw_at) == 2 and RUSH.wait_minutes(1, RUSH.draw_at) == 0

    def test_before_the_draw_the_place_is_estimated_from_the_keys_share_of_the_key_space(self):
        # 13 joined: 12 others, and a key at three quarters of the space has about 9 of them below.
        assert RUSH.estimated_admission(3 * DRAWN_KEYS // 4, 13) == RUSH.draw_at + dt.timedelta(minutes=3)
        assert RUSH.estimated_admission(0, 13) == RUSH.draw_at  # the lowest key: first
        assert RUSH.estimated_admission(DRAWN_KEYS - 1, 1) == RUSH.draw_at  # alone so far
        earlier, later = (RUSH.estimated_admission(k, 1000) for k in (DRAWN_KEYS // 3, DRAWN_KEYS // 2))
        assert RUSH.draw_at < earlier < later  # the returns follow the keys

    def test_an_estimate_made_before_the_windows_last_quarter_is_made_again_within_it(self):
        # A 20-minute window (15 before the moment, 5 after): its last quarter is the 5 minutes before the draw.
        stretch = RUSH.draw_at - dt.timedelta(minutes=5)
        half, top = DRAWN_KEYS // 2, DRAWN_KEYS - 1
        assert RUSH.retry_before_draw(half, 13, RUSH.window_start) == stretch + dt.timedelta(seconds=150)
        assert RUSH.retry_before_draw(0, 13, RUSH.window_start) == stretch  # spread over it by the key
        assert stretch < RUSH.retry_before_draw(top, 13, stretch - dt.timedelta(microseconds=1)) < RUSH.draw_at
        for key in (0, half, top):  # within it: the estimate itself, never sooner than before
            assert RUSH.retry_before_draw(key, 13, stretch) == RUSH.estimated_admission(key, 13)
            assert RUSH.retry_before_draw(key, 13, RUSH.draw_at - dt.timedelta(seconds=1)) == \
                RUSH.estimated_admission(key, 13)
        late = RUSH.order_key(RUSH.draw_at, 1)
        assert RUSH.retry_before_draw(late, 13, RUSH.window_start) == RUSH.estimated_admission(late, 13)
