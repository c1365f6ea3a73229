"""Releases as network data: the file's keys, loading and exporting, the admin, and the API list."""
import datetime as dt
import io

import pytest
from django.core.management import call_command

from tests.factories import load_network, network_text
from vuoro.network.models import NetworkSettings, Release, RollingRelease
from vuoro.network.networkfile import NetworkFileError, dump_network, parse_network
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db
POINTS = [dict(id="helsinki-malmi", services=["extended-permit", "residence-card"]),
          dict(id="espoo-leppavaara", services=["extended-permit"])]
SERVICES = [("extended-permit", 30), ("residence-card", 30)]
RELEASES = '''
[[releases]]
from = "2027-07-01"
to = "2027-07-31"
opens_at = "2027-06-01T09:00"
service_points = ["helsinki-malmi"]
services = ["extended-permit"]
rush = { admit_per_minute = 100, pass_minutes = 8 }

[[releases]]
from = "2027-08-01"
to = "2027-08-15"
opens_at = 2027-06-15T12:30:00

[[rolling_releases]]
days_ahead = 28
at = "07:00"
services = ["residence-card"]
'''


def text(extra: str = RELEASES) -> str:
    return network_text(services=SERVICES, points=POINTS, more=extra)


def problems_of(extra: str) -> list[str]:
    with pytest.raises(NetworkFileError) as caught:
        parse_network(text(extra), "net.toml")
    return caught.value.problems


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


class TestReleasesInTheFile:
    def test_reads_fixed_and_rolling_releases(self):
        spec = parse_network(text(), "net.toml")
        first, second = spec.releases
        assert (first.from_date, first.to_date, first.opens_at) == (
            dt.date(2027, 7, 1), dt.date(2027, 7, 31), dt.datetime(2027, 6, 1, 9))
        assert first.service_points == ("helsinki-malmi",) and first.services == ("extended-permit",)
        assert (first.rush.admit_per_minute, first.rush.before_minutes, first.rush.after_minutes,
                first.rush.pass_minutes, first.rush.admit_every_seconds) == (100, 15, 5, 8, 60)
        assert second.rush is None
        assert second.opens_at == dt.datetime(2027, 6, 15, 12, 30) and second.service_points == ()
        rolling = spec.rolling_releases[0]
        assert (rolling.days_ahead, rolling.at, rolling.services) == (28, dt.time(7), ("residence-card",))

    def test_writing_and_reading_gives_the_same_spec(self):
        spec = parse_network(text(), "net.toml")
        assert parse_network(dump_network(spec), "again.toml") == spec

    @pytest.mark.parametrize(("old", "new", "where", "says"), [
        ('from = "2027-07-01"', "", "releases[0].from", "missing"),
        ('to = "2027-07-31"', 'to = "2027-06-30"', "releases[0].to", "before from"),
        ('opens_at = "2027-06-01T09:00"', 'opens_at = "2027-06-01 9:00"', "releases[0].opens_at",
         "local date and time"),
        ('opens_at = "2027-06-01T09:00"', 'opens_at = "2027-06-01T09:00+03:00"', "releases[0].opens_at", "no offset"),
        ('opens_at = "2027-06-01T09:00"', 'opens_at = "2027-02-30T09:00"', "releases[0].opens_at", "not a date"),
        ('service_points = ["helsinki-malmi"]', 'service_points = ["nowhere"]', "releases[0].service_points",
         "unknown service point id 'nowhere'"),
        ('services = ["extended-permit"]', "services = []", "releases[0].services", "non-empty list"),
        ('services = ["residence-card"]', 'services = ["citizenship"]', "rolling_releases[0].services",
         "unknown service code"),
        ("rush = { admit_per_minute = 100, pass_minutes = 8 }", "rush = { pass_minutes = 8 }",
         "releases[0].rush.admit_per_minute", "missing"),
        ("rush = { admit_per_minute = 100, pass_minutes = 8 }", "rush = { admit_per_minute = 100, rate = 8 }",
         "releases[0].rush.rate", "unknown key"),
        ("rush = { admit_per_minute = 100, pass_minutes = 8 }", "rush = { admit_per_minute = 0 }",
         "releases[0].rush.admit_per_minute", "between 1 and"),
        ("rush = { admit_per_minute = 100, pass_minutes = 8 }",
         "rush = { admit_per_minute = 100, admit_every_seconds = 0 }",
         "releases[0].rush.admit_every_seconds", "between 1 and 60"),
        ("rush = { admit_per_minute = 100, pass_minutes = 8 }",
         "rush = { admit_per_minute = 100, admit_every_seconds = 61 }",
         "releases[0].rush.admit_every_seconds", "between 1 and 60"),
        ("days_ahead = 28", "days_ahead = 0", "rolling_releases[0].days_ahead", "between 1 and"),
        ('at = "07:00"', 'at = "7am"', "rolling_releases[0].at", "local time"),
        ('at = "07:00"', 'at = "07:00"\nevery = 1', "rolling_releases[0].every", "unknown key"),
    ])
    def test_refuses_a_broken_release_and_names_its_place(self, old, new, where, says):
        assert old in RELEASES
        problems = problems_of(RELEASES.replace(old, new, 1))
        assert any(where in p and says in p for p in problems), problems

    def test_refuses_the_same_release_twice(self):
        twice = RELEASES + '\n[[releases]]\nfrom = "2027-08-01"\nto = "2027-08-15"\nopens_at = "2027-06-16T09:00"\n'
        assert any("releases[2]" in p and "earlier release" in p for p in problems_of(twice))


class TestLoadingReleases:
    def test_export_load_export_is_identical(self, tmp_path):
        load_network(services=SERVICES, points=POINTS, more=RELEASES)
        first = run("exportnetwork")
        assert "[[releases]]" in first and "[[rolling_releases]]" in first
        (tmp_path / "first.toml").write_text(first)
        assert "nothing to change" in run("loadnetwork", str(tmp_path / "first.toml"))
        assert run("exportnetwork") == first

    def test_the_admission_step_is_stored_carried_and_exported_only_when_not_a_minute(self):
        stepped = RELEASES.replace("rush = { admit_per_minute = 100, pass_minutes = 8 }",
                                   "rush = { admit_per_minute = 100, pass_minutes = 8, admit_every_seconds = 5 }")
        load_network(services=SERVICES, points=POINTS, more=stepped)
        assert Release.objects.get(from_date=dt.date(2027, 7, 1)).rush_admit_every_seconds == 5
        rush = next(r.rush for r in network_state().releases.fixed if r.rush is not None)
        # 100 a minute in steps of 5 s: 8.33 a step, places 1-9 at once, the 10th 5 s later
        assert rush.admit_every_seconds == 5 and rush.admitted_at(9) == rush.draw_at
        assert rush.admitted_at(10) - rush.draw_at == dt.timedelta(seconds=5)
        assert rush.admitted_at(100) - rush.draw_at == dt.timedelta(seconds=55)
        assert "admit_every_seconds = 5" in run("exportnetwork")
        load_network(services=SERVICES, points=POINTS, more=RELEASES)
        assert Release.objects.get(from_date=dt.date(2027, 7, 1)).rush_admit_every_seconds == 60
        assert "admit_every_seconds" not in run("exportnetwork")

    def test_a_release_of_the_same_dates_and_scope_keeps_its_row_and_the_others_go(self):
        load_network(services=SERVICES, points=POINTS, more=RELEASES)
        july = Release.objects.get(from_date=dt.date(2027, 7, 1))
        changed = RELEASES.replace("2027-06-01T09:00", "2027-06-02T10:00").split("[[rolling_releases]]")[0]
        changed = changed.replace('from = "2027-08-01"', 'from = "2027-08-02"')
        load_network(services=SERVICES, points=POINTS, more=changed)
        kept = Release.objects.get(from_date=dt.date(2027, 7, 1))
        assert kept.pk == july.pk and (kept.opens_on, kept.opens_time) == (dt.date(2027, 6, 2), dt.time(10))
        assert sorted(Release.objects.values_list("from_date", flat=True)) == [dt.date(2027, 7, 1), dt.date(2027, 8, 2)]
        assert not RollingRelease.objects.exists()

    def test_the_network_state_carries_them_with_local_moments_as_instants(self):
        load_network(services=SERVICES, points=POINTS, more=RELEASES)
        releases = network_state().releases
        july = dt.date(2027, 7, 10)
        assert releases.opens_at("helsinki-malmi", "extended-permit", july) == dt.datetime(2027, 6, 1, 6, tzinfo=dt.UTC)
        assert releases.opens_at("espoo-leppavaara", "extended-permit", july) is None
        assert releases.opens_at("helsinki-malmi", "residence-card", july) == dt.datetime(2027, 6, 12, 4,
                                                                                          tzinfo=dt.UTC)

    def test_editing_a_release_moves_the_network_version(self):
        load_network(services=SERVICES, points=POINTS, more=RELEASES)
        before = NetworkSettings.current().version
        release = Release.objects.first()
        release.opens_time = dt.time(8)
        release.save()
        middle = NetworkSettings.current().version
        release.services.clear()
        assert len({before, middle, NetworkSettings.current().version}) == 3


class TestReleasesApi:
    def test_lists_the_releases_whose_dates_are_not_all_past(self, client):
        past = '[[releases]]\nfrom = "2020-01-01"\nto = "2020-01-31"\nopens_at = "2019-12-01T09:00"\n'
        future = ('[[releases]]\nfrom = "2998-07-01"\nto = "2998-07-31"\nopens_at = "2998-06-01T09:00"\n'
                  'service_points = ["espoo-leppavaara", "helsinki-malmi"]\nservices = ["extended-permit"]\n')
        load_network(services=SERVICES, points=POINTS, more=past + future)
        answer = client.get("/api/v1/releases")
        assert answer.status_code == 200
        assert answer.json() == [{"id": Release.objects.get(from_date=dt.date(2998, 7, 1)).pk,
                                  "opens_at": "2998-06-01T09:00:00+03:00", "from": "2998-07-01", "to": "2998-07-31",
                                  "service_points": ["espoo-leppavaara", "helsinki-malmi"],
                                  "services": ["extended-permit"]}]


class TestDaylightSaving:
    def test_a_release_opening_on_the_spring_change_day_opens_at_its_local_time(self):
        # Finland moves its clocks from 03:00 to 04:00 on 28 March 2027: 09:00 is then UTC+3.
        more = ('[[releases]]\nfrom = "2027-05-01"\nto = "2027-05-31"\nopens_at = "2027-03-28T09:00"\n\n'
                '[[releases]]\nfrom = "2027-06-01"\nto = "2027-06-30"\nopens_at = "2027-03-27T09:00"\n')
        load_network(services=SERVICES, points=POINTS, more=more)
        releases = network_state().releases
        may, june = dt.date(2027, 5, 3), dt.date(2027, 6, 1)
        assert releases.opens_at("helsinki-malmi", "extended-permit", may) == dt.datetime(2027, 3, 28, 6, tzinfo=dt.UTC)
        assert releases.opens_at("helsinki-malmi", "extended-permit", june) == dt.datetime(2027, 3, 27, 7,
                                                                                           tzinfo=dt.UTC)
        assert not releases.is_released("helsinki-malmi", "extended-permit", may,
                                        dt.datetime(2027, 3, 28, 5, 59, tzinfo=dt.UTC))
        assert releases.is_released("helsinki-malmi", "extended-permit", may,
                                    dt.datetime(2027, 3, 28, 6, tzinfo=dt.UTC))
