"""Tenancy isolation, proved for every organisation-scoped URL pattern.

The patterns are read from the URL conf, so a view added later is covered
without touching this file.
"""

from __future__ import annotations

import itertools
import re
import uuid

import pytest
from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

ORG_PREFIX = "o/<slug:org>/"
PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def walk(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route, p


def org_routes() -> list[str]:
    return sorted({route for route, _ in walk(get_resolver().url_patterns) if route.startswith(ORG_PREFIX)})


def fill(route: str, org: str, values: dict[str, list]) -> list[str]:
    """Every URL for `route` with the params filled from `values` (by converter)."""
    params = [m for m in PARAM.finditer(route) if m["name"] != "org"]
    choices = [values.get(m["conv"] or "str", ["x"]) for m in params]
    urls = []
    for combo in itertools.islice(itertools.product(*choices), 200):
        path = route.replace("<slug:org>", org)
        for m, value in zip(params, combo):
            path = path.replace(m.group(0), str(value), 1)
        urls.append("/" + path)
    return urls


def owned_values(org) -> dict[str, list]:
    """Primary keys and short strings of rows that belong to `org`, any app."""
    ints, strs, uuids = {1}, {"x"}, {uuid.uuid4()}
    org_models = [
        m for m in apps.get_models()
        if m._meta.app_label in {"registry", "notices", "rights", "consent", "datasources"}
    ]
    for model in org_models:
        fk = next((f for f in model._meta.fields if isinstance(f, models.ForeignKey) and f.related_model._meta.label == "accounts.Organisation"), None)
        if fk is None:
            continue
        for obj in model.objects.filter(**{fk.name: org})[:20]:
            for f in model._meta.fields:
                value = getattr(obj, f.attname)
                if isinstance(value, int) and not isinstance(value, bool):
                    ints.add(value)
                elif isinstance(value, uuid.UUID):
                    uuids.add(value)
                elif isinstance(value, str) and 0 < len(value) <= 64 and "/" not in value:
                    strs.add(value)
    return {"int": sorted(ints), "slug": sorted(strs)[:15], "str": sorted(strs)[:15], "uuid": sorted(uuids, key=str)}


def test_the_url_conf_has_org_scoped_views():
    assert len(org_routes()) >= 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_for_every_org_scoped_url(client, members, saved_register, login, method):
    login(members["outsider"])
    values = owned_values(saved_register.organisation)
    for route in org_routes():
        for url in fill(route, "alpha", values)[:20]:
            response = getattr(client, method)(url)
            assert response.status_code == 404, f"{method.upper()} {url} gave {response.status_code} to a non-member"


def test_anonymous_visitor_is_sent_to_login_for_every_org_scoped_url(client, members, saved_register):
    values = owned_values(saved_register.organisation)
    for route in org_routes():
        for url in fill(route, "alpha", values)[:5]:
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_another_orgs_object_ids_under_own_org_reveal_nothing(client, members, saved_register, login):
    """The outsider owns `beta`; asking beta's URLs for alpha's object ids must not show alpha's data."""
    alpha = saved_register.organisation
    marker = saved_register.register().controller.legal_name
    login(members["outsider"])
    values = owned_values(alpha)
    for route in org_routes():
        if not [m for m in PARAM.finditer(route) if m["name"] != "org"]:
            continue
        for url in fill(route, "beta", values)[:40]:
            response = client.get(url)
            body = response.content.decode(errors="replace") if response.status_code == 200 else ""
            assert marker not in body, f"GET {url} showed {alpha.slug}'s data to a member of beta"
