"""A lost phone: an administrator resets a staff member's second factor in the back office, or
anyone with the server runs `vuoro resettwofactor USERNAME` (an administrator locked out included)."""
import io

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.staffauth.conftest import app_code, enrolled

pytestmark = pytest.mark.django_db
ENROL, VERIFY = "/staff/two-factor/enrol/", "/staff/two-factor/"


class TestResetCommand:
    def test_a_locked_out_administrator_enrols_again_after_the_command(self, client, require_2fa, superuser):
        device = enrolled(superuser)
        client.force_login(superuser)
        assert client.post(VERIFY, {"token": app_code(device)})["Location"] == "/admin/"
        out = io.StringIO()
        call_command("resettwofactor", "root", stdout=out)
        assert "Removed 1" in out.getvalue() and "axes_reset_username root" in out.getvalue()
        assert not TOTPDevice.objects.filter(user=superuser).exists()
        # The session verified with the removed device is no longer verified: set up a new app.
        assert client.get("/admin/")["Location"].startswith(ENROL)

    def test_says_so_when_there_is_nothing_to_reset(self, superuser):
        out = io.StringIO()
        call_command("resettwofactor", "root", stdout=out)
        assert "had no second factor" in out.getvalue()

    def test_refuses_an_unknown_user(self):
        with pytest.raises(CommandError, match="No user 'nobody'"):
            call_command("resettwofactor", "nobody")


class TestResetAction:
    def test_an_administrator_resets_a_managers_second_factor_in_the_back_office(
            self, client, require_2fa, administrator, manager):
        own = enrolled(administrator)
        enrolled(manager)
        client.force_login(administrator)
        client.post(VERIFY, {"token": app_code(own)})
        changelist = client.get("/admin/auth/user/")
        assert "reset_second_factor" in changelist.content.decode()
        response = client.post("/admin/auth/user/", {"action": "reset_second_factor",
                                                     "_selected_action": [manager.pk]}, follow=True)
        assert response.status_code == 200
        assert "The second factor of manager was reset." in response.content.decode()
        assert not TOTPDevice.objects.filter(user=manager).exists()
        assert TOTPDevice.objects.filter(user=administrator).exists()

    def test_a_manager_cannot_reset_anyone(self, client, settings, manager, clerk):
        settings.REQUIRE_2FA = False
        enrolled(clerk)
        client.force_login(manager)
        response = client.post("/admin/auth/user/", {"action": "reset_second_factor",
                                                     "_selected_action": [clerk.pk]})
        assert response.status_code == 403
        assert TOTPDevice.objects.filter(user=clerk).exists()
