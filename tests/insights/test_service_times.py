"""Observed service times against March 2026 worked out by hand (tests/insights/conftest.py)."""
import csv
import io
from collections import Counter

import pytest

from tests.insights.test_figures import compute
from vuoro.insights.service_times import recommended_minutes

pytestmark = pytest.mark.django_db


def test_recommended_is_the_80th_percentile_up_to_the_grid_never_below_a_step():
    assert recommended_minutes(Counter({23: 1, 31: 1, 40: 1}), grid_minutes=15) == 45
    assert recommended_minutes(Counter({30: 4, 50: 1}), grid_minutes=15) == 30
    assert recommended_minutes(Counter({0: 2}), grid_minutes=15) == 15
    assert recommended_minutes(Counter(), grid_minutes=15) is None


def test_page_and_csv_per_service_and_point(march, client, analyst):
    compute()
    client.force_login(analyst)
    response = client.get("/staff/insight/service-times/?month=2026-03")
    assert response.status_code == 200
    assert b'id="service-times"' in response.content and b'id="service-times-data"' in response.content
    rows = list(csv.DictReader(io.StringIO(client.get("/staff/insight/service-times.csv?month=2026-03")
                                           .content.decode())))
    by = {(r["service"], r["service_point"]): r for r in rows}
    # extended-permit: appointments 23 and 40 min (from the start), a queue number 30 min 20 s (31).
    e = by["extended-permit", "malmi"]
    assert (e["appointments"], e["tickets"], e["median_minutes"], e["p75_minutes"], e["p90_minutes"]) == (
        "2", "1", "31", "40", "40")
    assert (e["configured_minutes"], e["recommended_minutes_p80_grid_15"]) == ("30", "45")
    # citizenship: 14 min from the call (never started), 12 min, and a queue number of 20 min.
    c = by["citizenship", ""]
    assert (c["count"], c["median_minutes"], c["p90_minutes"], c["configured_minutes"],
            c["recommended_minutes_p80_grid_15"]) == ("3", "14", "20", "15", "30")
    only = client.get("/staff/insight/service-times.csv?month=2026-03&point=malmi&service=citizenship")
    assert [r["service_point"] for r in csv.DictReader(io.StringIO(only.content.decode()))] == ["malmi"]


def test_a_month_without_visits_says_so(march, client, analyst):
    compute()
    client.force_login(analyst)
    response = client.get("/staff/insight/service-times/?month=2025-01")
    assert response.status_code == 200 and b'id="service-times"' not in response.content
