"""The network file's rules: every problem named with its place, nothing half-loaded."""
import datetime as dt
from pathlib import Path

import pytest

from vuoro.network.networkfile import NetworkFileError, dump_network, parse_network

API_EXAMPLE = (Path(__file__).parent / "api_example.toml").read_text()


def problems_of(text: str) -> list[str]:
    with pytest.raises(NetworkFileError) as caught:
        parse_network(text, "net.toml")
    return caught.value.problems


def replace(old: str, new: str) -> str:
    assert old in API_EXAMPLE
    return API_EXAMPLE.replace(old, new, 1)


class TestParseNetwork:
    def test_reads_the_api_example(self):
        spec = parse_network(API_EXAMPLE, "net.toml")
        point = spec.service_points[0]
        top = (spec.timezone, spec.holidays, spec.horizon_days, spec.slot_minutes)
        assert top == ("Europe/Helsinki", "FI", 180, 15)
        assert spec.services[0].name.sv == "Fortsatt tillstånd"
        assert point.durations == {"extended-permit": 15}
        assert point.walk_in.desks == 2 and point.walk_in.daily_tickets == 60
        assert sorted(point.hours) == [0, 1, 2, 3, 4]
        assert point.exceptions[0].date == dt.date(2027, 4, 17) and point.exceptions[0].desks == 4

    def test_writing_and_reading_gives_the_same_spec(self):
        spec = parse_network(API_EXAMPLE, "net.toml")
        assert parse_network(dump_network(spec), "again.toml") == spec

    @pytest.mark.parametrize(("old", "new", "where", "says"), [
        ('timezone = "Europe/Helsinki"', 'timezone = "Europe/Helsingfors"', "timezone", "unknown time zone"),
        ('holidays = "FI"', 'holidays = "XX"', "holidays", "country code"),
        ("horizon_days = 180", "horizon_days = -5", "horizon_days", "between 1 and"),
        ("slot_minutes = 15", "slot_minutes = 0", "slot_minutes", "between 1 and"),
        ("duration_minutes = 30", "duration_minutes = 20", "duration_minutes", "not a multiple of slot_minutes"),
        ("extended-permit = 15 }", "extended-permit = 25 }", "durations.extended-permit", "not a multiple"),
        ('mon = "08:00-16:15"', 'mon = "16:15-08:00"', "hours.mon", "ends before it starts"),
        ('tue = "08:00-16:15"', 'tue = "8-16"', "hours.tue", "is not hours"),
        ('wed = "08:00-16:15"', 'wed = "08:00-25:00"', "hours.wed", "not a valid time"),
        ('services = ["extended-permit"]', 'services = ["citizenship"]', "services", "unknown service 'citizenship'"),
        ('code = "extended-permit"', 'code = "Extended Permit"', "code", "must match [a-z0-9-]+"),
        ('id = "helsinki-malmi"', 'id = "Helsinki Malmi"', "id", "must match"),
        ("desks = 10", "desks = -1", "desks", "between 0 and"),
        ("desks = 10", 'desks = "ten"', "desks", "whole number"),
        ('date = "2027-04-17"', 'date = "2027-02-30"', "exceptions[0].date", "not a date"),
        ("desks = 4 ", "desks = 4\nextra = 1 ", "exceptions[0].extra", "unknown key"),
        ('name = { fi = "Jatkolupa", sv = "Fortsatt tillstånd", en = "Extended permit" }',
         'name = { fi = "Jatkolupa", en = "Extended permit" }', "name.sv", "missing"),
        ('walk_in = { desks = 2, daily_tickets = 60 }', 'walk_in = { desks = 2, daily_tickets = -1 }',
         "walk_in.daily_tickets", "between 0 and"),
        ("slot_minutes = 15 ", "slot_minutes = 15\nslots = 3 ", "slots", "unknown key"),
    ])
    def test_refuses_a_broken_rule_and_names_its_place(self, old, new, where, says):
        problems = problems_of(replace(old, new))
        assert any(where in p and says in p for p in problems), problems
        assert all(p.startswith("net.toml: ") for p in problems)

    def test_refuses_a_duplicate_id_and_a_duplicate_code(self):
        point = API_EXAMPLE[API_EXAMPLE.index("[[service_points]]"):]
        service = API_EXAMPLE[API_EXAMPLE.index("[[services]]"):API_EXAMPLE.index("[[service_points]]")]
        text = API_EXAMPLE.replace("[[service_points]]", service + "[[service_points]]", 1) + "\n" + point
        problems = problems_of(text)
        assert any("duplicate service point id 'helsinki-malmi'" in p for p in problems)
        assert any("duplicate service code 'extended-permit'" in p for p in problems)

    def test_names_every_problem_at_once(self):
        text = replace("horizon_days = 180", "horizon_days = 0").replace('mon = "08:00-16:15"', 'mon = "x"')
        problems = problems_of(text)
        assert len(problems) == 2

    def test_reports_toml_syntax_errors_without_a_traceback(self):
        problems = problems_of("timezone = ")
        assert problems[0].startswith("net.toml: not valid TOML")

    def test_a_point_may_have_its_own_time_zone(self):
        spec = parse_network(replace('address = "Street 1', 'timezone = "Europe/Stockholm"\naddress = "Street 1'), "n")
        assert spec.service_points[0].timezone == "Europe/Stockholm"
        assert parse_network(dump_network(spec), "n") == spec

    def test_an_empty_exception_closes_the_day(self):
        spec = parse_network(replace('hours = "09:00-15:00"', 'hours = ""'), "n")
        assert spec.service_points[0].exceptions[0].hours is None


class TestStaffedDesksCap:
    def test_an_exception_may_not_staff_more_desks_than_the_point_has(self):
        from tests.factories import network_text

        text = network_text(points=[dict(id="espoo", desks=2, services=["extended-permit"],
                                         exceptions=[("2027-06-05", "09:00-12:00", 3)])])
        with pytest.raises(NetworkFileError) as error:
            parse_network(text, "n.toml")
        assert error.value.problems == [
            'n.toml: service_points[0] (id "espoo").exceptions[0].desks: 3 desks staffed, but the point has only '
            "2 desks"]

    def test_as_many_staffed_desks_as_the_point_has_are_fine(self):
        from tests.factories import network_text

        text = network_text(points=[dict(id="espoo", desks=2, services=["extended-permit"],
                                         exceptions=[("2027-06-05", "09:00-12:00", 2)])])
        assert parse_network(text, "n.toml").service_points[0].exceptions[0].desks == 2
