"""Counters of requests per fixed window, shared by every application server (vuoro.booking.guards).

With VUORO_REDIS_URL set, counters live in Redis (settings.CACHES["limits"], Django's own
RedisCache): one small script per window (INCR, and EXPIRE on a new counter), atomic across
servers, and the counter goes away by itself a minute after its window. Without it (`make run`, tests on SQLite)
they live in the database (booking.RateCounter): one INSERT ... ON CONFLICT DO UPDATE ...
RETURNING per window, atomic under the row's lock, old rows purged by vuoro.retention.

When Redis cannot be reached, counting falls back to the database for a short while (logged):
a request is neither refused nor let through uncounted because of it, and never answered 5xx.
Limits on guessing a PIN never live here: they stay in the database (guards.pin_attempt_take).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from redis.exceptions import NoScriptError

from vuoro import prepared
from vuoro.booking.models import RateCounter

logger = logging.getLogger("vuoro.limits")

LIMITS_CACHE = "limits"  # the settings.CACHES alias that holds the counters, when configured
REDIS_RETRY_AFTER = dt.timedelta(seconds=5)  # after Redis failed, the database counts this long

_TABLE = RateCounter._meta.db_table
_UPSERT = (f"INSERT INTO {_TABLE} (key, window_start_at, count) VALUES (%s, %s, 1) "
           f"ON CONFLICT (key, window_start_at) DO UPDATE SET count = {_TABLE}.count + 1 RETURNING count")

# One command, atomic in Redis: add one, and give a new counter its lifetime.
_INCR_LUA = """local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n"""
_INCR_SHA = hashlib.sha1(_INCR_LUA.encode()).hexdigest()

_down_lock = threading.Lock()
_redis_down_until: dt.datetime | None = None


def window_count(*, key: str, window_start_at: dt.datetime, window: dt.timedelta, now: dt.datetime) -> int:
    """Add one to the counter of `key` in the window starting at `window_start_at` (of length
    `window`) and return its new value."""
    if LIMITS_CACHE in settings.CACHES and not _redis_resting(now):
        try:
            return _cache_count(key, window_start_at, window)
        except Exception as error:  # noqa: BLE001 - any failure of the cache: the database counts instead
            _redis_failed(now, error)
    return _database_count(key, window_start_at)


def _cache_count(key: str, window_start_at: dt.datetime, window: dt.timedelta) -> int:
    cache = caches[LIMITS_CACHE]
    name = cache.make_and_validate_key(f"{key}@{int(window_start_at.timestamp())}")
    client = cache._cache.get_client(name, write=True)  # Django's RedisCache: the redis-py client
    # The counter outlives its window by a minute (a server's clock a little behind another's).
    seconds = int(window.total_seconds()) + 60
    try:
        return int(client.evalsha(_INCR_SHA, 1, name, seconds))
    except NoScriptError:  # a Redis that has not seen the script yet (or restarted): send it whole
        return int(client.eval(_INCR_LUA, 1, name, seconds))


def _database_count(key: str, window_start_at: dt.datetime) -> int:
    start = connection.ops.adapt_datetimefield_value(window_start_at)
    return prepared.rows(_UPSERT, [key, start])[0][0]


def _redis_resting(now: dt.datetime) -> bool:
    until = _redis_down_until
    return until is not None and now < until


def _redis_failed(now: dt.datetime, error: Exception) -> None:
    global _redis_down_until
    with _down_lock:
        if _redis_resting(now):
            return
        _redis_down_until = now + REDIS_RETRY_AFTER
    logger.warning("the request limits' cache (VUORO_REDIS_URL) failed: %s; counting in the database for "
                   "%d s", error, REDIS_RETRY_AFTER.total_seconds())


def redis_retry_now() -> None:
    """Forget a failure of the cache, so the next count tries it again (tests)."""
    global _redis_down_until
    with _down_lock:
        _redis_down_until = None
