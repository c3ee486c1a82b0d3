"""Two-factor that holds: a session that has not given the second factor reaches no page after login,
and creating organisations is the operator's decision (PERSONVERN_ORG_CREATION) and takes a verified factor.

The URLs are read from the URL conf (as tests/test_tenancy.py does), so a view added later is covered."""

from __future__ import annotations

import pytest
from django.urls import get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from personvern.accounts.middleware import BEFORE_SECOND_FACTOR
from personvern.accounts.models import Membership, Organisation, Role
from test_tenancy import alpha_objects, fill, org_routes, org_state, owned_values, walk  # noqa: F401 (a fixture)

CODE_PAGE = "/accounts/two-factor/"


def enrolled_but_unverified(client, user):
    """Signed in with the password only, by a user who has a confirmed TOTP device."""
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    return client


def non_public_urls(values) -> list[str]:
    """Every page after login outside /o/<org>/: the organisation list, its forms, the front page, ..."""
    urls = []
    for route, _ in walk(get_resolver().url_patterns):
        url = fill(route, "alpha", values)[0]
        if not route.startswith("o/") and not url.startswith(BEFORE_SECOND_FACTOR):
            urls.append(url)
    return urls


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_enrolled_officer_without_the_code_reaches_no_org_page(client, members, alpha_objects, saved_register,
                                                                 method):
    """The privacy officer of the issue: password only, then /o/alpha/requests/, request pages, ledger CSV."""
    enrolled_but_unverified(client, members["privacy_officer"])
    alpha = saved_register.organisation
    values = owned_values(alpha)
    before = org_state(alpha)
    checked = 0
    for route in org_routes():
        for url in fill(route, "alpha", values)[:20]:
            response = getattr(client, method)(url)
            assert response.status_code == 302 and response["Location"].startswith(CODE_PAGE), (
                f"{method.upper()} {url} answered {response.status_code} without the second factor")
            checked += 1
    assert checked > len(org_routes()) and org_state(alpha) == before
    assert any("csv" in r or "download" in r or "export" in r for r in org_routes()), "the walk covers downloads"


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_enrolled_user_without_the_code_reaches_no_page_outside_the_orgs_either(client, members, saved_register,
                                                                                  method):
    enrolled_but_unverified(client, members["viewer"])
    urls = non_public_urls(owned_values(saved_register.organisation))
    assert "/accounts/orgs/" in urls and "/accounts/orgs/new/" in urls
    for url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(CODE_PAGE), url
    assert Organisation.objects.count() == 2


def test_the_code_page_sends_back_to_the_page_asked_for(client, members, saved_register):
    enrolled_but_unverified(client, members["privacy_officer"])
    response = client.get("/o/alpha/requests/?status=open")
    assert response["Location"] == CODE_PAGE + "?next=%2Fo%2Falpha%2Frequests%2F%3Fstatus%3Dopen"
    assert client.get(response["Location"]).status_code == 200


def test_a_login_with_the_password_only_then_the_inbox_is_refused(client, members, saved_register):
    """End to end through the login form, as in the issue."""
    TOTPDevice.objects.create(user=members["privacy_officer"], name="phone", confirmed=True)
    response = client.post("/accounts/login/", {"username": "privacy_officer", "password": PASSWORD})
    assert response["Location"].startswith(CODE_PAGE)
    assert client.get("/o/alpha/requests/")["Location"].startswith(CODE_PAGE)


def test_a_verified_session_and_a_member_without_a_device_get_in(client, members, login, saved_register):
    client.force_login(members["viewer"])  # no device: not asked (only owners must enrol)
    assert client.get("/o/alpha/register/").status_code == 200
    login(members["privacy_officer"])
    assert client.get("/o/alpha/requests/").status_code == 200


# --------------------------------------------------------------------------
# Creating organisations
# --------------------------------------------------------------------------


def create(client, name="Gamma Regnskap AS"):
    response = client.post("/accounts/orgs/new/", {"name": name})
    return response, Organisation.objects.filter(name=name).first()


@pytest.mark.parametrize("mode, who, allowed", [
    ("off", "owner", False),
    ("off", "superuser", True),
    ("members", "viewer", True),
    ("members", "no_org", False),
    ("open", "no_org", True),
])
def test_who_may_create_an_organisation_is_the_operators_setting(client, members, make_user, login, settings,
                                                                mode, who, allowed):
    settings.PERSONVERN_ORG_CREATION = mode
    users = {**members, "no_org": make_user("no_org"), "superuser": make_user("root", is_superuser=True)}
    login(users[who])
    page = client.get("/accounts/orgs/").content.decode()
    assert ('href="/accounts/orgs/new/"' in page) == allowed
    response, org = create(client)
    if allowed:
        assert response.status_code == 302 and Membership.objects.get(organisation=org, user=users[who]).role == Role.OWNER
    else:
        assert response.status_code == 403 and org is None
        assert "driftsansvarlig" in response.content.decode()


def test_creating_an_organisation_takes_a_verified_second_factor(client, make_user, settings):
    settings.PERSONVERN_ORG_CREATION = "open"
    client.force_login(make_user("no_device"))  # not an owner yet, so not asked for a code until here
    response, org = create(client)
    assert org is None and response["Location"] == CODE_PAGE + "?next=%2Faccounts%2Forgs%2Fnew%2F"


def test_an_owner_without_a_code_cannot_create_an_organisation(client, members, settings):
    settings.PERSONVERN_ORG_CREATION = "open"
    client.force_login(members["owner"])
    response, org = create(client)
    assert org is None and response["Location"].startswith(CODE_PAGE)


def test_the_default_is_that_only_operators_create_organisations():
    import subprocess
    import sys

    code = "import django; django.setup(); " \
           "from django.conf import settings; print(settings.PERSONVERN_ORG_CREATION)"
    env = {"DJANGO_SETTINGS_MODULE": "personvern.settings", "PERSONVERN_DEV": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "off"
