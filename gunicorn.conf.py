"""gunicorn's configuration for vuoro in production (docs/deploy.md): `gunicorn -c gunicorn.conf.py`.

Threaded workers (gthread): a request waiting on the database or a display board's event stream
holds a thread, not a process. Each process has its own database connection pool
(VUORO_DB_POOL_MAX) and its own cap on open board streams (VUORO_BOARD_STREAMS, by default half
of VUORO_WEB_THREADS), so streams never take every thread.

VUORO_BIND          address to listen on (default 127.0.0.1:8000; the reverse proxy in front ends TLS)
VUORO_WEB_WORKERS   processes (default 2)
VUORO_WEB_THREADS   threads per process (default 16)
VUORO_FORWARDED_ALLOW_IPS  proxies whose X-Forwarded-* headers gunicorn believes (default 127.0.0.1,::1)
"""
import os

wsgi_app = "vuoro.wsgi:application"
bind = [address.strip() for address in os.environ.get("VUORO_BIND", "127.0.0.1:8000").split(",") if address.strip()]
worker_class = "gthread"
workers = int(os.environ.get("VUORO_WEB_WORKERS", "2"))
threads = int(os.environ.get("VUORO_WEB_THREADS", "16"))
keepalive = 5
# A worker silent this long is restarted (gthread answers its heartbeat from its own thread, so a
# long board stream does not count as silence).
timeout = 30
graceful_timeout = 30
forwarded_allow_ips = os.environ.get("VUORO_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("VUORO_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("VUORO_LOG_LEVEL", "warning").lower()
# Each worker opens its own connection pool after the fork, never sharing one across processes.
preload_app = False
