"""A fair release rush on the database (the rules: vuoro.scheduling.rush).

One row a person a release (`RushPlace`; unique by e-mail and by phone), so joining again
answers the same place. Nothing runs in the background: a person's state follows from the
time and one indexed read (their row and the count of lower keys). An admitted person gets a
pass: signed, naming the release and the person's keys, valid until its expiry; booking one of
the release's times while the rush is on needs it, and it serves only a booking of that person.
"""
from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass

from django.core import signing
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.crypto import salted_hmac

from vuoro.booking.models import RushPlace
from vuoro.booking.services import BookingError
from vuoro.network.state import NetworkState, network_state
from vuoro.scheduling.calendar import local_date
from vuoro.scheduling.releases import FixedRelease
from vuoro.scheduling.rush import Rush

PASS_SALT = "vuoro.booking.rush-pass"
QUEUE_KEY_SALT = "vuoro.booking.rush-queue-key"


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
    (joining after the rush: no queue any more, no place taken)."""

    release_id: int
    queue_key: str | None
    status: str
    draw_at: dt.datetime
    retry_at: dt.datetime | None  # come back then (None: nothing more will change)
    place: int | None = None  # known once the draw is final
    admitted_at: dt.datetime | None = None
    pass_token: str | None = None
    pass_expires_at: dt.datetime | None = None


def _rush_of(state: NetworkState, release_id: int) -> tuple[FixedRelease, Rush]:
    release = state.releases.get(release_id)
    if release is None or release.rush is None:
        raise NoRush("No release with a queue has that id.")
    return release, release.rush


def _status(*, release: FixedRelease, rush: Rush, place_id: int, order_key: int, ahead: int, email_key: str,
            phone_key: str, now: dt.datetime) -> RushStatus:
    queue_key = signing.dumps([release.id, place_id], salt=QUEUE_KEY_SALT)
    if now < rush.draw_at:
        # The place is not known before the draw, but it is at least `ahead` + 1 (who joins later
        # can only add lower keys): come back when that place would be admitted at the steady rate.
        # The returns after the draw follow the drawn order and are spread over the whole admission
        # rather than all falling in its first minute (a herd the servers would have to absorb).
        spread = dt.timedelta(minutes=ahead / rush.admit_per_minute)
        return RushStatus(release.id, queue_key, "waiting", rush.draw_at, retry_at=rush.draw_at + spread)
    place = ahead + 1
    admitted_at = rush.admitted_at(place)
    expires_at = rush.pass_expires_at(place)
    common = dict(release_id=release.id, queue_key=queue_key, draw_at=rush.draw_at, place=place,
                  admitted_at=admitted_at)
    if now < admitted_at:
        return RushStatus(**common, status="waiting", retry_at=admitted_at)
    if now >= expires_at:
        return RushStatus(**common, status="over", retry_at=None)
    token = signing.dumps({"r": release.id, "e": email_key, "p": phone_key, "x": int(expires_at.timestamp())},
                          salt=PASS_SALT)
    return RushStatus(**common, status="admitted", retry_at=None, pass_token=token, pass_expires_at=expires_at)


def _with_ahead(queryset):
    lower = (RushPlace.objects.filter(release_id=OuterRef("release_id"), order_key__lt=OuterRef("order_key"))
             .order_by().values("release_id").annotate(n=Count("*")).values("n"))
    return queryset.annotate(ahead=Coalesce(Subquery(lower), 0))


def rush_join(*, state: NetworkState, release_id: int, email: str, phone: str, now: dt.datetime,
              rng: random.Random | None = None) -> RushStatus:
    """Take a place in a release's queue (`email` normalised, `phone` E.164 or ""); a person who
    has one (by e-mail or by phone) gets theirs back. Before the window opens: RushError. The
    draw's random bits come from `rng` when given (tests: a fixed seed), else from `secrets`."""
    release, rush = _rush_of(state, release_id)
    if now < rush.window_start:
        raise RushError(f"The queue opens at {rush.window_start.astimezone(state.timezone):%Y-%m-%d %H:%M}: "
                        "arriving early gains nothing, since places are drawn at random.")
    if now >= rush.draw_at + rush.pass_duration and not rush.is_on(
            now, RushPlace.objects.filter(release_id=release.id).count()):
        # Over: the times are booked as usual, and a late place would only lengthen the rush.
        return RushStatus(release.id, None, "open", rush.draw_at, retry_at=None)
    email_key, phone_key = person_key(email.strip().lower()), person_key(phone)
    RushPlace.objects.bulk_create([RushPlace(
        release_id=release.id, email_key=email_key, phone_key=phone_key, joined_at=now,
        order_key=rush.order_key(now, rng.getrandbits(62) if rng else secrets.randbits(62)))], ignore_conflicts=True)
    same = Q(email_key=email_key) | (Q(phone_key=phone_key) & ~Q(phone_key="")) if phone_key else Q(
        email_key=email_key)
    row = _with_ahead(RushPlace.objects.filter(same, release_id=release.id)).order_by("id").values(
        "id", "order_key", "ahead", "email_key", "phone_key").first()
    return _status(release=release, rush=rush, place_id=row["id"], order_key=row["order_key"], ahead=row["ahead"],
                   email_key=row["email_key"], phone_key=row["phone_key"], now=now)


def rush_status(*, state: NetworkState, release_id: int, queue_key: str, now: dt.datetime) -> RushStatus:
    """A person's state, by the key their join answered; one query."""
    release, rush = _rush_of(state, release_id)
    try:
        signed_release, place_id = signing.loads(queue_key, salt=QUEUE_KEY_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise NoRush("No place in the queue has that key.") from None
    row = None
    if signed_release == release.id:
        row = (_with_ahead(RushPlace.objects.filter(pk=place_id, release_id=release.id))
               .values("id", "order_key", "ahead", "email_key", "phone_key").first())
    if row is None:
        raise NoRush("No place in the queue has that key.")
    return _status(release=release, rush=rush, place_id=row["id"], order_key=row["order_key"], ahead=row["ahead"],
                   email_key=row["email_key"], phone_key=row["phone_key"], now=now)


def rush_pass_check(*, state: NetworkState, point_id: str, service_code: str, start_at: dt.datetime, email: str,
                    phone: str, rush_pass: str | None, now: dt.datetime) -> None:
    """Refuse (RushPassRequired) a booking of a start whose day is in a release with a rush that is
    on at `now`, unless `rush_pass` is a valid pass of this person for that release."""
    point = state.points.get(point_id)
    if point is None or not state.releases:
        return
    for release in state.releases.rushes(point_id, service_code, local_date(start_at, point.zone)):
        rush = release.rush
        if now < rush.window_start:
            continue  # not yet released: the booking is refused anyway
        if now >= rush.draw_at + rush.pass_duration and not rush.is_on(
                now, RushPlace.objects.filter(release_id=release.id).count()):
            continue
        if not _pass_valid(rush_pass, release_id=release.id, email=email, phone=phone, now=now):
            current = network_state()  # `state` may be a copy not checked against the database's version
            if current is not state:
                return rush_pass_check(state=current, point_id=point_id, service_code=service_code,
                                       start_at=start_at, email=email, phone=phone, rush_pass=rush_pass, now=now)
            raise RushPassRequired(release.id,
                "These times are booked through the release's queue for now: join it "
                f"(POST /api/v1/releases/{release.id}/queue) and book with the pass it gives when it is your turn.")


def _pass_valid(token: str | None, *, release_id: int, email: str, phone: str, now: dt.datetime) -> bool:
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
    email_key = person_key(email.strip().lower())
    return data.get("e") == email_key or (bool(phone) and data.get("p") == person_key(phone))
