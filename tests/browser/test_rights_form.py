"""The public rights form in Debian's Chromium: fill it in, submit, see the receipt (and the mail)."""

from __future__ import annotations

import re

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
