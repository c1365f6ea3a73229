"""The guided page without JavaScript, its outcome pages, the back office and the staff's weekly counts."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from tests.factories import load_network
from vuoro.guidance.models import GuidanceRecord, GuidanceRule, Outcome
from vuoro.guidance.selectors import visits_avoided_by_week
from vuoro.network.models import Service
from vuoro.network.roles import ADMINISTRATOR, MANAGER

pytestmark = pytest.mark.django_db
EVERY_DAY = {day: "08:00-16:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def network(rules):
    """Two points open every day of the year, one giving out queue numbers; no public holidays."""
    load_network(holidays=None, services=[("extended-permit", 30), ("citizenship", 45)],
                 points=[dict(id="malmi", services=["extended-permit", "citizenship"], hours=EVERY_DAY,
                              walk_in=(2, 60)),
                         dict(id="oulu", services=["extended-permit", "citizenship"], hours=EVERY_DAY)])
    Service.objects.filter(code="citizenship").update(checklist_en="Passport\nLanguage certificate",
                                                       checklist_fi="Passi\nKielitaitotodistus")


def answers(matter, in_country="yes", strong_eid="no", urgent="no"):
    return {"matter": matter, "in_country": in_country, "strong_eid": strong_eid, "urgent": urgent}


def follow(client, data, language="en"):
    """Send the form, follow the redirect; the outcome page's text."""
    sent = client.post("/guidance/", data, headers={"accept-language": language})
    assert sent.status_code == 302, sent.content.decode()[:500]
    page = client.get(sent["Location"], headers={"accept-language": language})
    assert page.status_code == 200
    return page


def staff(name, role=None, **flags) -> User:
    user = User.objects.create_user(name, password="x", is_staff=True, **flags)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


class TestGuidedForm:
    def test_asks_four_questions_in_fieldsets_with_legends_and_labelled_radios(self, client, network):
        html = client.get("/guidance/", headers={"accept-language": "fi"}).content.decode()
        assert html.count("<fieldset") == 4 and html.count("<legend>") == 4
        assert "Mikä on asiasi?" in html and "Oletko nyt Suomessa?" in html
        for radio_id in re.findall(r'<input type="radio"[^>]*id="([^"]+)"', html):
            assert f'<label for="{radio_id}">' in html
        assert "citizenship fi" in html and "Turvapaikka" in html and "Ensimmäinen oleskelulupa" in html
        assert "Jokin muu asia" in html

    def test_a_service_called_first_permit_is_offered_once(self, client, rules):
        load_network(services=[("first-permit", 45)])
        html = client.get("/guidance/", headers={"accept-language": "en"}).content.decode()
        assert html.count('value="first-permit"') == 1 and "A first residence permit" not in html

    def test_missing_answers_come_back_with_an_error_summary(self, client, network):
        answer = client.post("/guidance/", {"matter": "asylum"}, headers={"accept-language": "en"})
        html = answer.content.decode()
        assert answer.status_code == 200
        assert "<title>Error: " in html and 'class="error-summary" role="alert"' in html
        assert '<a href="#id_in_country_0">Tell us whether you are in Finland now.</a>' in html
        assert 'aria-describedby="strong_eid-hint strong_eid-error"' in html
        assert re.search(r'name="matter" value="asylum" id="id_matter_\d+" required checked', html)
        assert not GuidanceRecord.objects.exists()

    def test_a_tampered_matter_is_refused_politely(self, client, network):
        answer = client.post("/guidance/", answers("dragon-licence"), headers={"accept-language": "sv"})
        assert answer.status_code == 200 and "Välj ett av alternativen." in answer.content.decode()

    def test_sending_the_form_counts_once_and_a_reload_does_not_count_again(self, client, network):
        sent = client.post("/guidance/", answers("extended-permit", strong_eid="yes"),
                           headers={"accept-language": "sv"})
        assert sent.status_code == 302 and sent["Location"].startswith("/guidance/result/?")
        client.get(sent["Location"])
        client.get(sent["Location"])
        record = GuidanceRecord.objects.get()
        assert (record.matter, record.outcome, record.language) == ("extended-permit", "apply_online", "sv")
        assert record.date == timezone.localdate()

    def test_changing_the_answers_starts_from_the_earlier_ones(self, client, network):
        page = follow(client, answers("citizenship", urgent="yes"))
        change = re.search(r'<a href="([^"]+)">Change your answers</a>', page.content.decode()).group(1)
        html = client.get(change.replace("&amp;", "&")).content.decode()
        assert re.search(r'name="matter" value="citizenship" id="id_matter_\d+" required checked', html)
        assert 'name="urgent" value="yes" id="id_urgent_0" required checked' in html

    def test_a_result_address_with_bad_answers_goes_back_to_the_questions(self, client, network):
        answer = client.get("/guidance/result/?matter=nothing&in_country=maybe")
        assert answer.status_code == 302 and answer["Location"] == "/guidance/"

    def test_the_front_page_links_to_the_guidance(self, client, network):
        assert 'href="/guidance/"' in client.get("/").content.decode()


class TestOutcomePages:
    def test_an_appointment_links_into_booking_with_the_service_and_its_checklist(self, client, network):
        html = follow(client, answers("citizenship")).content.decode()
        assert "<h1>Book an appointment</h1>" in html
        assert 'href="/book/?service=citizenship"' in html
        assert "<li>Language certificate</li>" in html

    def test_the_checklist_is_in_the_pages_language(self, client, network):
        html = follow(client, answers("citizenship"), language="fi").content.decode()
        assert "<li>Kielitaitotodistus</li>" in html and "Varaa aika" in html

    def test_apply_online_says_a_visit_may_not_be_needed(self, client, network):
        html = follow(client, answers("extended-permit", strong_eid="yes"), language="sv").content.decode()
        assert "<h1>Ansök på nätet</h1>" in html and "Då behövs kanske inget besök alls" in html

    def test_asylum_is_sent_to_the_police_or_the_border_never_to_a_desk(self, client, network):
        html = follow(client, answers("asylum", urgent="yes"), language="fi").content.decode()
        assert "Ota yhteyttä poliisiin tai rajatarkastusviranomaisiin" in html
        assert "/book/" not in html

    def test_someone_abroad_is_sent_to_a_mission(self, client, network):
        html = follow(client, answers("other", in_country="no")).content.decode()
        assert "<h1>Visit a Finnish embassy or consulate</h1>" in html

    def test_an_urgent_matter_lists_the_points_giving_queue_numbers_with_todays_hours(self, client, network):
        html = follow(client, answers("citizenship", urgent="yes")).content.decode()
        assert "<h1>Take a queue number today</h1>" in html
        assert "malmi en" in html and "oulu en" not in html
        assert "Open today 08:00–16:00" in html
        local_time = timezone.localtime(timezone.now(), ZoneInfo("Europe/Helsinki")).time()
        if dt.time(8) <= local_time < dt.time(16):  # open now: today's queue, and a way to take a number
            assert "60 queue numbers left today." in html and 'href="/kiosk/malmi/"' in html
        else:
            assert "60 queue numbers a day" in html and "/kiosk/" not in html

    def test_while_open_the_numbers_left_and_the_estimated_wait_are_shown(self, client, rules):
        every_hour = {d: "00:00-23:59" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        load_network(holidays=None, points=[dict(id="malmi", services=["extended-permit"], hours=every_hour,
                                                  walk_in=(1, 5))])
        client.post("/api/v1/service-points/malmi/tickets", {"language": "en"}, content_type="application/json")
        html = follow(client, answers("extended-permit", urgent="yes")).content.decode()
        if "Closed today" in html or "queue numbers a day" in html:
            pytest.skip("the last minute of the local day")
        assert "4 queue numbers left today." in html and "Estimated wait: 30 min." in html
        assert 'href="/kiosk/malmi/"' in html

    def test_a_closed_day_says_so(self, client, rules):
        load_network(holidays=None, points=[dict(id="malmi", services=["extended-permit"], hours={}, walk_in=(1, 5))])
        html = follow(client, answers("extended-permit", urgent="yes")).content.decode()
        assert "Closed today" in html

    def test_an_administrators_new_message_shows_on_the_page(self, client, network):
        rule = GuidanceRule.objects.get(matter="asylum")
        client.force_login(staff("anna", ADMINISTRATOR))
        answer = client.post(f"/admin/guidance/guidancerule/{rule.pk}/change/", {
            "priority": rule.priority, "active": "on", "matter": "asylum", "in_country": "any", "strong_eid": "any",
            "urgent": "any", "outcome": Outcome.CONTACT_POLICE_OR_BORDER, "service": "",
            "message_fi": "Mene poliisiasemalle.", "message_sv": "Gå till polisstationen.",
            "message_en": "Go to the police station on Main Street."})
        assert answer.status_code == 302, answer.content.decode()[:2000]
        client.logout()
        html = follow(client, answers("asylum")).content.decode()
        assert "Go to the police station on Main Street." in html


class TestBackOffice:
    def test_administrators_edit_rules_and_managers_only_see_them(self, client, network):
        rule = GuidanceRule.objects.get(matter="asylum")
        client.force_login(staff("maija", MANAGER))
        assert client.get("/admin/guidance/guidancerule/").status_code == 200
        refused = client.post(f"/admin/guidance/guidancerule/{rule.pk}/change/", {"message_en": "changed"})
        assert refused.status_code == 403
        admin_group = Group.objects.get(name=ADMINISTRATOR)
        assert admin_group.permissions.filter(codename="change_guidancerule").exists()

    def test_a_service_is_refused_on_an_outcome_away_from_a_desk(self, client, network):
        client.force_login(staff("anna", ADMINISTRATOR))
        service = Service.objects.get(code="citizenship")
        answer = client.post("/admin/guidance/guidancerule/add/", {
            "priority": 5, "active": "on", "matter": "", "in_country": "any", "strong_eid": "any", "urgent": "any",
            "outcome": Outcome.APPLY_ONLINE, "service": service.pk, "message_fi": "a", "message_sv": "b",
            "message_en": "c"}, headers={"accept-language": "en"})
        assert answer.status_code == 200 and "Only an appointment or a queue number can name a service." in \
            answer.content.decode()

    def test_nobody_can_add_or_change_a_record_by_hand(self, client, network):
        client.force_login(staff("root", is_superuser=True))
        assert client.get("/admin/guidance/guidancerecord/").status_code == 200
        assert client.get("/admin/guidance/guidancerecord/add/").status_code == 403


class TestWeeklyCounts:
    def make(self, day: str, outcome: str, n: int = 1):
        for _ in range(n):
            GuidanceRecord.objects.create(date=dt.date.fromisoformat(day), matter="citizenship", outcome=outcome,
                                          language="fi")

    def test_counts_visits_avoided_per_monday_to_sunday_week_newest_first(self, db):
        self.make("2027-03-15", "apply_online", 2)
        self.make("2027-03-17", "contact_police_or_border")
        self.make("2027-03-17", "book_appointment")
        self.make("2027-03-14", "visit_mission_abroad")  # a Sunday: the week before
        self.make("2027-03-01", "apply_online")
        self.make("2027-02-28", "apply_online")  # before the three weeks
        self.make("2027-03-18", "apply_online")  # after today
        weeks = visits_avoided_by_week(weeks=3, today=dt.date(2027, 3, 17))
        assert [w.week_start_date for w in weeks] == [dt.date(2027, 3, 15), dt.date(2027, 3, 8), dt.date(2027, 3, 1)]
        assert [(w.avoided, w.total) for w in weeks] == [(3, 4), (1, 1), (1, 1)]
        assert weeks[0].count("apply_online") == 2 and weeks[0].count("take_queue_number") == 0
        assert weeks[0].week_number == 11

    def test_the_staff_page_needs_a_staff_login(self, client, db):
        assert client.get("/staff/guidance/")["Location"].startswith("/admin/login/")
        client.force_login(User.objects.create_user("someone", password="x"))
        assert client.get("/staff/guidance/").status_code == 302

    def test_the_staff_page_shows_a_plain_table_for_the_weeks_asked(self, client, db):
        today = timezone.localdate()
        self.make(today.isoformat(), "apply_online", 3)
        self.make((today - dt.timedelta(days=7)).isoformat(), "visit_mission_abroad")
        self.make(today.isoformat(), "book_appointment")
        client.force_login(staff("clerk"))
        answer = client.get("/staff/guidance/?weeks=4", headers={"accept-language": "en"})
        html = answer.content.decode()
        assert answer.status_code == 200
        assert "<caption>Visits avoided in the last 4 weeks</caption>" in html
        assert html.count('<th scope="row">Week ') == 4
        assert answer.context["table"][0]["cells"] == [3, 0, 0] and answer.context["table"][1]["cells"] == [0, 1, 0]
        assert (answer.context["avoided_total"], answer.context["guidance_total"]) == (4, 5)

    @pytest.mark.parametrize("weeks", ["0", "-3", "many", "100000"])
    def test_an_odd_number_of_weeks_is_kept_within_bounds(self, client, db, weeks):
        client.force_login(staff("clerk"))
        answer = client.get(f"/staff/guidance/?weeks={weeks}")
        assert answer.status_code == 200 and 1 <= answer.context["weeks"] <= 104
