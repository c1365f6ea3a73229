"""Counters of requests per fixed window, shared by every application server (vuoro.booking.guards).

With VUORO_REDIS_URL set, counters live in Redis (settings.CACHES["limits"], Django's own
RedisCache): one small script counts all of a request's windows in one round trip (INCR, and
EXPIRE on a new counter, each window in turn), atomic across servers, and a counter goes away
by itself a minute after its window. Without it (`make run`, tests on SQLite) they live in the
database (booking.RateCounter): one INSERT ... ON CONFLICT DO UPDATE ... RETURNING per window,
atomic under the row's lock, old rows purged by vuoro.retention.

When Redis cannot be reached, counting falls back to the database for a short while (logged):
a request is neither refused nor let through uncounted because of it, and never answered 5xx.
Limits on guessing a PIN never live here: they stay in the database (guards.pin_attempt_take).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Sequence
from typing import NamedTuple

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

# One command, atomic in Redis: add one to each counter in turn, give a new one its lifetime, and
# stop after the first that goes over its limit (ARGV: lifetime and limit of each key).
_INCR_LUA = """local counts = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, ARGV[2 * i - 1]) end
  counts[i] = n
  if n > tonumber(ARGV[2 * i]) then break end
end
return counts"""
_INCR_SHA = hashlib.sha1(_INCR_LUA.encode()).hexdigest()

_down_lock = threading.Lock()
_redis_down_until: dt.datetime | None = None


class Window(NamedTuple):
    """A counter: `key`'s count in the fixed window of `length` starting at `start_at`, refused
    beyond `limit` (None: none)."""

    key: str
    start_at: dt.datetime
    length: dt.timedelta
    limit: int | None = None


_NO_LIMIT = 2**53  # Redis compares in Lua's numbers


def windows_count(windows: Sequence[Window], *, now: dt.datetime) -> list[int]:
    """Add one to each window's counter in turn and return their new values, stopping after the
    first that goes over its limit (its value is the last returned): a request refused by one
    window does not use up the next one's allowance."""
    if not windows:
        return []
    if LIMITS_CACHE in settings.CACHES and not _redis_resting(now):
        try:
            return _cache_count(windows)
        except Exception as error:  # noqa: BLE001 - any failure of the cache: the database counts instead
            _redis_failed(now, error)
    counts = []
    for window in windows:
        counts.append(_database_count(window.key, window.start_at))
        if window.limit is not None and counts[-1] > window.limit:
            break
    return counts


def _cache_count(windows: Sequence[Window]) -> list[int]:
    cache = caches[LIMITS_CACHE]
    names = [cache.make_and_validate_key(f"{window.key}@{int(window.start_at.timestamp())}") for window in windows]
    client = cache._cache.get_client(names[0], write=True)  # Django's RedisCache: the redis-py client
    # A counter outlives its window by a minute (a server's clock a little behind another's).
    args = [value for window in windows
            for value in (int(window.length.total_seconds()) + 60,
                          _NO_LIMIT if window.limit is None else window.limit)]
    try:
        return [int(n) for n in client.evalsha(_INCR_SHA, len(names), *names, *args)]
    except NoScriptError:  # a Redis that has not seen the script yet (or restarted): send it whole
        return [int(n) for n in client.eval(_INCR_LUA, len(names), *names, *args)]


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
