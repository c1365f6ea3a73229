"""`minutes_per_extra_person` in the network file (docs/api.md, family time): checked, stored, written back."""
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from vuoro.network.models import Service
from vuoro.network.networkfile import NetworkFileError, dump_network, parse_network
from vuoro.network.state import network_state

API_EXAMPLE = (Path(__file__).parent / "api_example.toml").read_text()
WITH_EXTRA = API_EXAMPLE.replace("duration_minutes = 30", "duration_minutes = 30\nminutes_per_extra_person = 15", 1)


def problems_of(text: str) -> list[str]:
    with pytest.raises(NetworkFileError) as caught:
        parse_network(text, "net.toml")
    return caught.value.problems


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


class TestNetworkFile:
    def test_reads_the_minutes_and_defaults_to_none(self):
        assert parse_network(WITH_EXTRA).services[0].minutes_per_extra_person == 15
        assert parse_network(API_EXAMPLE).services[0].minutes_per_extra_person == 0

    def test_writing_and_reading_gives_the_same_spec(self):
        spec = parse_network(WITH_EXTRA)
        assert "minutes_per_extra_person = 15" in dump_network(spec)
        assert parse_network(dump_network(spec)) == spec
        assert "minutes_per_extra_person" not in dump_network(parse_network(API_EXAMPLE))

    @pytest.mark.parametrize(("value", "says"), [("20", "not a multiple of slot_minutes (15)"),
                                                 ("-15", "between 0 and"), ('"15"', "whole number")])
    def test_refuses_a_bad_value_and_names_its_place(self, value, says):
        broken = WITH_EXTRA.replace("minutes_per_extra_person = 15", f"minutes_per_extra_person = {value}")
        problems = problems_of(broken)
        assert any("services[0]" in p and ".minutes_per_extra_person" in p and says in p for p in problems), problems


@pytest.mark.django_db
class TestLoadAndExport:
    def test_is_stored_on_the_service_and_in_the_network_state(self, tmp_path):
        (tmp_path / "n.toml").write_text(WITH_EXTRA)
        run("loadnetwork", str(tmp_path / "n.toml"))
        assert Service.objects.get(code="extended-permit").minutes_per_extra_person == 15
        state = network_state()
        point = state.points["helsinki-malmi"]  # extended-permit takes 15 minutes there
        assert [state.visit_minutes(point, "extended-permit", n) for n in (1, 2, 6)] == [15, 30, 90]

    def test_export_load_export_is_identical(self, tmp_path):
        (tmp_path / "n.toml").write_text(WITH_EXTRA)
        run("loadnetwork", str(tmp_path / "n.toml"))
        first = run("exportnetwork")
        assert "minutes_per_extra_person = 15" in first
        (tmp_path / "first.toml").write_text(first)
        assert "nothing to change" in run("loadnetwork", str(tmp_path / "first.toml"))
        assert run("exportnetwork") == first
