"""The access matrix: every page and endpoint of the URL configuration (the back office's and the
API's included) asked by every role, each answer checked against the rule written here.

HOW TO ADD A RULE (a test fails naming the URL when one is missing, and shows what each role got)

* A page or endpoint: add an entry to RULES, keyed by its URL name with namespace
  ("walkin:console-desk", "api-v1:queue"), or by its route when it has no name
  ("admin/(?P<url>.*)$"). Give the answer each role must get, with a helper:
      public(OK)                    everyone the same answer
      staff(OK)                     anonymous -> login page; every member of staff -> OK
      point_staff(OK, elsewhere=403)  staff of the point `here` (and administrators) -> OK;
                                    clerk and manager of the other point -> `elsewhere`
      planners(OK)                  managers and administrators -> OK; clerks -> 403
  The analyst gets 403 from every staff helper (staff, point_staff, planners) unless told otherwise
  (`analyst=OK`): the insight pages are the analyst's only staff pages (vuoro.insights.access).
  or spell out a role with a keyword (`point_staff(OK, manager_elsewhere=OK)`). An answer is a
  status code (OK = 200, 403, 404, 405, 409, 422...), LOGIN (a redirect to the login page),
  REDIRECT (a redirect elsewhere) or ADMIN_INDEX (the back office's "no such object" redirect).
  Say how to ask with method=, data=, json=True, headers=, query=; path parameters are filled
  from the world (tests/access/conftest.py) by name (PARAMS below).
* A model in the back office: add it to ADMIN_MODELS with the roles that may view, add, change
  and delete it, whether it is scoped to the staff member's own points, and add one object of it
  at the point `here` to the world (conftest.py's `world.objects`). Its pages (list, add,
  change, delete, history) are then checked from that one line; a ModelAdmin's own extra URLs
  need RULES entries.

Each role's request runs in its own savepoint, so one role's change never decides another's answer.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access.conftest import (
    ADMINISTRATOR,
    ANALYST,
    ANONYMOUS,
    CLERK,
    CLERK_ELSEWHERE,
    HERE,
    MANAGER,
    MANAGER_ELSEWHERE,
    ROLES,
    SERVICE,
    SUPERUSER,
    World,
)
from vuoro.walkin.kiosks import ticket_token

OK, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, NOT_ALLOWED, GONE = 200, 401, 403, 404, 405, 410
LOGIN, REDIRECT, ADMIN_INDEX = "login", "redirect", "admin index"
_KEYWORDS = {"anonymous": ANONYMOUS, "clerk": CLERK, "clerk_elsewhere": CLERK_ELSEWHERE, "manager": MANAGER,
             "manager_elsewhere": MANAGER_ELSEWHERE, "administrator": ADMINISTRATOR, "superuser": SUPERUSER,
             "analyst": ANALYST}


def _answers(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    unknown = set(overrides) - set(_KEYWORDS)
    assert not unknown, f"unknown roles {unknown}: use {sorted(_KEYWORDS)}"
    return {**base, **{_KEYWORDS[key]: value for key, value in overrides.items()}}


def public(answer: Any = OK, **roles) -> dict[str, Any]:
    return _answers(dict.fromkeys(ROLES, answer), roles)


def staff(answer: Any = OK, *, anonymous: Any = LOGIN, **roles) -> dict[str, Any]:
    return _answers({**dict.fromkeys(ROLES, answer), ANONYMOUS: anonymous, ANALYST: FORBIDDEN}, roles)


def point_staff(answer: Any = OK, *, elsewhere: Any = FORBIDDEN, anonymous: Any = LOGIN, **roles) -> dict[str, Any]:
    return _answers({**dict.fromkeys(ROLES, answer), ANONYMOUS: anonymous, CLERK_ELSEWHERE: elsewhere,
                     MANAGER_ELSEWHERE: elsewhere, ANALYST: FORBIDDEN}, roles)


def planners(answer: Any = OK, *, anonymous: Any = LOGIN, **roles) -> dict[str, Any]:
    return _answers({**dict.fromkeys(ROLES, answer), ANONYMOUS: anonymous, CLERK: FORBIDDEN,
                     CLERK_ELSEWHERE: FORBIDDEN, ANALYST: FORBIDDEN}, roles)


@dataclass(frozen=True)
class Rule:
    expect: dict[str, Any]
    method: str = "GET"
    data: dict | Callable[[World], dict] | None = None
    json: bool = False  # send `data` as a JSON body
    headers: dict | Callable[[World], dict] = field(default_factory=dict)
    query: str = ""
    path: str | None = None  # for a route without a name, or one whose parameters PARAMS cannot fill


# Path parameters, by name, from the world (tests/access/conftest.py).
PARAMS: dict[str, Callable[[World], Any]] = {
    "point_id": lambda w: HERE,
    "desk_id": lambda w: w.desk.pk,
    "booking_id": lambda w: w.booking.pk,
    "token": lambda w: w.manage_token,
    "reservation_key": lambda w: w.booking.reservation_key,
    "waitlist_key": lambda w: "0000000000",
    "id": lambda w: w.users[CLERK].pk,  # admin:auth_user_password_change
    "content_type_id": lambda w: ContentType.objects.get_for_model(w.booking).pk,
    "app_label": lambda w: "network",
    "pk": lambda w: w.objects["otp_totp.totpdevice"].pk,  # admin:otp_totp_totpdevice_config, _qrcode
    "release_id": lambda w: w.objects["network.release"].pk,  # its queue opens next week
    "queue_key": lambda w: w.queue_key,
    "ticket_token": lambda w: ticket_token(w.ticket),  # a queue number's live page
}


def _pin(world: World) -> dict:
    return {"X-PIN": world.pin}


def _act(world: World) -> dict:
    return {"kind": "ticket", "id": world.ticket.pk, "action": "recall"}


RULES: dict[str, Rule] = {
    # Public pages ------------------------------------------------------------------------------------
    "public:front": Rule(public(OK)),
    "public:points": Rule(public(OK)),
    "public:point": Rule(public(OK)),
    "set_language": Rule(public(REDIRECT), method="POST", data={"language": "en", "next": "/"}),
    "booking:service": Rule(public(OK)),
    "booking:point": Rule(public(OK), query=f"service={SERVICE}"),
    "booking:month": Rule(public(OK), query=f"service={SERVICE}&point={HERE}"),
    "booking:day": Rule(public(REDIRECT), query=f"service={SERVICE}&point={HERE}"),
    "booking:details": Rule(public(REDIRECT)),
    "booking:done": Rule(public(REDIRECT)),
    # The first step's priority code: an empty one is the form again with its error.
    "booking:priority_code": Rule(public(400), method="POST", data={"priority_code": ""}),
    "booking:manage": Rule(public(OK)),
    "booking:manage_booking": Rule(public(REDIRECT)),
    "booking:manage_cancel": Rule(public(REDIRECT), method="POST"),
    "booking:move_point": Rule(public(REDIRECT)),
    "booking:move_month": Rule(public(REDIRECT)),
    "booking:move_day": Rule(public(REDIRECT)),
    "booking:move_confirm": Rule(public(REDIRECT), method="POST"),
    "booking:calendar": Rule(public(REDIRECT), method="POST"),
    "booking:manage_sign_out": Rule(public(REDIRECT), method="POST"),
    "booking:manage_link": Rule(public(REDIRECT)),
    "booking:cannot_come": Rule(public(OK)),
    "booking:recover": Rule(public(OK)),
    "booking:recover_sent": Rule(public(OK)),
    # the waitlist's pages: anyone may join; an entry opens with its key and PIN (none in this session)
    "booking:waitlist_join": Rule(public(OK), query=f"service={SERVICE}"),
    "booking:waitlist_status": Rule(public(OK)),
    "booking:waitlist_entry": Rule(public(REDIRECT)),
    "booking:waitlist_earlier": Rule(public(REDIRECT), method="POST"),
    "guidance:start": Rule(public(OK)),
    "guidance:result": Rule(public(REDIRECT)),
    "walkin:kiosk": Rule(public(OK)),
    "walkin:kiosk-check-in": Rule(public(422), method="POST"),
    # Refused input, so that the answer does not hang on the hour (open or closed) the test runs at.
    "walkin:kiosk-ticket": Rule(public(422), method="POST", data={"service": "no-such-service"}),
    "walkin:kiosk-register": Rule(point_staff(OK)),
    "walkin:ticket-live": Rule(public(OK)),
    "walkin:board": Rule(public(OK)),
    "walkin:board-events": Rule(public(OK)),
    # Staff pages: the console and its bookings ----------------------------------------------------------
    "walkin:console": Rule(staff(OK)),
    "walkin:console-desk": Rule(point_staff(OK)),
    "walkin:console-call-next": Rule(point_staff(REDIRECT), method="POST"),
    "walkin:console-act": Rule(point_staff(REDIRECT), method="POST"),
    "walkin:console-queue": Rule(point_staff(OK)),
    # No customer named (undo, transfer) or the desk paused: each answers with the desk page again.
    "walkin:console-undo": Rule(point_staff(REDIRECT), method="POST"),
    "walkin:console-transfer": Rule(point_staff(REDIRECT), method="POST"),
    "walkin:console-pause": Rule(point_staff(REDIRECT), method="POST", data={"paused": "yes"}),
    "walkin:console-ticket": Rule(point_staff(REDIRECT), method="POST"),
    "walkin:console-book": Rule(point_staff(REDIRECT)),
    "walkin:staff-search": Rule(staff(OK)),
    "walkin:staff-booking": Rule(point_staff(OK, elsewhere=NOT_FOUND)),
    "walkin:staff-cancel": Rule(point_staff(400, elsewhere=NOT_FOUND), method="POST"),  # no reason given
    "walkin:staff-resend": Rule(point_staff(400, elsewhere=NOT_FOUND), method="POST"),
    "walkin:staff-move-month": Rule(point_staff(OK, elsewhere=NOT_FOUND)),
    "walkin:staff-move-day": Rule(point_staff(REDIRECT, elsewhere=NOT_FOUND)),
    "walkin:staff-move-pick": Rule(point_staff(REDIRECT, elsewhere=NOT_FOUND), method="POST"),
    "walkin:staff-book": Rule(staff(OK)),
    # The look-out for hoarding: every member of staff sees the clusters of their own points; a
    # cancellation without a reason or a choice is refused (400), bookings elsewhere are left alone.
    "walkin:staff-clusters": Rule(staff(OK)),
    "walkin:staff-clusters-cancel": Rule(staff(400), method="POST", data=lambda w: {"booking": [w.booking.pk]}),
    # A point of one's own: its month; another point is not offered, back to the start.
    "walkin:staff-book-month": Rule(point_staff(OK, elsewhere=REDIRECT), query=f"service={SERVICE}&point={HERE}"),
    "walkin:staff-book-day": Rule(staff(REDIRECT)),
    "walkin:staff-book-pick": Rule(staff(REDIRECT), method="POST"),
    "guidance:statistics": Rule(staff(OK)),
    "planning:page": Rule(planners(OK)),
    "planning:weeks-csv": Rule(planners(422), method="POST"),  # no scenario given
    # Insight: managers, administrators and the analyst (whose only staff pages these are).
    "insights:page": Rule(planners(OK, analyst=OK)),
    "insights:lead-times-csv": Rule(planners(OK, analyst=OK)),
    "insights:figures": Rule(planners(OK, analyst=OK)),
    "insights:figures-csv": Rule(planners(OK, analyst=OK)),
    "insights:service-times": Rule(planners(OK, analyst=OK)),
    "insights:service-times-csv": Rule(planners(OK, analyst=OK)),
    # The API --------------------------------------------------------------------------------------------
    "api-v1:openapi-json": Rule(public(OK)),
    "api-v1:openapi-view": Rule(public(OK)),
    "api-v1:api-root": Rule(public(NOT_FOUND)),
    "api-v1:services": Rule(public(OK)),
    "api-v1:service_points": Rule(public(OK)),
    "api-v1:releases": Rule(public(OK)),
    # A release's rush queue: anyone joins (not yet: its window opens next week) and polls a place.
    "api-v1:queue_join": Rule(public(409), method="POST", data={"email": "person@example.org"}, json=True),
    "api-v1:queue_get": Rule(public(OK)),
    "booking:rush_join": Rule(public(OK)),
    "booking:rush_status": Rule(public(OK)),
    "api-v1:availability": Rule(public(OK), query=f"service={SERVICE}&service_point={HERE}&limit=5"),
    "api-v1:lead_times": Rule(public(OK), query=f"service={SERVICE}"),
    "api-v1:bookings_create": Rule(public(422), method="POST", data={}, json=True),
    "api-v1:bookings_recover": Rule(public(202), method="POST", data={"email": "nobody@example.org"}, json=True),
    "api-v1:bookings_get": Rule(public(OK), headers=_pin),
    "api-v1:bookings_cancel": Rule(public(OK), method="POST", headers=_pin),
    "api-v1:bookings_reschedule": Rule(public(422), method="POST", data={}, json=True, headers=_pin),
    "api-v1:bookings_calendar": Rule(public(OK), headers=_pin),
    # the waitlist: anyone may join; an entry opens with its key and PIN only (none here: 404)
    "api-v1:waitlist_create": Rule(public(422), method="POST", data={}, json=True),
    "api-v1:waitlist_get": Rule(public(NOT_FOUND), headers=_pin),
    "api-v1:waitlist_cancel_view": Rule(public(NOT_FOUND), method="POST", headers=_pin),
    "api-v1:waitlist_accept_view": Rule(public(NOT_FOUND), method="POST", headers=_pin),
    "booking:waitlist_offer": Rule(public(GONE), path="/waitlist/offer/1:nosuchsignature/"),
    # confirming a new e-mail address: a link naming nothing is gone; the API needs the link's token
    "booking:confirm_email": Rule(public(GONE), path="/book/confirm/1:nosuchsignature/"),
    "api-v1:bookings_confirm_email": Rule(public(422), method="POST", data={}, json=True, headers=_pin),
    "api-v1:tickets_create": Rule(public(422), method="POST", data={"service": "no-such-service"}, json=True),
    "api-v1:queue": Rule(public(OK)),
    "api-v1:staff_call_next": Rule(point_staff(OK, anonymous=UNAUTHENTICATED), method="POST"),
    "api-v1:guidance": Rule(public(OK), method="POST", json=True,
                            data={"matter": SERVICE, "in_country": True, "strong_eid": True}),
    "api-v1:staff_act": Rule(point_staff(409, anonymous=UNAUTHENTICATED), method="POST", data=_act, json=True),
    # The back office's own pages (its model pages come from ADMIN_MODELS below) -------------------------
    "admin:index": Rule(staff(OK)),
    # Signing in and out and one's own password stay open to the analyst.
    "admin:login": Rule(staff(ADMIN_INDEX, anonymous=OK, analyst=ADMIN_INDEX)),
    "admin:logout": Rule(staff(OK, anonymous=ADMIN_INDEX, analyst=OK), method="POST"),
    "admin:password_change": Rule(staff(OK, analyst=OK)),
    "admin:password_change_done": Rule(staff(OK, analyst=OK)),
    "admin:autocomplete": Rule(staff(FORBIDDEN)),
    "admin:jsi18n": Rule(staff(OK)),
    "admin:view_on_site": Rule(staff(NOT_FOUND)),
    "admin:app_list": Rule(staff(OK, administrator=OK)),
    "admin/(?P<url>.*)$": Rule(staff(NOT_FOUND), path="/admin/no-such-page/"),
    "admin:auth_user_password_change": Rule(staff(FORBIDDEN, administrator=OK, superuser=OK)),
    # Staff sign-in: the second factor. With VUORO_REQUIRE_2FA off (as here) nobody is forced; a member
    # of staff without an authenticator app is sent from the code page to enrolment.
    "staffauth:verify": Rule(staff(REDIRECT, analyst=REDIRECT)),
    "staffauth:enrol": Rule(staff(OK, analyst=OK)),
    # django-otp's pages that show a device's key: refused to everyone (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    "admin:otp_totp_totpdevice_config": Rule(staff(FORBIDDEN)),
    "admin:otp_totp_totpdevice_qrcode": Rule(staff(FORBIDDEN)),
}

ALL_STAFF = frozenset({CLERK, CLERK_ELSEWHERE, MANAGER, MANAGER_ELSEWHERE, ADMINISTRATOR, SUPERUSER})
MANAGERS_UP = frozenset({MANAGER, MANAGER_ELSEWHERE, ADMINISTRATOR, SUPERUSER})
ADMINS = frozenset({ADMINISTRATOR, SUPERUSER})
NOBODY = frozenset()


@dataclass(frozen=True)
class AdminAccess:
    """Who may view, add, change and delete a model in the back office; `scoped`: a staff member
    tied to points sees only their points' rows, and another point's row answers `hidden`."""

    view: frozenset[str]
    add: frozenset[str] = NOBODY
    change: frozenset[str] = NOBODY
    delete: frozenset[str] = NOBODY
    scoped: bool = False
    hidden: Any = ADMIN_INDEX


ADMIN_MODELS: dict[str, AdminAccess] = {
    "auth.group": AdminAccess(view=ADMINS, add=ADMINS, change=ADMINS, delete=ADMINS),
    "auth.user": AdminAccess(view=ADMINS, add=ADMINS, change=ADMINS, delete=ADMINS),
    "django_tasks_database.dbtaskresult": AdminAccess(view=frozenset({SUPERUSER})),
    "network.servicepoint": AdminAccess(view=ALL_STAFF, add=ADMINS, change=ADMINS, delete=ADMINS, scoped=True),
    "network.service": AdminAccess(view=ALL_STAFF, add=ADMINS, change=ADMINS, delete=ADMINS),
    "network.openinghours": AdminAccess(view=MANAGERS_UP, add=MANAGERS_UP, change=MANAGERS_UP,
                                        delete=MANAGERS_UP, scoped=True),
    "network.openingexception": AdminAccess(view=MANAGERS_UP, add=MANAGERS_UP, change=MANAGERS_UP,
                                            delete=MANAGERS_UP, scoped=True),
    "network.desk": AdminAccess(view=ALL_STAFF, add=ADMINS, change=ADMINS, delete=ADMINS, scoped=True),
    "network.staffassignment": AdminAccess(view=MANAGERS_UP, add=ADMINS, change=ADMINS, delete=ADMINS,
                                           scoped=True),
    # Times held back until a moment: administrators edit them, managers see them.
    "network.release": AdminAccess(view=MANAGERS_UP, add=ADMINS, change=ADMINS, delete=ADMINS),
    "network.rollingrelease": AdminAccess(view=MANAGERS_UP, add=ADMINS, change=ADMINS, delete=ADMINS),
    # One row at most: nobody adds a second.
    "network.networksettings": AdminAccess(view=MANAGERS_UP, change=ADMINS, delete=ADMINS),
    # Capacity pools are network data; priority codes are issued by every role for its own points' pools,
    # shown once and never changed.
    "network.pool": AdminAccess(view=MANAGERS_UP, add=ADMINS, change=ADMINS, delete=ADMINS),
    "booking.prioritycode": AdminAccess(view=ALL_STAFF, add=ALL_STAFF, scoped=True),
    # Administrators read every entry, managers their points' (clerks see a booking's history on its page).
    "audit.auditentry": AdminAccess(view=MANAGERS_UP, scoped=True),
    "booking.booking": AdminAccess(view=ALL_STAFF, scoped=True, hidden=NOT_FOUND),
    "booking.waitlistentry": AdminAccess(view=MANAGERS_UP),
    "notify.notice": AdminAccess(view=ALL_STAFF, scoped=True),
    "walkin.ticket": AdminAccess(view=ALL_STAFF, scoped=True),
    # Registered at the kiosk itself (walkin:kiosk-register); staff revoke their points' kiosks here.
    "walkin.kioskdevice": AdminAccess(view=ALL_STAFF, change=ALL_STAFF, scoped=True),
    "guidance.guidancerule": AdminAccess(view=MANAGERS_UP, add=ADMINS, change=ADMINS, delete=ADMINS),
    "guidance.guidancerecord": AdminAccess(view=MANAGERS_UP),
    # The links to the online service and the missions abroad: one row (a migration makes it), never deleted.
    "guidance.guidancelinks": AdminAccess(view=MANAGERS_UP, change=ADMINS),
    "planning.scenario": AdminAccess(view=MANAGERS_UP, add=MANAGERS_UP, change=MANAGERS_UP, delete=MANAGERS_UP),
    # Staff sign-in: administrators lift a sign-in pause (delete the attempts) and remove a lost phone's
    # second factor; only a superuser adds or edits a device by hand.
    "axes.accessattempt": AdminAccess(view=ADMINS, delete=ADMINS),
    "otp_totp.totpdevice": AdminAccess(view=ADMINS, add=frozenset({SUPERUSER}), change=frozenset({SUPERUSER}),
                                       delete=ADMINS),
}
OF_HERE = frozenset({CLERK, MANAGER, ADMINISTRATOR, SUPERUSER})  # the roles that see rows of `here`


def _admin_expect(access: AdminAccess, page: str) -> dict[str, Any]:
    expect = {ANONYMOUS: LOGIN, ANALYST: FORBIDDEN}  # the analyst: no page of the back office
    for role in ROLES[1:]:
        if role == ANALYST:
            continue
        sees = role in access.view or role in access.change
        visible = not access.scoped or role in OF_HERE
        if page == "old change address":  # a plain redirect to the change page, which answers for itself
            answer = REDIRECT
        elif page == "changelist":
            answer = OK if sees else FORBIDDEN
        elif page == "add":
            answer = OK if role in access.add else FORBIDDEN
        elif not visible and (page == "history" or access.hidden == NOT_FOUND):
            answer = access.hidden  # these look the object up before asking about permissions
        elif page in ("change", "history"):
            answer = FORBIDDEN if not sees else OK if visible else access.hidden
        elif page == "delete":
            answer = FORBIDDEN if role not in access.delete else OK if visible else access.hidden
        else:
            raise AssertionError(f"unknown admin page {page!r}")
        expect[role] = answer
    return expect


# The resolver, walked -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    key: str  # the URL name with its namespace, or the route when it has none
    route: str
    name: str | None
    model: str | None = None  # admin model pages: the model's label and the page
    page: str | None = None


def _walk(resolver, prefix: str = "", namespace: str | None = None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) if pattern.namespace else namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield prefix + str(pattern.pattern), name


def _admin_pages() -> dict[str, tuple[str, str]]:
    """key -> (model label, page) for the standard pages of every model in the back office."""
    pages = {}
    for model in admin.site._registry:
        label, app, name = model._meta.label_lower, model._meta.app_label, model._meta.model_name
        for page in ("changelist", "add", "change", "delete", "history"):
            pages[f"admin:{app}_{name}_{page}"] = (label, page)
        pages[f"admin/{app}/{name}/<path:object_id>/"] = (label, "old change address")
    return pages


def url_entries() -> list[Entry]:
    pages = _admin_pages()
    entries = []
    for route, name in _walk(get_resolver()):
        key = name or route
        model, page = pages.get(key, (None, None))
        entries.append(Entry(key=key, route=route, name=name, model=model, page=page))
    return entries


ENTRIES = url_entries()


# Asking -------------------------------------------------------------------------------------------------

def _kwargs(route: str, world: World, object_pk: Any) -> dict[str, Any]:
    names = re.findall(r"<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)
    values = {}
    for param in names:
        if param == "object_id" and object_pk is not None:
            values[param] = object_pk
        elif param in PARAMS:
            values[param] = PARAMS[param](world)
        elif param == "object_id":  # admin:view_on_site: the booking
            values[param] = world.booking.pk
        else:
            raise AssertionError(f"no value for the path parameter {param!r} of {route!r}: add it to PARAMS")
    return values


def _path(entry: Entry, rule: Rule, world: World) -> str:
    if rule.path:
        return rule.path
    object_pk = world.objects[entry.model].pk if entry.model else None
    kwargs = _kwargs(entry.route, world, object_pk)
    if entry.name:
        return reverse(entry.name, kwargs=kwargs)
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), entry.route)


def _answer(response) -> Any:
    if response.status_code in (301, 302, 303, 307, 308):
        location = response["Location"].split("?")[0]
        if location in (reverse("admin:login"), "/admin/login/"):
            return LOGIN
        if location == reverse("admin:index"):
            return ADMIN_INDEX
        return REDIRECT
    return response.status_code


_CLIENT: list[Client] = []


def _client() -> Client:
    """One client for every request: a new one loads the middleware again (WhiteNoise alone looks
    at every static file), which would take most of the test's time."""
    if not _CLIENT:
        _CLIENT.append(Client())
    client = _CLIENT[0]
    client.cookies.clear()
    return client


def _ask(entry: Entry, rule: Rule, world: World, role: str) -> Any:
    with transaction.atomic():
        client = _client()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        path = _path(entry, rule, world) + (f"?{rule.query}" if rule.query else "")
        data = rule.data(world) if callable(rule.data) else rule.data
        headers = rule.headers(world) if callable(rule.headers) else rule.headers
        if rule.method == "GET":
            response = client.get(path, headers=headers)
        elif rule.json:
            response = client.generic(rule.method, path, data=json.dumps(data or {}),
                                      content_type="application/json", headers=headers)
        else:
            response = getattr(client, rule.method.lower())(path, data or {}, headers=headers)
        answer = _answer(response)  # a stream (the board's events) is never read, so never started
        transaction.set_rollback(True)
    return answer


def _rule(entry: Entry) -> Rule | None:
    if entry.model:
        access = ADMIN_MODELS.get(entry.model)
        return None if access is None else Rule(_admin_expect(access, entry.page))
    return RULES.get(entry.key)


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.key for entry in ENTRIES])
def test_every_role_gets_the_answer_its_rule_gives(entry: Entry, world, db):
    rule = _rule(entry)
    if rule is None:
        observed = {role: _ask(entry, Rule(public(OK), path=None), world, role) for role in ROLES} \
            if not entry.model or entry.model in world.objects else "(no object of it in the world)"
        where = f"ADMIN_MODELS[{entry.model!r}]" if entry.model else f"RULES[{entry.key!r}]"
        pytest.fail(f"/{entry.route} has no access rule: add {where} in tests/access/test_access_matrix.py "
                    f"(see its docstring). What each role gets now: {observed}", pytrace=False)
    if entry.model and entry.model not in world.objects:
        pytest.fail(f"the world has no {entry.model} to ask about: add one to world.objects in "
                    "tests/access/conftest.py", pytrace=False)
    got = {role: _ask(entry, rule, world, role) for role in ROLES}
    wrong = {role: f"expected {rule.expect[role]!r}, got {got[role]!r}" for role in ROLES
             if got[role] != rule.expect[role]}
    assert not wrong, f"{rule.method} /{entry.route}: " + "; ".join(f"{r}: {w}" for r, w in wrong.items())


def test_every_rule_names_a_url_that_exists():
    """A rule left behind by a URL that was renamed or removed is a rule that checks nothing."""
    keys = {entry.key for entry in ENTRIES}
    assert not set(RULES) - keys, f"rules for no URL: {sorted(set(RULES) - keys)}"
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert not set(ADMIN_MODELS) - registered, f"no such admin models: {sorted(set(ADMIN_MODELS) - registered)}"
