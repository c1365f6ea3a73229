"""The world the access matrix asks about: two service points, a member of staff of each role at
each, and one object of every kind (a booking, a ticket, a desk, a message, an audit entry...)
at the point `here`.

Built once for the module inside one transaction that is rolled back at its end; each test runs
in a savepoint inside it (pytest-django's `db`), so a request that changes something changes it
for that test only.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction

from tests.factories import load_network

HERE, THERE = "here", "there"
SERVICE = "residence-card"
HELSINKI = ZoneInfo("Europe/Helsinki")

# The roles, as the matrix's columns. "elsewhere" = the same role at the other point.
ANONYMOUS = "anonymous"
CLERK = "clerk"
CLERK_ELSEWHERE = "clerk elsewhere"
MANAGER = "manager"
MANAGER_ELSEWHERE = "manager elsewhere"
ADMINISTRATOR = "administrator"
SUPERUSER = "superuser"
ANALYST = "analyst"  # reads the insight pages and nothing else of staff's
ROLES = (ANONYMOUS, CLERK, CLERK_ELSEWHERE, MANAGER, MANAGER_ELSEWHERE, ADMINISTRATOR, SUPERUSER, ANALYST)


@dataclass
class World:
    users: dict[str, User | None]
    objects: dict[str, object] = field(default_factory=dict)  # admin model label -> an object at `here`
    booking: object = None
    desk: object = None
    ticket: object = None
    manage_token: str = ""
    pin: str = ""
    queue_key: str = ""  # a place in the release's rush queue


def _weekday(weekday: int) -> dt.date:
    import holidays

    day = dt.date.today() + dt.timedelta(days=7)
    while day.weekday() != weekday or day in holidays.country_holidays("FI", years=day.year):
        day += dt.timedelta(days=1)
    return day


def _staff(username: str, role: str | None, point: str | None, *, superuser: bool = False) -> User:
    from vuoro.network.models import StaffAssignment

    user = User.objects.create_user(username, password="unused-password", is_staff=True, is_superuser=superuser)
    if role:
        user.groups.add(Group.objects.get(name=role))
    if point:
        StaffAssignment.objects.create(user=user, service_point_id=point)
    return user


def _build() -> World:
    from axes.models import AccessAttempt
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_tasks_db.models import DBTaskResult

    from vuoro.audit.services import audit_record
    from vuoro.booking.links import manage_token
    from vuoro.booking.priority import priority_code_issue
    from vuoro.booking.services import Customer, booking_create
    from vuoro.guidance.models import GuidanceLinks, GuidanceRecord, GuidanceRule
    from vuoro.network import roles
    from vuoro.network.models import (
        Desk,
        NetworkSettings,
        OpeningException,
        OpeningHours,
        Pool,
        Release,
        RollingRelease,
        Service,
        ServicePoint,
        StaffAssignment,
    )
    from vuoro.network.state import network_state
    from vuoro.notify.models import Notice
    from vuoro.planning.models import Scenario
    from vuoro.walkin.kiosks import kiosk_device_register
    from vuoro.walkin.services import ticket_issue

    wednesday = _weekday(2)
    hours = {d: "09:00-16:00" for d in ("mon", "tue", "wed", "thu", "fri")}
    load_network(slot_minutes=20, horizon_days=60, holidays=None, services=[(SERVICE, 40)],
                 points=[dict(id=point, desks=2, services=[SERVICE], hours=hours, walk_in=(1, 60),
                              exceptions=[(str(wednesday + dt.timedelta(days=7)), "10:00-12:00")])
                         for point in (HERE, THERE)],
                 pools=[dict(id="priority-here", desks=1, service_points=[HERE], public_days_before=60)])
    roles.ensure_staff_groups()
    users = {
        ANONYMOUS: None,
        CLERK: _staff("clerk-here", roles.CLERK, HERE),
        CLERK_ELSEWHERE: _staff("clerk-there", roles.CLERK, THERE),
        MANAGER: _staff("manager-here", roles.MANAGER, HERE),
        MANAGER_ELSEWHERE: _staff("manager-there", roles.MANAGER, THERE),
        ADMINISTRATOR: _staff("administrator", roles.ADMINISTRATOR, None),
        SUPERUSER: _staff("superuser", None, None, superuser=True),
        ANALYST: _staff("analyst", roles.ANALYST, None),
    }
    state = network_state()
    start = dt.datetime.combine(wednesday, dt.time(10, 0), tzinfo=HELSINKI)
    made = booking_create(state=state, service_code=SERVICE, point_id=HERE, start_at=start, persons=1, language="fi",
                          customer=Customer(name="Test Person", email="person@example.org", phone="+358401234567"),
                          now=start - dt.timedelta(days=7))
    booking = made.booking
    issued = ticket_issue(state=state, point_id=HERE, service_code=SERVICE, language="fi", now=start)
    desk = Desk.objects.filter(service_point_id=HERE, kind="walk_in", active=True).first()
    entry = audit_record(actor=users[MANAGER], action="booking.cancel", object_type="booking", object_id=booking.pk,
                         now=start, service_point_id=HERE, reason="access matrix")
    world = World(users=users, booking=booking, desk=desk, ticket=issued.ticket, manage_token=manage_token(booking),
                  pin=made.pin)
    notice = Notice.objects.filter(booking=booking).first()
    assert notice is not None, "booking_create writes the confirmation to the outbox"
    world.objects = {
        "auth.group": Group.objects.get(name=roles.CLERK),
        "auth.user": users[CLERK],
        "django_tasks_database.dbtaskresult": DBTaskResult.objects.create(
            id=uuid.uuid4(), args_kwargs={"args": [], "kwargs": {}}, task_path="vuoro.access.matrix",
            backend_name="default", queue_name="default"),
        "network.servicepoint": ServicePoint.objects.get(pk=HERE),
        "network.service": Service.objects.get(code=SERVICE),
        "network.openinghours": OpeningHours.objects.filter(service_point_id=HERE).first(),
        "network.openingexception": OpeningException.objects.filter(service_point_id=HERE).first(),
        "network.desk": desk,
        "network.staffassignment": StaffAssignment.objects.get(user=users[CLERK]),
        "network.networksettings": NetworkSettings.objects.first(),
        "network.pool": Pool.objects.get(pk="priority-here"),
        "booking.prioritycode": priority_code_issue(pool=Pool.objects.get(pk="priority-here"),
                                                    service=Service.objects.get(code=SERVICE), valid_days=30,
                                                    note="", actor=users[CLERK], now=start)[0],
        "network.release": Release.objects.create(from_date=wednesday + dt.timedelta(days=30),
                                                  to_date=wednesday + dt.timedelta(days=40), opens_on=wednesday,
                                                  opens_time=dt.time(9), rush_admit_per_minute=10),
        "network.rollingrelease": RollingRelease.objects.create(days_ahead=50, at=dt.time(7)),
        "audit.auditentry": entry,
        "booking.booking": booking,
        "booking.waitlistentry": _waitlist_entry(wednesday, start),
        "notify.notice": notice,
        "walkin.ticket": issued.ticket,
        "walkin.kioskdevice": kiosk_device_register(point_id=HERE, name="Hall", actor=users[CLERK], now=start),
        "guidance.guidancerule": GuidanceRule.objects.first() or GuidanceRule.objects.create(outcome="apply_online"),
        "guidance.guidancerecord": GuidanceRecord.objects.create(date=wednesday, matter=SERVICE,
                                                                 outcome="book_appointment", language="fi"),
        "guidance.guidancelinks": GuidanceLinks.current(),
        "planning.scenario": Scenario.objects.create(name="access matrix", text="weeks = 1\n"),
        "axes.accessattempt": AccessAttempt.objects.create(
            username="someone", ip_address="203.0.113.9", user_agent="test", get_data="", post_data="",
            http_accept="", path_info="/admin/login/", failures_since_start=2, attempt_time=start),
        # Someone else's authenticator app: the roles themselves have none (they would be asked for it).
        "otp_totp.totpdevice": TOTPDevice.objects.create(
            user=User.objects.create_user("device-owner", password="unused-password"), name="phone", confirmed=True),
    }

    from vuoro.booking.models import RushPlace
    from vuoro.booking.rush import queue_key_of

    release = world.objects["network.release"]
    place = RushPlace.objects.create(release=release, email_key="e" * 64, order_key=1, joined_at=start)
    world.queue_key = queue_key_of(release.pk, place.pk)
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, made once for the module and rolled back after it."""
    from django.conf import settings

    old_tasks = settings.TASKS
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            settings.TASKS = old_tasks


def _waitlist_entry(wednesday, now):
    from vuoro.booking.services import Customer
    from vuoro.booking.waitlist import waitlist_join
    from vuoro.network.state import network_state

    return waitlist_join(state=network_state(), service_code=SERVICE, point_ids=[HERE], from_date=wednesday,
                         to_date=wednesday, persons=1, language="fi", auto_book=False, now=now - dt.timedelta(days=7),
                         customer=Customer(name="Waiting Person", email="waiting@example.org")).entry
