"""The Content-Security-Policy in Debian's Chromium: staff and public pages and the banner preview work under it."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every violation the page reports, kept before any script of the page runs.
WATCH = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
         "e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));")


def test_pages_and_the_banner_preview_run_under_the_policy(browser, live_server, client, login, members, saved_register):
    from django.conf import settings

    from personvern.consent.services import site_create

    site = site_create(org=saved_register.organisation, url="https://alpha.example")
    login(members["owner"])  # a verified session
    context = browser.new_context(locale="nb-NO")  # the page's own policy is enforced (no bypass_csp)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    context.add_init_script(WATCH)
    page = context.new_page()
    try:
        for path in ("/accounts/orgs/", "/o/alpha/register/", "/o/alpha/notice/", "/o/alpha/requests/",
                     f"/o/alpha/consent/sites/{site.pk}/", "/p/alpha/rettigheter"):
            response = page.goto(live_server.url + path)
            assert response.status == 200 and "script-src 'self'" in response.headers["content-security-policy"]
            assert page.evaluate("window.__csp") == [], path
        page.goto(live_server.url + f"/o/alpha/consent/sites/{site.pk}/preview/")
        banner = page.locator("#pvc")
        banner.wait_for(state="visible", timeout=10_000)
        assert banner.evaluate("e => getComputedStyle(e).position") == "fixed"  # its style ran too, by the nonce
        assert page.evaluate("window.__csp") == []
    finally:
        context.close()
