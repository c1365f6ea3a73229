"""`vuoro loadnetwork` and `vuoro exportnetwork` on the real database."""
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from vuoro.network.models import Desk, OpeningException, OpeningHours, Service, ServicePoint

API_EXAMPLE = Path(__file__).parent / "api_example.toml"
pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


class TestLoadNetwork:
    def test_loads_the_api_example(self):
        run("loadnetwork", str(API_EXAMPLE))
        point = ServicePoint.objects.get(id="helsinki-malmi")
        assert point.name_sv == "Helsingfors, Malm" and point.timezone == "Europe/Helsinki"
        assert point.desks.filter(kind=Desk.Kind.APPOINTMENT, active=True).count() == 10
        assert point.desks.filter(kind=Desk.Kind.WALK_IN, active=True).count() == 2
        assert point.daily_tickets == 60
        assert point.offers.get().effective_duration_minutes == 15
        assert OpeningHours.objects.filter(service_point=point).count() == 5
        assert OpeningException.objects.get(service_point=point).desks == 4

    def test_loading_twice_changes_nothing(self):
        run("loadnetwork", str(API_EXAMPLE))
        counts = [m.objects.count() for m in (Service, ServicePoint, Desk, OpeningHours, OpeningException)]
        assert "nothing to change" in run("loadnetwork", str(API_EXAMPLE))
        assert [m.objects.count() for m in (Service, ServicePoint, Desk, OpeningHours, OpeningException)] == counts

    def test_export_load_export_is_identical(self, tmp_path):
        run("loadnetwork", str(API_EXAMPLE))
        first = run("exportnetwork")
        (tmp_path / "first.toml").write_text(first)
        assert "nothing to change" in run("loadnetwork", str(tmp_path / "first.toml"))
        assert run("exportnetwork") == first

    def test_a_broken_file_is_refused_whole(self, tmp_path):
        broken = API_EXAMPLE.read_text().replace('services = ["extended-permit"]', 'services = ["nope"]')
        (tmp_path / "broken.toml").write_text(broken)
        err = io.StringIO()
        with pytest.raises(CommandError, match="nothing was written"):
            call_command("loadnetwork", str(tmp_path / "broken.toml"), stdout=io.StringIO(), stderr=err)
        assert "unknown service 'nope'" in err.getvalue()
        assert not Service.objects.exists() and not ServicePoint.objects.exists()

    def test_a_missing_file_is_a_clear_error(self, tmp_path):
        with pytest.raises(CommandError, match="cannot read"):
            run("loadnetwork", str(tmp_path / "missing.toml"))

    def test_fewer_desks_takes_desks_out_of_use_and_keeps_them(self, tmp_path):
        run("loadnetwork", str(API_EXAMPLE))
        (tmp_path / "n.toml").write_text(API_EXAMPLE.read_text().replace("desks = 10", "desks = 6"))
        run("loadnetwork", str(tmp_path / "n.toml"))
        desks = Desk.objects.filter(service_point_id="helsinki-malmi", kind=Desk.Kind.APPOINTMENT)
        assert desks.count() == 10 and desks.filter(active=True).count() == 6

    def test_a_day_left_out_closes_it(self, tmp_path):
        run("loadnetwork", str(API_EXAMPLE))
        (tmp_path / "n.toml").write_text(API_EXAMPLE.read_text().replace('fri = "08:00-16:15"\n', ""))
        run("loadnetwork", str(tmp_path / "n.toml"))
        assert sorted(OpeningHours.objects.values_list("weekday", flat=True)) == [0, 1, 2, 3]


def test_the_cli_refuses_a_broken_file_without_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "bad.toml").write_text('timezone = "Mars/Olympus"\nslot_minutes = 15\n')
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    result = subprocess.run([sys.executable, "-m", "vuoro.cli", "loadnetwork", str(tmp_path / "bad.toml")],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode != 0
    assert "unknown time zone 'Mars/Olympus'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_with_fewer_desks_than_a_stored_exception_staffs_is_refused(tmp_path):
    run("loadnetwork", str(API_EXAMPLE))  # its exception of 2027-04-17 staffs 4 of 10 desks
    text = API_EXAMPLE.read_text().replace("desks = 10", "desks = 3")
    text = text[:text.index("[[service_points.exceptions]]")]  # the exception stays stored, unchanged
    (tmp_path / "n.toml").write_text(text)
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("loadnetwork", str(tmp_path / "n.toml"), stdout=io.StringIO(), stderr=err)
    assert 'service_points (id "helsinki-malmi").desks: 3 desks, but the stored exception of 2027-04-17' in (
        err.getvalue())
    assert ServicePoint.objects.get(id="helsinki-malmi").appointment_desks == 10
