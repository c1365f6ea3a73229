"""How fast booking messages render: e-mail (text, HTML, inline QR PNG, .ics, MIME bytes) and text.

    .venv/bin/python bench/message_render.py [--bookings N] [--database-url URL]

Builds a throwaway database (SQLite in a temporary directory unless --database-url), loads
examples/network.toml, books N visits through booking_create, then renders each booking's
confirmation as the sender would (`booking_email(...).message().as_bytes()` and `booking_text`),
each key's first time (QR not cached yet), one at a time in this process, with the production
settings' template loaders (VUORO_DEBUG=off). Prints messages per second. Sending (SMTP) is not
included: this is the booking side of the seam only.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bookings", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="vuoro-render-")
    os.environ.update({"DATABASE_URL": args.database_url or f"sqlite:///{tmp}/render.sqlite3",
                       "VUORO_DEBUG": "off", "VUORO_SECRET_KEY": "bench-" + "x" * 50, "VUORO_VAR_DIR": tmp,
                       "DJANGO_SETTINGS_MODULE": "vuoro.settings"})
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from vuoro.booking.messages import booking_email, booking_text
    from vuoro.booking.selectors import availability_list
    from vuoro.booking.services import Customer, booking_create
    from vuoro.network.state import network_state

    call_command("migrate", verbosity=0)
    call_command("loadnetwork", str(ROOT / "examples" / "network.toml"), verbosity=0)
    state = network_state()
    now = timezone.now()
    code = sorted(state.service_ids)[0]
    slots = availability_list(state=state, service_code=code, point_ids=None, from_date=None, to_date=None,
                              limit=args.bookings, now=now)
    ids = []
    for n, slot in enumerate(slots):
        made = booking_create(state=state, service_code=code, point_id=slot.service_point, start_at=slot.slot.start,
                              persons=1 + n % 3, language=("fi", "sv", "en")[n % 3], now=now,
                              customer=Customer(name=f"Customer {n}", email=f"c{n}@example.org",
                                                phone="+358401234567"))
        ids.append(made.booking.pk)
    size = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for booking_id in ids:
        size += len(booking_email(booking_id=booking_id, event="confirmed", now=now).message().as_bytes())
        booking_text(booking_id=booking_id, event="confirmed", now=now)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    # CPU time too: other work on a shared machine moves the wall-clock figure much more.
    print(f"{len(ids)} bookings, e-mail + text each: {seconds:.2f} s wall ({len(ids) / seconds:.0f} messages/s), "
          f"{cpu:.2f} s CPU ({len(ids) / cpu:.0f} messages per CPU second), "
          f"{size / len(ids) / 1024:.1f} KiB per e-mail; load average {os.getloadavg()[0]:.1f} "
          f"({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
