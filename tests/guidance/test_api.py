"""POST /api/v1/guidance exactly as docs/api.md fixes it, and nothing personal kept."""
import datetime as dt
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vuoro.guidance.models import GuidanceRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask(client, rules, demo_network):
    def post(body, **headers):
        return client.post("/api/v1/guidance", body, content_type="application/json", headers=headers)
    return post


def body(matter, in_country=True, strong_eid=False, **extra):
    return {"matter": matter, "in_country": in_country, "strong_eid": strong_eid, **extra}


class TestGuidanceAnswers:
    def test_asylum_goes_to_the_police_or_the_border_with_no_service(self, ask):
        answer = ask(body("asylum"))
        assert answer.status_code == 200
        data = answer.json()
        assert set(data) == {"outcome", "message"}
        assert data["outcome"] == "contact_police_or_border"
        assert set(data["message"]) == {"fi", "sv", "en"}
        assert data["message"]["sv"].startswith("Asyl kan inte sökas på ett serviceställe")

    def test_an_extended_permit_with_strong_eid_is_applied_for_online(self, ask):
        data = ask(body("extended-permit", strong_eid=True)).json()
        assert data["outcome"] == "apply_online" and "service" not in data

    def test_someone_abroad_is_sent_to_a_mission(self, ask):
        assert ask(body("first-permit", in_country=False)).json()["outcome"] == "visit_mission_abroad"

    def test_an_appointment_names_the_service_to_book(self, ask):
        data = ask(body("citizenship")).json()
        assert (data["outcome"], data["service"]) == ("book_appointment", "citizenship")
        assert data["message"]["fi"].startswith("Varaa aika palvelupisteeseen")

    def test_a_first_permit_in_the_country_books_the_first_permit_service(self, ask):
        data = ask(body("first-permit")).json()
        assert (data["outcome"], data["service"]) == ("book_appointment", "first-permit")

    def test_something_else_is_booked_without_naming_a_service(self, ask):
        data = ask(body("other")).json()
        assert data["outcome"] == "book_appointment" and "service" not in data

    def test_an_urgent_matter_gets_a_queue_number_for_its_service(self, ask):
        data = ask(body("residence-card", urgent=True)).json()
        assert (data["outcome"], data["service"]) == ("take_queue_number", "residence-card")

    def test_urgent_is_optional_and_false_by_default(self, ask):
        assert ask(body("residence-card")).json()["outcome"] == "book_appointment"


class TestGuidanceRefusals:
    def test_an_unknown_matter_is_422_naming_the_field(self, ask):
        answer = ask(body("dragon-licence"))
        assert answer.status_code == 422
        data = answer.json()
        assert set(data) == {"error", "detail", "fields"}
        assert data["error"] == "invalid" and list(data["fields"]) == ["matter"]
        assert not GuidanceRecord.objects.exists()

    @pytest.mark.parametrize(("field", "value"), [
        ("matter", 5), ("matter", None), ("in_country", "yes"), ("in_country", 1), ("strong_eid", None),
        ("urgent", "true"), ("language", "de"), ("matter", "x" * 65), ("matter", "asylum\x00"),
        ("matter", "Asylum"),
    ])
    def test_a_wrong_type_is_422_naming_the_field(self, ask, field, value):
        answer = ask({**body("citizenship"), field: value})
        assert answer.status_code == 422
        assert field in answer.json()["fields"]
        assert not GuidanceRecord.objects.exists()

    def test_missing_answers_are_422_naming_each(self, ask):
        answer = ask({})
        assert answer.status_code == 422
        assert set(answer.json()["fields"]) == {"matter", "in_country", "strong_eid"}

    @pytest.mark.parametrize("raw", ["{not json", "[]", '"asylum"', "null", ""])
    def test_a_body_that_is_not_an_object_is_refused_with_the_error_shape(self, client, rules, raw):
        answer = client.post("/api/v1/guidance", raw, content_type="application/json")
        assert 400 <= answer.status_code < 500
        assert {"error", "detail"} <= set(answer.json())

    def test_only_post_is_allowed(self, client):
        assert client.get("/api/v1/guidance").status_code == 405


class TestGuidanceCounting:
    def test_each_answer_is_counted_by_matter_outcome_language_and_date(self, ask):
        ask(body("extended-permit", strong_eid=True, language="sv"))
        record = GuidanceRecord.objects.get()
        assert (record.matter, record.outcome, record.language) == ("extended-permit", "apply_online", "sv")
        assert record.date == timezone.localdate()

    def test_the_language_defaults_to_the_requests_language(self, ask):
        ask(body("asylum", visitor="one"), accept_language="en")
        ask(body("asylum", visitor="another"))
        assert sorted(GuidanceRecord.objects.values_list("language", flat=True)) == ["en", "fi"]

    def test_a_record_holds_nothing_personal(self, ask):
        ask(body("citizenship"), user_agent="Mozilla/5.0 (Personal Phone)", x_forwarded_for="203.0.113.9")
        fields = {field.name for field in GuidanceRecord._meta.get_fields()}
        assert fields == {"id", "date", "matter", "outcome", "language"}
        assert isinstance(GuidanceRecord.objects.get().date, dt.date)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)
bodies = st.one_of(json_values, st.fixed_dictionaries({}, optional={
    "matter": st.sampled_from(["asylum", "citizenship", "other", ""]) | json_values,
    "in_country": json_values, "strong_eid": json_values, "urgent": json_values, "language": json_values}))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, raw=st.binary(max_size=40))
def test_no_input_gives_a_server_error(client, rules, body, raw):
    for sent in (json.dumps(body), raw):
        answer = client.post("/api/v1/guidance", sent, content_type="application/json")
        assert answer.status_code in (200, 400, 422), (answer.status_code, answer.content[:300])
        if answer.status_code != 200:
            assert {"error", "detail"} <= set(answer.json())


def test_the_schema_documents_the_endpoint_and_its_extensions(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/guidance"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    request = schema["components"]["schemas"][ref]
    assert set(request["required"]) == {"matter", "in_country", "strong_eid"}
    assert {"urgent", "language"} <= set(request["properties"])
    assert {"200", "422"} <= set(operation["responses"])
