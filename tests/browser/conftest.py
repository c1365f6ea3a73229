import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Chromium writes every refusal to the console: "Refused to ... because it violates the following
# Content Security Policy directive: ...", with JavaScript on or off.
CSP_WORDS = "Content Security Policy"


@pytest.fixture
def axe_violations():
    """Run axe-core on the page; returns the WCAG 2.1 A/AA violations (empty when the page passes)."""

    def check(page):
        if not page.evaluate("() => typeof axe !== 'undefined'"):  # not already loaded by an init script
            # Evaluated through the DevTools protocol, which the page's CSP does not govern (a <script>
            # tag would be refused). The source is a statement, so it is wrapped to return nothing.
            page.evaluate(f"() => {{ {AXE.read_text()}\n }}")
        result = page.evaluate(
            # Only violations are collected: the passes axe would list too take twice the time.
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})", WCAG_TAGS)
        return [{"id": v["id"], "help": v["help"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
                for v in result["violations"]]

    return check


@pytest.fixture(autouse=True)
def csp_violations(monkeypatch):
    """Every browser context a test opens (the `page` fixture's, browser.new_context(), browser.new_page())
    reports what the Content-Security-Policy refused; the test fails on any (see pytest_runtest_call).
    The contexts a test opened itself are closed after it."""
    refused, pages, opened = [], [], []

    def watch(context):
        def on_console(message):
            if CSP_WORDS in message.text:
                refused.append(f"{message.page.url if message.page else '?'}: {message.text}")

        context.on("console", on_console)
        context.on("page", lambda page: pages.append(page))
        return context

    new_context, new_page = Browser.new_context, Browser.new_page

    def watched_new_context(self, *args, **kwargs):
        context = watch(new_context(self, *args, **kwargs))
        opened.append(context)
        return context

    def watched_new_page(self, *args, **kwargs):
        page = new_page(self, *args, **kwargs)
        watch(page.context)
        pages.append(page)
        opened.append(page.context)
        return page

    monkeypatch.setattr(Browser, "new_context", watched_new_context)
    monkeypatch.setattr(Browser, "new_page", watched_new_page)

    def collect():
        for page in pages:  # a round trip to each page delivers the console messages sent before it
            if not page.is_closed():
                try:
                    page.evaluate("0")
                except Exception:  # noqa: S110 - a page that is navigating or gone has nothing more to say
                    pass
        return refused

    yield collect
    # Close what the test opened itself: a page left open (a display board) would go on asking the
    # live server, which lasts the whole session, while later tests run.
    for context in opened:
        try:
            context.close()
        except Exception:  # noqa: S110 - already closed with its browser
            pass


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    collect = item.funcargs.get("csp_violations")
    if collect and (refused := collect()):
        pytest.fail("the Content-Security-Policy refused:\n" + "\n".join(refused), pytrace=False)
    return result


def pretty(violations) -> str:
    return json.dumps(violations, indent=1, ensure_ascii=False)
