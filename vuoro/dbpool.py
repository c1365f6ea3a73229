"""The check a pooled PostgreSQL connection passes before a request gets it (settings: OPTIONS "pool").

psycopg_pool checks one connection at a time and, after each that fails, waits longer before the
next (1, 2, 4, 8 s ...). After the database restarted, or ended every connection, each idle
connection in the pool is dead: with a handful of them a request gave up after
VUORO_DB_POOL_TIMEOUT. Here the first dead one has its pool check every idle connection at once,
replacing the dead, so the request's next try gets a live one.
"""
from __future__ import annotations

import logging

from psycopg import Connection
from psycopg_pool import ConnectionPool

logger = logging.getLogger("vuoro.dbpool")


def check_pooled_connection(conn: Connection) -> None:
    """Raise when `conn` is dead, after having its pool drop every other dead idle connection."""
    try:
        ConnectionPool.check_connection(conn)
    except Exception:
        pool = _pool_of(conn)
        if pool is not None:
            logger.warning("a pooled database connection was dead: checking the pool's idle connections")
            pool.check()
        raise


def _pool_of(conn: Connection) -> ConnectionPool | None:
    # psycopg_pool marks a connection it hands out (and checks) with its pool.
    pool = getattr(conn, "_pool", None)
    return pool if isinstance(pool, ConnectionPool) else None
