"""The planning page's "Plan from today": its form, what it shows, and refusals of bad input (never a 5xx)."""
import re
from html import unescape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import load_network
from tests.planning.test_page import staff
from vuoro.network.roles import MANAGER

pytestmark = pytest.mark.django_db

URL = "/staff/planning/"
GOOD = {"plan": "1", "history_weeks": "4", "weeks": "3", "saturday_opens": "09:00", "saturday_closes": "15:00",
        "saturday_desks": "1", "deflection_percent": "0", "no_show_reduction_percent": "30", "waitlist_percent": "0",
        "walk_in_percent": "0", "minutes_extended-permit": "30"}


@pytest.fixture
def manager(client):
    load_network(services=[("extended-permit", 30)])
    client.force_login(staff(MANAGER, "manager"))
    return client


def get(client, language="en", **changes):
    params = {**GOOD, **changes}
    return client.get(URL, {k: v for k, v in params.items() if v is not None}, HTTP_ACCEPT_LANGUAGE=language)


def textarea(html: str) -> str:
    return unescape(re.search(r'<textarea id="id_text"[^>]*>(.*?)</textarea>', html, re.S).group(1))


class TestPlanFromToday:
    def test_the_page_offers_the_levers_for_the_stored_network(self, manager):
        html = manager.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Plan from today" in html and 'name="extra_0_point"' in html
        assert 'name="minutes_extended-permit"' in html and 'value="30"' in html
        assert '<details id="advanced" open>' in html  # nothing planned yet: the TOML editor is open

    def test_plans_and_shows_the_start_the_back_test_and_the_generated_toml(self, manager):
        response = get(manager, extra_0_point="helsinki-malmi", extra_0_from="2030-01-01",
                       extra_0_until="2030-01-31", extra_0_desks="2", reminders="on",
                       **{"minutes_extended-permit": "15"})
        html = response.content.decode()
        assert response.status_code == 200, html
        assert 'id="recorded"' in html and 'id="backtest"' in html and 'id="weeks"' in html
        assert "No booking was made in the recorded weeks" in html
        text = textarea(html)
        assert "[[backlog.extra_desks]]" in text and "reminders = true" in text
        assert "[[backlog.new_durations]]" in text and "minutes = 15" in text
        assert '<details id="advanced">' in html  # closed: the plan is the answer

    @pytest.mark.parametrize(("changes", "field", "message"), [
        ({"history_weeks": "0"}, "history_weeks", "greater than or equal to 1"),
        ({"history_weeks": "abc"}, "history_weeks", "Enter a whole number"),
        ({"weeks": "105"}, "weeks", "less than or equal to 104"),
        ({"weeks": None}, "weeks", "This field is required"),
        ({"deflection_percent": "101"}, "deflection_percent", "less than or equal to 100"),
        ({"waitlist_percent": "-1"}, "waitlist_percent", "greater than or equal to 0"),
        ({"minutes_extended-permit": "20"}, "minutes_extended-permit", "multiple of 15 minutes"),
        ({"minutes_extended-permit": "0"}, "minutes_extended-permit", "greater than or equal to 15"),
        ({"extra_0_point": "helsinki-malmi"}, "extra_0_desks", "or leave the whole row empty"),
        ({"extra_0_point": "nowhere"}, "extra_0_point", "Select a valid choice"),
        ({"extra_1_point": "helsinki-malmi", "extra_1_from": "2030-02-01", "extra_1_until": "2030-01-01",
          "extra_1_desks": "1"}, "extra_1_until", "before the first"),
        ({"extra_2_from": "2030-13-45"}, "extra_2_from", "Enter a valid date"),
        ({"extra_2_point": "helsinki-malmi", "extra_2_from": "2001-01-01", "extra_2_until": "2001-01-31",
          "extra_2_desks": "1"}, "extra_2_until", "ended before today"),
        ({"saturday_points": "helsinki-malmi", "saturday_until": "2001-01-06"}, "saturday_until", "ended before today"),
        ({"saturday_points": "helsinki-malmi", "saturday_opens": "15:00", "saturday_closes": "09:00"},
         "saturday_closes", "close after it opens"),
        ({"saturday_points": "helsinki-malmi", "saturday_opens": ""}, "saturday_opens", "Saturday hours"),
        ({"saturday_opens": "25:00"}, "saturday_opens", "Enter a valid time"),
        ({"saturday_points": "x\x00y"}, "saturday_points", "Select a valid choice"),
    ])
    def test_refuses_bad_input_with_a_clear_error(self, manager, changes, field, message):
        response = get(manager, **changes)
        html = unescape(response.content.decode())
        assert response.status_code == 422
        assert f'id="id_{field}_error"' in html or field == "saturday_points", html
        assert message in html
        assert 'role="alert" id="today-errors"' in html

    @pytest.mark.parametrize(("language", "message"), [
        ("fi", "Anna 15 minuutin monikerta"), ("sv", "Ange en multipel av 15 minuter"),
        ("en", "Give a multiple of 15 minutes")])
    def test_the_errors_are_in_the_page_language(self, manager, language, message):
        response = get(manager, language, **{"minutes_extended-permit": "20"})
        assert response.status_code == 422 and message in unescape(response.content.decode())

    def test_a_network_without_points_is_a_problem_shown_not_a_failure(self, client):
        client.force_login(staff(MANAGER, "manager"))
        response = client.get(URL, {"plan": "1", "history_weeks": "2", "weeks": "2", "saturday_desks": "1",
                                    "deflection_percent": "0", "no_show_reduction_percent": "30",
                                    "waitlist_percent": "0", "walk_in_percent": "0"}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 422
        assert 'id="plan-problems"' in response.content.decode()


FIELDS = [key for key in GOOD if key != "plan"] + ["extra_0_point", "extra_0_from", "extra_0_until",
                                                   "extra_0_desks", "saturday_points", "saturday_until", "reminders"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(FIELDS), st.one_of(
    st.text(max_size=12), st.integers(-10**12, 10**12).map(str), st.sampled_from(["", "2030-02-30", "99:99", "1e9"])),
    max_size=5))
def test_no_input_gives_a_server_error(manager, changes):
    assert get(manager, **changes).status_code in (200, 422)
