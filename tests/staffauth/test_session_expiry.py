"""Staff sessions end 8 hours after signing in, or after 30 minutes unused; the staff member lands
on the sign-in page, told why, and returns to where they were. Customers' sessions are untouched."""
import datetime as dt

import pytest

from tests.staffauth.conftest import PASSWORD

pytestmark = pytest.mark.django_db
SIGNED_IN_AT, SEEN_AT = "staffauth.signed_in_at", "staffauth.seen_at"


def move_back(client, key: str, **delta) -> dt.datetime:
    """Move one of the session's stamps into the past (instead of waiting)."""
    session = client.session
    moved = dt.datetime.fromisoformat(session[key]) - dt.timedelta(**delta)
    session[key] = moved.isoformat()
    session.save()
    return moved


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


class TestIdle:
    def test_thirty_minutes_unused_ends_the_session(self, client, clerk):
        client.force_login(clerk)
        assert client.get("/console/").status_code == 200
        move_back(client, SEEN_AT, minutes=30)
        response = client.get("/console/bookings/?q=x", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 302
        assert response["Location"] == "/admin/login/?next=%2Fconsole%2Fbookings%2F%3Fq%3Dx"
        assert not signed_in(client)
        login_page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "You were signed out after 30 minutes without activity." in login_page

    def test_use_keeps_it_open(self, client, clerk):
        client.force_login(clerk)
        client.get("/console/")
        moved = move_back(client, SEEN_AT, minutes=29)
        assert client.get("/console/").status_code == 200
        assert dt.datetime.fromisoformat(client.session[SEEN_AT]) > moved
        move_back(client, SEEN_AT, minutes=29)
        assert client.get("/console/").status_code == 200 and signed_in(client)

    def test_signing_in_again_returns_to_the_page(self, client, clerk):
        client.force_login(clerk)
        client.get("/console/")
        move_back(client, SEEN_AT, minutes=45)
        back_to = client.get("/console/bookings/")["Location"]
        response = client.post(back_to, {"username": "clerk", "password": PASSWORD, "next": "/console/bookings/"})
        assert response["Location"] == "/console/bookings/"
        assert client.get("/console/bookings/").status_code == 200

    def test_a_form_posted_after_the_end_returns_to_the_page_it_was_on(self, client, clerk):
        client.force_login(clerk)
        client.get("/console/")
        move_back(client, SEEN_AT, minutes=31)
        response = client.post("/console/desk/1/call-next/", HTTP_REFERER="http://testserver/console/desk/1/")
        assert response["Location"] == "/admin/login/?next=%2Fconsole%2Fdesk%2F1%2F"

    def test_an_htmx_request_sends_the_browser_to_sign_in(self, client, clerk):
        client.force_login(clerk)
        client.get("/console/")
        move_back(client, SEEN_AT, minutes=31)
        response = client.post("/console/desk/1/call-next/", HTTP_HX_REQUEST="true",
                               HTTP_HX_CURRENT_URL="http://testserver/console/desk/1/")
        assert response["HX-Redirect"] == "/admin/login/?next=%2Fconsole%2Fdesk%2F1%2F"
        assert not signed_in(client)

    def test_the_api_answers_401(self, client, clerk):
        client.force_login(clerk)
        client.get("/console/")
        move_back(client, SEEN_AT, minutes=31)
        assert client.post("/api/v1/staff/desks/1/call-next").status_code == 401
        assert not signed_in(client)

    def test_the_limit_is_a_setting(self, client, settings, clerk):
        settings.STAFF_IDLE_MINUTES = 5
        client.force_login(clerk)
        client.get("/console/")
        move_back(client, SEEN_AT, minutes=6)
        assert client.get("/console/").status_code == 302


class TestAbsolute:
    def test_eight_hours_after_signing_in_the_session_ends_however_busy(self, client, manager):
        client.force_login(manager)
        assert client.get("/staff/planning/").status_code == 200
        move_back(client, SIGNED_IN_AT, hours=8)
        response = client.get("/staff/planning/", HTTP_ACCEPT_LANGUAGE="en")
        assert response["Location"] == "/admin/login/?next=%2Fstaff%2Fplanning%2F" and not signed_in(client)
        page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "You have been signed in for 8 hours" in page

    def test_the_admin_too(self, client, superuser):
        client.force_login(superuser)
        client.get("/admin/")
        move_back(client, SIGNED_IN_AT, hours=9)
        assert client.get("/admin/network/")["Location"] == "/admin/login/?next=%2Fadmin%2Fnetwork%2F"

    def test_a_new_sign_in_starts_the_clock_again(self, client, manager):
        client.force_login(manager)
        client.get("/staff/planning/")
        move_back(client, SIGNED_IN_AT, hours=7, minutes=59)
        # Signing in again (the same person; Django keeps the session) starts a new 8 hours.
        client.post("/admin/login/", {"username": "manager", "password": PASSWORD, "next": "/staff/planning/"})
        assert client.get("/staff/planning/").status_code == 200
        move_back(client, SIGNED_IN_AT, hours=1)
        assert client.get("/staff/planning/").status_code == 200


def test_a_customers_booking_session_is_not_a_staff_session(client):
    session = client.session
    session["booking.managed"] = {"id": 1}
    session.save()
    client.get("/")
    assert client.session.get("booking.managed") == {"id": 1}
    assert SIGNED_IN_AT not in client.session and SEEN_AT not in client.session
