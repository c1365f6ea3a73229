"""A second factor (TOTP) after the password: administrators and managers must show one before any
staff page when VUORO_REQUIRE_2FA is on; clerks may enrol; wrong codes are throttled."""
import datetime as dt

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.staffauth.conftest import PASSWORD, app_code, enrolled

pytestmark = pytest.mark.django_db
ENROL, VERIFY = "/staff/two-factor/enrol/", "/staff/two-factor/"
STAFF_PAGES = ["/admin/", "/console/", "/staff/planning/", "/staff/guidance/", "/admin/auth/user/"]


def verified(client) -> bool:
    return "otp_device_id" in client.session


class TestWhoMustShowACode:
    @pytest.mark.parametrize("page", STAFF_PAGES)
    def test_a_superuser_is_sent_to_enrol_before_any_staff_page(self, client, require_2fa, superuser, page):
        client.force_login(superuser)
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(ENROL + "?next=" + page.replace("/", "%2F"))

    @pytest.mark.parametrize("role_fixture", ["administrator", "manager"])
    def test_administrators_and_managers_are_asked_too(self, client, require_2fa, role_fixture, request):
        client.force_login(request.getfixturevalue(role_fixture))
        for page in ("/console/", "/staff/planning/", "/admin/"):
            assert client.get(page)["Location"].startswith(ENROL), page

    def test_once_enrolled_they_are_asked_for_a_code(self, client, require_2fa, manager):
        enrolled(manager)
        client.force_login(manager)
        assert client.get("/console/")["Location"] == VERIFY + "?next=%2Fconsole%2F"

    def test_a_clerk_is_not_forced(self, client, require_2fa, clerk):
        client.force_login(clerk)
        assert client.get("/console/").status_code == 200

    def test_a_clerk_who_enrolled_is_asked_for_the_code(self, client, require_2fa, clerk):
        enrolled(clerk)
        client.force_login(clerk)
        assert client.get("/console/")["Location"].startswith(VERIFY)

    def test_public_pages_and_signing_out_need_no_code(self, client, require_2fa, superuser):
        client.force_login(superuser)
        assert client.get("/").status_code == 200
        assert client.get("/book/").status_code == 200
        assert client.post("/admin/logout/").status_code == 200 and "_auth_user_id" not in client.session

    def test_the_staff_api_answers_403_in_its_error_shape(self, client, require_2fa, manager):
        client.force_login(manager)
        response = client.post("/api/v1/staff/desks/1/call-next")
        assert response.status_code == 403 and response.json()["error"] == "second_factor_required"

    def test_an_htmx_request_is_sent_on_by_the_browser(self, client, require_2fa, manager):
        client.force_login(manager)
        response = client.post("/console/desk/1/call-next/", HTTP_HX_REQUEST="true",
                               HTTP_HX_CURRENT_URL="http://testserver/console/desk/1/")
        assert response["HX-Redirect"] == ENROL + "?next=%2Fconsole%2Fdesk%2F1%2F"

    def test_nobody_is_asked_when_the_setting_is_off(self, client, settings, superuser):
        settings.REQUIRE_2FA = False
        enrolled(superuser)
        client.force_login(superuser)
        assert client.get("/admin/").status_code == 200

    def test_the_default_follows_debug(self):
        import subprocess
        import sys

        def require_2fa(debug: str) -> str:
            code = "import django; django.setup(); from django.conf import settings; print(settings.REQUIRE_2FA)"
            env = {"VUORO_DEBUG": debug, "VUORO_SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": "vuoro.settings",
                   "PATH": "/usr/bin:/bin"}
            return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                  check=True).stdout.strip()

        assert (require_2fa("off"), require_2fa("on")) == ("True", "False")


class TestEnrolment:
    def test_an_administrator_scans_the_code_confirms_and_goes_on(self, client, require_2fa, superuser):
        client.force_login(superuser)
        page = client.get(ENROL + "?next=/admin/")
        assert page.status_code == 200
        device = TOTPDevice.objects.get(user=superuser)
        assert not device.confirmed
        text = page.content.decode()
        assert 'src="data:image/svg+xml' in text
        assert page.context["secret_groups"] and "".join(page.context["secret_groups"]) in text.replace(" ", "")
        assert client.get(ENROL).context["secret_groups"] == page.context["secret_groups"]  # same key on reload

        response = client.post(ENROL, {"token": app_code(device), "next": "/admin/"})
        assert response.status_code == 302 and response["Location"] == "/admin/"
        device.refresh_from_db()
        assert device.confirmed and verified(client)
        assert client.get("/admin/").status_code == 200

    def test_a_wrong_code_does_not_confirm(self, client, require_2fa, superuser):
        client.force_login(superuser)
        client.get(ENROL)
        device = TOTPDevice.objects.get(user=superuser)
        wrong = f"{(int(app_code(device)) + 1) % 1000000:06d}"
        response = client.post(ENROL, {"token": wrong, "next": "/admin/"})
        assert response.status_code == 200 and "That code is not right" in response.content.decode()
        device.refresh_from_db()
        assert not device.confirmed and not verified(client)
        assert client.get("/admin/")["Location"].startswith(ENROL)

    def test_a_password_alone_cannot_replace_an_enrolled_app(self, client, require_2fa, superuser):
        device = enrolled(superuser)
        client.force_login(superuser)
        assert client.get(ENROL + "?next=/admin/")["Location"] == VERIFY + "?next=%2Fadmin%2F"
        assert client.post(ENROL, {"token": app_code(device)})["Location"].startswith(VERIFY)
        assert list(TOTPDevice.objects.filter(user=superuser)) == [device]

    def test_a_clerk_may_enrol(self, client, require_2fa, clerk):
        client.force_login(clerk)
        client.get(ENROL)
        device = TOTPDevice.objects.get(user=clerk)
        assert client.post(ENROL, {"token": app_code(device), "next": "/console/"})["Location"] == "/console/"
        assert TOTPDevice.objects.get(user=clerk).confirmed

    def test_an_anonymous_visitor_is_sent_to_sign_in(self, client):
        assert client.get(ENROL)["Location"].startswith("/admin/login/?next=")
        assert client.get(VERIFY)["Location"].startswith("/admin/login/?next=")


class TestCode:
    def test_the_password_then_the_code_opens_the_page_asked_for(self, client, require_2fa, manager):
        device = enrolled(manager)
        signed = client.post("/admin/login/?next=/staff/planning/",
                             {"username": "manager", "password": PASSWORD, "next": "/staff/planning/"})
        assert signed["Location"] == "/staff/planning/"
        asked = client.get("/staff/planning/")
        assert asked["Location"] == VERIFY + "?next=%2Fstaff%2Fplanning%2F"
        session_before = client.session.session_key
        response = client.post(VERIFY, {"token": app_code(device), "next": "/staff/planning/"})
        assert response["Location"] == "/staff/planning/" and verified(client)
        assert client.session.session_key != session_before  # a new session id for the raised privilege
        assert client.get("/staff/planning/").status_code == 200

    def test_a_wrong_code_is_refused_and_the_next_one_waits(self, client, require_2fa, manager):
        device = enrolled(manager)
        client.force_login(manager)
        wrong = f"{(int(app_code(device)) + 1) % 1000000:06d}"
        refused = client.post(VERIFY, {"token": wrong, "next": "/console/"})
        assert refused.status_code == 200 and "That code is not right" in refused.content.decode()
        # Straight after a wrong code even the right one waits (django-otp's throttle: 1 s, 2 s, 4 s...).
        throttled = client.post(VERIFY, {"token": app_code(device), "next": "/console/"})
        assert throttled.status_code == 429 and "Too many wrong codes" in throttled.content.decode()
        assert not verified(client)
        # Once the wait has passed (time moved in the database, not slept through), the code works.
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=device.__class__.objects.get(pk=device.pk).throttling_failure_timestamp
            - dt.timedelta(minutes=10))
        assert client.post(VERIFY, {"token": app_code(device), "next": "/console/"})["Location"] == "/console/"

    def test_a_code_is_good_once(self, client, require_2fa, manager):
        device = enrolled(manager)
        code = app_code(device)
        client.force_login(manager)
        assert client.post(VERIFY, {"token": code})["Location"] == "/admin/"
        client.logout()
        client.force_login(manager)
        assert client.post(VERIFY, {"token": code}).status_code == 200 and not verified(client)

    def test_the_page_asks_in_finnish_and_swedish_too(self, client, require_2fa, manager):
        enrolled(manager)
        client.force_login(manager)
        assert "Toinen tunnistautumisvaihe" in client.get(VERIFY, HTTP_ACCEPT_LANGUAGE="fi").content.decode()
        assert "Andra faktorn" in client.get(VERIFY, HTTP_ACCEPT_LANGUAGE="sv").content.decode()

    def test_a_next_address_elsewhere_is_not_followed(self, client, require_2fa, manager):
        device = enrolled(manager)
        client.force_login(manager)
        response = client.post(VERIFY, {"token": app_code(device), "next": "https://evil.example/"})
        assert response["Location"] == "/admin/"
