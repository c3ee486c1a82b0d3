"""The public notice page in Debian's Chromium: it renders, logs no console error, passes axe-core, and
a register text holding <script> or an onerror= payload shows as text and never runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPT = "<script>window.__pwned = 1</script>"
ONERROR = '<img src=x onerror="window.__pwned = 2">'


@pytest.fixture
def published(org, make_user, monkeypatch):
    """The Bagges example, with hostile markup in a purpose and a statement, published for `org`."""
    from personvern.core.manifest import Text, load_register
    from personvern.notices import services
    from personvern.registry.services import register_save

    monkeypatch.setattr(services, "notice_lint", lambda register, lang="nb": [])
    reg = load_register(EXAMPLES / "bagges.yaml")
    reg.activities[0].purpose = Text(nb=f"Statistikk {SCRIPT}", en=f"Statistics {SCRIPT}")
    reg.notice.statements.append(Text(nb=f"Merk {ONERROR}", en=f"Note {ONERROR}"))
    register_save(org=org, register=reg, message="hostile")
    return services.notice_publish(org=org, user=make_user("editor"), base_url="http://testserver")


def _open(pg, url):
    response = pg.goto(url)
    pg.wait_for_load_state("load")
    return response


@pytest.mark.parametrize("path, lang, heading", [
    ("/p/alpha/personvern", "nb", "Personvernerklæring for BAGGES AS"),
    ("/p/alpha/privacy", "en", "Privacy notice for BAGGES AS"),
    ("/p/alpha/personvern/embed", "nb", "Personvernerklæring for BAGGES AS"),
])
def test_the_public_notice_renders_without_console_errors(page, live_server, published, path, lang, heading):
    response = _open(page, live_server.url + path)
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").first.inner_text() == heading
    assert page.locator("table").count() >= 1  # cookies and processors
    assert page.locator("#klage").is_visible()
    # In-page navigation works.
    page.locator('nav a[href="#klage"]').first.click()
    assert page.evaluate("location.hash") == "#klage"
    assert page.console_errors == []


def test_markup_in_the_register_shows_as_text_and_never_runs(page, live_server, published):
    _open(page, live_server.url + "/p/alpha/personvern")
    body = page.locator("main").inner_text()
    assert SCRIPT in body and ONERROR in body
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("main script").count() == 0
    assert page.locator("main img").count() == 0
    assert page.console_errors == []


@pytest.mark.parametrize("path", [
    "/p/alpha/personvern", "/p/alpha/privacy", "/p/alpha/personvern/versjoner", "/p/alpha/personvern/versjoner/1",
])
def test_axe_finds_no_violations(browser, live_server, published, path):
    # axe is injected as a script: let it past the page's script-src 'none'.
    context = browser.new_context(locale="nb-NO", bypass_csp=True)
    try:
        pg = context.new_page()
        _open(pg, live_server.url + path)
        assert axe_violations(pg) == []
    finally:
        context.close()


def test_the_preview_beside_the_register_passes_axe_and_runs_no_register_markup(browser, live_server, org, make_user,
                                                                              published):
    from django.conf import settings
    from django.test import Client

    from personvern.accounts.models import Membership, Role

    editor = make_user("preview-editor")
    Membership.objects.create(user=editor, organisation=org, role=Role.EDITOR)
    client = Client()
    client.force_login(editor)
    context = browser.new_context(locale="nb-NO", bypass_csp=True)
    try:
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                              "url": live_server.url}])
        pg = context.new_page()
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        response = _open(pg, live_server.url + "/o/alpha/notice/")
        assert response.status == 200
        assert pg.locator(".notice-preview h3").first.inner_text() == "Personvernerklæring for BAGGES AS"
        assert SCRIPT in pg.locator(".notice-preview").inner_text()
        assert pg.evaluate("typeof window.__pwned") == "undefined" and errors == []
        assert axe_violations(pg) == []
    finally:
        context.close()
