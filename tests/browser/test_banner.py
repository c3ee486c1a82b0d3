"""The consent banner in Debian's Chromium: blocking, choices, GCM v2, GPC, CSP, keyboard, ledger, axe."""

from __future__ import annotations

import itertools
import time
from urllib.parse import urlsplit

import pytest

from conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NONCE = "n0nce-t3st"
CSP = (
    f"default-src 'self'; script-src 'nonce-{NONCE}' 'strict-dynamic'; style-src 'nonce-{NONCE}'; "
    "frame-src 'self'; connect-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'"
)
_loads = itertools.count()

PAGE = """<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>Testbutikk</title>
{snippet}
{extra}
</head>
<body>
<main>
{body_start}
<h1>Testbutikk</h1>
<p><a href="#personvern">Endre samtykke</a></p>
<script type="text/plain" data-category="statistics" nonce="{nonce}">
  (window.ran = window.ran || []).push("statistics"); document.cookie = "_ga=GA1.1; path=/";
</script>
<script type="text/plain" data-category="marketing" src="/__test/marketing.js"></script>
<script type="text/plain" data-category="functional" nonce="{nonce}">(window.ran = window.ran || []).push("functional");</script>
<iframe data-category="marketing" data-src="/__test/frame.html" title="Video"></iframe>
</main>
</body>
</html>"""


@pytest.fixture
def shop(live_server, org):
    """The organisation's register lists the live server as its website; a Site runs the banner."""
    from personvern.consent import services
    from personvern.consent.models import Site
    from consent.conftest import save_register

    save_register(org, url=live_server.url)
    services.forget_all()
    return Site.objects.create(organisation=org, url=live_server.url)


@pytest.fixture
def visit(browser, live_server, shop):
    """Open the shop page in a fresh browser context; returns (page, requests seen)."""
    from personvern.consent.services import snippet

    contexts = []

    def open_page(*, lang="nb", gpc=False, context=None, bypass_csp=False, extra="", days_later=0, late=False):
        if context is None:
            context = browser.new_context(locale="nb-NO", bypass_csp=bypass_csp)
            contexts.append(context)
            context.seen = []

            def page_route(route):
                n = next(_loads)
                stub, script = snippet(shop, live_server.url, nonce=NONCE).replace(".js\"", f".js?load={n}\"").split("\n")
                body_start = ""
                if context.late:  # the banner runs while the parser is still in the body, before the marked tags
                    script, body_start = "", script.replace(" async", "") + (
                        f'<script nonce="{NONCE}">window.early = Array.from(dataLayer)'
                        ".filter(a => a[0] === 'consent' && a[1] === 'update').length</script>")
                html = PAGE.format(lang=context.lang, nonce=NONCE, extra=context.extra, snippet=stub + "\n" + script,
                                   body_start=body_start)
                route.fulfill(status=200, body=html, headers={"Content-Type": "text/html; charset=utf-8",
                                                               "Content-Security-Policy": CSP})

            def asset(route):
                context.seen.append(route.request.url)
                if route.request.url.endswith(".js"):
                    body, kind = "(window.ran = window.ran || []).push('marketing'); document.cookie = '_fbp=fb.1; path=/';", "text/javascript"
                else:
                    body, kind = "<!doctype html><title>frame</title><p>video</p>", "text/html"
                route.fulfill(status=200, body=body, headers={"Content-Type": kind})

            context.route(f"{live_server.url}/shop", page_route)
            context.route(f"{live_server.url}/__test/*", asset)
        context.lang, context.extra, context.late = lang, extra, late
        pg = context.new_page()
        if gpc:
            pg.add_init_script("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})")
        if days_later:
            pg.add_init_script(f"(() => {{ const now = Date.now; Date.now = () => now() + {days_later} * 864e5; }})()")
        pg.errors = []
        pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
        pg.on("response", lambda r: pg.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        pg.on("requestfailed", lambda r: pg.errors.append(f"failed {r.url} {r.failure}"))
        pg.set_default_timeout(8000)
        pg.goto(f"{live_server.url}/shop")
        wait(pg, "!!(window.personvern && window.personvern.has)")
        return pg

    yield open_page
    for c in contexts:
        c.close()


def wait(pg, expression: str, timeout: float = 8.0):
    """Poll a JS expression from Python (the page's CSP forbids Playwright's eval-based polling)."""
    deadline = time.monotonic() + timeout
    while not pg.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}; page errors: {getattr(pg, 'errors', [])}")
        time.sleep(0.05)


def ran(pg) -> list[str]:
    return pg.evaluate("window.ran || []")


def consent_updates(pg) -> list[dict]:
    return pg.evaluate(
        "Array.from(window.dataLayer).filter(a => a[0] === 'consent').map(a => [a[1], JSON.parse(JSON.stringify(a[2]))])"
    )


def records(expected: int, timeout: float = 5.0):
    from personvern.consent.models import ConsentRecord

    deadline = time.monotonic() + timeout
    while ConsentRecord.objects.count() < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # and no more arrive
    return list(ConsentRecord.objects.order_by("at", "id"))


def banner(pg):
    return pg.locator("#pvc")


def test_nothing_runs_before_consent(visit):
    pg = visit()
    assert banner(pg).is_visible()
    assert ran(pg) == []
    assert pg.context.seen == []
    assert pg.locator("iframe").get_attribute("src") is None
    assert consent_updates(pg)[0] == ["default", {
        "ad_storage": "denied", "ad_user_data": "denied", "ad_personalization": "denied",
        "analytics_storage": "denied", "functionality_storage": "denied", "personalization_storage": "denied",
        "security_storage": "granted", "wait_for_update": 500,
    }]
    buttons = pg.locator("#pvc .pvc-bs button")
    assert buttons.all_inner_texts() == ["Godta alle", "Avvis alle", "Tilpass"]
    classes = {b.get_attribute("class") for b in buttons.all()}
    assert classes == {"pvc-b"}  # equal prominence: the same style ...
    looks = buttons.evaluate_all("""bs => bs.map(b => { const s = getComputedStyle(b), r = b.getBoundingClientRect();
        return [Math.round(r.width), Math.round(r.height), s.backgroundColor, s.color, s.fontSize, s.fontWeight,
                s.borderTopWidth, s.borderTopColor, s.paddingTop]; })""")
    assert len({tuple(x) for x in looks}) == 1, looks  # ... as the browser draws them: same size and colours
    assert len({round(b.bounding_box()["y"]) for b in buttons.all()}) == 1  # side by side, none further down
    assert pg.locator("#pvc input[type=checkbox]:checked").count() == 0
    assert pg.errors == []  # includes CSP violations


def test_reject_all_keeps_everything_off(visit):
    pg = visit()
    pg.get_by_role("button", name="Avvis alle").click()
    assert not banner(pg).is_visible()
    pg.reload()
    wait(pg, "!!(window.personvern && window.personvern.has)")
    assert not banner(pg).is_visible()  # the refusal is remembered
    assert ran(pg) == [] and pg.context.seen == []
    [rec] = records(1)
    assert rec.method == "reject_all" and rec.choices() == {"functional": False, "statistics": False, "marketing": False}


def test_accept_all_runs_everything_and_updates_consent_mode(visit, shop, live_server):
    from personvern.consent import services

    # personvern answers on the site's own domain here (the page and the API share a host)
    services.site_update(site=shop, fields={"cookie_domain": urlsplit(live_server.url).hostname})
    pg = visit()
    pg.get_by_role("button", name="Godta alle").click()
    wait(pg, "(window.ran || []).length === 3")
    assert sorted(ran(pg)) == ["functional", "marketing", "statistics"]
    wait(pg, "document.querySelector('iframe').src.endsWith('/__test/frame.html')")
    assert consent_updates(pg)[-1] == ["update", {
        "ad_storage": "granted", "ad_user_data": "granted", "ad_personalization": "granted",
        "analytics_storage": "granted", "functionality_storage": "granted", "personalization_storage": "granted",
        "security_storage": "granted",
    }]
    [rec] = records(1)
    assert rec.method == "accept_all" and all(rec.choices().values())
    assert rec.language == "nb" and rec.ip == "127.0.0.0"
    cookie = {c["name"]: c for c in pg.context.cookies()}[f"pvc_{shop.key}"]
    assert cookie["value"].startswith(rec.consent_id + ".")
    assert cookie["expires"] > time.time() + 180 * 86400  # set by the server: not capped at 7 days
    assert pg.errors == []


def test_custom_choice_runs_exactly_the_chosen_categories(visit):
    pg = visit()
    pg.get_by_role("button", name="Tilpass").click()
    pg.get_by_label("Statistikk").check()
    pg.get_by_role("button", name="Lagre valg").click()
    wait(pg, "(window.ran || []).length === 1")
    time.sleep(0.3)
    assert ran(pg) == ["statistics"]
    assert pg.context.seen == []
    assert consent_updates(pg)[-1][1]["analytics_storage"] == "granted"
    assert consent_updates(pg)[-1][1]["ad_storage"] == "denied"
    [rec] = records(1)
    assert rec.method == "custom" and rec.choices() == {"functional": False, "statistics": True, "marketing": False}


def test_gpc_refuses_marketing_and_says_so(visit):
    pg = visit(gpc=True)
    assert "Global Privacy Control" in banner(pg).inner_text()
    pg.get_by_role("button", name="Godta alle").click()
    wait(pg, "(window.ran || []).length === 2")
    time.sleep(0.3)
    assert sorted(ran(pg)) == ["functional", "statistics"]
    assert pg.context.seen == []
    [rec] = records(1)
    assert rec.method == "gpc" and rec.marketing is False and rec.statistics is True


def test_gpc_turned_on_after_accept_all_asks_again_and_marketing_stays_off(visit):
    pg = visit()
    pg.get_by_role("button", name="Godta alle").click()
    records(1)
    pg2 = visit(context=pg.context, gpc=True)
    assert banner(pg2).is_visible() and "Global Privacy Control" in banner(pg2).inner_text()
    time.sleep(0.3)
    assert ran(pg2) == [] and consent_updates(pg2)[-1][1]["ad_storage"] == "denied"
    pg2.get_by_role("button", name="Godta alle").click()
    wait(pg2, "(window.ran || []).length === 2")
    assert "marketing" not in ran(pg2)
    first, second = records(2)
    assert (first.method, second.method) == ("accept_all", "gpc") and not second.marketing
    # an explicit yes to marketing under "Tilpass" is the visitor's own choice, and it is kept
    pg2.get_by_role("link", name="Endre samtykke").click()
    pg2.get_by_role("button", name="Tilpass").click()
    pg2.get_by_label("Markedsføring").check()
    pg2.get_by_role("button", name="Lagre valg").click()
    records(3)
    pg3 = visit(context=pg.context, gpc=True)
    assert not banner(pg3).is_visible()
    wait(pg3, "(window.ran || []).includes('marketing')")


def test_reopen_and_withdraw_stops_future_loading(visit):
    pg = visit()
    pg.get_by_role("button", name="Godta alle").click()
    wait(pg, "(window.ran || []).length === 3")
    assert "_fbp" in pg.evaluate("document.cookie")
    wait(pg, "!!window.personvern.id")  # the ledger answered with the consent id
    pg.get_by_role("link", name="Endre samtykke").click()
    assert banner(pg).is_visible()
    assert pg.locator("#pvc").get_by_text("Samtykke-ID").is_visible()
    pg.get_by_role("button", name="Avvis alle").click()
    assert pg.locator("iframe").get_attribute("src") == "about:blank"
    assert "_fbp" not in pg.evaluate("document.cookie") and "_ga" not in pg.evaluate("document.cookie")
    assert consent_updates(pg)[-1][1]["ad_storage"] == "denied"
    pg2 = visit(context=pg.context)
    assert not banner(pg2).is_visible()
    time.sleep(0.3)
    assert ran(pg2) == []
    first, second = records(2)
    assert (first.method, second.method) == ("accept_all", "reject_all")
    assert first.consent_id == second.consent_id
    # the reopen button is a permanent way back as well
    pg2.get_by_role("button", name="Informasjonskapsler: Tilpass").click()
    assert banner(pg2).is_visible()


def test_marked_tags_after_the_banner_script_run_for_a_returning_visitor(visit):
    pg = visit(late=True)  # document still loading when the banner starts
    assert banner(pg).is_visible() and ran(pg) == [] and pg.context.seen == []
    assert pg.evaluate("window.early") == 0  # nothing granted yet
    pg.get_by_role("button", name="Godta alle").click()
    wait(pg, "(window.ran || []).length === 3")
    records(1)
    pg2 = visit(context=pg.context, late=True)
    assert pg2.evaluate("window.early") == 1  # Consent Mode heard the choice before the rest was parsed
    assert consent_updates(pg2)[-1][1]["ad_storage"] == "granted"
    wait(pg2, "(window.ran || []).length === 3")
    assert sorted(ran(pg2)) == ["functional", "marketing", "statistics"]
    wait(pg2, "document.querySelector('iframe').src.endsWith('/__test/frame.html')")
    assert pg2.errors == []


@pytest.fixture
def own_sites():
    """Real web servers on loopback for organisations' own sites: {origin: html} -> the origins.
    (A page that the browser was handed by a route would count as public and be denied loopback.)"""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    servers = []

    def start(count: int) -> tuple[list[str], dict]:
        pages: dict[str, str] = {}

        class Page(BaseHTTPRequestHandler):
            def do_GET(self):
                body = pages[f"http://localhost:{self.server.server_port}"].encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        origins = []
        for _ in range(count):
            server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
            servers.append(server)
            origins.append(f"http://localhost:{server.server_port}")
        return origins, pages

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_two_organisations_sites_give_one_visitor_two_ids(browser, live_server, org, other_org, own_sites):
    """One visitor, two organisations' sites on two loopback origins that are the same site as
    personvern's host (only the port differs, so a cookie of that host would go with both)."""
    from personvern.consent import services
    from personvern.consent.models import ConsentRecord, Site
    from consent.conftest import save_register

    assert urlsplit(live_server.url).hostname == "localhost"
    origins, pages = own_sites(2)
    sites = []
    for organisation, origin in zip((org, other_org), origins, strict=True):
        save_register(organisation, url=origin)
        sites.append(Site.objects.create(organisation=organisation, url=origin))
        pages[origin] = (f"<!doctype html><html lang=nb><head><meta charset=utf-8><title>{organisation.name}</title>"
                         f"{services.snippet(sites[-1], live_server.url)}</head><body><h1>{organisation.name}</h1>"
                         "</body></html>")
    services.forget_all()
    context = browser.new_context(locale="nb-NO")
    ids = []
    try:
        for origin in origins:
            pg = context.new_page()
            pg.errors = []
            pg.on("pageerror", lambda e, pg=pg: pg.errors.append(str(e)))
            pg.on("requestfailed", lambda r, pg=pg: pg.errors.append(f"failed {r.url} {r.failure}"))
            pg.goto(f"{origin}/")
            wait(pg, "!!(window.personvern && window.personvern.has)")
            pg.get_by_role("button", name="Godta alle").click()
            wait(pg, "!!window.personvern.id")
            ids.append(pg.evaluate("window.personvern.id"))
            assert pg.errors == []
        assert ids[0] != ids[1]
        stored = {(r.site_id, r.consent_id) for r in ConsentRecord.objects.all()}
        assert stored == {(sites[0].id, ids[0]), (sites[1].id, ids[1])}
        assert not [c["name"] for c in context.cookies() if c["name"].startswith("pvc")]  # no cookie of the host
    finally:
        context.close()


def test_a_lost_answer_is_retried_and_stored_once(visit, live_server):
    pg = visit()
    posts = []

    def lose_first_answer(route):
        posts.append(route.request.post_data)
        if len(posts) == 1:
            route.fetch()  # the server stores the decision ...
            route.fulfill(status=503, body="")  # ... but the browser never hears so
        else:
            route.continue_()

    pg.context.route(f"{live_server.url}/api/consent", lose_first_answer)
    pg.get_by_role("button", name="Godta alle").click()
    wait(pg, "!!window.personvern.id", timeout=10)  # the retry (after 1 s) was answered
    assert len(posts) == 2 and posts[0] == posts[1]  # the same body, so the same record id
    [rec] = records(1)
    assert rec.method == "accept_all"
    assert pg.evaluate("Object.keys(localStorage).filter(k => k.endsWith('_q'))") == []  # nothing left to resend


def test_a_changed_cookie_set_asks_again(visit, org, live_server):
    from personvern.consent import services
    from consent.conftest import save_register

    pg = visit()
    pg.get_by_role("button", name="Godta alle").click()
    records(1)
    pg2 = visit(context=pg.context)
    assert not banner(pg2).is_visible()
    save_register(org, url=live_server.url, extra_cookie="  - name: _hjid\n    category: statistics\n    expiry: P1Y\n")
    services.forget_all()
    pg3 = visit(context=pg.context)
    assert banner(pg3).is_visible()
    time.sleep(0.3)
    assert ran(pg3) == []  # the old consent no longer counts
    pg3.get_by_role("button", name="Avvis alle").click()
    first, second = records(2)
    assert first.version != second.version


def test_keyboard_only(visit):
    pg = visit()

    def tab_to(name: str, limit: int = 30):
        for _ in range(limit):
            pg.keyboard.press("Tab")
            label = pg.evaluate(
                "(() => { const e = document.activeElement; return e.labels && e.labels.length ? e.labels[0].textContent : e.textContent })()"
            )
            if label.strip() == name:
                return
        raise AssertionError(f"never reached {name!r} with Tab")

    tab_to("Tilpass")
    pg.keyboard.press("Enter")
    assert pg.locator("#pvc-c").is_visible()
    tab_to("Statistikk")
    pg.keyboard.press("Space")
    tab_to("Lagre valg")
    pg.keyboard.press("Enter")
    wait(pg, "(window.ran || []).length === 1")
    assert ran(pg) == ["statistics"]
    assert pg.evaluate("document.activeElement.className") == "pvc-re"  # focus lands on the way back
    # reopen with the keyboard, close with Escape, focus returns to the link
    pg.locator("a[href='#personvern']").focus()
    pg.keyboard.press("Enter")
    assert banner(pg).is_visible()
    assert pg.evaluate("document.activeElement.textContent") == "Godta alle"
    pg.keyboard.press("Escape")
    assert not banner(pg).is_visible()
    assert pg.evaluate("document.activeElement.textContent") == "Endre samtykke"
    [rec] = records(1)
    assert rec.statistics and not rec.marketing


def test_english_page_gets_english_banner(visit):
    pg = visit(lang="en-GB")
    assert pg.get_by_role("button", name="Reject all").is_visible()
    pg.get_by_role("button", name="Reject all").click()
    [rec] = records(1)
    assert rec.language == "en"
    wait(pg, "!!window.personvern.id")
    pg.get_by_role("link", name="Endre samtykke").click()
    receipt = pg.get_by_role("link", name="See receipt")
    assert receipt.get_attribute("href").endswith(f"/receipt/{rec.consent_id}?lang=en")


@pytest.mark.parametrize("lang", ["no", "nn", "nb-NO"])
def test_norwegian_variants_get_bokmal(visit, lang):
    pg = visit(lang=lang)
    assert pg.get_by_role("button", name="Avvis alle").is_visible()


def test_axe_finds_no_violations_in_the_banner(visit):
    pg = visit(bypass_csp=True)  # axe is injected as an inline script
    assert axe_violations(pg) == []
    pg.get_by_role("button", name="Tilpass").click()
    pg.locator("#pvc details").first.evaluate("d => d.open = true")
    assert axe_violations(pg) == []
    pg.get_by_role("button", name="Lagre valg").click()
    wait(pg, "!!window.personvern.id")
    assert axe_violations(pg) == []  # the way back button on the page
    pg.get_by_role("link", name="Endre samtykke").click()
    assert pg.get_by_role("button", name="Lukk").is_visible() and pg.get_by_text("Samtykke-ID").is_visible()
    assert axe_violations(pg) == []  # the reopened banner: close button, consent ID, receipt link


def test_the_choice_is_asked_again_after_its_lifetime(visit):
    pg = visit()
    pg.get_by_role("button", name="Avvis alle").click()
    records(1)
    assert not banner(visit(context=pg.context, days_later=181)).is_visible()  # refusals are remembered
    assert banner(visit(context=pg.context, days_later=183)).is_visible()  # six months later: asked again


def test_personvern_open_works_before_the_script_has_loaded(visit):
    pg = visit()
    pg.get_by_role("button", name="Godta alle").click()
    records(1)
    pg2 = visit(context=pg.context, extra=f'<script nonce="{NONCE}">personvern.open()</script>')
    assert banner(pg2).is_visible()
    assert pg2.evaluate("document.activeElement.textContent") == "Godta alle"


def test_axe_finds_no_violations_on_the_form_and_the_receipt(page, live_server, shop, org):
    from personvern.consent.models import NewsletterList

    newsletter = NewsletterList.objects.create(organisation=org, name="Alpha-nytt", wording_nb="Ja takk, send meg nyhetsbrevet.")
    page.goto(f"{live_server.url}/c/n/{newsletter.key}/")
    assert page.get_by_label("Ja takk, send meg nyhetsbrevet.").is_checked() is False
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/c/{shop.key}/receipt/{'A' * 22}")
    assert axe_violations(page) == []
