import pytest

from tests.factories import load_network

pytestmark = pytest.mark.django_db


class TestNetworkApi:
    def test_lists_services_with_names_in_three_languages(self, client):
        load_network(services=[("citizenship", 30), ("extended-permit", 45)])
        answer = client.get("/api/v1/services")
        assert answer.status_code == 200
        assert answer.json() == [
            {"code": "citizenship", "name": {"fi": "citizenship fi", "sv": "citizenship sv", "en": "citizenship en"},
             "duration_minutes": 30},
            {"code": "extended-permit", "name": {"fi": "extended-permit fi", "sv": "extended-permit sv",
                                                 "en": "extended-permit en"}, "duration_minutes": 45},
        ]

    def test_lists_service_points_with_zone_and_services(self, client):
        load_network(services=[("citizenship", 30), ("extended-permit", 30)],
                     points=[dict(id="oulu", services=["extended-permit"]),
                             dict(id="helsinki", services=["citizenship", "extended-permit"],
                                  timezone="Europe/Stockholm")])
        answer = client.get("/api/v1/service-points").json()
        assert [p["id"] for p in answer] == ["helsinki", "oulu"]
        assert answer[0]["services"] == ["citizenship", "extended-permit"]
        assert answer[0]["timezone"] == "Europe/Stockholm" and answer[1]["timezone"] == "Europe/Helsinki"
        assert set(answer[0]) == {"id", "name", "address", "timezone", "services"}

    def test_serves_the_schema_and_docs_without_outside_assets(self, client):
        schema = client.get("/api/v1/openapi.json")
        assert schema.status_code == 200 and "/api/v1/services" in schema.json()["paths"]
        docs = client.get("/api/v1/docs").content.decode()
        assert "cdn." not in docs and "unpkg" not in docs and "https://" not in docs

    def test_unknown_paths_give_the_error_shape(self, client):
        answer = client.get("/api/v1/nothing-here")
        assert answer.status_code == 404


class TestNetworkAnswersKeptForTheVersion:
    def test_a_renamed_service_is_answered_at_once(self, client):
        load_network(services=[("citizenship", 30)], points=[dict(id="oulu", services=["citizenship"])])
        assert client.get("/api/v1/services").json()[0]["name"]["en"] == "citizenship en"
        assert client.get("/api/v1/service-points").json()[0]["name"]["en"] != "Oulu renamed"
        from vuoro.network.models import Service, ServicePoint

        service = Service.objects.get(code="citizenship")
        service.name_en = "Citizenship, renamed"
        service.save()
        point = ServicePoint.objects.get(id="oulu")
        point.name_en = "Oulu renamed"
        point.save()
        assert client.get("/api/v1/services").json()[0]["name"]["en"] == "Citizenship, renamed"
        assert client.get("/api/v1/service-points").json()[0]["name"]["en"] == "Oulu renamed"

    def test_an_unchanged_network_is_not_read_again(self, client):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        load_network(services=[("citizenship", 30)], points=[dict(id="oulu", services=["citizenship"])])
        answers = [client.get(path).content for path in ("/api/v1/services", "/api/v1/service-points")]
        with CaptureQueriesContext(connection) as queries:  # the version only
            assert [client.get(path).content for path in ("/api/v1/services", "/api/v1/service-points")] == answers
        assert not [q["sql"] for q in queries if "network_service" in q["sql"]]
