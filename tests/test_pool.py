"""PostgreSQL's connection pool (settings: DATABASES OPTIONS "pool"): what a connection carries back.

A pooled connection serves many requests in turn, so whatever one of them set on its session must
not reach the next: the message sender's `synchronous_commit = off` is reset before its connection
goes back. Prepared statements (vuoro.prepared) are kept, and keep working.
"""
import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from vuoro import prepared
from vuoro.notify.services import notices_send

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the pool is PostgreSQL's")]


def idle_connections():
    """Every connection now idle in this process's pool (handed back by the caller)."""
    pool = connection.pool
    return [pool.getconn(timeout=5) for _ in range(pool.get_stats()["pool_available"])]


def test_the_web_and_the_worker_share_a_bounded_pool():
    options = connection.settings_dict["OPTIONS"]["pool"]
    assert options["max_size"] >= 18 and options["timeout"] > 0  # a worker's 2 × 8 senders and its own
    assert connection.settings_dict["CONN_MAX_AGE"] == 0 and connection.pool is not None


def test_the_senders_fast_commits_never_reach_another_request():
    # Sender threads take connections from the pool and give them back when they stop.
    notices_send(now=timezone.now, send=lambda notice: None, senders=4)
    taken = idle_connections()
    try:
        assert taken, "the senders gave their connections back to the pool"
        assert [c.execute("SHOW synchronous_commit").fetchone()[0] for c in taken] == ["on"] * len(taken)
    finally:
        for pooled in taken:
            connection.pool.putconn(pooled)


def test_prepared_statements_work_on_pooled_connections():
    for n in range(8):  # prepared on the first use of each connection, reused after it comes back
        assert prepared.rows("SELECT %s::int + 1", [n]) == [(n + 1,)]
        connection.close()  # back to the pool


def test_after_the_database_ended_every_pooled_connection_the_next_request_gets_a_live_one():
    """A restart (or pg_terminate_backend) leaves every idle pooled connection dead. The pool's
    check before handing one out found them one at a time, waiting longer after each (1, 2, 4,
    8 s ...), so with eight dead ones a request gave up after its 10 s: the first bad one now has
    the pool check all its idle connections at once."""
    pool = connection.pool
    connection.close()
    taken = [pool.getconn(timeout=5) for _ in range(8)]
    for pooled in taken:
        pool.putconn(pooled)
    assert pool.get_stats()["pool_available"] >= 8
    own = connection.settings_dict  # a connection outside the pool ends the pool's, as a restart would
    with psycopg.connect(host=own["HOST"] or None, port=own["PORT"] or None, user=own["USER"] or None,
                         password=own["PASSWORD"] or None, dbname=own["NAME"], autocommit=True) as admin:
        ended = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                              "WHERE datname = %s AND pid <> pg_backend_pid()",
                              [connection.settings_dict["NAME"]]).fetchone()[0]
    assert ended >= 8
    with connection.cursor() as cursor:  # would raise PoolTimeout
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
