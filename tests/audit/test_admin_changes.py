"""Every back-office change is in the audit log, with the object's fields before and after."""
import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db import connection, transaction

from tests.factories import load_network
from tests.network.test_admin import staff
from vuoro.audit.models import AuditEntry
from vuoro.audit.services import audit_record
from vuoro.network.models import OpeningHours, Service, ServicePointService
from vuoro.network.roles import ADMINISTRATOR, MANAGER

pytestmark = pytest.mark.django_db
Action = AuditEntry.Action
BACK_OFFICE = ("admin.add", "admin.change", "admin.delete")


@pytest.fixture
def network():
    load_network(services=[("extended-permit", 30), ("citizenship", 15)],
                 points=[dict(id="espoo", services=["extended-permit"]), dict(id="oulu", services=["citizenship"])])


@pytest.fixture
def administrator(client):
    user = staff("aino", ADMINISTRATOR)
    client.force_login(user)
    return user


def back_office_entries():
    return list(AuditEntry.objects.filter(action__in=BACK_OFFICE).order_by("id"))


def service_form(service: Service, **changes) -> dict:
    fields = ["code", "name_fi", "name_sv", "name_en", "duration_minutes", "minutes_per_extra_person",
              "max_bookings_per_person", "checklist_fi", "checklist_sv", "checklist_en"]
    data = {name: getattr(service, name) for name in fields}
    return {name: "" if value is None else value for name, value in {**data, **changes}.items()}


class TestChanges:
    def test_a_change_of_a_service_records_who_and_the_fields_before_and_after(self, client, network, administrator):
        service = Service.objects.get(code="citizenship")
        answer = client.post(f"/admin/network/service/{service.pk}/change/",
                             service_form(service, duration_minutes=20, name_en="Citizenship"))
        assert answer.status_code == 302
        [entry] = back_office_entries()
        assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
            administrator, "admin.change", "network.service", str(service.pk))
        assert entry.before == {"duration_minutes": 15, "name_en": "citizenship en"}
        assert entry.after == {"duration_minutes": 20, "name_en": "Citizenship"}

    def test_an_addition_records_the_new_objects_fields(self, client, network, administrator):
        client.post("/admin/network/service/add/", service_form(Service(
            code="passport", name_fi="Passi", name_sv="Pass", name_en="Passport", duration_minutes=10,
            minutes_per_extra_person=0)))
        [entry] = back_office_entries()
        added = Service.objects.get(code="passport")
        assert (entry.action, entry.object_id, entry.before) == ("admin.add", str(added.pk), None)
        assert entry.after["code"] == "passport" and entry.after["duration_minutes"] == 10

    def test_a_deletion_records_the_objects_fields_before(self, client, network, administrator):
        service = Service.objects.create(code="gone", name_fi="x", name_sv="x", name_en="x", duration_minutes=5)
        client.post(f"/admin/network/service/{service.pk}/delete/", {"post": "yes"})
        assert not Service.objects.filter(code="gone").exists()
        [entry] = back_office_entries()
        assert (entry.action, entry.object_id, entry.after) == ("admin.delete", str(service.pk), None)
        assert entry.before["code"] == "gone"

    def test_a_bulk_delete_records_each_row_and_its_confirmation_page_nothing(self, client, network, administrator):
        made = [Service.objects.create(code=f"gone-{n}", name_fi="x", name_sv="x", name_en="x", duration_minutes=5)
                for n in range(2)]
        chosen = {"action": "delete_selected", "_selected_action": [s.pk for s in made]}
        assert client.post("/admin/network/service/", chosen).status_code == 200  # "are you sure?"
        assert not back_office_entries()
        client.post("/admin/network/service/", {**chosen, "post": "yes"})
        assert not Service.objects.filter(code__startswith="gone").exists()
        entries = back_office_entries()
        assert sorted((e.action, e.object_id, e.before["code"], e.reason) for e in entries) == [
            ("admin.delete", str(made[0].pk), "gone-0", "action: delete_selected"),
            ("admin.delete", str(made[1].pk), "gone-1", "action: delete_selected")]

    def test_an_inline_row_changed_with_its_point_is_in_the_points_entry(self, client, network, administrator):
        offer = ServicePointService.objects.get(service_point_id="espoo")
        data = {"id": "espoo", "name_fi": "espoo fi", "name_sv": "espoo sv", "name_en": "espoo en", "address": "Katu 1",
                "timezone": "Europe/Helsinki", "appointment_desks": 2, "walk_in_desks": 0, "daily_tickets": "",
                "offers-TOTAL_FORMS": 1, "offers-INITIAL_FORMS": 1, "offers-MIN_NUM_FORMS": 0,
                "offers-MAX_NUM_FORMS": 1000, "offers-0-id": offer.pk, "offers-0-service_point": "espoo",
                "offers-0-service": offer.service_id, "offers-0-duration_minutes": 45}
        assert client.post("/admin/network/servicepoint/espoo/change/", data).status_code == 302
        [entry] = back_office_entries()
        assert (entry.object_type, entry.object_id, entry.service_point_id) == (
            "network.servicepoint", "espoo", "espoo")
        [before], [after] = (entry.before["network.servicepointservice"], entry.after["network.servicepointservice"])
        assert (before["duration_minutes"], after["duration_minutes"]) == (None, 45)

    def test_a_managers_change_carries_the_point_so_the_manager_reads_it(self, client, network):
        manager = staff("maija", MANAGER, "espoo")
        client.force_login(manager)
        hours = OpeningHours.objects.get(service_point_id="espoo", weekday=0)
        client.post(f"/admin/network/openinghours/{hours.pk}/change/",
                    {"service_point": "espoo", "weekday": 0, "opens_at": "09:00", "closes_at": "15:00"})
        [entry] = back_office_entries()
        assert (entry.actor, entry.service_point_id, entry.before, entry.after) == (
            manager, "espoo", {"opens_at": "08:00:00", "closes_at": "16:00:00"},
            {"opens_at": "09:00:00", "closes_at": "15:00:00"})
        assert f"/admin/audit/auditentry/{entry.pk}/change/" in client.get("/admin/audit/auditentry/").content.decode()

    def test_a_form_with_errors_records_nothing(self, client, network, administrator):
        service = Service.objects.get(code="citizenship")
        client.post(f"/admin/network/service/{service.pk}/change/", service_form(service, duration_minutes=0))
        assert not back_office_entries()


class TestStaffChanges:
    def test_a_new_users_password_is_masked(self, client, administrator):
        client.post("/admin/auth/user/add/", {"username": "pekka", "usable_password": "true",
                                              "password1": "a fine long passphrase 9",
                                              "password2": "a fine long passphrase 9"})
        pekka = User.objects.get(username="pekka")
        [entry] = back_office_entries()
        assert (entry.action, entry.object_type, entry.object_id) == ("admin.add", "auth.user", str(pekka.pk))
        assert entry.after["password"] == "[masked]" and entry.after["username"] == "pekka"
        assert pekka.password not in repr(AuditEntry.objects.filter(pk=entry.pk).values()[0])

    def test_a_role_given_and_a_password_set_are_recorded(self, client, administrator):
        pekka = User.objects.create_user("pekka", password="first passphrase 1")
        old_hash = pekka.password
        client.post(f"/admin/auth/user/{pekka.pk}/change/", {
            "username": "pekka", "is_active": "on", "is_staff": "on", "groups": [Group.objects.get(name=MANAGER).pk],
            "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00"})
        client.post(f"/admin/auth/user/{pekka.pk}/password/", {
            "password1": "second passphrase 22", "password2": "second passphrase 22", "set_usable_password": "true"})
        pekka.refresh_from_db()
        roles, password = back_office_entries()
        assert (roles.before["groups"], roles.after["groups"]) == ([], [MANAGER])
        assert (roles.before["is_staff"], roles.after["is_staff"]) == (False, True)
        assert (password.action, password.before, password.after) == (
            "admin.change", {"password": "[masked]"}, {"password": "[masked]"})
        stored = repr(list(AuditEntry.objects.values()))
        assert old_hash not in stored and pekka.password not in stored

    def test_a_groups_permissions_changed_are_recorded_by_name(self, client, administrator):
        from django.contrib.auth.models import Permission

        group = Group.objects.create(name="auditors")
        permission = Permission.objects.get(codename="view_auditentry")
        client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "auditors", "permissions": [permission.pk]})
        [entry] = back_office_entries()
        assert (entry.object_type, entry.before, entry.after) == (
            "auth.group", {"permissions": []}, {"permissions": [str(permission)]})


class TestEveryAdmin:
    def test_every_registered_model_admin_is_audited(self):
        from vuoro.audit.admin_site import AuditedAdminMixin

        unaudited = [model._meta.label for model, model_admin in admin.site._registry.items()
                     if not isinstance(model_admin, AuditedAdminMixin)]
        assert unaudited == []


class TestNobodyEditsTheLog:
    def test_not_even_a_superuser_may_add_change_or_delete_an_entry(self, client):
        root = User.objects.create_superuser("root", password="x")
        client.force_login(root)
        with transaction.atomic():
            kept = audit_record(actor=None, action=Action.NETWORK_LOAD, object_type="network file", object_id="ab",
                                now=root.date_joined, reason="kept")
        listing = client.get("/admin/audit/auditentry/")
        assert listing.status_code == 200 and b'name="action"' not in listing.content  # no bulk actions
        page = client.get(f"/admin/audit/auditentry/{kept.pk}/change/")
        assert page.status_code == 200 and b'name="_save"' not in page.content and b"/delete/" not in page.content
        assert client.get("/admin/audit/auditentry/add/").status_code == 403
        assert client.post(f"/admin/audit/auditentry/{kept.pk}/change/", {"reason": "x"}).status_code == 403
        assert client.post(f"/admin/audit/auditentry/{kept.pk}/delete/", {"post": "yes"}).status_code == 403
        assert client.post("/admin/audit/auditentry/", {"action": "delete_selected", "post": "yes",
                                                        "_selected_action": [kept.pk]}).status_code in (200, 302)
        assert AuditEntry.objects.get(pk=kept.pk).reason == "kept"

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
    def test_postgresql_refuses_update_and_delete_of_a_back_office_entry(self, client, network, administrator):
        from django.db import DatabaseError

        service = Service.objects.get(code="citizenship")
        client.post(f"/admin/network/service/{service.pk}/change/", service_form(service, duration_minutes=20))
        [entry] = back_office_entries()
        for statement in ("UPDATE audit_auditentry SET after = NULL WHERE id = %s",
                          "DELETE FROM audit_auditentry WHERE id = %s"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [entry.pk])
        assert AuditEntry.objects.get(pk=entry.pk).after == {"duration_minutes": 20}
