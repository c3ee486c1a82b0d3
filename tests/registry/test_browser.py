"""The register's pages in Debian's Chromium: edit with the keyboard's labels, see the error, pass axe-core."""

from __future__ import annotations

import pytest
from conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serious(page) -> list[dict]:
    return [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]


@pytest.fixture
def editor_page(live_server, page, members, login, saved_register):
    client = login(members["editor"])
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page.base = f"{live_server.url}/o/{saved_register.organisation.slug}/register/"
    return page


def test_an_editor_sees_the_error_next_to_the_field_and_fixes_it(editor_page, saved_register):
    page = editor_page
    activity = saved_register.register().activities[0]
    page.goto(page.base + f"activities/{activity.id}/")
    period = page.get_by_label("Periode (f.eks. P12M)")
    period.fill("12 mnd")
    page.get_by_role("button", name="Lagre ny versjon").click()
    assert page.get_by_role("alert").first.is_visible()
    period = page.get_by_label("Periode (f.eks. P12M)")
    assert period.get_attribute("aria-invalid") == "true"
    described = period.get_attribute("aria-describedby").split()[0]
    assert "write P12M" in page.locator(f"#{described}").inner_text()
    assert serious(page) == []

    period.fill("P12M")
    page.get_by_role("button", name="Lagre ny versjon").click()
    page.wait_for_url(page.base + "#activities")
    assert "versjon 2" in page.locator(".messages").inner_text()


@pytest.mark.parametrize("path", ["", "edit/controller/", "edit/recipients/", "history/", "history/1/", "upload/"])
def test_the_pages_pass_axe(editor_page, path):
    editor_page.goto(editor_page.base + path)
    assert serious(editor_page) == []
