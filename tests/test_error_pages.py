"""Our own 403, 404, 500 and expired-form pages, in the visitor's language, with DEBUG off:
each says what happened and where to go next; none is Django's plain English page."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import path

from vuoro.network.roles import CLERK, ensure_staff_groups
from vuoro.urls import urlpatterns as site_patterns


def _broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", _broken), *site_patterns]
handler500 = "vuoro.unavailable.server_error"

WORDS = {
    "fi": {404: "Sivua ei löydy", 403: "Ei sallittu", 500: "Jotain meni vikaan", "csrf": "Lomake on vanhentunut"},
    "sv": {404: "Sidan hittades inte", 403: "Inte tillåtet", 500: "Något gick fel", "csrf": "Formuläret har gått ut"},
    "en": {404: "Page not found", 403: "Not allowed", 500: "Something went wrong", "csrf": "The form has expired"},
}


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]


def _heading(response) -> str:
    html = response.content.decode()
    return html.split("<h1>", 1)[1].split("</h1>", 1)[0]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.django_db
def test_an_unknown_page_is_our_404_in_the_visitors_language(client, language):
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert _heading(response) == WORDS[language][404]
    assert f'<html lang="{language}">' in response.content.decode()
    assert 'href="/book/"' in response.content.decode()  # the way on


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.django_db
def test_a_staff_page_outside_ones_role_is_our_403(client, language):
    ensure_staff_groups()
    user = User.objects.create_user("clerk", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=CLERK))  # planning is for managers and administrators
    client.force_login(user)
    response = client.get("/staff/planning/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    assert _heading(response) == WORDS[language][403]
    assert 'href="/admin/"' in response.content.decode()


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.urls("tests.test_error_pages")
@pytest.mark.django_db
def test_a_bug_is_our_500_in_the_visitors_language(language):
    client = Client(raise_request_exception=False)
    response = client.get("/broken/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 500
    assert _heading(response) == WORDS[language][500]
    assert 'href="/manage/"' in response.content.decode()


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.django_db
def test_an_expired_form_is_our_page_and_says_nothing_was_saved(language):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/manage/", {"reservation_key": "X", "pin": "1"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    assert _heading(response) == WORDS[language]["csrf"]
