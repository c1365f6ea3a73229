"""The audit log: entries are written in the act's transaction, and nobody changes or deletes them."""
import pytest
from django.contrib.auth.models import Group, User
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from vuoro.audit.models import AuditEntry
from vuoro.audit.services import audit_record
from vuoro.network.roles import ADMINISTRATOR

pytestmark = pytest.mark.django_db


def entry(**kwargs) -> AuditEntry:
    with transaction.atomic():
        return audit_record(**{"actor": None, "action": AuditEntry.Action.BOOKING_CANCEL, "object_type": "booking",
                               "object_id": 7, "now": timezone.now(), "service_point_id": "malmi",
                               "reason": " asked by phone ", "before": {"status": "confirmed"},
                               "after": {"status": "cancelled"}, **kwargs})


class TestAuditRecord:
    def test_keeps_who_what_why_and_the_states_before_and_after(self):
        clerk = User.objects.create_user("clerk", is_staff=True)
        kept = AuditEntry.objects.get(pk=entry(actor=clerk).pk)
        assert (kept.actor, kept.action, kept.object_type, kept.object_id, kept.service_point_id, kept.reason) == (
            clerk, "booking.cancel", "booking", "7", "malmi", "asked by phone")
        assert (kept.before, kept.after) == ({"status": "confirmed"}, {"status": "cancelled"})

    def test_an_entry_commits_with_its_act_or_not_at_all(self):
        with pytest.raises(RuntimeError, match="the act failed"), transaction.atomic():
            entry()
            raise RuntimeError("the act failed")
        assert not AuditEntry.objects.exists()


class TestAppendOnly:
    def test_the_back_office_offers_no_add_change_or_delete(self, client):
        admin = User.objects.create_user("admin", password="x", is_staff=True)
        admin.groups.add(Group.objects.get(name=ADMINISTRATOR))
        client.force_login(admin)
        kept = entry()
        assert client.get("/admin/audit/auditentry/").status_code == 200
        page = client.get(f"/admin/audit/auditentry/{kept.pk}/change/")
        assert page.status_code == 200 and b'name="_save"' not in page.content
        assert client.get("/admin/audit/auditentry/add/").status_code == 403
        assert client.post(f"/admin/audit/auditentry/{kept.pk}/delete/", {"post": "yes"}).status_code == 403
        assert client.post(f"/admin/audit/auditentry/{kept.pk}/change/", {"reason": "rewritten"}).status_code == 403
        assert AuditEntry.objects.get(pk=kept.pk).reason == "asked by phone"

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
    def test_postgresql_refuses_to_update_an_entry(self):
        kept = entry()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=kept.pk).update(reason="rewritten")
        assert AuditEntry.objects.get(pk=kept.pk).reason == "asked by phone"

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
    def test_postgresql_refuses_to_delete_an_entry(self):
        kept = entry()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=kept.pk).delete()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry")
        assert AuditEntry.objects.filter(pk=kept.pk).exists()


class TestScope:
    def test_managers_see_the_entries_of_their_own_points_only(self, client, smoke_network):
        from vuoro.network.models import StaffAssignment
        from vuoro.network.roles import MANAGER

        manager = User.objects.create_user("manager", password="x", is_staff=True)
        manager.groups.add(Group.objects.get(name=MANAGER))
        StaffAssignment.objects.create(user=manager, service_point_id="smoke-point")
        own, other, system = (entry(service_point_id="smoke-point", object_id=1),
                              entry(service_point_id="elsewhere", object_id=2), entry(service_point_id="", object_id=3))
        client.force_login(manager)
        page = client.get("/admin/audit/auditentry/").content.decode()
        assert f"/admin/audit/auditentry/{own.pk}/change/" in page
        assert f"/admin/audit/auditentry/{other.pk}/change/" not in page
        assert f"/admin/audit/auditentry/{system.pk}/change/" not in page

    def test_clerks_do_not_read_the_log_even_with_the_permission_of_an_older_database(self, client, smoke_network):
        from django.contrib.auth.models import Permission

        from vuoro.network.models import StaffAssignment
        from vuoro.network.roles import CLERK

        clerk = User.objects.create_user("clerk", password="x", is_staff=True)
        clerk.groups.add(Group.objects.get(name=CLERK))
        clerk.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
        StaffAssignment.objects.create(user=clerk, service_point_id="smoke-point")
        entry(service_point_id="smoke-point")
        client.force_login(clerk)
        assert client.get("/admin/audit/auditentry/").status_code == 403
        assert b"/admin/audit/" not in client.get("/admin/").content
