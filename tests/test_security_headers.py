"""Every answer carries the Content-Security-Policy and the Permissions-Policy: public pages, staff
pages, the back office, the API (answers and errors) and static files."""
import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
REFUSED_FEATURES = ("camera", "geolocation", "microphone", "payment", "usb")


def directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in header.split(";"))


def assert_headers(response):
    policy = directives(response)
    assert {name: policy.get(name) for name in POLICY} == POLICY
    assert policy["style-src"].startswith("'self'")
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    features = dict(part.strip().split("=", 1) for part in response.headers["Permissions-Policy"].split(","))
    assert all(features[feature] == "()" for feature in REFUSED_FEATURES)


@pytest.fixture
def staff_client(client, smoke_network):
    admin = User.objects.create_superuser("root", password="root-pass-1")
    client.force_login(admin)
    return client


@pytest.mark.parametrize("path", ["/", "/guidance/", "/book/", "/book/month/?service=residence-card",
                                  "/manage/", "/manage/lost-pin/", "/kiosk/smoke-point/", "/board/smoke-point/",
                                  "/no-such-page/"])
def test_public_pages(client, smoke_network, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert_headers(response)
    assert directives(response)["style-src"] == "'self'"  # no nonce where no page uses it


@pytest.mark.parametrize("path", ["/console/", "/console/bookings/", "/console/book/", "/staff/planning/",
                                  "/staff/guidance/", "/admin/", "/admin/booking/booking/",
                                  "/admin/audit/auditentry/", "/admin/network/servicepoint/smoke-point/change/"])
def test_staff_pages(staff_client, path):
    response = staff_client.get(path)
    assert response.status_code == 200
    assert_headers(response)


def test_the_login_page_and_the_csrf_failure_keep_the_policy(client, smoke_network):
    """The expired-form page is ours (vuoro/templates/403_csrf.html): no inline style, so the policy
    needs no exception for it (Django's own carried a <style> let in by a nonce)."""
    assert_headers(client.get("/admin/login/"))
    client.handler.enforce_csrf_checks = True
    response = client.post("/admin/login/", {"username": "x", "password": "y"}, headers={"accept-language": "en"})
    assert response.status_code == 403
    assert_headers(response)
    html = response.content.decode()
    assert "<h1>The form has expired</h1>" in html
    assert "<style" not in html and " style=" not in html
    assert "nonce" not in directives(response)["script-src"]


@pytest.mark.parametrize("path", ["/api/v1/services", "/api/v1/service-points", "/api/v1/openapi.json",
                                  "/api/v1/docs", "/api/v1/bookings/0000000000", "/api/v1/no-such-thing"])
def test_api_answers(client, smoke_network, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert_headers(response)


def test_api_errors_and_writes(client, smoke_network):
    response = client.post("/api/v1/bookings", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert_headers(response)


def test_static_files(client):
    response = client.get("/static/vuoro/site.css")
    assert response.status_code == 200
    assert_headers(response)
