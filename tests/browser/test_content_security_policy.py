"""The Content-Security-Policy in a real browser: the browser tests see whatever it refuses (so every
browser test fails on a refusal), and the pages no other browser test opens (the back office's lists
and forms, the API docs) work under it with nothing refused."""
import pytest
from django.contrib.auth.models import User

from tests.browser.conftest import pretty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BREAKS_THE_POLICY = """<!doctype html><html lang="en"><title>x</title>
<p style="color: red">inline style</p><img src="https://example.org/x.png" alt="">"""


# The browser tests see refusals. Each of these takes back what the check collected, so the refusals
# it provokes do not fail it.
def test_refusals_of_an_inline_style_an_inline_script_and_a_foreign_image_are_seen(page, live_server,
                                                                                  smoke_network, csp_violations):
    page.goto(live_server.url + "/")
    page.evaluate("""() => document.body.insertAdjacentHTML('beforeend',
        '<p style="color: red">x</p><img src="https://example.org/x.png" alt="">')""")
    with pytest.raises(Exception):  # noqa: B017 - Playwright's add_script_tag fails on the refusal
        page.add_script_tag(content="window.ran = true")
    refused = csp_violations()
    assert any("inline style" in text for text in refused), refused
    assert any("inline script" in text for text in refused), refused
    assert any("image 'https://example.org/x.png'" in text for text in refused), refused
    assert page.evaluate("() => window.ran") is None
    refused.clear()


def test_refusals_are_seen_with_javascript_off_and_in_a_page_the_browser_opens(browser, live_server, csp_violations):
    policy = {"Content-Security-Policy": "default-src 'self'; img-src 'self'"}
    context = browser.new_context(java_script_enabled=False)
    for page in (context.new_page(), browser.new_page()):
        page.route(live_server.url + "/x", lambda route: route.fulfill(
            body=BREAKS_THE_POLICY, content_type="text/html", headers=policy))
        page.goto(live_server.url + "/x")
    refused = csp_violations()
    assert sum("inline style" in text for text in refused) == 2, refused
    refused.clear()


def test_axe_runs_under_the_policy(page, live_server, smoke_network, axe_violations):
    page.goto(live_server.url + "/")
    assert "script-src 'self'" in page.evaluate("async () => (await fetch('/')).headers"
                                                ".get('content-security-policy')")
    assert axe_violations(page) == [], pretty(axe_violations(page))


def test_the_back_office_under_the_policy(page, live_server, smoke_network):
    User.objects.create_superuser("root", password="root-pass-1")
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "root-pass-1")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    lists = sorted({href for href in page.eval_on_selector_all(
        "#content-main th a", "links => links.map(a => a.getAttribute('href'))")})
    assert len(lists) > 10
    for href in lists:  # every list, and the first object of each
        page.goto(live_server.url + href)
        first = page.locator("#result_list tbody th a").first
        if first.count():
            first.click()
            page.wait_for_load_state()
    page.goto(live_server.url + "/admin/network/openingexception/add/")
    page.locator(".datetimeshortcuts a").first.click()  # the admin's own scripts: today's date
    assert page.locator("#id_date").input_value()
    page.locator("#calendarlink0").click()  # and its calendar
    page.locator("#calendarbox0").wait_for(state="visible")
    page.goto(live_server.url + "/admin/auth/user/1/password/")
    page.goto(live_server.url + "/admin/password_change/")


def test_the_api_docs_under_the_policy(page, live_server, smoke_network):
    page.goto(live_server.url + "/api/v1/docs")
    page.locator(".opblock").first.wait_for()  # Swagger UI drew the operations from /api/v1/openapi.json
    services = page.locator(".opblock", has_text="/api/v1/services").first
    services.locator(".opblock-summary").click()
    services.get_by_role("button", name="Try it out").click()
    services.get_by_role("button", name="Execute").click()
    services.locator(".live-responses-table .response-col_status", has_text="200").wait_for()
    assert "residence-card" in services.locator(".live-responses-table").inner_text()
