"""What the messages about a booking say: e-mail (text, HTML with an inline QR code, calendar
file) and a plain text message, each in the booking's language with its signed manage link."""
import datetime as dt
import email.policy
import re
import struct

import pytest
from django.core import mail
from icalendar import Calendar

from tests.booking.conftest import at, booking_body
from vuoro.booking.messages import booking_email, booking_text
from vuoro.booking.models import Booking
from vuoro.network.models import Service, ServicePoint
from vuoro.notify import sms

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # rendering takes `now` only for the calendar file's stamp
EVENTS = ["confirmed", "rescheduled", "cancelled", "reminder", "recovery", "agency_moved", "agency_cancelled"]


def book(client, start, **kwargs):
    return client.post("/api/v1/bookings", booking_body(start, **kwargs), content_type="application/json").json()


@pytest.fixture
def named(smoke_network):
    """Real names, an address and a checklist, with characters HTML would escape."""
    Service.objects.update(name_fi="Oleskelulupa & kortti", name_sv="Uppehållstillstånd & kort",
                           name_en="Residence permit & card", checklist_fi="Passi\nValokuva",
                           checklist_sv="Pass\nFotografi", checklist_en="Passport\nPhotograph")
    ServicePoint.objects.update(name_fi="Helsinki, Malmi", name_sv="Helsingfors, Malm", name_en="Helsinki, Malmi",
                                address="Malmin kauppatie 26 <B>, 00700 Helsinki")


@pytest.fixture
def booking_of(client, named, wednesday, django_capture_on_commit_callbacks):
    def make(language: str, persons: int = 2) -> Booking:
        with django_capture_on_commit_callbacks(execute=True):
            booked = book(client, at(wednesday, 9, 20), language=language, persons=persons)
        mail.outbox.clear()
        sms.outbox.clear()
        return Booking.objects.get(reservation_key=booked["reservation_key"])

    return make


LOCAL = {
    "fi": {"subject": "Aikasi on varattu: Oleskelulupa & kortti, Helsinki, Malmi, {fi_day}",
           "time": "{fi_day_cap}, 9.20–10.00", "persons": "Henkilöitä: 2", "bring": "- Passi\n- Valokuva"},
    "sv": {"subject": "Din tid är bokad: Uppehållstillstånd & kort, Helsingfors, Malm, {sv_day}",
           "time": "{sv_day_cap}, 09.20–10.00", "persons": "Personer: 2", "bring": "- Pass\n- Fotografi"},
    "en": {"subject": "Your appointment is booked: Residence permit & card, Helsinki, Malmi, {en_day}",
           "time": "{en_day}, 09:20–10:00", "persons": "Persons: 2", "bring": "- Passport\n- Photograph"},
}
FI_MONTHS = ["tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta", "toukokuuta", "kesäkuuta", "heinäkuuta",
             "elokuuta", "syyskuuta", "lokakuuta", "marraskuuta", "joulukuuta"]
SV_MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december"]


def days(day: dt.date) -> dict:
    fi = f"keskiviikko {day.day}. {FI_MONTHS[day.month - 1]} {day.year}"
    sv = f"onsdag {day.day} {SV_MONTHS[day.month - 1]} {day.year}"
    return {"fi_day": fi, "fi_day_cap": fi.capitalize(), "sv_day": sv, "sv_day_cap": sv.capitalize(),
            "en_day": f"Wednesday {day.day} {day:%B} {day.year}"}


class TestBookingEmail:
    @pytest.mark.parametrize("language", ["fi", "sv", "en"])
    def test_subject_and_body_name_service_point_local_day_and_times_in_the_bookings_language(
            self, booking_of, wednesday, settings, language):
        settings.AGENCY_NAME = "Maahanmuuttovirasto"
        settings.PUBLIC_URL = "https://ajanvaraus.example.fi"
        booking = booking_of(language)
        message = booking_email(booking_id=booking.pk, event="confirmed", now=NOW)
        words = {k: v.format(**days(wednesday)) for k, v in LOCAL[language].items()}
        assert message.subject == words["subject"] and message.to == ["person@example.org"]
        body = message.body
        for expected in (words["time"], words["persons"], words["bring"], booking.reservation_key,
                         "Helsinki, Malmi" if language != "sv" else "Helsingfors, Malm",
                         "Malmin kauppatie 26 <B>, 00700 Helsinki", "Maahanmuuttovirasto"):
            assert expected in body, expected
        assert "&amp;" not in body and "&lt;" not in body  # plain text is never HTML-escaped
        links = re.findall(r"https://ajanvaraus\.example\.fi/\S+", body)
        assert [link.split("/")[4] for link in links] == ["link", "cannot-come"]

    def test_the_qr_code_is_an_inline_png_whose_content_id_the_html_references(self, booking_of):
        booking = booking_of("en")
        message = booking_email(booking_id=booking.pk, event="confirmed", now=NOW)
        html = message.alternatives[0].content
        assert "data:" not in html
        cid = re.search(r'<img src="cid:([^"]+)"', html).group(1)
        mime = message.message()
        assert mime.get_content_type() == "multipart/mixed"
        alternative = next(p for p in mime.iter_parts() if p.get_content_type() == "multipart/alternative")
        related = next(p for p in alternative.iter_parts() if p.get_content_type() == "multipart/related")
        html_part, image = list(related.iter_parts())
        assert html_part.get_content_type() == "text/html" and f"cid:{cid}" in html_part.get_content()
        assert image.get_content_type() == "image/png" and image["Content-ID"] == f"<{cid}>"
        png = image.get_content()
        assert png.startswith(b"\x89PNG") and struct.unpack(">II", png[16:24]) == (145, 145)  # as the <img> says
        assert 'width="145" height="145"' in html

    def test_as_the_smtp_backend_writes_it_it_parses_back_whole(self, booking_of):
        booking = booking_of("sv")
        message = booking_email(booking_id=booking.pk, event="confirmed", now=NOW)
        data = message.message(policy=email.policy.SMTP).as_bytes()
        assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        assert parsed["Subject"] == message.subject and parsed["To"] == "person@example.org"
        assert [part.get_content_type() for part in parsed.walk()] == [
            "multipart/mixed", "multipart/alternative", "text/plain", "multipart/related", "text/html",
            "image/png", "text/calendar"]

    def test_the_calendar_file_is_attached(self, booking_of, wednesday):
        booking = booking_of("fi")
        message = booking_email(booking_id=booking.pk, event="reminder", now=NOW)
        name, content, mimetype = message.attachments[0]
        assert mimetype == "text/calendar" and name == f"{booking.reservation_key}.ics"
        assert Calendar.from_ical(content).walk("VEVENT")[0].decoded("dtstart") == at(wednesday, 9, 20)

    def test_the_html_escapes_what_it_shows(self, booking_of):
        booking = booking_of("en")
        html = booking_email(booking_id=booking.pk, event="confirmed", now=NOW).alternatives[0].content
        assert "Malmin kauppatie 26 &lt;B&gt;" in html and "Residence permit &amp; card" in html

    @pytest.mark.parametrize("language", ["fi", "sv", "en"])
    @pytest.mark.parametrize("event", EVENTS)
    def test_every_event_renders_in_every_language_with_the_right_links(self, booking_of, language, event):
        booking = booking_of(language)
        message = booking_email(booking_id=booking.pk, event=event, now=NOW)
        phone, text = booking_text(booking_id=booking.pk, event=event, now=NOW)
        ended = event in ("cancelled", "agency_cancelled")
        assert "/manage/link/" in message.body and "/manage/link/" in message.alternatives[0].content
        assert ("/manage/link/" in text) is not ended  # a short text about an ended booking: the booking link
        assert ("/book/?service=residence-card" in message.body) is ended
        assert ("/manage/cannot-come/" in text) is (event == "reminder")
        assert "Oleskelulupa" in message.subject if language == "fi" else "& " in message.subject

    def test_the_agency_says_why_it_moved_a_booking(self, booking_of):
        booking = booking_of("en")
        generic = booking_email(booking_id=booking.pk, event="agency_moved", now=NOW)
        assert generic.subject.startswith("We moved your appointment: ")
        assert "The service point's opening hours or staff changed on that day." in generic.body
        assert "If the new time does not suit you, choose another one:" in generic.body
        told = booking_email(booking_id=booking.pk, event="agency_cancelled", now=NOW,
                             reason="The office is closed for a water leak.")
        assert "The office is closed for a water leak." in told.body

    def test_a_message_costs_one_query(self, booking_of, django_assert_num_queries):
        booking = booking_of("sv")
        with django_assert_num_queries(1):
            booking_email(booking_id=booking.pk, event="confirmed", now=NOW)
        with django_assert_num_queries(1):
            booking_text(booking_id=booking.pk, event="reminder", now=NOW)

    def test_reads_the_booking_as_the_orm_does(self, booking_of):
        from vuoro.booking.messages import _booking

        booking = booking_of("sv")
        ours = _booking(booking.pk)
        theirs = Booking.objects.select_related("service", "service_point").get(pk=booking.pk)
        for mine, orm in ((ours, theirs), (ours.service, theirs.service), (ours.service_point, theirs.service_point)):
            fields = type(orm)._meta.concrete_fields
            assert [getattr(mine, f.attname) for f in fields] == [getattr(orm, f.attname) for f in fields]
        assert ours.start_at.utcoffset() == dt.timedelta(0) and ours._state.adding is False

    def test_a_booking_gone_has_no_message(self, db):
        assert booking_email(booking_id=999999, event="confirmed", now=NOW) is None
        assert booking_text(booking_id=999999, event="confirmed", now=NOW) is None


class TestBookingText:
    def test_is_short_plain_text_with_the_time_and_the_manage_link(self, booking_of, wednesday, settings):
        settings.PUBLIC_URL = "https://a.example"
        booking = booking_of("fi")
        phone, text = booking_text(booking_id=booking.pk, event="reminder", now=NOW)
        assert phone == "+358401234567"
        assert text.startswith("Muistutus: Oleskelulupa & kortti, Helsinki, Malmi, keskiviikko")
        assert "9.20–10.00" in text and "https://a.example/manage/link/" in text
        assert "&amp;" not in text and "<" not in text and "\n" not in text

    def test_without_a_phone_number_there_is_none(self, booking_of):
        booking = booking_of("en")
        Booking.objects.filter(pk=booking.pk).update(customer_phone="")
        assert booking_text(booking_id=booking.pk, event="confirmed", now=NOW) is None


class TestSentOnChanges:
    def test_a_booking_sends_an_email_and_a_text(self, client, smoke_network, wednesday,
                                                 django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            booked = book(client, at(wednesday, 9, 20), language="sv")
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.subject.startswith("Din tid är bokad: ")
        assert booked["reservation_key"] in message.body and booked["pin"] not in message.body
        assert len(sms.outbox) == 1 and sms.outbox[0].to == "+358401234567"
        assert booked["reservation_key"] in sms.outbox[0].text and sms.outbox[0].text.startswith("Bokad: ")

    def test_cancel_and_reschedule_send_messages_too(self, client, smoke_network, wednesday,
                                                     django_capture_on_commit_callbacks):
        # Each change's message goes out after its own commit (one queued behind a later change
        # that made it untrue, such as a confirmation not yet sent when the booking is cancelled, is skipped).
        with django_capture_on_commit_callbacks(execute=True):
            booked = book(client, at(wednesday, 9, 20), language="en")
        headers = {"X-PIN": booked["pin"]}
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/api/v1/bookings/{booked['reservation_key']}/reschedule",
                        {"start": at(wednesday, 10).isoformat()}, content_type="application/json", headers=headers)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/api/v1/bookings/{booked['reservation_key']}/cancel", headers=headers)
        assert [m.subject.split(":")[0] for m in mail.outbox] == [
            "Your appointment is booked", "Your appointment was moved", "Your appointment was cancelled"]
        assert [m.text.split(":")[0] for m in sms.outbox] == ["Booked", "Moved", "Cancelled"]

    def test_nothing_is_sent_when_the_booking_fails(self, client, smoke_network, wednesday,
                                                    django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post("/api/v1/bookings", booking_body(at(wednesday, 9, 10)),
                                 content_type="application/json")
        assert answer.status_code == 409 and mail.outbox == [] and sms.outbox == []


@pytest.mark.django_db(transaction=True)
def test_the_background_worker_sends_the_confirmation_after_commit(client, smoke_network, wednesday, settings,
                                                                   tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    book(client, at(wednesday, 9, 20))
    assert mail.outbox == []  # queued, not sent in the request
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    from django.core.management import call_command

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
