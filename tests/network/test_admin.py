"""The back office: a service point manager edits only their own points' hours and exceptions."""
import datetime as dt

import pytest
from django.contrib.auth.models import Group, User

from tests.factories import load_network
from vuoro.network.models import OpeningException, OpeningHours, StaffAssignment
from vuoro.network.roles import ADMINISTRATOR, CLERK, MANAGER

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    load_network(points=[dict(id="espoo", services=["extended-permit"]),
                         dict(id="oulu", services=["extended-permit"],
                              exceptions=[("2027-06-05", "10:00-14:00")])])
    OpeningException.objects.create(service_point_id="espoo", date=dt.date(2027, 6, 5), opens_at=None)


def staff(name: str, role: str, *points: str) -> User:
    user = User.objects.create_user(name, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    for point in points:
        StaffAssignment.objects.create(user=user, service_point_id=point)
    return user


class TestManagerPermissions:
    def test_the_role_groups_exist_after_migrate(self):
        assert set(Group.objects.values_list("name", flat=True)) >= {ADMINISTRATOR, MANAGER, CLERK}

    def test_a_manager_sees_only_their_own_points_exceptions(self, client, network):
        client.force_login(staff("maija", MANAGER, "espoo"))
        page = client.get("/admin/network/openingexception/").content.decode()
        espoo = OpeningException.objects.get(service_point_id="espoo")
        oulu = OpeningException.objects.get(service_point_id="oulu")
        assert f"/admin/network/openingexception/{espoo.pk}/change/" in page
        assert f"/admin/network/openingexception/{oulu.pk}/change/" not in page

    def test_a_manager_edits_their_own_points_hours(self, client, network):
        client.force_login(staff("maija", MANAGER, "espoo"))
        hours = OpeningHours.objects.get(service_point_id="espoo", weekday=0)
        answer = client.post(f"/admin/network/openinghours/{hours.pk}/change/",
                             {"service_point": "espoo", "weekday": 0, "opens_at": "09:00", "closes_at": "15:00"})
        assert answer.status_code == 302
        hours.refresh_from_db()
        assert hours.opens_at == dt.time(9, 0)

    def test_a_manager_cannot_change_another_points_exception(self, client, network):
        client.force_login(staff("maija", MANAGER, "espoo"))
        oulu = OpeningException.objects.get(service_point_id="oulu")
        client.post(f"/admin/network/openingexception/{oulu.pk}/change/",
                    {"service_point": "oulu", "date": "2027-06-05", "opens_at": "", "closes_at": ""})
        oulu.refresh_from_db()
        assert oulu.opens_at == dt.time(10, 0)

    def test_a_manager_cannot_add_an_exception_to_another_point(self, client, network):
        client.force_login(staff("maija", MANAGER, "espoo"))
        answer = client.post("/admin/network/openingexception/add/",
                             {"service_point": "oulu", "date": "2027-07-01", "opens_at": "", "closes_at": ""})
        assert answer.status_code == 200  # the form comes back with an error
        assert not OpeningException.objects.filter(service_point_id="oulu", date=dt.date(2027, 7, 1)).exists()

    def test_a_manager_cannot_change_a_service_point(self, client, network):
        client.force_login(staff("maija", MANAGER, "espoo"))
        answer = client.post("/admin/network/servicepoint/espoo/change/", {"name_fi": "Muutettu"})
        assert answer.status_code == 403

    def test_an_administrator_sees_every_point(self, client, network):
        client.force_login(staff("anna", ADMINISTRATOR))
        page = client.get("/admin/network/openingexception/").content.decode()
        assert page.count("/change/") >= 2

    def test_the_back_office_speaks_three_languages(self, client, network):
        client.force_login(staff("anna", ADMINISTRATOR))
        assert "Palvelupisteet" in client.get("/admin/", headers={"accept-language": "fi"}).content.decode()
        assert "Serviceställen" in client.get("/admin/", headers={"accept-language": "sv"}).content.decode()
