"""The back office: staff issue priority codes for their points' pools (shown once, audited);
administrators keep pools to the network file's rules."""
import re

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from tests.booking.test_pools import EVERY_DAY
from tests.factories import load_network
from vuoro.audit.models import AuditEntry
from vuoro.booking.models import PriorityCode
from vuoro.booking.priority import priority_code_check
from vuoro.network import roles
from vuoro.network.models import Pool, Service, StaffAssignment

pytestmark = pytest.mark.django_db
CODE_RE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture
def network():
    load_network(slot_minutes=30, horizon_days=60, holidays=None, services=[("residence-card", 30)],
                 points=[dict(id=p, desks=2, services=["residence-card"], hours=EVERY_DAY) for p in ("here", "there")],
                 pools=[dict(id="wa-here", desks=1, service_points=["here"]),
                        dict(id="wa-there", desks=1, service_points=["there"])])
    roles.ensure_staff_groups()


def staff(client, role, point=None):
    user = User.objects.create_user(f"u-{role}", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    if point:
        StaffAssignment.objects.create(user=user, service_point_id=point)
    client.force_login(user)
    return user


def test_a_clerk_issues_a_code_shown_once(client, network):
    clerk = staff(client, roles.CLERK, "here")
    service = Service.objects.get(code="residence-card")
    answer = client.post("/admin/booking/prioritycode/add/", {"pool": "wa-here", "service": service.pk,
                                                              "valid_days": 14, "note": "case 7"}, follow=True)
    assert answer.status_code == 200
    codes = CODE_RE.findall(answer.content.decode())
    assert len(codes) == 1
    assert priority_code_check(code=codes[0], service_code="residence-card", now=timezone.now()) == "wa-here"
    row = PriorityCode.objects.get()
    assert row.issued_by == clerk and codes[0].replace("-", "") not in row.code_hash
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PRIORITY_CODE_ISSUE, actor=clerk).count() == 1
    listing = client.get("/admin/booking/prioritycode/").content.decode()
    assert row.hint in listing and codes[0] not in listing


def test_a_clerk_cannot_issue_for_another_points_pool(client, network):
    staff(client, roles.CLERK, "here")
    service = Service.objects.get(code="residence-card")
    answer = client.post("/admin/booking/prioritycode/add/", {"pool": "wa-there", "service": service.pk,
                                                              "valid_days": 14})
    assert answer.status_code == 200 and not PriorityCode.objects.exists()  # the form again, with its error


def test_an_administrator_may_not_put_two_pools_on_one_point(client, network):
    staff(client, roles.ADMINISTRATOR)
    answer = client.post("/admin/network/pool/add/", {
        "id": "another", "name_fi": "a", "name_sv": "a", "name_en": "a", "kind": "staff", "desks": 1,
        "public_days_before": 0, "service_points": ["here"]})
    assert answer.status_code == 200 and "errorlist" in answer.content.decode()
    assert not Pool.objects.filter(pk="another").exists()
