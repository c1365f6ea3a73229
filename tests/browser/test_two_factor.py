"""An administrator sets up the second factor in a real browser and signs in with a code, typing the
key shown on the page into "their app" (the test computes the codes as the app would); the pages
pass axe-core and the Content-Security-Policy. The lock-out page after five wrong passwords too."""
from base64 import b32decode

import pytest
from django.contrib.auth.models import User
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import pretty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "admin-two-factor-1"


@pytest.fixture
def administrator(settings):
    settings.REQUIRE_2FA = True
    return User.objects.create_superuser("admin", "admin@example.org", PASSWORD)


def app_code(secret_text: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed in from the page."""
    key = b32decode(secret_text.replace(" ", ""))
    return f"{totp(key, t0=-steps_ahead * 30):06d}"


def sign_in(page, live_server, password=PASSWORD):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill(password)
    page.locator("input[type=submit]").click()


def test_an_administrator_enrols_then_signs_in_with_a_code(page, live_server, administrator, axe_violations):
    sign_in(page, live_server)
    page.wait_for_url("**/staff/two-factor/enrol/?next=%2Fadmin%2F")
    page.get_by_role("button", name="English").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up your second factor"
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    page.wait_for_function("() => document.querySelector('figure.totp-qr img').naturalWidth > 0")
    assert axe_violations(page) == [], pretty(axe_violations(page))

    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from your authenticator app").fill(app_code(secret))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    assert TOTPDevice.objects.get(user=administrator).confirmed

    # Next time: the password, then a code (a later one: each code is good once).
    page.context.clear_cookies()
    sign_in(page, live_server)
    page.wait_for_url("**/staff/two-factor/?next=%2Fadmin%2F")
    page.get_by_role("button", name="English").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.get_by_role("heading", level=1).inner_text() == "Second factor"
    assert axe_violations(page) == [], pretty(axe_violations(page))
    page.get_by_label("Code from your authenticator app").fill("000000" if app_code(secret, 1) != "000000"
                                                               else "111111")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_function("() => document.querySelector('.errorlist') !== null")
    assert "That code is not right" in page.locator(".errorlist").inner_text()
    assert axe_violations(page) == [], pretty(axe_violations(page))
    # django-otp makes the next try wait a second after a wrong code: moved past in the database.
    TOTPDevice.objects.update(throttling_failure_timestamp=None)
    page.get_by_label("Code from your authenticator app").fill(app_code(secret, 1))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/admin/")


def test_five_wrong_passwords_show_the_paused_page(page, live_server, administrator, axe_violations):
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="English").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    for n in range(5):
        sign_in(page, live_server, password=f"wrong-{n}")
    page.wait_for_function("() => document.querySelector('main h1') !== null")
    assert page.get_by_role("heading", level=1).inner_text() == "Signing in is paused"
    assert "Wait 15 minutes, then try again." in page.locator("main").inner_text()
    assert axe_violations(page) == [], pretty(axe_violations(page))
