"""The OpenAPI description of the public JSON API (src/personvern/openapi.yaml) is true:
it names every public JSON endpoint, every path in it resolves, and schemathesis, driving
the real application (the consent fast path and Django behind it) from the description,
finds no server error and no answer the description does not allow."""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from consent.conftest import save_register
from personvern.consent.wsgi import application as fast_path_application
from personvern.openapi import spec
from personvern.wsgi import application as django_application

pytestmark = pytest.mark.django_db


def public_paths() -> set[str]:
    """Every URL pattern outside /o/ and the login pages that answers JSON: /api/... and *.json."""
    found = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and (route.startswith("api/") or route.endswith(".json")):
                found.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))

    walk(get_resolver().url_patterns)
    return found


def test_the_description_names_every_public_json_endpoint_and_no_other():
    assert set(spec()["paths"]) == public_paths()


def test_it_is_served_as_json(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.json() == spec()


@pytest.fixture
def site(org):
    from personvern.consent import services
    from personvern.consent.models import Site
    from personvern.notices.services import notice_publish

    save_register(org)
    notice_publish(org=org, override_reason="test")
    services.forget_all()
    return Site.objects.create(organisation=org, url="https://alpha.example")


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch):
    from personvern.consent import api

    monkeypatch.setattr(api.limiter, "per_minute", 0)


# A transactional database: the WSGI apps close the connection after each request, as they do in production,
# which on PostgreSQL would close the test's own transaction.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("app", [fast_path_application, django_application], ids=["fast-path", "django"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_no_input_from_the_description_gets_a_server_error(site, app, mode):
    """Positive cases (what the description allows) must get an answer the description allows;
    negative cases (what it does not) anything but a server error."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    # Positive cases: every check but "valid data is accepted", since a body can fit the
    # description and still be refused (reject_all with a category accepted: 400).
    checks = [not_a_server_error] if mode is GenerationMode.NEGATIVE else None
    excluded = [] if mode is GenerationMode.NEGATIVE else [positive_data_acceptance]

    @given(case=schema.as_strategy(generation_mode=mode), aim=st.booleans())
    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case, aim):
        if aim:  # aim at the real site and organisation, to reach past the lookup
            if isinstance(case.body, dict):
                case.body["site"] = site.key
            if "org" in (case.path_parameters or {}):
                case.path_parameters["org"] = site.organisation.slug
        case.call_and_validate(checks=checks, excluded_checks=excluded)

    run()
