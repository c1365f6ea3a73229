"""The demo history (vuoro.insights.demo): twelve weeks falling from about three months towards the goal, once."""
import datetime as dt

import pytest
from django.db.models import Avg

from tests.factories import load_network
from vuoro.insights.demo import DEMO_EVERY_HOURS, demo_lead_time_history
from vuoro.insights.models import NETWORK, LeadTimeSample

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2027, 3, 25, 10, 20, tzinfo=dt.UTC)


def test_twelve_weeks_trending_towards_the_goal_before_this_hour_and_only_once():
    load_network(horizon_days=180, services=[("extended-permit", 30), ("citizenship", 45)],
                 points=[dict(id=p, desks=2, services=["extended-permit", "citizenship"]) for p in ("p1", "p2")])
    made = demo_lead_time_history(now=NOW)
    assert made == LeadTimeSample.objects.count() == 12 * 7 * 24 // DEMO_EVERY_HOURS * 2 * 3
    assert demo_lead_time_history(now=NOW) == 0
    network = LeadTimeSample.objects.filter(service="extended-permit", service_point=NETWORK)
    first_week = network.filter(hour_at__lt=NOW - dt.timedelta(weeks=11)).aggregate(d=Avg("days_to_first_free"))["d"]
    last_week = network.filter(hour_at__gte=NOW - dt.timedelta(weeks=1)).aggregate(d=Avg("days_to_first_free"))["d"]
    assert 60 < first_week <= 100 and 15 < last_week < 45
    assert network.order_by("-hour_at").first().hour_at == dt.datetime(2027, 3, 25, 9, 0, tzinfo=dt.UTC)
