"""The network setting `confirm_new_email_minutes` (README, "No hoarding"): read, checked, loaded,
carried to the booking code, written back, and edited in the back office."""
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from tests.factories import network_settings_form, network_text
from vuoro.network.models import NetworkSettings
from vuoro.network.networkfile import NetworkFileError, dump_network, parse_network
from vuoro.network.selectors import network_export
from vuoro.network.state import network_state

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class TestTheFile:
    def test_off_unless_given(self):
        assert parse_network(network_text()).confirm_new_email_minutes == 0
        assert "confirm_new_email_minutes" not in dump_network(parse_network(network_text()))

    def test_read_and_written_back(self):
        spec = parse_network(network_text(confirm_new_email_minutes=20))
        assert spec.confirm_new_email_minutes == 20
        assert "confirm_new_email_minutes = 20" in dump_network(spec)
        assert parse_network(dump_network(spec)) == spec

    @pytest.mark.parametrize("value", ["-1", "1441", '"20"', "2.5", "true"])
    def test_a_bad_value_is_refused_by_its_key(self, value):
        text = network_text().replace("slot_minutes = 15", f"slot_minutes = 15\nconfirm_new_email_minutes = {value}")
        with pytest.raises(NetworkFileError) as refused:
            parse_network(text, "n.toml")
        assert any(p.startswith("n.toml: confirm_new_email_minutes") for p in refused.value.problems)

    def test_the_demo_network_asks_new_addresses_to_confirm_within_20_minutes(self):
        spec = parse_network((EXAMPLES / "network.toml").read_text(), "network.toml")
        assert spec.confirm_new_email_minutes == 20


@pytest.mark.django_db
class TestLoaded:
    def run(self, *args) -> str:
        out = io.StringIO()
        call_command(*args, stdout=out, stderr=io.StringIO())
        return out.getvalue()

    def test_loaded_carried_in_the_network_state_and_exported(self, tmp_path):
        (tmp_path / "n.toml").write_text(network_text(confirm_new_email_minutes=15))
        self.run("loadnetwork", str(tmp_path / "n.toml"))
        assert NetworkSettings.objects.get().confirm_new_email_minutes == 15
        assert network_state().confirm_new_email_minutes == 15
        assert network_export().confirm_new_email_minutes == 15
        exported = self.run("exportnetwork")
        assert "confirm_new_email_minutes = 15" in exported
        (tmp_path / "again.toml").write_text(exported)
        assert "nothing to change" in self.run("loadnetwork", str(tmp_path / "again.toml"))
        (tmp_path / "off.toml").write_text(network_text())
        self.run("loadnetwork", str(tmp_path / "off.toml"))
        assert network_state().confirm_new_email_minutes == 0

    def test_check_refuses_a_bad_value_and_writes_nothing(self, tmp_path):
        (tmp_path / "bad.toml").write_text(network_text().replace(
            "slot_minutes = 15", "slot_minutes = 15\nconfirm_new_email_minutes = -5"))
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("loadnetwork", "--check", str(tmp_path / "bad.toml"), stdout=io.StringIO(), stderr=err)
        assert "confirm_new_email_minutes" in err.getvalue()
        assert not NetworkSettings.objects.filter(confirm_new_email_minutes__gt=0).exists()

    def test_administrators_edit_it_in_the_back_office(self, client, tmp_path):
        (tmp_path / "n.toml").write_text(network_text())
        self.run("loadnetwork", str(tmp_path / "n.toml"))
        client.force_login(User.objects.create_superuser("root", password="x"))
        url = "/admin/network/networksettings/1/change/"
        assert 'name="confirm_new_email_minutes"' in client.get(url).content.decode()
        answer = client.post(url, network_settings_form(max_bookings_per_person=0, confirm_new_email_minutes=25))
        assert answer.status_code == 302, answer.content.decode()[:2000]
        assert network_state().confirm_new_email_minutes == 25
