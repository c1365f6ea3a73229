"""A database that cannot be reached gives 503 with Retry-After, in the API's error shape under
/api/v1/ and as a page elsewhere — never a bare 500 or a debug page (with DEBUG on and off).

The server is gunicorn with the repository's gunicorn.conf.py, pointed at a database that is not
there: on PostgreSQL a loopback port where nothing listens, on SQLite a path that is a directory.
"""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

import pytest

from tests.test_servers import BIN, POSTGRES, ROOT, URL, call, free_port, serving

pytestmark = pytest.mark.skipif(not URL, reason="needs DATABASE_URL (make test sets it)")


def unreachable_database(tmp: Path) -> str:
    if POSTGRES:
        return f"postgres://postgres@127.0.0.1:{free_port()}/vuoro_nowhere"
    (tmp / "db-is-a-directory").mkdir()
    return f"sqlite:///{tmp / 'db-is-a-directory'}"


@pytest.mark.parametrize("limits", ["off", "on"])  # on: vuoro.limits counts in the database before any view
@pytest.mark.parametrize("debug", ["off", "on"])
def test_lost_database_answers_503(debug, limits):
    with tempfile.TemporaryDirectory(prefix="vuoro-unavailable-") as name:
        tmp = Path(name)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": unreachable_database(tmp), "VUORO_DEBUG": debug,
               "VUORO_SECRET_KEY": secrets.token_urlsafe(50), "VUORO_BIND": f"127.0.0.1:{port}",
               "VUORO_VAR_DIR": str(tmp), "VUORO_DB_POOL_TIMEOUT": "2", "VUORO_WEB_WORKERS": "1",
               "VUORO_WEB_THREADS": "4", "VUORO_RATE_LIMITS": limits}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        command = [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "--chdir", str(ROOT)]
        with serving(command, env, port, tmp) as base:
            for method, path, body in [("GET", "/api/v1/services", None),
                                       ("GET", "/api/v1/bookings/NOSUCHKEY?pin=123456", None),
                                       ("POST", "/api/v1/bookings", {"service": "x", "service_point": "y",
                                                                     "start": "2030-01-07T09:00:00+02:00",
                                                                     "persons": 1, "language": "fi",
                                                                     "customer": {"name": "A B",
                                                                                  "email": "a@example.org"}})]:
                status, got, headers = call(base, method, path, body)
                assert status == 503, (path, status, str(got)[:500])
                assert got["error"] == "unavailable" and got["detail"], got
                assert headers["Retry-After"] == "5"
            for path in ("/book/", "/book/point/?service=x"):
                status, page, headers = call(base, "GET", path, headers={"Accept-Language": "fi"})
                assert status == 503, (status, str(page)[:500])
                assert "Palvelu on hetken poissa käytöstä" in page and "Traceback" not in page
                assert headers["Retry-After"] == "5"
