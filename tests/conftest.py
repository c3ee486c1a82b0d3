"""Shared fixtures: one organisation with a member of each role, and an outsider
who belongs to another organisation (the shape of Healthchecks.io's hc/test.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
SHARED = REPO.parent / "shared"
PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(db):
    def make(username: str, **kw):
        return get_user_model().objects.create_user(username=username, email=f"{username}@example.no", password=PASSWORD, **kw)

    return make


@pytest.fixture
def org(db):
    from personvern.accounts.models import Organisation

    return Organisation.objects.create(slug="alpha", name="Alpha AS")


@pytest.fixture
def other_org(db):
    from personvern.accounts.models import Organisation

    return Organisation.objects.create(slug="beta", name="Beta AS")


@pytest.fixture
def members(org, other_org, make_user):
    """{'owner': user, 'privacy_officer': ..., 'editor': ..., 'viewer': ..., 'outsider': ...}"""
    from personvern.accounts.models import Membership, Role

    users = {}
    for role in Role:
        users[role.value] = make_user(role.value)
        Membership.objects.create(user=users[role.value], organisation=org, role=role)
    users["outsider"] = make_user("outsider")
    Membership.objects.create(user=users["outsider"], organisation=other_org, role=Role.OWNER)
    return users


@pytest.fixture
def login(client):
    """Log a user in, as two-factor-verified (owners must be)."""

    def do(user):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        client.force_login(user)
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        return client

    return do


@pytest.fixture
def saved_register(org):
    """The Bagges example (or a minimal register) stored as the org's current version."""
    from personvern.core.manifest import load_register, loads_register
    from personvern.registry.services import register_save

    path = EXAMPLES / "bagges.yaml"
    reg = load_register(path) if path.exists() else loads_register("controller: {legal_name: Alpha AS}\n")
    return register_save(org=org, register=reg, message="test")
