"""The month in figures against March 2026 worked out by hand (tests/insights/conftest.py)."""
import csv
import datetime as dt
import io
from collections import Counter

import pytest
from django.contrib.auth.models import User

from tests.insights.conftest import at
from vuoro.insights.figures import figures_month_build, figures_month_get, percentile
from vuoro.insights.figures_compute import figures_refresh, point_days_compute
from vuoro.insights.figures_models import FiguresCell, FiguresPointDay, FiguresServiceDay
from vuoro.network.models import Service, ServicePoint
from vuoro.network.state import network_state

pytestmark = pytest.mark.django_db


def compute():
    state = network_state()
    for point_id in state.points:
        point_days_compute(state=state, point_id=point_id, first_date=dt.date(2026, 2, 1),
                           last_date=dt.date(2026, 4, 30), now=at("2026-05-01", "03:00"))
    for month in (2, 3, 4):
        figures_month_build(month=dt.date(2026, month, 1), now=at("2026-05-01", "03:00"))


def month(point_id=None, service=None):
    return figures_month_get(month=dt.date(2026, 3, 1), point_id=point_id, service_code=service,
                             point_names={p.id: p.name for p in ServicePoint.objects.all()},
                             service_names={s.code: s.name for s in Service.objects.all()})


class TestPercentile:
    def test_is_nearest_rank(self):
        assert percentile(Counter({1: 1, 2: 1, 3: 1, 4: 1}), 50) == 2
        assert percentile(Counter({1: 1, 2: 1, 3: 1, 4: 1}), 90) == 4
        assert percentile(Counter({7: 3}), 90) == 7
        assert percentile(Counter(), 50) is None


class TestTheMonth:
    def test_bookings_made_in_the_month_and_their_lead_days(self, march):
        compute()
        total = month().total
        assert total.sums["made"] == 7  # leads 0, 0, 1, 1, 5, 16, 30
        assert total.lead_mean == pytest.approx(53 / 7)
        assert (total.lead_median, total.lead_p90) == (1, 30)

    def test_desk_time_offered_booked_and_used_with_the_closed_day_and_the_short_dst_sunday(self, march):
        compute()
        total = month().total
        # malmi: 21 weekdays open (25 March closed) x 8 h x 2 desks; yo: four Sundays of 4 h and
        # 29 March, when 01:00-05:00 lasts 3 h (clocks go from 03:00 to 04:00), at 1 desk.
        assert total.sums["offered_minutes"] == 21 * 960 + 4 * 240 + 180
        assert total.sums["walk_in_offered_minutes"] == 21 * 480
        assert (total.sums["visits"], total.sums["booked_minutes"]) == (7, 165)
        assert (total.sums["came"], total.sums["used_minutes"]) == (4, 90)
        assert total.utilisation_booked == pytest.approx(165 / 21300)
        assert total.utilisation_used == pytest.approx(90 / 21300)

    def test_cancellations_and_time_booked_again_before_the_day(self, march):
        compute()
        total = month().total
        assert (total.sums["cancelled"], total.sums["cancelled_minutes"], total.sums["rebooked_minutes"]) == (1, 30, 15)
        assert total.rebooked_share == 0.5  # the booking made on the day itself does not count

    def test_no_shows_overall_by_service_and_by_lead_band(self, march):
        compute()
        figures = month()
        assert figures.total.sums["no_shows"] == 3
        assert figures.total.no_show_rate == pytest.approx(3 / 7)
        assert figures.total.band_rates == [0.4, 0.0, 1.0, None]
        by_service = {f.key: f.no_show_rate for f in figures.services}
        assert by_service == {"extended-permit": pytest.approx(2 / 4), "citizenship": pytest.approx(1 / 3)}

    def test_queue_numbers_waits_and_estimates(self, march):
        compute()
        total = month().total
        sums = total.sums
        assert (sums["tickets_issued"], sums["tickets_turned_away"], sums["tickets_called"]) == (4, 2, 3)
        assert total.wait_mean == pytest.approx(40 / 3)  # 10, 25 and 4 min 30 s counted as 5
        assert total.wait_p90 == 25
        assert (total.estimate_mean, total.estimated_wait_mean) == (10, 17.5)

    def test_served_per_desk_hour_and_visits_avoided(self, march):
        compute()
        total = month().total
        assert (total.sums["served"], total.sums["tickets_served"]) == (4, 2)
        assert total.served_per_desk_hour == pytest.approx(6 / ((21300 + 10080) / 60))
        assert total.avoided == 2

    def test_iso_weeks_by_local_date_across_the_dst_change(self, march):
        compute()
        weeks = {w.key: w for w in month().weeks}
        assert weeks["2026-W09"].span == (dt.date(2026, 3, 1), dt.date(2026, 3, 1))
        assert weeks["2026-W09"].sums["made"] == 1
        w11 = weeks["2026-W11"]  # made on 10 and 15 March: leads 16 and 30
        assert (w11.sums["made"], w11.lead_mean, w11.lead_median, w11.lead_p90) == (2, 23, 16, 30)
        dst = weeks["2026-W13"]
        assert dst.sums["offered_minutes"] == 4 * 960 + 180
        assert (dst.sums["visits"], dst.sums["booked_minutes"], dst.sums["cancelled"]) == (3, 60, 1)
        # Booked at 01:30 local on Monday 30 March (22:30 UTC on Sunday): week 14, not 13.
        assert dst.sums["made"] == 1 and weeks["2026-W14"].sums["made"] == 1
        assert weeks["2026-W14"].lead_days == Counter({0: 1})

    def test_one_service_and_one_point(self, march):
        compute()
        citizenship = month(service="citizenship")
        assert citizenship.total.sums["made"] == 3
        assert (citizenship.total.lead_mean, citizenship.total.lead_median, citizenship.total.lead_p90) == (2, 1, 5)
        assert citizenship.total.utilisation_booked is None  # desk time is not shared out by service
        assert citizenship.total.avoided == 0
        yo = month(point_id="yo").total
        assert (yo.sums["offered_minutes"], yo.sums["visits"]) == (4 * 240 + 180, 0)

    def test_recomputing_never_counts_twice(self, march):
        compute()
        compute()
        assert month().total.sums["made"] == 7
        assert FiguresCell.objects.filter(month=dt.date(2026, 3, 1), point_id="", service_code="", week="").count() == 1
        assert FiguresServiceDay.objects.filter(date=dt.date(2026, 3, 2), service_point_id="malmi").count() == 2


class TestRefresh:
    def test_the_worker_refresh_recomputes_the_last_days_and_the_long_window_once_a_night(self, march):
        state = network_state()
        written = figures_refresh(state=state, now=at("2026-03-31", "12:00"))
        assert written == {"malmi": 41, "yo": 41}  # the first refresh of the day: 40 days before today
        assert FiguresPointDay.objects.filter(service_point_id="malmi").count() == 41
        assert figures_refresh(state=state, now=at("2026-03-31", "13:00")) == {"malmi": 3, "yo": 3}
        assert month().total.sums["made"] == 7


@pytest.fixture
def client_analyst(client, analyst):
    client.force_login(analyst)
    return client


class TestPages:
    def test_figures_page_shows_the_tables(self, march, client_analyst):
        compute()
        response = client_analyst.get("/staff/insight/figures/?month=2026-03&point=&service=")
        assert response.status_code == 200
        html = response.content.decode()
        for table in ("bookings", "desk-time", "cancellations", "no-shows", "tickets", "served"):
            assert f'id="{table}"' in html
        assert 'id="figures-weeks"' in html and 'data-key="2026-W13"' in html

    def test_csv_has_the_same_rows(self, march, client_analyst):
        compute()
        response = client_analyst.get("/staff/insight/figures.csv?month=2026-03")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert [r["group"] for r in rows].count("month") == 1
        total = rows[0]
        assert (total["made"], total["lead_days_median"], total["lead_days_p90"]) == ("7", "1", "30")
        assert total["no_shows"] == "3"
        assert total["offered_minutes"] == "21300" and total["rebooked_share"] == "0.5"
        assert {r["key"] for r in rows if r["group"] == "week"} == {f"2026-W{w:02d}" for w in (9, 10, 11, 12, 13, 14)}

    def test_bad_filters_answer_400_with_the_form(self, march, client_analyst):
        for query in ("month=2026-13", "month=abc", "point=nowhere", "service=nothing", "month=1999-01"):
            response = client_analyst.get(f"/staff/insight/figures/?{query}")
            assert response.status_code == 400, query
            assert b'aria-invalid="true"' in response.content
            assert client_analyst.get(f"/staff/insight/figures.csv?{query}").status_code == 400

    def test_needs_the_insight_permission(self, march, client):
        user = User.objects.create_user("clerk", password="x-secret-123", is_staff=True)
        client.force_login(user)
        assert client.get("/staff/insight/figures/").status_code == 403
        assert client.get("/staff/insight/service-times/").status_code == 403
        client.logout()
        assert client.get("/staff/insight/figures/").status_code == 302


@pytest.fixture
def dst_night(march):
    """Visits across the clock change at `yo` (open 01:00-05:00 on Sundays; on 29 March 2026 the clocks
    go from 03:00 to 04:00, so it is open 3 hours): a citizenship appointment 02:45+02:00-04:00+03:00
    (15 minutes, booked on Saturday evening: lead 1) served 02:50-04:02 (12 minutes), and a queue
    number issued at 02:50+02:00, told 10 minutes, called at 04:05+03:00 (a 15-minute wait, not 75),
    served until 04:20 (15 minutes); one customer turned away. Local clock differences would give
    75, 72, 75 and 15 minutes."""
    from tests.insights.conftest import book, ticket
    from vuoro.booking.models import Booking
    from vuoro.walkin.models import Ticket, TicketDay

    book(service="citizenship", point="yo", desk=1, day="2026-03-29", start="02:45", minutes=15,
         created=at("2026-03-28", "20:00"), status=Booking.Status.DONE, started_at=at("2026-03-29", "02:50"),
         finished_at=at("2026-03-29", "04:02"))
    ticket(point="yo", number=1, day="2026-03-29", issued=at("2026-03-29", "02:50"), status=Ticket.Status.DONE,
           service="citizenship", estimated_wait_minutes=10, called_at=at("2026-03-29", "04:05"),
           started_at=at("2026-03-29", "04:05"), finished_at=at("2026-03-29", "04:20"))
    TicketDay.objects.create(service_point_id="yo", date=dt.date(2026, 3, 29), issued=1, turned_away=1)


class TestTheDaylightSavingWeek:
    """ISO week 13 (23-29 March 2026): Wednesday 25 closed at malmi, the clocks go forward on Sunday 29;
    every figure of the week against the hand count (conftest.py's bookings of the week and `dst_night`)."""

    def test_every_figure_of_the_week_with_the_closed_day_and_the_clock_change(self, dst_night):
        compute()
        week = {w.key: w for w in month().weeks}["2026-W13"]
        assert week.span == (dt.date(2026, 3, 23), dt.date(2026, 3, 29))
        sums = week.sums
        # Made in the week: citizenship on Thursday 26 for the same day (lead 0), yo's on Saturday (lead 1).
        assert sums["made"] == 2 and week.lead_days == Counter({0: 1, 1: 1})
        assert (week.lead_mean, week.lead_median, week.lead_p90) == (0.5, 0, 1)
        # Offered: malmi Mon, Tue, Thu, Fri (Wednesday closed) x 8 h x 2 desks, yo's 3-hour Sunday.
        assert sums["offered_minutes"] == 4 * 960 + 180
        assert sums["walk_in_offered_minutes"] == 4 * 480
        # Booked: 15 + 15 + 30 at malmi on 26 and 27 March, 15 at yo (real minutes across the change).
        assert (sums["visits"], sums["booked_minutes"], sums["came"], sums["used_minutes"]) == (4, 75, 2, 30)
        assert week.utilisation_booked == pytest.approx(75 / 4020)
        assert week.utilisation_used == pytest.approx(30 / 4020)
        assert (sums["cancelled"], sums["cancelled_minutes"], sums["rebooked_minutes"]) == (1, 30, 15)
        assert week.rebooked_share == 0.5
        # Due: 26 March done (lead 5) and absent (lead 0), 27 March absent (lead 81), yo done (lead 1).
        assert sums["no_shows"] == 2 and week.no_show_rate == 0.5
        assert (week.band_due, week.band_no_shows) == ([3, 0, 1, 0], [1, 0, 1, 0])
        assert week.band_rates == [pytest.approx(1 / 3), None, 1.0, None]
        assert (sums["tickets_issued"], sums["tickets_turned_away"], sums["tickets_called"]) == (1, 1, 1)
        assert (week.wait_mean, week.wait_p90, week.estimate_mean, week.estimated_wait_mean) == (15, 15, 10, 15)
        assert (sums["served"], sums["tickets_served"]) == (2, 1)
        assert week.served_per_desk_hour == pytest.approx(3 / ((4020 + 4 * 480) / 60))

    def test_the_week_of_one_service_and_of_one_point(self, dst_night):
        compute()
        citizenship = {w.key: w for w in month(service="citizenship").weeks}["2026-W13"]
        assert (citizenship.sums["made"], citizenship.sums["no_shows"], citizenship.no_show_rate) == (
            2, 1, pytest.approx(1 / 3))
        assert citizenship.utilisation_booked is None and citizenship.served_per_desk_hour is None
        permit = {w.key: w for w in month(service="extended-permit").weeks}["2026-W13"]
        assert (permit.sums["made"], permit.sums["cancelled"], permit.no_show_rate) == (0, 1, 1.0)
        yo = {w.key: w for w in month(point_id="yo").weeks}["2026-W13"]
        assert (yo.sums["offered_minutes"], yo.sums["booked_minutes"], yo.sums["used_minutes"]) == (180, 15, 15)
        assert yo.utilisation_used == pytest.approx(15 / 180)
        assert (yo.wait_mean, yo.wait_p90, yo.sums["tickets_turned_away"]) == (15, 15, 1)
        assert yo.served_per_desk_hour == pytest.approx(2 / 3)  # 2 served in 3 desk-hours (no walk-in desk)

    def test_the_closed_day_offers_nothing(self, march):
        compute()
        closed = FiguresPointDay.objects.get(service_point_id="malmi", date=dt.date(2026, 3, 25))
        assert (closed.offered_minutes, closed.walk_in_offered_minutes) == (0, 0)
        open_day = FiguresPointDay.objects.get(service_point_id="malmi", date=dt.date(2026, 3, 24))
        assert (open_day.offered_minutes, open_day.walk_in_offered_minutes) == (960, 480)

    def test_observed_service_times_across_the_clock_change(self, dst_night):
        compute()
        from vuoro.insights.service_times import service_times_list

        [yo] = service_times_list(month=dt.date(2026, 3, 1), point_id="yo", service_code=None,
                                  durations={("yo", "citizenship"): 15}, grid_minutes=15,
                                  point_names={}, service_names={})
        assert (yo.appointments, yo.tickets, yo.median, yo.p90) == (1, 1, 12, 15)  # not 72 and 15
        assert (yo.configured_minutes, yo.recommended_minutes) == (15, 15)

    def test_the_autumn_sunday_lasts_an_hour_longer(self, march):
        """25 October 2026: 04:00 comes twice, so yo's 01:00-05:00 is 5 hours."""
        point_days_compute(state=network_state(), point_id="yo", first_date=dt.date(2026, 10, 25),
                           last_date=dt.date(2026, 10, 25), now=at("2026-10-26", "03:00"))
        assert FiguresPointDay.objects.get(service_point_id="yo", date=dt.date(2026, 10, 25)).offered_minutes == 300
