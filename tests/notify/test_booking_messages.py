"""Confirmation, change and cancellation messages: e-mail with a calendar file, and a text message."""
import pytest
from django.core import mail
from icalendar import Calendar

from tests.booking.conftest import at, booking_body
from vuoro.notify import sms

pytestmark = pytest.mark.django_db


def book(client, start, **kwargs):
    return client.post("/api/v1/bookings", booking_body(start, **kwargs), content_type="application/json").json()


class TestBookingMessages:
    def test_a_booking_sends_an_email_in_its_language_with_a_calendar_file(self, client, smoke_network, wednesday,
                                                                          django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            booked = book(client, at(wednesday, 9, 20), language="sv")
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["person@example.org"]
        assert message.subject == "Din tid är bokad"
        assert booked["reservation_key"] in message.body and booked["pin"] not in message.body
        assert message.alternatives and message.alternatives[0].mimetype == "text/html"
        name, content, mimetype = message.attachments[0]
        assert mimetype == "text/calendar" and name == f"{booked['reservation_key']}.ics"
        event = Calendar.from_ical(content).walk("VEVENT")[0]
        assert event.decoded("dtstart") == at(wednesday, 9, 20)
        assert len(sms.outbox) == 1 and sms.outbox[0].to == "+358401234567"
        assert booked["reservation_key"] in sms.outbox[0].text and "Bokad" in sms.outbox[0].text

    def test_cancel_and_reschedule_send_messages_too(self, client, smoke_network, wednesday,
                                                     django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            booked = book(client, at(wednesday, 9, 20), language="en")
            headers = {"X-PIN": booked["pin"]}
            client.post(f"/api/v1/bookings/{booked['reservation_key']}/reschedule",
                        {"start": at(wednesday, 10).isoformat()}, content_type="application/json", headers=headers)
            client.post(f"/api/v1/bookings/{booked['reservation_key']}/cancel", headers=headers)
        assert [m.subject for m in mail.outbox] == ["Your appointment is booked", "Your appointment was moved",
                                                    "Your appointment was cancelled"]
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
