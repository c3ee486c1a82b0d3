"""Every /o/<org>/requests/ URL: 404 for an outsider, a login redirect for an anonymous visitor
(the project-wide walk in tests/test_tenancy.py, restricted to this app so it runs on its own)."""

from __future__ import annotations

import pytest

from test_tenancy import fill, org_routes, owned_values


@pytest.fixture
def a_request(org, saved_register):
    from personvern.rights import services

    req = services.request_submit(org=org, type="access", name="Ola", channel="phone", send_link=False)
    return req


def rights_routes() -> list[str]:
    return [r for r in org_routes() if r.startswith("o/<slug:org>/requests/")]


def test_the_app_has_org_scoped_routes():
    assert len(rights_routes()) >= 5


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_on_every_rights_url(client, members, a_request, login, method, org):
    login(members["outsider"])
    values = owned_values(org)
    for route in rights_routes():
        for url in fill(route, org.slug, values)[:20]:
            assert getattr(client, method)(url).status_code == 404, url


def test_anonymous_visitor_is_sent_to_login_on_every_rights_url(client, a_request, org):
    values = owned_values(org)
    for route in rights_routes():
        for url in fill(route, org.slug, values)[:20]:
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code == 302 and "/accounts/login" in response["Location"], url
