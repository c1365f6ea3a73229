"""Capacity pools on the public pages: the first step's priority code, the kept times it shows, and
the booking that uses it; a wrong, used or expired code is named and the public's view stays."""
import datetime as dt
import re
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from tests.booking.conftest import HELSINKI
from tests.booking.test_pages import text
from tests.booking.test_pools_api import DAY, issue, pooled  # noqa: F401 - the fixture
from vuoro.booking.models import Booking, PriorityCode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pooled")]
SERVICE = "residence-card"


@pytest.fixture
def client_en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def times(client) -> int:
    page = client.get(f"/book/day/?service={SERVICE}&point=malmi&date={DAY}")
    return len(re.findall(r'href="/book/details/\?', page.content.decode()))


def test_the_first_step_offers_the_code_field(client_en):
    page = text(client_en.get("/book/"))
    assert "Do you have a priority code?" in page and "Priority code" in page


def details_url(start: dt.datetime) -> str:
    return "/book/details/?" + urlencode({"service": SERVICE, "point": "malmi", "start": start.isoformat()})


def test_a_good_code_shows_the_kept_times_and_the_booking_uses_it(client_en):
    assert times(client_en) == 4  # the public's desk: 9:00, 9:30, 10:00, 10:30
    nine = dt.datetime.combine(DAY, dt.time(9), tzinfo=HELSINKI)
    first = client_en.post(details_url(nine), {"name": "A", "email": "a@example.org", "language": "fi"})
    assert first.status_code == 302
    assert times(client_en) == 3  # 9:00 taken on the public's desk
    code = issue()
    answer = client_en.post("/book/priority-code/", {"priority_code": code.lower()})
    assert answer.status_code == 302 and answer.url == f"/book/?service={SERVICE}"
    assert "Your priority code is in use" in text(client_en.get(answer.url))
    assert times(client_en) == 4  # 9:00 offered again: the kept desk
    made = client_en.post(details_url(nine), {"name": "B", "email": "b@example.org", "language": "fi"})
    assert made.status_code == 302, text(made)
    assert PriorityCode.objects.get().booking.customer_email == "b@example.org"
    assert "Do you have a priority code?" in text(client_en.get("/book/"))  # the session forgot the used code


@pytest.mark.parametrize("kind", ["unknown", "used", "expired"])
def test_a_bad_code_is_named_and_nothing_is_lost(client_en, kind):
    code = issue()
    if kind == "unknown":
        code = "AAAA-BBBB-CCCC-DDDD"
    elif kind == "used":
        PriorityCode.objects.update(used_at=timezone.now())
    else:
        PriorityCode.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    answer = client_en.post("/book/priority-code/", {"priority_code": code})
    assert answer.status_code == 400
    page = text(answer)
    assert {"unknown": "There is no such priority code", "used": "already been used",
            "expired": "has expired"}[kind] in page
    assert "There is a problem" in page and 'aria-invalid="true"' in answer.content.decode()
    assert "Residence-card en" in page or "residence-card en" in page  # the services are still there
    assert times(client_en) == 4 and client_en.session.get("booking.priority_code") is None


def test_an_empty_code_asks_for_one(client_en):
    answer = client_en.post("/book/priority-code/", {"priority_code": "  "})
    assert answer.status_code == 400 and "Enter your priority code." in text(answer)


def test_the_clerk_console_offers_the_kept_time_at_the_clerks_point(client_en, client):
    from django.contrib.auth.models import Group, User

    from vuoro.network import roles
    from vuoro.network.models import StaffAssignment

    nine = dt.datetime.combine(DAY, dt.time(9), tzinfo=HELSINKI)
    assert client_en.post(details_url(nine), {"name": "A", "email": "a@example.org", "language": "fi"}
                          ).status_code == 302
    assert times(client_en) == 3  # the public: 9:00 is gone
    roles.ensure_staff_groups()
    clerk = User.objects.create_user("clerk", password="x", is_staff=True)
    clerk.groups.add(Group.objects.get(name=roles.CLERK))
    StaffAssignment.objects.create(user=clerk, service_point_id="malmi")
    client.force_login(clerk)
    page = client.get("/console/book/day/", {"service": SERVICE, "point": "malmi", "persons": 1, "date": DAY})
    picks = re.findall(r'href="(/console/book/details/\?[^"]+)"', page.content.decode())
    assert len(picks) == 4  # 9:00 on the kept desk too
    done = client.post(picks[0].replace("&amp;", "&"), {"name": "C", "email": "c@example.org", "phone": "",
                                                        "language": "fi"})
    assert done.status_code == 200 and Booking.objects.get(customer_email="c@example.org").desk.number == 2
