"""Fixtures for the consent tests: a register with a website and cookies in three categories."""

from __future__ import annotations

import pytest

REGISTER = """
controller:
  legal_name: Alpha AS
  websites:
    - url: {url}
      aliases: [alpha.example]
notice:
  url: https://alpha.example/personvern
recipients:
  - id: google
    name: Google Ireland Ltd
    role: processor
    country: IE
activities:
  - id: nettstatistikk
    name: Nettstatistikk
cookies:
  - name: sessionid
    category: necessary
    purpose: Holder deg innlogget
    expiry: session
    party: first
  - name: lang
    category: functional
    purpose: {{nb: Husker språket ditt, en: Remembers your language}}
    expiry: P1Y
  - name: _ga
    provider: google
    category: statistics
    purpose: {{nb: Skiller besøkende fra hverandre, en: Distinguishes visitors}}
    expiry: P13M
    activity: nettstatistikk
  - name: _fbp
    provider: Meta
    category: marketing
    purpose: Annonsemåling
    expiry: P3M
"""


def save_register(org, url="https://alpha.example", extra_cookie: str = ""):
    from personvern.core.manifest import loads_register
    from personvern.registry.services import register_save

    text = REGISTER.format(url=url) + extra_cookie
    return register_save(org=org, register=loads_register(text), message="consent test")


@pytest.fixture
def consent_register(org):
    return save_register(org)


@pytest.fixture
def site(org, consent_register):
    from personvern.consent import services
    from personvern.consent.models import Site

    services.forget_all()
    return Site.objects.create(organisation=org, url="https://alpha.example")


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch):
    from personvern.consent import api

    monkeypatch.setattr(api.limiter, "per_minute", 0)
