"""Guidance that ends somewhere: "apply online" and "visit a mission abroad" link to the online service and
the list of missions, in the page's language; the agency sets the addresses in the back office."""
import re

import pytest
from django.contrib.auth.models import Group, User
from django.db import IntegrityError, transaction

from tests.factories import load_network
from vuoro.guidance.models import DEFAULT_LINKS, GuidanceLinks
from vuoro.network.roles import ADMINISTRATOR, MANAGER

pytestmark = pytest.mark.django_db
APPLY_ONLINE = {"matter": "extended-permit", "in_country": "yes", "strong_eid": "yes", "urgent": "no"}
ABROAD = {"matter": "other", "in_country": "no", "strong_eid": "no", "urgent": "no"}
CHANGED = {
    "online_service_url_fi": "https://online.example.fi/fi/", "online_service_url_sv": "https://online.example.fi/sv/",
    "online_service_url_en": "https://online.example.fi/en/", "missions_url_fi": "https://missions.example.fi/fi",
    "missions_url_sv": "https://missions.example.fi/sv", "missions_url_en": "https://missions.example.fi/en",
}


@pytest.fixture
def network(rules):
    load_network(holidays=None, services=[("extended-permit", 30)],
                 points=[dict(id="malmi", services=["extended-permit"])])


def outcome_page(client, data, language):
    sent = client.post("/guidance/", data, headers={"accept-language": language})
    assert sent.status_code == 302, sent.content.decode()[:500]
    page = client.get(sent["Location"], headers={"accept-language": language})
    assert page.status_code == 200
    return page.content.decode()


def links_in(html: str) -> dict[str, str]:
    """data-link name -> the address of each onward link on the page (one address per name)."""
    found: dict[str, set[str]] = {}
    for attributes in re.findall(r"<a ([^>]*data-link=[^>]*)>", html):
        href = re.search(r'href="([^"]+)"', attributes).group(1)
        name = re.search(r'data-link="([^"]+)"', attributes).group(1)
        found.setdefault(name, set()).add(href)
    assert all(len(hrefs) == 1 for hrefs in found.values()), found
    return {name: hrefs.pop() for name, hrefs in found.items()}


def staff(name, role) -> User:
    user = User.objects.create_user(name, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


class TestOnwardLinks:
    @pytest.mark.parametrize("language", ["fi", "sv", "en"])
    def test_apply_online_links_to_the_online_service_in_the_pages_language(self, client, network, language):
        html = outcome_page(client, APPLY_ONLINE, language)
        assert links_in(html) == {"online_service": DEFAULT_LINKS["online_service_url"][language]}
        said = {"fi": "Linkki vie osoitteeseen enterfinland.fi.", "sv": "Länken leder till enterfinland.fi.",
                "en": "The link leads to enterfinland.fi."}[language]
        assert said in html

    @pytest.mark.parametrize("language", ["fi", "sv", "en"])
    def test_a_mission_abroad_links_to_the_missions_and_to_the_online_service(self, client, network, language):
        html = outcome_page(client, ABROAD, language)
        assert links_in(html) == {"missions_abroad": DEFAULT_LINKS["missions_url"][language],
                                  "online_service": DEFAULT_LINKS["online_service_url"][language]}
        button = {"fi": "Etsi Suomen suurlähetystö tai konsulaatti", "sv": "Hitta en finländsk ambassad eller ett "
                  "konsulat", "en": "Find a Finnish embassy or consulate"}[language]
        assert f'data-link="missions_abroad">{button}</a>' in html

    def test_outcomes_at_a_desk_or_with_the_police_link_nowhere_else(self, client, network):
        for data in ({**APPLY_ONLINE, "strong_eid": "no"}, {**APPLY_ONLINE, "matter": "asylum"},
                     {**APPLY_ONLINE, "strong_eid": "no", "urgent": "yes"}):
            assert links_in(outcome_page(client, data, "en")) == {}

    def test_the_addresses_an_administrator_sets_are_the_ones_shown(self, client, network):
        client.force_login(staff("anna", ADMINISTRATOR))
        saved = client.post(f"/admin/guidance/guidancelinks/{GuidanceLinks.current().pk}/change/", CHANGED)
        assert saved.status_code == 302, saved.content.decode()[:2000]
        client.logout()
        assert links_in(outcome_page(client, ABROAD, "sv")) == {"missions_abroad": "https://missions.example.fi/sv",
                                                                "online_service": "https://online.example.fi/sv/"}
        html = outcome_page(client, APPLY_ONLINE, "fi")
        assert links_in(html) == {"online_service": "https://online.example.fi/fi/"}
        assert "Linkki vie osoitteeseen online.example.fi." in html

    def test_a_link_with_markup_in_it_is_escaped_not_run(self, client, network):
        GuidanceLinks.objects.filter(pk=GuidanceLinks.current().pk).update(
            online_service_url_en='https://example.fi/?a="><script>alert(1)</script>')
        html = outcome_page(client, APPLY_ONLINE, "en")
        assert "<script>alert(1)" not in html
        assert 'href="https://example.fi/?a=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


class TestTheLinksInTheBackOffice:
    def test_managers_see_the_links_but_cannot_change_them(self, client, network):
        links = GuidanceLinks.current()
        client.force_login(staff("maija", MANAGER))
        assert client.get("/admin/guidance/guidancelinks/").status_code == 200
        assert client.get(f"/admin/guidance/guidancelinks/{links.pk}/change/").status_code == 200
        assert client.post(f"/admin/guidance/guidancelinks/{links.pk}/change/", CHANGED).status_code == 403
        links.refresh_from_db()
        assert links.urls("missions_url") == DEFAULT_LINKS["missions_url"]

    def test_nobody_adds_a_second_row_or_deletes_the_one(self, client, network):
        links = GuidanceLinks.current()
        client.force_login(User.objects.create_superuser("root", password="x"))
        assert client.get("/admin/guidance/guidancelinks/add/").status_code == 403
        assert client.get(f"/admin/guidance/guidancelinks/{links.pk}/delete/").status_code == 403

    @pytest.mark.parametrize("address", ["enterfinland.fi", "javascript:alert(1)", "ftp://example.fi/", ""])
    def test_an_address_that_is_not_a_web_address_is_refused_by_name(self, client, network, address):
        links = GuidanceLinks.current()
        client.force_login(staff("anna", ADMINISTRATOR))
        answer = client.post(f"/admin/guidance/guidancelinks/{links.pk}/change/",
                             {**CHANGED, "missions_url_en": address}, headers={"accept-language": "en"})
        assert answer.status_code == 200
        html = answer.content.decode()
        assert "Enter a web address that starts with https:// or http://." in html or "This field is required." in html
        links.refresh_from_db()
        assert links.missions_url_en == DEFAULT_LINKS["missions_url"]["en"]

    def test_the_database_refuses_a_second_row_and_an_address_that_is_not_a_web_address(self, network):
        GuidanceLinks.current()
        with pytest.raises(IntegrityError), transaction.atomic():
            GuidanceLinks.objects.create(pk=2)
        with pytest.raises(IntegrityError), transaction.atomic():
            GuidanceLinks.objects.filter(pk=1).update(missions_url_fi="javascript:alert(1)")

    def test_a_change_is_in_the_audit_log(self, client, network):
        from vuoro.audit.models import AuditEntry

        client.force_login(staff("anna", ADMINISTRATOR))
        client.post(f"/admin/guidance/guidancelinks/{GuidanceLinks.current().pk}/change/", CHANGED)
        entry = AuditEntry.objects.get(object_type="guidance.guidancelinks")
        assert entry.after["missions_url_en"] == "https://missions.example.fi/en"


class TestOnwardLinksInTheApi:
    def ask(self, client, **answers):
        body = {"matter": "extended-permit", "in_country": True, "strong_eid": False, **answers}
        answer = client.post("/api/v1/guidance", body, content_type="application/json")
        assert answer.status_code == 200
        return answer.json()

    def test_apply_online_gives_the_online_service_in_each_language(self, client, network):
        data = self.ask(client, strong_eid=True)
        assert data["outcome"] == "apply_online"
        assert data["links"] == {"online_service": DEFAULT_LINKS["online_service_url"]}

    def test_a_mission_abroad_gives_both_addresses(self, client, network):
        data = self.ask(client, in_country=False)
        assert data["outcome"] == "visit_mission_abroad"
        assert data["links"] == {"online_service": DEFAULT_LINKS["online_service_url"],
                                 "missions_abroad": DEFAULT_LINKS["missions_url"]}

    def test_other_outcomes_have_no_links(self, client, network):
        assert "links" not in self.ask(client)
        assert "links" not in self.ask(client, matter="asylum")

    def test_the_schema_documents_the_links(self, client):
        schema = client.get("/api/v1/openapi.json").json()
        answer = schema["components"]["schemas"]["GuidanceOut"]
        assert "links" in answer["properties"] and "links" not in answer.get("required", [])
