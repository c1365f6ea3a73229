"""vuoro.booking.guards: the PIN-attempt allowance under real parallel requests, and who the client
is behind a reverse proxy."""
import datetime as dt
from collections import Counter

import pytest
from django.test import Client

from tests.booking.conftest import at
from tests.booking.test_concurrency import in_parallel
from tests.booking.test_pages import book
from vuoro.apierrors import ApiError
from vuoro.booking.guards import (
    PIN_ATTEMPTS_ALLOWED,
    PIN_WINDOW,
    booking_authorise,
    client_address,
    pin_attempt_take,
)
from vuoro.booking.models import PinGuard

PARALLEL = 20
ALLOWED = PIN_ATTEMPTS_ALLOWED
NOW = dt.datetime(2027, 3, 3, 9, tzinfo=dt.UTC)


def wrong_pin(made) -> str:
    return "000000" if made.pin != "000000" else "111111"


@pytest.mark.django_db(transaction=True)
class TestParallelWrongPins:
    """Wrong PINs sent at the same instant never get more checks than the allowance: a 404 is a
    PIN that was checked, a 429 one that was refused before any check."""

    def test_through_the_api_exactly_five_are_checked(self, smoke_network, wednesday):
        made = book(at(wednesday, 9))
        path = f"/api/v1/bookings/{made.booking.reservation_key}"

        def guess(n):
            return Client().get(path, headers={"X-PIN": wrong_pin(made)}, REMOTE_ADDR=f"198.51.100.{n}").status_code

        assert Counter(in_parallel(PARALLEL, guess)) == {404: ALLOWED, 429: PARALLEL - ALLOWED}
        assert Client().get(path, headers={"X-PIN": made.pin}).status_code == 429  # locked, even for the right PIN

    def test_through_the_manage_page_exactly_five_are_checked(self, smoke_network, wednesday):
        made = book(at(wednesday, 9))

        def guess(n):
            return Client().post("/manage/", {"reservation_key": made.booking.reservation_key,
                                              "pin": wrong_pin(made)}, REMOTE_ADDR=f"198.51.100.{n}").status_code

        assert Counter(in_parallel(PARALLEL, guess)) == {400: ALLOWED, 429: PARALLEL - ALLOWED}

    def test_taking_attempts_in_parallel_takes_exactly_the_allowance(self, smoke_network):
        def take(n):
            try:
                pin_attempt_take(reservation_key="ABCDEFGHJK", now=NOW)
            except ApiError as error:
                return error.status
            return "taken"

        assert Counter(in_parallel(PARALLEL, take)) == {"taken": PIN_ATTEMPTS_ALLOWED,
                                                        429: PARALLEL - PIN_ATTEMPTS_ALLOWED}
        assert PinGuard.objects.get().attempts == PIN_ATTEMPTS_ALLOWED


@pytest.mark.django_db
class TestPinAttempts:
    def test_a_right_pin_starts_the_allowance_afresh(self, smoke_network, wednesday):
        made = book(at(wednesday, 9))
        key = made.booking.reservation_key
        for _ in range(PIN_ATTEMPTS_ALLOWED - 1):
            assert booking_authorise(reservation_key=key, pin=wrong_pin(made), now=NOW) is None
        assert booking_authorise(reservation_key=key, pin=made.pin, now=NOW) == made.booking
        for _ in range(PIN_ATTEMPTS_ALLOWED):
            assert booking_authorise(reservation_key=key, pin=wrong_pin(made), now=NOW) is None
        with pytest.raises(ApiError) as locked:
            booking_authorise(reservation_key=key, pin=made.pin, now=NOW + dt.timedelta(minutes=5))
        assert locked.value.status == 429 and locked.value.headers == {"Retry-After": "600"}

    def test_a_new_window_opens_when_the_last_has_passed(self, smoke_network, wednesday):
        made = book(at(wednesday, 9))
        key = made.booking.reservation_key
        for _ in range(PIN_ATTEMPTS_ALLOWED):
            booking_authorise(reservation_key=key, pin=wrong_pin(made), now=NOW)
        assert booking_authorise(reservation_key=key, pin=made.pin, now=NOW + PIN_WINDOW) == made.booking

    def test_a_missing_pin_or_a_key_of_any_shape_takes_an_attempt_and_opens_nothing(self, smoke_network):
        for key, pin in (("ZZZZZZZZZZ", "123456"), ("SHORT", "123456"), ("ZZZZZZZZZZ", None), ("ZZZZZZZZZZ", "")):
            assert booking_authorise(reservation_key=key, pin=pin, now=NOW) is None
        assert dict(PinGuard.objects.values_list("reservation_key", "attempts")) == {"ZZZZZZZZZZ": 3, "SHORT": 1}


class TestClientAddress:
    @pytest.fixture
    def behind(self, settings):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8:ffff::1/128"]

    def address(self, rf, remote, forwarded=None):
        extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return client_address(rf.get("/", REMOTE_ADDR=remote, **extra))

    def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say(self, rf, settings):
        settings.TRUSTED_PROXIES = []
        assert self.address(rf, "198.51.100.7", "203.0.113.1") == "198.51.100.7"

    def test_behind_a_trusted_proxy_the_client_is_the_right_most_untrusted_entry(self, rf, behind):
        assert self.address(rf, "10.0.0.5", "198.51.100.7") == "198.51.100.7"
        # what the client wrote itself stands to the left of what our proxy added, and is not believed
        assert self.address(rf, "10.0.0.5", "203.0.113.1, 198.51.100.7") == "198.51.100.7"
        assert self.address(rf, "10.0.0.5", "203.0.113.1,198.51.100.7, 10.1.2.3") == "198.51.100.7"
        assert self.address(rf, "10.0.0.5", "10.0.0.1, 198.51.100.7") == "198.51.100.7"

    def test_a_peer_that_is_not_a_trusted_proxy_is_the_client(self, rf, behind):
        assert self.address(rf, "198.51.100.7", "203.0.113.1") == "198.51.100.7"

    def test_a_missing_or_malformed_header_falls_back_to_the_last_trusted_hop(self, rf, behind):
        assert self.address(rf, "10.0.0.5") == "10.0.0.5"
        assert self.address(rf, "10.0.0.5", "") == "10.0.0.5"
        assert self.address(rf, "10.0.0.5", "not-an-address") == "10.0.0.5"
        assert self.address(rf, "10.0.0.5", "198.51.100.7, unknown") == "10.0.0.5"
        assert self.address(rf, "10.0.0.5", "198.51.100.7, garbage, 10.0.0.9") == "10.0.0.9"
        assert self.address(rf, "10.0.0.5", "," * 10_000) == "10.0.0.5"
        assert self.address(rf, "10.0.0.5", "10.0.0.7, 10.0.0.9") == "10.0.0.7"  # all our own

    def test_ports_and_brackets_are_read(self, rf, behind):
        assert self.address(rf, "10.0.0.5", "198.51.100.7:5123") == "198.51.100.7"
        assert self.address(rf, "10.0.0.5", "[2001:db8:1:2::5]:443") == "2001:db8:1:2::/64"

    def test_an_ipv6_client_is_its_64_network(self, rf, behind):
        assert self.address(rf, "2001:db8:1:2::5") == self.address(rf, "2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
        assert self.address(rf, "2001:db8:1:3::5") == "2001:db8:1:3::/64"
        assert self.address(rf, "2001:db8:ffff::1", "2001:db8:1:2::9") == "2001:db8:1:2::/64"
        assert self.address(rf, "::ffff:198.51.100.7") == "198.51.100.7"

    def test_an_unreadable_peer_is_one_client(self, rf, behind):
        assert self.address(rf, "") == "unknown"
