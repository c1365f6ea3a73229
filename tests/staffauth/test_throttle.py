"""Signing in is throttled (django-axes): five wrong passwords for one user name from one address
pause that name from that address for 15 minutes, with a 429 page that says what to do."""
import datetime as dt
import threading

import pytest
from axes.models import AccessAttempt
from django.db.models import F, Sum

from tests.booking.test_concurrency import in_parallel
from tests.staffauth import backends
from tests.staffauth.conftest import PASSWORD, staff_member

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"
ATTACKER, COLLEAGUE = "203.0.113.7", "198.51.100.20"


def sign_in(client, username, password, address=ATTACKER, language="en"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"},
                       REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


class TestLockOut:
    def test_five_wrong_passwords_then_the_right_one_is_refused(self, client):
        staff_member("admin", superuser=True)
        answers = [sign_in(client, "admin", f"guess-{n}").status_code for n in range(5)]
        assert answers == [200, 200, 200, 200, 429]
        response = sign_in(client, "admin", PASSWORD)
        assert response.status_code == 429 and not signed_in(client)
        assert response["Retry-After"] == "900"
        text = response.content.decode()
        assert "Wait 15 minutes, then try again." in text and "ask an administrator" in text

    def test_the_page_is_in_the_visitors_language(self, client):
        staff_member("admin", superuser=True)
        for n in range(5):
            sign_in(client, "admin", f"guess-{n}")
        finnish = sign_in(client, "admin", PASSWORD, language="fi").content.decode()
        swedish = sign_in(client, "admin", PASSWORD, language="sv").content.decode()
        assert 'lang="fi"' in finnish and "Odota 15 minuuttia" in finnish
        assert 'lang="sv"' in swedish and "Vänta 15 minuter" in swedish

    def test_after_the_cool_off_the_right_password_works(self, client):
        staff_member("admin", superuser=True)
        for n in range(5):
            sign_in(client, "admin", f"guess-{n}")
        assert sign_in(client, "admin", PASSWORD).status_code == 429
        # The failures were counted 16 minutes ago (time moved in the database, not slept through).
        AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=16))
        response = sign_in(client, "admin", PASSWORD)
        assert response.status_code == 302 and response["Location"] == "/admin/" and signed_in(client)

    def test_a_colleague_elsewhere_and_another_name_are_not_paused(self, client):
        staff_member("admin", superuser=True)
        staff_member("clerk")
        for n in range(5):
            sign_in(client, "admin", f"guess-{n}")
        assert sign_in(client, "clerk", PASSWORD).status_code == 302
        client.logout()
        assert sign_in(client, "admin", PASSWORD, address=COLLEAGUE).status_code == 302

    def test_a_successful_sign_in_starts_the_count_again(self, client):
        staff_member("admin", superuser=True)
        for n in range(4):
            sign_in(client, "admin", f"guess-{n}")
        assert sign_in(client, "admin", PASSWORD).status_code == 302
        client.logout()
        assert [sign_in(client, "admin", f"again-{n}").status_code for n in range(4)] == [200] * 4

    def test_behind_the_trusted_proxy_each_client_is_counted_on_its_own(self, client, settings):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
        staff_member("admin", superuser=True)
        proxy = "10.0.0.2"
        for n in range(5):
            client.post(LOGIN, {"username": "admin", "password": f"guess-{n}"}, REMOTE_ADDR=proxy,
                        HTTP_X_FORWARDED_FOR=ATTACKER)
        assert client.post(LOGIN, {"username": "admin", "password": PASSWORD}, REMOTE_ADDR=proxy,
                           HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
        assert client.post(LOGIN, {"username": "admin", "password": PASSWORD}, REMOTE_ADDR=proxy,
                           HTTP_X_FORWARDED_FOR=COLLEAGUE).status_code == 302
        # A client cannot escape by naming another address itself: only the proxy's entry counts.
        client.logout()
        assert client.post(LOGIN, {"username": "admin", "password": PASSWORD}, REMOTE_ADDR=proxy,
                           HTTP_X_FORWARDED_FOR=f"{COLLEAGUE}, {ATTACKER}").status_code == 429

    def test_an_ipv6_client_counts_as_its_whole_64(self, client):
        staff_member("admin", superuser=True)
        for n in range(5):
            sign_in(client, "admin", f"guess-{n}", address=f"2001:db8:1:2::{n + 1}")
        assert sign_in(client, "admin", PASSWORD, address="2001:db8:1:2:ffff::9").status_code == 429
        assert sign_in(client, "admin", PASSWORD, address="2001:db8:1:3::1").status_code == 302

    def test_an_administrator_lifts_the_pause_by_deleting_the_attempts(self, client):
        staff_member("admin", superuser=True)
        for n in range(5):
            sign_in(client, "admin", f"guess-{n}")
        AccessAttempt.objects.filter(username="admin").delete()  # what "delete" in the admin does
        assert sign_in(client, "admin", PASSWORD).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_get_at_most_a_few_more_guesses_than_the_limit(client, settings):
    """django-axes checks the count before the password and records the failure after, so attempts
    in flight at the same instant may each pass the check: at most limit + (in flight - 1) guesses.
    Every failure is recorded all the same, and the name stays paused."""
    settings.AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend",
                                        "tests.staffauth.backends.CountingBackend"]
    staff_member("admin", superuser=True)
    backends.checked["count"] = 0
    threads, attempts_each = 4, 5
    lock = threading.Lock()
    answers = []

    def guess(n):
        from django.test import Client

        own = Client()
        for attempt in range(attempts_each):
            status = sign_in(own, "admin", f"guess-{n}-{attempt}").status_code
            with lock:
                answers.append(status)

    results = in_parallel(threads, guess)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(answers) == threads * attempts_each and set(answers) <= {200, 429}
    assert backends.checked["count"] <= settings.SIGNIN_FAILURES + threads - 1
    failures = AccessAttempt.objects.filter(username="admin").aggregate(n=Sum("failures_since_start"))["n"]
    assert failures == threads * attempts_each
    assert sign_in(client, "admin", PASSWORD).status_code == 429
