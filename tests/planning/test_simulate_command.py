"""`vuoro simulate`: the contract's JSON, a table for people, and refusals with exit code 2."""
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
VUORO = Path(sys.executable).parent / "vuoro"
WALK_IN = "[walk_in]\narrivals_per_hour = 30.0\nservice_minutes = 10.0\ndesks = 6\nhours = 2000\nseed = 7\n"
CONTRACT_WEEK_KEYS = {"week_start", "capacity", "demand", "served", "waiting", "lead_time_days"}


@pytest.fixture
def walk_in_file(tmp_path):
    path = tmp_path / "walk-in.toml"
    path.write_text(WALK_IN)
    return path


def simulate(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("simulate", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_vuoro(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(VUORO), "simulate", *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)


class TestJson:
    def test_prints_exactly_the_walk_in_object_of_the_contract(self, walk_in_file):
        out, err = simulate(walk_in_file, "--json")
        answer = json.loads(out)
        assert list(answer) == ["walk_in"]
        assert set(answer["walk_in"]) == {"mean_wait_minutes", "probability_of_wait", "utilisation", "served"}
        assert isinstance(answer["walk_in"]["served"], int)
        assert 0 < answer["walk_in"]["probability_of_wait"] < 1
        assert err == ""

    def test_the_same_seed_prints_the_same_numbers(self, walk_in_file):
        assert simulate(walk_in_file, "--json") == simulate(walk_in_file, "--json")

    def test_a_backlog_gives_its_weeks(self):
        answer = json.loads(simulate(ROOT / "examples" / "summer-2021.toml", "--json")[0])
        weeks = answer["backlog"]["weeks"]
        assert len(weeks) == 14
        assert CONTRACT_WEEK_KEYS | {"days_to_earliest_free"} <= set(weeks[0])
        assert weeks[0]["week_start"] == "2021-05-31"

    def test_a_backlog_week_reports_the_software_levers(self, tmp_path):
        text = (ROOT / "examples" / "summer-2021.toml").read_text().replace(
            'network = "planning-network.toml"', f'network = "{ROOT / "examples" / "planning-network.toml"}"'
        ).replace("weeks = 14", "weeks = 2").replace(
            "seed = 2021", "seed = 2021\nwaitlist_share = 0.5\npriority_share = 0.1\npriority_desk_share = 0.1")
        scenario = tmp_path / "levers.toml"
        scenario.write_text(text)
        answer = json.loads(simulate(scenario, "--json")[0])["backlog"]
        week = answer["weeks"][0]
        assert week["moved_earlier"] > 0 and week["days_moved_earlier"] > 0
        assert week["priority_lead_time_days"] is not None and week["public_lead_time_days"] is not None
        assert answer["totals"]["moved_earlier"] == sum(week["moved_earlier"] for week in answer["weeks"])
        out, _ = simulate(scenario)
        assert "Software levers, week by week" in out and "lead time, priority (d)" in out
        assert "Software levers" not in simulate(ROOT / "examples" / "summer-2021.toml")[0]

    def test_the_installed_command_prints_one_json_object(self, walk_in_file):
        finished = run_vuoro(walk_in_file, "--json")
        assert finished.returncode == 0, finished.stderr
        assert json.loads(finished.stdout) == json.loads(simulate(walk_in_file, "--json")[0])
        assert finished.stdout.count("\n") == 1


class TestText:
    def test_prints_a_readable_table(self, walk_in_file):
        out, _ = simulate(walk_in_file)
        assert "Walk-in queue" in out and "probability of waiting" in out

    def test_draws_a_progress_bar_on_stderr_when_asked(self, walk_in_file):
        out, err = simulate(walk_in_file, "--progress", "always")
        assert "100%" in err and "#" in err
        assert "%" not in out.split("probability")[0]


@pytest.fixture(scope="module")
def weeks():
    return json.loads(simulate(ROOT / "examples" / "summer-2021.toml", "--json")[0])["backlog"]["weeks"]


class TestCalibration:
    """examples/summer-2021.toml against the numbers in docs/domain.md."""

    def test_about_8000_visits_a_month(self, weeks):
        served_per_month = sum(week["served"] for week in weeks) / len(weeks) * 52 / 12
        assert 7_000 <= served_per_month <= 9_000

    def test_about_three_months_to_wait_at_the_start_of_june(self, weeks):
        assert 80 <= weeks[0]["lead_time_days"] <= 100


class TestRefusals:
    def test_names_each_problem_and_exits_with_2(self, tmp_path):
        bad = tmp_path / "bad.toml"
        bad.write_text("[walk_in]\narrivals_per_hour = -3\ndesks = 0\nextra = 1\n")
        err = io.StringIO()
        with pytest.raises(CommandError) as refusal:
            call_command("simulate", str(bad), stdout=io.StringIO(), stderr=err)
        assert refusal.value.returncode == 2
        assert len(err.getvalue().splitlines()) == 5

    @pytest.mark.parametrize("text", ["[walk_in\n", "[backlog]\nweeks = -1\nhours = \"long\"\n"])
    def test_the_installed_command_never_shows_a_traceback(self, tmp_path, text):
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        finished = run_vuoro(bad, "--json")
        assert finished.returncode == 2
        assert finished.stdout == ""
        assert "Traceback" not in finished.stderr
        assert all(line.startswith((str(bad), "CommandError:")) for line in finished.stderr.splitlines())

    def test_a_missing_file(self, tmp_path):
        finished = run_vuoro(tmp_path / "nowhere.toml")
        assert finished.returncode == 2
        assert "cannot read" in finished.stderr and "Traceback" not in finished.stderr
