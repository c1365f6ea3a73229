"""The network setting `wait_goal_days` (docs/network-file.md; the insight page's goal line): read,
checked, loaded, written back, and edited in the back office."""
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from tests.factories import network_settings_form, network_text
from vuoro.network.models import NetworkSettings
from vuoro.network.networkfile import NetworkFileError, dump_network, parse_network
from vuoro.network.selectors import network_export


def _with_goal(value) -> str:
    return network_text().replace("slot_minutes = 15", f"slot_minutes = 15\nwait_goal_days = {value}")


class TestTheFile:
    def test_thirty_days_unless_given_and_then_not_written(self):
        spec = parse_network(network_text())
        assert spec.wait_goal_days == 30 and "wait_goal_days" not in dump_network(spec)

    def test_read_and_written_back(self):
        spec = parse_network(_with_goal(21))
        assert spec.wait_goal_days == 21 and "wait_goal_days = 21" in dump_network(spec)
        assert parse_network(dump_network(spec)) == spec

    @pytest.mark.parametrize("value", ["0", "-1", "3661", '"30"', "2.5", "true"])
    def test_a_bad_value_is_refused_by_its_key(self, value):
        with pytest.raises(NetworkFileError) as refused:
            parse_network(_with_goal(value), "n.toml")
        assert any(p.startswith("n.toml: wait_goal_days") for p in refused.value.problems)


@pytest.mark.django_db
class TestLoaded:
    def run(self, *args) -> str:
        out = io.StringIO()
        call_command(*args, stdout=out, stderr=io.StringIO())
        return out.getvalue()

    def test_loaded_exported_and_loaded_again_without_change(self, tmp_path):
        (tmp_path / "n.toml").write_text(_with_goal(45))
        self.run("loadnetwork", str(tmp_path / "n.toml"))
        assert NetworkSettings.objects.get().wait_goal_days == 45 and network_export().wait_goal_days == 45
        exported = self.run("exportnetwork")
        assert "wait_goal_days = 45" in exported
        (tmp_path / "again.toml").write_text(exported)
        assert "nothing to change" in self.run("loadnetwork", str(tmp_path / "again.toml"))

    def test_check_refuses_a_bad_value_and_writes_nothing(self, tmp_path):
        (tmp_path / "bad.toml").write_text(_with_goal(0))
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("loadnetwork", "--check", str(tmp_path / "bad.toml"), stdout=io.StringIO(), stderr=err)
        assert "wait_goal_days" in err.getvalue()

    def test_administrators_edit_it_in_the_back_office(self, client, tmp_path):
        (tmp_path / "n.toml").write_text(network_text())
        self.run("loadnetwork", str(tmp_path / "n.toml"))
        client.force_login(User.objects.create_superuser("root", password="x"))
        url = "/admin/network/networksettings/1/change/"
        assert 'name="wait_goal_days"' in client.get(url).content.decode()
        answer = client.post(url, network_settings_form(wait_goal_days=14))
        assert answer.status_code == 302, answer.content.decode()[:2000]
        assert NetworkSettings.objects.get().wait_goal_days == 14
