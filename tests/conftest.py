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
DATAMAP = (EXAMPLES / "shop" / "datamap.yaml").read_text()  # the demo shop's dataset map


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


# --------------------------------------------------------------------------
# Real components: an SMTP server and a headless browser
# --------------------------------------------------------------------------


class Mailbox:
    """Messages a real local SMTP server (aiosmtpd) received."""

    def __init__(self):
        self.messages = []

    def handle(self, envelope):
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))

    def bodies(self, index: int = -1) -> tuple[str, str | None]:
        """(text, html) of a received message."""
        msg = self.messages[index]
        text = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        return (text.get_content() if text else "", html.get_content() if html else None)

    def wait_for(self, count: int, timeout: float = 5.0):
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"expected {count} message(s), got {len(self.messages)}"
        return self.messages


@pytest.fixture
def mailbox(settings):
    """Start aiosmtpd on a free port and point Django's SMTP backend at it."""
    import socket

    from aiosmtpd.controller import Controller

    box = Mailbox()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            box.handle(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    try:
        yield box
    finally:
        controller.stop()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never downloads a browser)."""
    import os

    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: run `make sysdeps` (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nb-NO")
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    yield pg
    context.close()


AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(pg) -> list[dict]:
    """Run axe-core (from npm, installed by `make sysdeps`) on the page; return violations."""
    if not AXE_JS.exists():
        pytest.fail("axe-core is missing: run `make sysdeps` (npm ci)")
    # through DevTools, not a <script> tag: the page's Content-Security-Policy allows no inline script
    pg.evaluate(AXE_JS.read_text() + "\n;true")
    return pg.evaluate("async () => (await axe.run(document)).violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length}))")
