"""What the booking pages tell a customer about times held back by a release (docs/api.md, "Releases")."""
from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from vuoro.network.state import NetworkState

SHOWN_AT_MOST = 2  # runs of held-back days named one by one; a rolling window opens one a day


def held_back_notices(*, state: NetworkState, service_code: str, point_ids: list[str], first_date: dt.date,
                      last_date: dt.date, now: dt.datetime) -> list[str]:
    """Sentences naming when the held-back days from `first_date` to `last_date` open, earliest first."""
    if not state.releases or first_date > last_date:
        return []
    runs = state.releases.held_back(point_ids, service_code, first_date, last_date, now)
    texts = []
    for first, last, opens_at in runs[:SHOWN_AT_MOST]:
        local = opens_at.astimezone(state.timezone)
        days = (date_format(first, "DATE_FORMAT") if first == last
                else f"{date_format(first, 'DATE_FORMAT')}–{date_format(last, 'DATE_FORMAT')}")
        texts.append(_("Times for %(days)s open for booking on %(date)s at %(time)s.") % {
            "days": days, "date": date_format(local.date(), "DATE_FORMAT"),
            "time": date_format(local.time(), "TIME_FORMAT")})
    if len(runs) > SHOWN_AT_MOST:
        texts.append(_("Later days open for booking after that, one after another."))
    return texts


def first_held_back_date(*, state: NetworkState, service_code: str, point_ids: list[str], first_date: dt.date,
                         last_date: dt.date, now: dt.datetime) -> dt.date | None:
    """The first date held back from `first_date` to `last_date`: where a month view with nothing
    free starts, so the customer learns when times open."""
    if not state.releases:
        return None
    for day in (first_date + dt.timedelta(days=k) for k in range((last_date - first_date).days + 1)):
        if any(not state.releases.is_released(p, service_code, day, now) for p in point_ids):
            return day
    return None


def queued_release_ids(*, state: NetworkState, service_code: str, point_ids: list[str], first_date: dt.date,
                       last_date: dt.date, now: dt.datetime) -> list[int]:
    """The releases with a queue (rush) covering any of these days, from a day before their queue
    opens until a day after their draw: the month page links to their queue pages."""
    found = []
    for release in state.releases.fixed:
        rush = release.rush
        if (rush is None or release.last_date < first_date or release.first_date > last_date
                or not rush.window_start - dt.timedelta(days=1) <= now < rush.draw_at + dt.timedelta(days=1)
                or not any(release.covers(p, service_code) for p in point_ids)):
            continue
        found.append(release.id)
    return found
