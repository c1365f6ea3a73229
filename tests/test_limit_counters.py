"""vuoro.booking.counters: request counters in Redis when VUORO_REDIS_URL is set (here the real
Redis at 127.0.0.1:6379, under keys of this test's own), in the database otherwise; a Redis that
does not answer hands the counting to the database, logged, and no request gets a 5xx."""
import datetime as dt
import logging
import socket
import threading
import uuid

import pytest
from django.core.cache import caches

from vuoro.apierrors import ApiError
from vuoro.booking import counters
from vuoro.booking.counters import Window, windows_count
from vuoro.booking.guards import RATE_LIMITS_PER_HOUR, RATE_LIMITS_PER_MINUTE, rate_limit_count
from vuoro.booking.models import RateCounter

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/5"
NOW = dt.datetime(2027, 3, 3, 9, 0, 10, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def window_count(*, key: str, window_start_at: dt.datetime, window: dt.timedelta, now: dt.datetime) -> int:
    """One window counted alone: its new value."""
    return windows_count([Window(key, window_start_at, window)], now=now)[0]


def _counted_four_times_over_a_minute_of_two() -> tuple[Window, Window]:
    """A minute's window allowing 2 and an hour's allowing 10, counted together four times: the
    third and fourth go over the minute and stop there, never counting in the hour."""
    minute = Window("booking:192.0.2.9", NOW.replace(second=0), MINUTE, 2)
    hour = Window("booking/h:192.0.2.9", NOW.replace(minute=0, second=0), dt.timedelta(hours=1), 10)
    assert [windows_count([minute, hour], now=NOW) for _ in range(4)] == [[1, 1], [2, 2], [3], [4]]
    return minute, hour


def _limits_cache(location: str) -> dict:
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location,
            "KEY_PREFIX": f"vuoro-test-{uuid.uuid4().hex}",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}}


@pytest.fixture
def redis_limits(settings):
    settings.RATE_LIMITS = True
    settings.CACHES = {**settings.CACHES, "limits": _limits_cache(REDIS_URL)}
    counters.redis_retry_now()
    cache = caches["limits"]
    yield cache
    client = cache._cache.get_client(write=True)  # this test's keys only (cache.clear() would empty the DB)
    for name in client.scan_iter(f"{cache.key_prefix}:*"):
        client.delete(name)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:  # bound, never listening: connecting is refused at once
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def redis_down(settings, closed_port):
    settings.RATE_LIMITS = True
    settings.CACHES = {**settings.CACHES, "limits": _limits_cache(f"redis://127.0.0.1:{closed_port}/0")}
    counters.redis_retry_now()
    yield
    counters.redis_retry_now()


class TestInRedis:
    def test_counts_in_redis_and_writes_nothing_to_the_database(self, redis_limits):
        counts = [window_count(key="availability:192.0.2.1", window_start_at=NOW.replace(second=0), window=MINUTE,
                               now=NOW) for _ in range(3)]
        assert counts == [1, 2, 3]
        assert not RateCounter.objects.exists()

    def test_a_counter_expires_after_its_window_and_a_minute(self, redis_limits):
        window_count(key="booking/h:192.0.2.1", window_start_at=NOW.replace(minute=0, second=0),
                     window=dt.timedelta(hours=1), now=NOW)
        client = redis_limits._cache.get_client(write=True)
        (name,) = client.keys(f"{redis_limits.key_prefix}:*")
        assert 3600 < client.ttl(name) <= 3660

    def test_windows_and_keys_count_apart(self, redis_limits):
        start = NOW.replace(second=0)
        assert window_count(key="a:1", window_start_at=start, window=MINUTE, now=NOW) == 1
        assert window_count(key="a:2", window_start_at=start, window=MINUTE, now=NOW) == 1
        assert window_count(key="a:1", window_start_at=start + MINUTE, window=MINUTE, now=NOW + MINUTE) == 1
        assert window_count(key="a:1", window_start_at=start, window=MINUTE, now=NOW) == 2

    def test_parallel_requests_never_count_the_same_number(self, redis_limits):
        seen: list[int] = []

        def count():
            for _ in range(25):
                seen.append(window_count(key="booking:198.51.100.1", window_start_at=NOW.replace(second=0),
                                         window=MINUTE, now=NOW))

        threads = [threading.Thread(target=count) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(seen) == list(range(1, 201))

    def test_windows_count_in_one_script_and_stop_after_the_first_over_its_limit(self, redis_limits):
        minute, hour = _counted_four_times_over_a_minute_of_two()
        client = redis_limits._cache.get_client(write=True)
        assert sorted(int(client.get(name)) for name in client.keys(f"{redis_limits.key_prefix}:*")) == [2, 4]
        assert not RateCounter.objects.exists()

    def test_a_refused_minute_does_not_use_the_hour(self, rf, redis_limits, monkeypatch):
        monkeypatch.setitem(RATE_LIMITS_PER_MINUTE, "booking", 2)
        monkeypatch.setitem(RATE_LIMITS_PER_HOUR, "booking", 3)
        request = rf.post("/api/v1/bookings", REMOTE_ADDR="192.0.2.7")
        for _ in range(2):
            rate_limit_count(request, kind="booking", now=NOW)
        for _ in range(5):  # refused by the minute: the hour is not counted
            with pytest.raises(ApiError) as refused:
                rate_limit_count(request, kind="booking", now=NOW)
            assert refused.value.headers == {"Retry-After": "50"}
        rate_limit_count(request, kind="booking", now=NOW + MINUTE)  # the hour's third
        with pytest.raises(ApiError) as refused:
            rate_limit_count(request, kind="booking", now=NOW + 2 * MINUTE)
        assert refused.value.headers == {"Retry-After": str(57 * 60 + 50)}

    def test_the_api_answers_429_from_redis_counts(self, client, smoke_network, redis_limits, monkeypatch):
        monkeypatch.setitem(RATE_LIMITS_PER_MINUTE, "availability", 2)
        answers = [client.get("/api/v1/availability?service=residence-card").status_code for _ in range(3)]
        if answers[-1] != 429:  # the minute turned between the requests: once more
            answers = [client.get("/api/v1/availability?service=residence-card").status_code for _ in range(3)]
        assert answers == [200, 200, 429]
        assert not RateCounter.objects.exists()


class TestRedisDown:
    def test_the_database_counts_instead_and_it_is_logged(self, redis_down, caplog):
        with caplog.at_level(logging.WARNING, logger="vuoro.limits"):
            counts = [window_count(key="availability:192.0.2.2", window_start_at=NOW.replace(second=0),
                                   window=MINUTE, now=NOW) for _ in range(3)]
        assert counts == [1, 2, 3]
        assert RateCounter.objects.get(key="availability:192.0.2.2").count == 3
        assert sum("VUORO_REDIS_URL" in record.getMessage() for record in caplog.records) == 1  # once, not per request

    def test_limits_still_hold_and_no_request_gets_a_5xx(self, client, smoke_network, redis_down, monkeypatch):
        monkeypatch.setitem(RATE_LIMITS_PER_MINUTE, "booking", 2)
        answers = [client.post("/api/v1/bookings", "{", content_type="application/json").status_code
                   for _ in range(3)]
        if answers[-1] != 429:
            answers = [client.post("/api/v1/bookings", "{", content_type="application/json").status_code
                       for _ in range(3)]
        assert answers[:2] in ([400, 400], [422, 422], [400, 422], [422, 400]) and answers[-1] == 429

    def test_redis_is_tried_again_after_a_while(self, redis_down, settings):
        start = NOW.replace(second=0)
        window_count(key="a:1", window_start_at=start, window=MINUTE, now=NOW)
        assert counters._redis_resting(NOW + counters.REDIS_RETRY_AFTER / 2)
        assert not counters._redis_resting(NOW + counters.REDIS_RETRY_AFTER)


class TestInTheDatabase:
    def test_windows_count_stop_after_the_first_over_its_limit(self, settings):
        settings.CACHES = {k: v for k, v in settings.CACHES.items() if k != "limits"}
        minute, hour = _counted_four_times_over_a_minute_of_two()
        assert dict(RateCounter.objects.values_list("key", "count")) == {minute.key: 4, hour.key: 2}

    def test_one_statement_per_window(self, settings, django_assert_num_queries):
        settings.CACHES = {k: v for k, v in settings.CACHES.items() if k != "limits"}
        start = NOW.replace(second=0)
        counts = [window_count(key="manage:192.0.2.3", window_start_at=start, window=MINUTE, now=NOW)
                  for _ in range(3)]
        assert counts == [1, 2, 3]
        row = RateCounter.objects.get(key="manage:192.0.2.3")
        assert (row.count, row.window_start_at) == (3, start)
        with django_assert_num_queries(1):  # prepared on PostgreSQL, and in the query log all the same
            window_count(key="manage:192.0.2.3", window_start_at=start, window=MINUTE, now=NOW)
