"""The parsing layer: dates, times, months and numbers from outside, strictly and within bounds."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from vuoro.parsing import (
    MAX_YEAR,
    MIN_YEAR,
    ApiDate,
    ApiDatetime,
    BoundedDateField,
    ParseError,
    check_year,
    or_none,
    parse_aware_datetime,
    parse_date,
    parse_int,
    parse_month,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
ZONES = [ZoneInfo(name) for name in ("Europe/Helsinki", "Pacific/Kiritimati", "Etc/GMT+12", "America/St_Johns",
                                     "Asia/Kathmandu", "UTC")]


class TestParseDate:
    def test_reads_an_iso_date(self):
        assert parse_date("2027-03-29") == dt.date(2027, 3, 29)
        assert parse_date(" 2027-03-29 ") == dt.date(2027, 3, 29)

    def test_takes_the_first_and_last_day_of_the_accepted_years(self):
        assert parse_date("1900-01-01") == dt.date(MIN_YEAR, 1, 1)
        assert parse_date("2999-12-31") == dt.date(MAX_YEAR, 12, 31)

    @pytest.mark.parametrize("text", ["1899-12-31", "3000-01-01", "0001-01-01", "9999-12-31"])
    def test_refuses_a_year_out_of_range(self, text):
        with pytest.raises(ParseError, match="year must be from 1900 to 2999"):
            parse_date(text)

    @pytest.mark.parametrize("text", ["", "2027-3-29", "2027-03-29T00:00", "20270329", "29.3.2027", "2027-02-29",
                                      "2027-13-01", "２０２７-03-29", "2027-03-2\x00", "+2027-03-29", "2027-W13-1"])
    def test_refuses_anything_but_a_real_date_in_ascii_digits(self, text):
        with pytest.raises(ParseError):
            parse_date(text)

    def test_refuses_a_value_that_is_not_text(self):
        with pytest.raises(ParseError, match="written as text"):
            parse_date(20270329)


class TestParseMonth:
    def test_reads_a_month_as_its_first_day(self):
        assert parse_month("2027-03") == dt.date(2027, 3, 1)
        assert parse_month("2027-3") == dt.date(2027, 3, 1)

    @pytest.mark.parametrize("text", ["99999999999999999999-1", "1899-12", "3000-01", "0000-01"])
    def test_refuses_a_year_out_of_range(self, text):
        with pytest.raises(ParseError):
            parse_month(text)

    @pytest.mark.parametrize("text", ["2027-00", "2027-13", "2027-003", "2027", "2027-03-01", "-1-1", "2027-²"])
    def test_refuses_a_month_that_is_not_one(self, text):
        with pytest.raises(ParseError):
            parse_month(text)


class TestParseAwareDatetime:
    def test_reads_a_time_with_its_offset(self):
        assert parse_aware_datetime("2027-03-29T08:00:00+03:00") == dt.datetime(2027, 3, 29, 5, tzinfo=dt.UTC)
        assert parse_aware_datetime("2027-03-29T05:00Z") == dt.datetime(2027, 3, 29, 5, tzinfo=dt.UTC)
        assert parse_aware_datetime("2027-03-29 08:00:00.25+0300").microsecond == 250000

    def test_refuses_a_time_without_an_offset(self):
        with pytest.raises(ParseError, match="needs a UTC offset"):
            parse_aware_datetime("2027-03-29T08:00:00")

    @pytest.mark.parametrize("text", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                                      "1899-12-31T23:59:59+00:00", "3000-01-01T00:00:00Z"])
    def test_refuses_a_year_out_of_range(self, text):
        with pytest.raises(ParseError, match="year"):
            parse_aware_datetime(text)

    @pytest.mark.parametrize("text", ["1900-01-01T00:00:00+14:00", "2999-12-31T23:59:59-14:00"])
    def test_the_extreme_times_it_takes_move_to_any_zone(self, text):
        moment = parse_aware_datetime(text)
        for zone in ZONES:
            assert moment.astimezone(zone) == moment
        assert moment.astimezone(dt.UTC).year in (1899, 3000)  # just outside, and still no overflow

    @pytest.mark.parametrize("offset", ["+14:00", "-14:00", "+05:45", "-03:30", "+00:00", "-00:00"])
    def test_takes_offsets_up_to_fourteen_hours(self, offset):
        moment = parse_aware_datetime(f"2027-03-29T08:00:00{offset}")
        assert moment.replace(tzinfo=None) == dt.datetime(2027, 3, 29, 8)

    @pytest.mark.parametrize("offset", ["+14:01", "-15:00", "+23:59", "+05:60"])
    def test_refuses_an_offset_no_place_has(self, offset):
        with pytest.raises(ParseError, match="offset"):
            parse_aware_datetime(f"2027-03-29T08:00:00{offset}")

    @pytest.mark.parametrize("text", ["", "2027-03-29x08:00+03:00", "2027-03-29T24:00+03:00", "2027-02-30T08:00Z",
                                      "2027-03-29T08:00:00+03:00\x00", "1743235200", "2027-03-29T08+03:00",
                                      "2027-03-29T08:00:00.1234567Z", "٢٠٢٧-03-29T08:00Z"])
    def test_refuses_anything_else(self, text):
        with pytest.raises(ParseError):
            parse_aware_datetime(text)

    def test_the_two_times_of_the_autumn_hour_that_repeats_stay_apart(self):
        # 2027-10-31 03:30 happens twice in Helsinki: first at +03:00 (summer), then at +02:00.
        first = parse_aware_datetime("2027-10-31T03:30:00+03:00").astimezone(HELSINKI)
        second = parse_aware_datetime("2027-10-31T03:30:00+02:00").astimezone(HELSINKI)
        assert second.astimezone(dt.UTC) - first.astimezone(dt.UTC) == dt.timedelta(hours=1)
        assert (first.fold, second.fold) == (0, 1)
        assert first.replace(tzinfo=None) == second.replace(tzinfo=None) == dt.datetime(2027, 10, 31, 3, 30)

    def test_a_time_written_with_the_offset_of_the_other_side_of_spring_forward_is_one_moment(self):
        # Helsinki skips 03:00-04:00 on 2027-03-28: 03:30+02:00 names the moment shown as 04:30+03:00.
        moment = parse_aware_datetime("2027-03-28T03:30:00+02:00").astimezone(HELSINKI)
        assert moment.isoformat() == "2027-03-28T04:30:00+03:00"

    # From 1970: earlier local mean times had offsets in seconds (Helsinki +01:39:49), which no API sends.
    @given(st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(MAX_YEAR, 12, 31, 23, 59),
                        timezones=st.sampled_from(ZONES)))
    def test_reads_back_what_isoformat_writes(self, moment):
        # Compared in UTC: Python never calls a time in a repeated hour equal to one in another zone.
        assert parse_aware_datetime(moment.isoformat()).astimezone(dt.UTC) == moment.astimezone(dt.UTC)


class TestParseInt:
    def test_reads_a_whole_number_in_range(self):
        assert parse_int("3", minimum=1, maximum=6) == 3
        assert parse_int("-2") == -2

    @pytest.mark.parametrize("text", ["", "1.0", "²", "١", "1e3", "0x1", "1_000", "9" * 19, "1 2"])
    def test_refuses_what_is_not_a_whole_number_in_ascii_digits(self, text):
        with pytest.raises(ParseError, match="whole number"):
            parse_int(text)

    @pytest.mark.parametrize(("text", "message"), [("0", "from 1 to 6"), ("7", "from 1 to 6")])
    def test_refuses_a_number_out_of_range(self, text, message):
        with pytest.raises(ParseError, match=message):
            parse_int(text, minimum=1, maximum=6)


class TestOrNone:
    def test_gives_none_for_missing_or_bad_text(self):
        assert or_none(parse_month, None) is None
        assert or_none(parse_month, "") is None
        assert or_none(parse_month, "99999999999999999999-1") is None
        assert or_none(parse_int, "9", maximum=6) is None
        assert or_none(parse_int, "6", maximum=6) == 6


class Body(BaseModel):
    start: ApiDatetime
    day: ApiDate | None = None


class TestApiTypes:
    def test_take_what_the_parsers_take(self):
        body = Body(start="2027-03-29T08:00:00+03:00", day="2027-03-29")
        assert body.start == dt.datetime(2027, 3, 29, 5, tzinfo=dt.UTC) and body.day == dt.date(2027, 3, 29)

    @pytest.mark.parametrize("start", ["0001-01-01T00:00:00+14:00", "2027-03-29T08:00:00", 1743235200, None,
                                       "2027-03-29", dt.datetime(2027, 3, 29, 8)])
    def test_refuse_what_the_parsers_refuse_with_a_clear_message(self, start):
        with pytest.raises(ValidationError) as refused:
            Body(start=start)
        assert refused.value.errors()[0]["loc"] == ("start",)

    @pytest.mark.parametrize("day", ["9999-12-31", 20270329, "2027-03-29T00:00:00Z"])
    def test_refuse_a_date_out_of_range_or_in_another_form(self, day):
        with pytest.raises(ValidationError):
            Body(start="2027-03-29T08:00:00+03:00", day=day)

    def test_keep_the_json_schema_of_a_date_and_a_date_time(self):
        schema = Body.model_json_schema()["properties"]
        assert schema["start"]["format"] == "date-time" and schema["start"]["type"] == "string"
        assert "1900 to 2999" in schema["start"]["description"]
        assert {"format": "date", "type": "string", "description": "YYYY-MM-DD, a year from 1900 to 2999"} in (
            schema["day"]["anyOf"])


class TestBoundedDateField:
    def test_takes_a_date_in_range_and_refuses_one_outside(self):
        field = BoundedDateField()
        assert field.clean("2027-03-29") == dt.date(2027, 3, 29)
        with translation.override("en"), pytest.raises(forms.ValidationError, match="between the years 1900 and 2999"):
            field.clean("0001-01-01")

    def test_check_year_passes_a_date_in_range_through(self):
        assert check_year(dt.date(2027, 3, 29)) == dt.date(2027, 3, 29)
        with pytest.raises(ParseError):
            check_year(dt.datetime(9999, 1, 1))


class TestFilesOfStaff:
    """The network file and the planning page's scenarios read their dates through the same layer."""

    @pytest.mark.parametrize("day", ['"9999-12-31"', "9999-12-31", '"0001-01-01"', "1899-12-31"])
    def test_a_network_exception_out_of_the_years_is_named(self, day):
        from tests.factories import network_text
        from vuoro.network.networkfile import NetworkFileError, parse_network

        text = network_text(holidays=None).replace('[service_points.hours]', f"[[service_points.exceptions]]\n"
                                                   f"date = {day}\nhours = \"\"\n[service_points.hours]")
        with pytest.raises(NetworkFileError) as refused:
            parse_network(text, "net.toml")
        [problem] = refused.value.problems
        assert problem.startswith("net.toml: service_points[0]")
        assert problem.endswith(f".exceptions[0].date: {day.strip('"')}: the year must be from 1900 to 2999")

    def test_a_planning_backlog_starting_out_of_the_years_is_named(self, tmp_path):
        from tests.factories import network_text
        from vuoro.planning.scenario import ScenarioError, parse_scenario

        (tmp_path / "network.toml").write_text(network_text(holidays=None))
        with pytest.raises(ScenarioError) as refused:
            parse_scenario('[backlog]\nnetwork = "network.toml"\nstart_date = 9999-12-20\nweeks = 4\n'
                           "demand_per_week = 100\n", filename="s.toml", base_dir=tmp_path)
        assert any("the year must be from 1900 to 2999" in problem for problem in refused.value.problems)

