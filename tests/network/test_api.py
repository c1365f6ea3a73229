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
