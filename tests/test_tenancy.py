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
    keys = set()  # unique strings and slugs (references, keys) go first: they are what URLs carry
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
                    (keys if f.unique or isinstance(f, models.SlugField) else strs).add(value)
    texts = sorted(keys) + sorted(strs - keys)
    return {"int": sorted(ints), "slug": texts[:15], "str": texts[:15], "uuid": sorted(uuids, key=str)}


@pytest.fixture
def alpha_objects(saved_register, members, tmp_path):
    """Rows of every org-scoped app for `alpha`, made through the apps' own services, so the walk below
    fills the URLs with ids that exist. Returns texts that only alpha's pages would show."""
    from personvern.consent.models import NewsletterList
    from personvern.consent.services import site_create
    from personvern.datasources.models import Connection
    from personvern.datasources.services import retention_run
    from personvern.notices.services import notice_publish
    from personvern.rights.services import request_submit, request_verify_manually

    org, owner = saved_register.organisation, members["owner"]
    site_create(org=org, url="https://alpha-hemmelig.example.no")
    NewsletterList.objects.create(organisation=org, name="Alphas hemmelige nyhetsbrev", wording_nb="Ja takk")
    Connection.objects.create(organisation=org, slug="alphabutikk", name="Alphas butikkdatabase",
                              url=f"sqlite:///{tmp_path / 'shop.sqlite3'}")
    req = request_submit(org=org, type="access", name="Kari Alphakunde", email="kari@alpha.example.no")
    request_verify_manually(req=req, note="Ringte tilbake", user=owner)
    retention_run(org=org, dry_run=True, trigger="manual")
    notice_publish(org=org, user=owner, override_reason="test")
    values = owned_values(org)
    assert req.reference in values["str"] and "alphabutikk" in values["slug"], "the walk would not use alpha's real ids"
    return [saved_register.register().controller.legal_name, "alpha-hemmelig.example.no", "Alphas hemmelige nyhetsbrev",
            "Alphas butikkdatabase", "Kari Alphakunde"]


def org_state(org) -> tuple:
    """What a write to `org` would change: its audit events and its rows in every org-scoped app."""
    from personvern.audit.models import AuditEvent

    counts = []
    for model in apps.get_models():
        fk = next((f for f in model._meta.fields if isinstance(f, models.ForeignKey)
                   and f.related_model._meta.label == "accounts.Organisation"), None)
        if fk is not None and model is not AuditEvent:
            counts.append((model._meta.label, model.objects.filter(**{fk.name: org}).count()))
    last = AuditEvent.objects.filter(organisation=org).order_by("-seq").values_list("seq", flat=True).first()
    return tuple(counts), last


def test_the_url_conf_has_org_scoped_views():
    assert len(org_routes()) >= 1


# Everything outside /o/<org>/ is public by design or about the logged-in user only; outbox/ is the
# mail a demo or development installation keeps instead of sending (404 wherever mail is really sent).
NOT_ORG_SCOPED = ("", "accounts/", "i18n/", "outbox/", "p/<slug:org>/", "c/", "api/")


def test_every_route_outside_o_org_is_public_or_the_users_own():
    """An organisation-scoped view cannot hide from the walk by living elsewhere in the URL conf."""
    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith(ORG_PREFIX):
            continue
        assert route == "" or route.startswith(NOT_ORG_SCOPED[1:]), f"/{route} is neither under /o/<org>/ nor public"
        assert getattr(pattern.callback, "org_capability", None) is None, f"/{route} uses org_view outside /o/<org>/"


def test_every_org_scoped_view_goes_through_org_view():
    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith(ORG_PREFIX):
            assert getattr(pattern.callback, "org_capability", None), f"/{route} is not wrapped in accounts.access.org_view"


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_for_every_org_scoped_url(client, members, alpha_objects, saved_register, login, method):
    login(members["outsider"])
    alpha = saved_register.organisation
    values = owned_values(alpha)
    before = org_state(alpha)
    for route in org_routes():
        for url in fill(route, "alpha", values)[:20]:
            response = getattr(client, method)(url)
            assert response.status_code == 404, f"{method.upper()} {url} gave {response.status_code} to a non-member"
    assert org_state(alpha) == before


def test_anonymous_visitor_is_sent_to_login_for_every_org_scoped_url(client, members, saved_register):
    values = owned_values(saved_register.organisation)
    for route in org_routes():
        for url in fill(route, "alpha", values)[:5]:
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_orgs_object_ids_under_own_org_reveal_and_change_nothing(client, members, alpha_objects, saved_register,
                                                                        login, method):
    """The outsider owns `beta`; beta's URLs with alpha's object ids must neither show nor change alpha's data."""
    alpha = saved_register.organisation
    login(members["outsider"])
    values = owned_values(alpha)
    before = org_state(alpha)
    for route in org_routes():
        if not [m for m in PARAM.finditer(route) if m["name"] != "org"]:
            continue
        for url in fill(route, "beta", values)[:40]:
            response = getattr(client, method)(url)
            body = response.content.decode(errors="replace")
            for marker in alpha_objects:
                assert marker not in body, f"{method.upper()} {url} showed {alpha.slug}'s {marker!r} to a member of beta"
    assert org_state(alpha) == before, f"{method.upper()} requests through beta changed {alpha.slug}'s data"
