"""A service point's accessibility notes: read from the network file, checked, loaded, written back
by `exportnetwork`, and edited in the back office."""
import io
from dataclasses import replace
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.factories import network_text
from vuoro.network.models import ServicePoint
from vuoro.network.networkfile import NetworkFileError, dump_network, parse_network

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTES = {"fi": 'Luiska "takaovella".', "sv": "Ramp vid bakdörren.\nHiss.", "en": "A ramp at the back door."}


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def text(**accessibility) -> str:
    return network_text(points=[dict(id="malmi", services=["extended-permit"], accessibility=accessibility)])


class TestTheFile:
    def test_none_unless_given(self):
        point = parse_network(network_text()).service_points[0]
        assert point.accessibility == {}
        assert "accessibility" not in dump_network(parse_network(network_text()))

    def test_each_language_optional_and_written_back(self):
        spec = parse_network(text(fi="Esteetön.", en="Step-free."))
        assert spec.service_points[0].accessibility == {"fi": "Esteetön.", "en": "Step-free."}
        assert parse_network(dump_network(spec)) == spec

    def test_quotes_and_line_breaks_survive_the_round_trip(self):
        spec = parse_network(network_text(points=[dict(id="malmi", services=["extended-permit"])]))
        point = spec.service_points[0]
        spec = replace(spec, service_points=(replace(point, accessibility=NOTES),))
        assert parse_network(dump_network(spec)) == spec

    @pytest.mark.parametrize(("value", "problem"), [
        ('"Step-free."', "must be a table"),
        ("{ fi = 5 }", "must be a string"),
        ('{ de = "Barrierefrei." }', "unknown key"),
        ('{ en = "' + "x" * 2001 + '" }', "at most 2000 characters"),
    ])
    def test_a_bad_value_names_its_place(self, value, problem):
        bad = network_text().replace('address = "Katu 1"', f'address = "Katu 1"\naccessibility = {value}')
        with pytest.raises(NetworkFileError) as error:
            parse_network(bad, "bad.toml")
        assert any("accessibility" in p and problem in p for p in error.value.problems), error.value.problems

    def test_the_example_network_has_notes_for_a_few_points(self):
        spec = parse_network((EXAMPLES / "network.toml").read_text())
        noted = [p for p in spec.service_points if p.accessibility]
        assert len(noted) >= 3 and all(set(p.accessibility) == {"fi", "sv", "en"} for p in noted)


@pytest.mark.django_db
class TestLoadAndExport:
    def test_loaded_shown_in_the_readers_language_and_exported_again(self, tmp_path):
        (tmp_path / "n.toml").write_text(text(fi="Esteetön.", en="Step-free."))
        run("loadnetwork", str(tmp_path / "n.toml"))
        point = ServicePoint.objects.get(id="malmi")
        assert (point.accessibility_fi, point.accessibility_sv, point.accessibility_en) == (
            "Esteetön.", "", "Step-free.")
        with translation.override("sv"):
            assert point.accessibility == "Step-free."  # none in Swedish: the English
        with translation.override("fi"):
            assert point.accessibility == "Esteetön."
        exported = run("exportnetwork")
        assert 'accessibility = { fi = "Esteetön.", en = "Step-free." }' in exported
        (tmp_path / "again.toml").write_text(exported)
        assert "nothing to change" in run("loadnetwork", str(tmp_path / "again.toml"))

    def test_leaving_the_key_out_clears_the_notes(self, tmp_path):
        (tmp_path / "n.toml").write_text(text(fi="Esteetön."))
        run("loadnetwork", str(tmp_path / "n.toml"))
        (tmp_path / "n.toml").write_text(text())
        run("loadnetwork", str(tmp_path / "n.toml"))
        assert ServicePoint.objects.get(id="malmi").accessibility_fi == ""

    def test_check_refuses_a_bad_value_and_writes_nothing(self, tmp_path):
        (tmp_path / "bad.toml").write_text(network_text().replace(
            'address = "Katu 1"', 'address = "Katu 1"\naccessibility = { fi = 5 }'))
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("loadnetwork", "--check", str(tmp_path / "bad.toml"), stdout=io.StringIO(), stderr=err)
        assert "accessibility.fi" in err.getvalue()
        assert not ServicePoint.objects.exists()

    def test_administrators_edit_the_notes_in_the_back_office(self, client, tmp_path):
        (tmp_path / "n.toml").write_text(text())
        run("loadnetwork", str(tmp_path / "n.toml"))
        client.force_login(User.objects.create_superuser("root", password="x"))
        url = "/admin/network/servicepoint/malmi/change/"
        page = client.get(url).content.decode()
        assert all(f'name="accessibility_{lang}"' in page for lang in ("fi", "sv", "en"))
        point = ServicePoint.objects.get()
        answer = client.post(url, {
            "id": point.id, "name_fi": point.name_fi, "name_sv": point.name_sv, "name_en": point.name_en,
            "address": point.address, "timezone": point.timezone, "appointment_desks": point.appointment_desks,
            "walk_in_desks": 0, "daily_tickets": "", "accessibility_fi": "Hissi.", "accessibility_sv": "Hiss.",
            "accessibility_en": "A lift.", "offers-TOTAL_FORMS": 0, "offers-INITIAL_FORMS": 0})
        assert answer.status_code == 302, answer.content.decode()[:3000]
        point.refresh_from_db()
        assert (point.accessibility_fi, point.accessibility_sv, point.accessibility_en) == (
            "Hissi.", "Hiss.", "A lift.")
        assert "A lift." in client.get("/points/malmi/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
