"""Every staff and back-office page in Finnish and in Swedish says nothing in English.

Each page of the access matrix's world (tests/access/conftest.py) that a superuser opens is asked
in English and in the language under test; a piece of text (a text node, or a placeholder,
title, aria-label, alt or button label) with a word that the English page has too is a leak
("Search varaukset" as much as "Search bookings"), unless the word is the language's own (it is
in one of the site's translations into that language), a name (`SAME`), or data: a word found in
the database (names, addresses, usernames, keys), a number, a date, a code, an address. A failure lists
each leak with the pages it is on: translate it in vuoro/locale/<language>/LC_MESSAGES/django.po,
or give the field, choice or heading a translatable name.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from html.parser import HTMLParser

from django.apps import apps
from django.db import models, transaction
from django.utils.translation import trans_real

from tests.access.conftest import SUPERUSER
from tests.access.test_access_matrix import ENTRIES, OK, _client, _path, _rule

STAFF_PREFIXES = ("admin/", "console/", "staff/")
# Names that are no language's words (brands, keys), left as they are on every page.
SAME = {"vuoro", "Google", "Microsoft", "Authenticator", "Ctrl", "Command", "Control", "Mac", "TOTP", "TOML", "CSV",
        "SMS", "PIN", "ID", "URL", "suomi", "svenska", "Suomi", "Svenska", "English"}
TOKEN = re.compile(r"[^\s,;:()\[\]{}|·/\"'«»“”–—…-]+")
# Not words of a language: numbers and punctuation, addresses, and codes and file names (a digit,
# a mask's *, a dot, an underscore or a bracket in them).
NOT_WORDS = re.compile(r"^(?:[\W\d_]+|https?://\S+|\S+@\S+|[#?]\S*|\S*[\d*._\[\]]\S*)$")
SKIP_TAGS = {"script", "style", "textarea", "pre", "code", "template", "noscript"}
ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}


class _Texts(HTMLParser):
    """The text a reader meets: text nodes outside code and forms' contents, and the labels of controls."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: set[str] = set()
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self._skipping += 1
        attributes = dict(attrs)
        for name in ATTRIBUTES & attributes.keys():
            self._add(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
            self._add(attributes.get("value"))

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self._add(data)

    def _add(self, text):
        text = " ".join((text or "").split())
        if text:
            self.texts.add(text)


def _texts(html: str) -> set[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


def _data_words() -> set[str]:
    """Every word of every text value stored in the database (choices left out: their labels must be translated)."""
    words: set[str] = set()
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField, models.JSONField)) and not f.choices]
        if not fields or model._meta.proxy:
            continue
        for row in model.objects.values_list(*fields):
            for value in row:
                words.update(TOKEN.findall(value if isinstance(value, str) else json.dumps(value)))
    return words


def _vocabulary(language: str) -> set[str]:
    """The words of every translation the site has in `language` (ours, Django's, the other apps'):
    a word found there is that language's, even when English spells it the same ("Status" in Swedish)."""
    catalog = trans_real.translation(language)._catalog
    words: set[str] = set()
    for _key, value in catalog.items():
        for text in value if isinstance(value, tuple) else (value,):
            words.update(word.lower() for word in TOKEN.findall(text))
    return words


def _is_data(text: str, words: set[str], same: set[str]) -> bool:
    if NOT_WORDS.match(text) or text in same:
        return True
    tokens = TOKEN.findall(text)
    return all(token in words or token in same or token.lower() in same or NOT_WORDS.match(token)
               or token.isupper() and len(token) <= 4 for token in tokens)


def _staff_pages(world) -> list[str]:
    paths = []
    for entry in ENTRIES:
        rule = _rule(entry)
        if rule is None or rule.method != "GET" or not entry.route.startswith(STAFF_PREFIXES):
            continue
        if rule.expect.get(SUPERUSER) != OK or entry.page in ("history", "delete"):
            continue
        if entry.model and entry.model not in world.objects:
            continue
        paths.append(_path(entry, rule, world) + (f"?{rule.query}" if rule.query else ""))
    return sorted(set(paths))


def _page(path: str, language: str, user) -> str | None:
    with transaction.atomic():
        client = _client()
        client.force_login(user)
        response = client.get(path, headers={"accept-language": language})
        transaction.set_rollback(True)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return None
    return response.content.decode()


def test_no_staff_or_back_office_page_shows_english_in_finnish_or_swedish(world, db):
    words = _data_words()
    known = {language: SAME | _vocabulary(language) for language in ("fi", "sv")}
    leaks: dict[tuple[str, str], list[str]] = defaultdict(list)
    asked = 0
    for path in _staff_pages(world):
        english = _page(path, "en", world.users[SUPERUSER])
        if english is None:
            continue
        asked += 1
        english_words = {word for text in _texts(english) for word in TOKEN.findall(text)}
        for language, same in known.items():
            for text in _texts(_page(path, language, world.users[SUPERUSER]) or ""):
                if not _is_data(text, words, same) and any(
                        word in english_words and not _is_data(word, words, same) for word in TOKEN.findall(text)):
                    leaks[language, text].append(path)
    assert asked >= 40, f"only {asked} staff pages answered 200 HTML: the world or the rules changed"
    report = "\n".join(f"  {language}: {text!r} on {len(where)} page(s), e.g. {where[0]}"
                       for (language, text), where in sorted(leaks.items()))
    assert not leaks, f"{len(leaks)} English text(s) on Finnish or Swedish staff pages:\n{report}"
