"""A fair release rush on the database (the rules: vuoro.scheduling.rush).

One row a person a release (`RushPlace`; unique by e-mail and by phone), so joining again
answers the same place, and one row a release (`RushDraw`) with its counters. Places are
numbered once: the first request after the draw that needs them (or the worker's sweep, if it
comes first) numbers every drawn place in one statement, 1..n in order of key, under the
release's row lock (whoever asks meanwhile waits for it, and nobody sees a queue half
numbered); whoever joins later gets the next number from the release's counter at the join, in
order of arrival. From then on a person's state is one read by primary key, and whether the rush
is on follows from the release's row (drawn + late), never from a count. Before the draw a place
is estimated from the key and the count of people who have joined (no count of lower keys
either). An admitted person gets a pass: signed, naming the release and the person's keys, valid
until its expiry; booking one of the release's times while the rush is on needs it, and it
serves only a booking of that person.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import secrets
from contextlib import contextmanager
from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils.crypto import salted_hmac

from vuoro import prepared
from vuoro.booking.models import RushDraw, RushPlace
from vuoro.booking.services import BookingError
from vuoro.network.models import Release
from vuoro.network.state import VERSION_SUBQUERY, NetworkState, network_state, network_state_at
from vuoro.scheduling.calendar import local_date
from vuoro.scheduling.releases import FixedRelease
from vuoro.scheduling.rush import Rush

PASS_SALT = "vuoro.booking.rush-pass"
QUEUE_KEY_SALT = "vuoro.booking.rush-queue-key"

logger = logging.getLogger("vuoro.rush")

_PLACES = RushPlace._meta.db_table
_DRAWS = RushDraw._meta.db_table
# A new place counted in `joined`, holding the release's row until the join commits: so the
# numbering either sees the new place, or the join sees `drawn` set and gives it a late place.
_COUNT_SQL = (f"INSERT INTO {_DRAWS} (release_id, joined, late) VALUES (%s, 1, 0) ON CONFLICT (release_id) "
              f"DO UPDATE SET joined = {_DRAWS}.joined + 1 RETURNING drawn, joined")
# The same on PostgreSQL in the join's own statement (`new`: the INSERT of the place, RETURNING
# id), so that the release's row is held only inside the database, never while Python runs.
_JOIN_SQL = (f"WITH new AS ({{insert}}), counted AS (INSERT INTO {_DRAWS} (release_id, joined, late) "
             f"SELECT %s, 1, 0 FROM new ON CONFLICT (release_id) DO UPDATE SET joined = {_DRAWS}.joined + 1 "
             "RETURNING drawn, joined) SELECT new.id, counted.drawn, counted.joined FROM new, counted")
# A place taken after the numbering gets the next number, unless it has one (whoever asks first):
# the person's row locked first, so that two asking at once never take two numbers.
_LATE_SQL = (f"WITH mine AS (SELECT id FROM {_PLACES} WHERE id = %s AND place IS NULL FOR UPDATE), "
             f"counted AS (UPDATE {_DRAWS} SET late = late + 1 WHERE release_id = %s AND drawn IS NOT NULL "
             f"AND EXISTS (SELECT 1 FROM mine) RETURNING drawn + late AS n) "
             f"UPDATE {_PLACES} SET place = counted.n FROM counted, mine WHERE {_PLACES}.id = mine.id RETURNING place")
_UNNUMBERED_SQL = f"SELECT 1 FROM {_PLACES} WHERE id = %s AND place IS NULL"
_NEXT_LATE_SQL = (f"UPDATE {_DRAWS} SET late = late + 1 WHERE release_id = %s AND drawn IS NOT NULL "
                  "RETURNING drawn + late")
_PLACE_SQL = f"UPDATE {_PLACES} SET place = %s WHERE id = %s"
# Every place of the release, 1..n in order of key (ties, which 62 random bits all but rule out, by id).
_NUMBER_SQL = (f"UPDATE {_PLACES} SET place = numbered.n FROM (SELECT id, row_number() OVER "
               f"(ORDER BY order_key, id) AS n FROM {_PLACES} WHERE release_id = %s) AS numbered "
               f"WHERE {_PLACES}.id = numbered.id")
_TOTALS_SQL = f"SELECT drawn, late FROM {_DRAWS} WHERE release_id = %s"
# A person's row by its id, with the release's count of people joined (for the estimate before the draw).
_ROW_SQL = (f"SELECT p.id, p.order_key, p.place, p.email_key, p.phone_key, "
            f"(SELECT d.joined FROM {_DRAWS} d WHERE d.release_id = p.release_id) "
            f"FROM {_PLACES} p WHERE p.id = %s AND p.release_id = %s")
# The same with the network's version, in one statement: a poll's only read (the version says
# whether this process's copy of the network, and so of the release's rush, is current).
_POLL_SQL = (f"SELECT v.version, p.id, p.order_key, p.place, p.email_key, p.phone_key, "
             f"(SELECT d.joined FROM {_DRAWS} d WHERE d.release_id = p.release_id) "
             f"FROM (SELECT {VERSION_SUBQUERY} AS version) v LEFT JOIN {_PLACES} p ON p.id = %s AND p.release_id = %s")


class RushError(BookingError):
    pass


class RushPassRequired(RushError):
    code = "rush_pass_required"

    def __init__(self, release_id: int, detail: str):
        super().__init__(detail)
        self.release_id = release_id


class NoRush(RushError):
    code = "not_found"


def person_key(value: str) -> str:
    """A keyed digest of a normalised e-mail address or phone number ("" for none)."""
    return salted_hmac("vuoro.booking.rush-person", value, algorithm="sha256").hexdigest() if value else ""


@dataclass(frozen=True)
class RushStatus:
    """Where a person stands. `status`: "waiting" (before the draw, or not yet admitted),
    "admitted" (with a pass until `pass_expires_at`), "over" (the pass has expired), or "open"
    (joining after the rush: no queue any more, no place taken). Once the place is known and not
    yet admitted, `pass_from_admission` is the pass that will serve from `admitted_at` until
    `pass_expires_at`: who keeps it books at that moment without asking again."""

    release_id: int
    queue_key: str | None
    status: str
    draw_at: dt.datetime
    retry_at: dt.datetime | None  # come back then (None: nothing more will change)
    place: int | None = None  # known once the draw is final
    admitted_at: dt.datetime | None = None
    pass_token: str | None = None
    pass_expires_at: dt.datetime | None = None
    pass_from_admission: str | None = None


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    order_key: int
    place: int | None
    email_key: str
    phone_key: str
    joined: int | None  # people joined so far (the release's counter)


def _rush_of(state: NetworkState, release_id: int) -> tuple[FixedRelease, Rush]:
    release = state.releases.get(release_id)
    if release is None or release.rush is None:
        raise NoRush("No release with a queue has that id.")
    return release, release.rush


def queue_key_of(release_id: int, place_id: int) -> str:
    """The key that names a place: signed, without a timestamp, so a person asking again (by
    e-mail or phone) is answered the very same key."""
    return signing.Signer(salt=QUEUE_KEY_SALT).sign_object([release_id, place_id])


def queue_key_place(queue_key: str) -> tuple[int, int]:
    """(release id, place id) that a queue key names; NoRush for a key not ours."""
    try:
        release_id, place_id = signing.Signer(salt=QUEUE_KEY_SALT).unsign_object(queue_key)
    except (signing.BadSignature, ValueError, TypeError):
        raise NoRush("No place in the queue has that key.") from None
    if not (isinstance(release_id, int) and isinstance(place_id, int)):
        raise NoRush("No place in the queue has that key.")
    return release_id, place_id


def _status(*, release: FixedRelease, rush: Rush, row: _Row, now: dt.datetime) -> RushStatus:
    queue_key = queue_key_of(release.id, row.id)
    if now < rush.draw_at or row.place is None:
        # The place is not known before the draw: come back when the place the key is likely to
        # have would be admitted at the steady rate (the returns follow the drawn order), or for a
        # better estimate in the window's last quarter when this one is made before it.
        return RushStatus(release.id, queue_key, "waiting", rush.draw_at,
                          retry_at=rush.retry_before_draw(row.order_key, row.joined or 1, now))
    place = row.place
    admitted_at = rush.admitted_at(place)
    expires_at = rush.pass_expires_at(place)
    common = dict(release_id=release.id, queue_key=queue_key, draw_at=rush.draw_at, place=place,
                  admitted_at=admitted_at)
    if now < admitted_at:
        # The pass for later: valid from the admission (as a pass given then would be), so that
        # whoever keeps it need not ask again.
        return RushStatus(**common, status="waiting", retry_at=admitted_at, pass_expires_at=expires_at,
                          pass_from_admission=_pass(release.id, row, expires_at, place=place, valid_from=admitted_at))
    if now >= expires_at:
        return RushStatus(**common, status="over", retry_at=None)
    return RushStatus(**common, status="admitted", retry_at=None, pass_token=_pass(release.id, row, expires_at),
                      pass_expires_at=expires_at)


def _pass(release_id: int, row: _Row, expires_at: dt.datetime, *, place: int | None = None,
          valid_from: dt.datetime | None = None) -> str:
    """A pass: signed, naming the release and the person's keys, valid until `expires_at`; a pass
    for later also names the place and the admission it was given for, and serves from that
    admission on, or from the place's admission under the rush's rules of the moment if they
    have changed since to admit more slowly."""
    data = {"r": release_id, "e": row.email_key, "p": row.phone_key, "x": int(expires_at.timestamp())}
    if place is not None and valid_from is not None:
        data.update(n=place, v=int(valid_from.timestamp()))
    return signing.dumps(data, salt=PASS_SALT)


def rush_number(*, release_id: int, now: dt.datetime) -> tuple[int, int]:
    """Number the places of a release whose draw has passed, once: 1..n in order of key, in one
    statement. Returns (places drawn, places given since). Under the release's row lock, taken
    by every join too: who asks meanwhile waits and then finds the numbering done, and a join
    served during it either is numbered with the drawn or gets the next place after them."""
    with _unless_removed(release_id), transaction.atomic():
        RushDraw.objects.bulk_create([RushDraw(release_id=release_id)], ignore_conflicts=True)
        draw = RushDraw.objects.select_for_update().get(pk=release_id)
        if draw.drawn is None:
            with connection.cursor() as cursor:
                cursor.execute(_NUMBER_SQL, [release_id])
                draw.drawn = cursor.rowcount
            draw.drawn_at = now
            draw.save(update_fields=["drawn", "drawn_at"])
            logger.info("release %s: %d places numbered at the draw", release_id, draw.drawn)
        return draw.drawn, draw.late


@contextmanager
def _unless_removed(release_id: int):
    """A write for a release removed a moment ago (this server's copy of the network is stale)
    fails at commit on its foreign key: NoRush, as if the copy had been fresh."""
    try:
        yield
    except IntegrityError:
        if Release.objects.filter(pk=release_id).exists():
            raise
        raise NoRush("No release with a queue has that id.") from None


def _totals(release_id: int, now: dt.datetime) -> tuple[int, int]:
    """(places drawn, places given since) of a release whose draw has passed; one read once numbered."""
    found = prepared.rows(_TOTALS_SQL, [release_id])
    if found and found[0][0] is not None:
        return found[0][0], found[0][1]
    return rush_number(release_id=release_id, now=now)


def rush_draw_sweep(*, now: dt.datetime, state: NetworkState | None = None) -> int:
    """Number the places of every release whose draw has passed and whose places are not yet
    numbered (the worker's periodic task; usually the first request after the draw has done it).
    Returns how many releases it numbered."""
    state = state or network_state()
    due = [release.id for release in state.releases.fixed if release.rush is not None and release.rush.draw_at <= now]
    pending = list(RushDraw.objects.filter(release_id__in=due, drawn__isnull=True).values_list("release_id", flat=True))
    for release_id in pending:
        try:
            rush_number(release_id=release_id, now=now)
        except NoRush:
            continue
    return len(pending)


def _row(release_id: int, place_id: int) -> _Row | None:
    found = prepared.rows(_ROW_SQL, [place_id, release_id])
    return _Row(*found[0]) if found else None


def _place_take(new: RushPlace) -> tuple[int, int | None, int] | None:
    """Insert a new place and count it: (its id, places drawn or None before the numbering,
    people joined); None when the person has a place already (by e-mail or by phone)."""
    insert, params = prepared.insert(new)
    insert += " ON CONFLICT DO NOTHING RETURNING id"
    with _unless_removed(new.release_id):
        if connection.vendor == "postgresql":
            found = prepared.rows(_JOIN_SQL.format(insert=insert), [*params, new.release_id])
            return found[0] if found else None
        with transaction.atomic():
            inserted = prepared.rows(insert, params)
            if not inserted:
                return None
            drawn, joined = prepared.rows(_COUNT_SQL, [new.release_id])[0]
            return inserted[0][0], drawn, joined


def _late_place(release_id: int, place_id: int) -> int | None:
    """The place of a row taken after the numbering: the next number (drawn + late, in order of
    arrival) unless it has one already. Dense: a number is taken only with the row that gets it."""
    if connection.vendor == "postgresql":
        found = prepared.rows(_LATE_SQL, [place_id, release_id])
    else:
        with transaction.atomic():
            found = prepared.rows(_NEXT_LATE_SQL, [release_id]) if prepared.rows(_UNNUMBERED_SQL, [place_id]) else []
            if found:
                prepared.rows(_PLACE_SQL, [found[0][0], place_id])
    if found:
        return found[0][0]
    return RushPlace.objects.filter(pk=place_id).values_list("place", flat=True).first()


def rush_join(*, state: NetworkState, release_id: int, email: str, phone: str, now: dt.datetime,
              rng: random.Random | None = None) -> RushStatus:
    """Take a place in a release's queue (`email` normalised, `phone` E.164 or ""); a person who
    has one (by e-mail or by phone) gets theirs back. Before the window opens: RushError. The
    draw's random bits come from `rng` when given (tests: a fixed seed), else from `secrets`."""
    release, rush = _rush_of(state, release_id)
    if now < rush.window_start:
        raise RushError(f"The queue opens at {rush.window_start.astimezone(state.timezone):%Y-%m-%d %H:%M}: "
                        "arriving early gains nothing, since places are drawn at random.")
    if now >= rush.draw_at:
        drawn, late = _totals(release.id, now)  # numbered first, so that a late place comes after them
        if now >= rush.draw_at + rush.pass_duration and not rush.is_on(now, drawn + late):
            # Over: the times are booked as usual, and a late place would only lengthen the rush.
            return RushStatus(release.id, None, "open", rush.draw_at, retry_at=None)
    email_key, phone_key = person_key(email.strip().lower()), person_key(phone)
    new = RushPlace(release_id=release.id, email_key=email_key, phone_key=phone_key, joined_at=now,
                    order_key=rush.order_key(now, rng.getrandbits(62) if rng else secrets.randbits(62)))
    taken = _place_take(new)
    if taken is not None:
        place_id, drawn, joined = taken
        # Numbered already (a join after the draw, or one served while the numbering ran): the next place.
        place = _late_place(release.id, place_id) if drawn is not None else None
        row = _Row(place_id, new.order_key, place, email_key, phone_key, joined)
    else:  # the person has a place already
        same = Q(email_key=email_key) | (Q(phone_key=phone_key) & ~Q(phone_key="")) if phone_key else Q(
            email_key=email_key)
        joined = RushDraw.objects.filter(release_id=OuterRef("release_id")).values("joined")
        found = (RushPlace.objects.filter(same, release_id=release.id).order_by("id").annotate(joined=Subquery(joined))
                 .values_list("id", "order_key", "place", "email_key", "phone_key", "joined").first())
        if found is None:  # taken and removed again in the meantime (the retention purge)
            raise NoRush("No place in the queue has that key.")
        row = _Row(*found)
        if row.place is None and now >= rush.draw_at:
            row = _with_place(release.id, row, now)
    return _status(release=release, rush=rush, row=row, now=now)


def _with_place(release_id: int, row: _Row, now: dt.datetime) -> _Row:
    """A row without a place after the draw: numbered with the drawn (the numbering runs now if it
    has not), or else given the next late place (a join cut off between its two statements)."""
    rush_number(release_id=release_id, now=now)
    place = RushPlace.objects.filter(pk=row.id).values_list("place", flat=True).first()
    if place is None:
        place = _late_place(release_id, row.id)
    return dataclasses.replace(row, place=place)


def rush_status(*, state: NetworkState, release_id: int, queue_key: str, now: dt.datetime) -> RushStatus:
    """A person's state, by the key their join answered: one read by primary key (the first
    request after the draw numbers the places first)."""
    release, rush = _rush_of(state, release_id)
    signed_release, place_id = queue_key_place(queue_key)
    row = _row(release.id, place_id) if signed_release == release.id else None
    if row is None:
        raise NoRush("No place in the queue has that key.")
    return _status_of(release, rush, row, now)


def rush_poll(*, release_id: int, queue_key: str, now: dt.datetime) -> tuple[NetworkState, RushStatus]:
    """rush_status for a poll, with the network it was read against, in one statement: the row by
    primary key and the network's version together (no query of its own for the version)."""
    signed_release, place_id = queue_key_place(queue_key)
    if signed_release != release_id:
        raise NoRush("No place in the queue has that key.")
    version, *found = prepared.rows(_POLL_SQL, [place_id, release_id])[0]
    state = network_state_at(version)
    release, rush = _rush_of(state, release_id)
    if found[0] is None:
        raise NoRush("No place in the queue has that key.")
    return state, _status_of(release, rush, _Row(*found), now)


def _status_of(release: FixedRelease, rush: Rush, row: _Row, now: dt.datetime) -> RushStatus:
    if row.place is None and now >= rush.draw_at:
        row = _with_place(release.id, row, now)
    return _status(release=release, rush=rush, row=row, now=now)


def rush_is_on(*, release_id: int, rush: Rush, now: dt.datetime) -> bool:
    """Whether booking a release's times needs a pass at `now` (Rush.is_on): from the window's
    start until the last place's pass has expired, the places read from the release's row (the
    draw numbered first if nobody has yet), never counted."""
    if now < rush.window_start:
        return False
    if now < rush.draw_at + rush.pass_duration:
        return True  # whatever the queue: the first passes are still valid
    try:
        drawn, late = _totals(release_id, now)
    except NoRush:
        return False  # the release is gone
    return rush.is_on(now, drawn + late)


def rush_pass_check(*, state: NetworkState, point_id: str, service_code: str, start_at: dt.datetime, email: str,
                    phone: str, rush_pass: str | None, now: dt.datetime) -> None:
    """Refuse (RushPassRequired) a booking of a start whose day is in a release with a rush that is
    on at `now`, unless `rush_pass` is a valid pass of this person for that release."""
    point = state.points.get(point_id)
    if point is None or not state.releases:
        return
    for release in state.releases.rushes(point_id, service_code, local_date(start_at, point.zone)):
        # Before the window: not yet released, so the booking is refused anyway.
        if not rush_is_on(release_id=release.id, rush=release.rush, now=now):
            continue
        if not _pass_valid(rush_pass, release_id=release.id, rush=release.rush, email=email, phone=phone, now=now):
            current = network_state()  # `state` may be a copy not checked against the database's version
            if current is not state:
                return rush_pass_check(state=current, point_id=point_id, service_code=service_code,
                                       start_at=start_at, email=email, phone=phone, rush_pass=rush_pass, now=now)
            raise RushPassRequired(release.id,
                "These times are booked through the release's queue for now: join it "
                f"(POST /api/v1/releases/{release.id}/queue) and book with the pass it gives when it is your turn.")


def _pass_valid(token: str | None, *, release_id: int, rush: Rush, email: str, phone: str, now: dt.datetime) -> bool:
    if not token:
        return False
    try:
        data = signing.loads(token, salt=PASS_SALT)
    except signing.BadSignature:
        return False
    if not isinstance(data, dict) or data.get("r") != release_id or not isinstance(data.get("x"), int):
        return False
    if now.timestamp() >= data["x"]:
        return False
    if "n" in data:  # a pass for later: not before the admission it named, nor the place's admission now
        place, valid_from = data["n"], data.get("v")
        if not (isinstance(place, int) and isinstance(valid_from, int)) or now.timestamp() < valid_from \
                or now < rush.admitted_at(place):
            return False
    email_key = person_key(email.strip().lower())
    return data.get("e") == email_key or (bool(phone) and data.get("p") == person_key(phone))
