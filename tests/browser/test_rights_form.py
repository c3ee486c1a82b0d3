"""The public rights form in Debian's Chromium: fill it in, submit, see the receipt (and the mail)."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_submits_the_form_and_sees_the_receipt(live_server, page, org, mailbox):
    from personvern.rights.models import Request

    page.goto(f"{live_server.url}/p/{org.slug}/rettigheter")
    assert page.locator("h1").inner_text() == "Dine rettigheter"
    page.get_by_label("Sletting").check()
    page.get_by_label("Navn").fill("Kari Nordmann")
    page.get_by_label("E-post").fill("kari@example.org")
    page.get_by_label("Beskriv kravet (valgfritt)").fill("Slett kontoen min.")
    page.get_by_role("button", name="Send forespørselen").click()
    page.wait_for_url(re.compile(r"/rettigheter/kvittering$"))

    reference = page.get_by_test_id("reference").inner_text().strip()
    req = Request.objects.get()
    assert reference == req.reference and req.type == "erasure"
    assert "Forespørselen er mottatt" in page.locator("h1").inner_text()
    mailbox.wait_for(1)
    assert reference in mailbox.bodies(0)[0]
    assert page.console_errors == []
    assert [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")] == []


def test_the_form_points_out_what_is_wrong(live_server, page, org):
    page.goto(f"{live_server.url}/p/{org.slug}/rights")
    page.get_by_label("Name").fill("Kari Nordmann")
    page.get_by_label("E-mail").fill("not-an-address")
    page.get_by_role("button", name="Send the request").click()
    assert page.get_by_role("alert").first.is_visible()
    assert "/rights" in page.url


@pytest.mark.skipif(not os.environ.get("PERSONVERN_SCREENSHOTS"), reason="set PERSONVERN_SCREENSHOTS=1 to refresh docs/img")
def test_screenshots_for_the_docs(live_server, browser, org, members, saved_register, client, mailbox):
    """PERSONVERN_SCREENSHOTS=1 pytest tests/browser/test_rights_form.py -k screenshots"""
    from django.conf import settings
    from django.utils import timezone

    from personvern.rights import services

    staff = members["privacy_officer"]
    now = timezone.now()
    people = [("access", 26, "Kari Nordmann"), ("erasure", 12, "Ola Hansen"), ("rectification", 33, "Per Berg"),
              ("objection", 3, "Lise Dahl"), ("portability", 40, "Nils Lie")]
    made = []
    for kind, days_ago, name in people:
        req = services.request_submit(org=org, type=kind, name=name, email=f"{name.split()[0].lower()}@example.org",
                                      channel="email", received_at=now - timedelta(days=days_ago), send_link=False)
        made.append(req)
    services.request_send_verification(req=made[3])
    for req in made[:3] + made[4:]:
        services.request_verify_manually(req=req, note="Svarte fra kjent adresse", user=staff)
    first = made[0]
    tasks = list(first.tasks.all())
    services.export_add_rows(first, tasks[0].system_id, [{"kundenr": "K-1001", "navn": "Kari Nordmann"}])
    for task in tasks[:3]:
        services.task_complete(task=task, user=staff, note="Søkt på e-post og kundenummer", evidence="Søk 12.03")
    services.request_extend(req=made[4], user=staff, reasons="Mange systemer og mye historikk.", months=2,
                            notified_at=now - timedelta(days=20), send=False)
    for task in made[1].tasks.all():
        services.task_complete(task=task, user=staff, note="Slettet", evidence="Slettet i admin")
    services.request_complete(req=made[1], user=staff, send=False)

    client.force_login(staff)
    context = browser.new_context(viewport={"width": 1200, "height": 760}, device_scale_factor=1, locale="nb-NO")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    page = context.new_page()
    out = Path(__file__).resolve().parents[2] / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    from django.contrib.staticfiles import finders

    css = finders.find("personvern/app.css")  # static files are not served in tests

    def shoot(url, name, **kw):
        page.goto(url)
        page.add_style_tag(path=str(css))
        page.screenshot(path=str(out / name), **kw)

    shoot(f"{live_server.url}/o/{org.slug}/requests/?all=1", "rights-inbox.png", clip={"x": 0, "y": 0, "width": 1200, "height": 460})
    shoot(f"{live_server.url}/o/{org.slug}/requests/{first.reference}/", "rights-request.png")
    page.goto(f"{live_server.url}/p/{org.slug}/rettigheter")
    page.set_viewport_size({"width": 800, "height": 900})
    page.screenshot(path=str(out / "rights-form.png"))
    context.close()
