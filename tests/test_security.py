"""Production settings secure by default, and a Content-Security-Policy that every page keeps to.

The production checks run in a subprocess with a clean environment (DEBUG unset, no pytest), so they do not
depend on how this test run is configured."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import get_resolver

from conftest import REPO
from test_tenancy import alpha_objects, fill, owned_values, walk  # noqa: F401 (a fixture)

VENV_BIN = Path(sys.executable).parent


def readme_production_exports() -> str:
    """The `export` lines of the README's production set-up, as an operator would paste them."""
    readme = (REPO / "README.md").read_text()
    block = readme.split("### On PostgreSQL with several processes", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = [line for line in block.splitlines() if line.startswith("export ")]
    assert any("SECRET_KEY" in line for line in lines)
    return "\n".join(lines)


# What a production process answers, through Django's test client (no database is needed for this page).
ANSWERS = """
import json, django
django.setup()
from django.test import Client
c = Client(HTTP_HOST="personvern.example.no")
out = {}
for name, kw in (("http", {}), ("https", {"secure": True}), ("proxied", {"HTTP_X_FORWARDED_PROTO": "https"})):
    r = c.get("/accounts/login/", **kw)
    out[name] = {"status": r.status_code, "location": r.get("Location"), "hsts": r.get("Strict-Transport-Security"),
                 "csp": r.get("Content-Security-Policy"),
                 "secure_cookies": sorted(k for k, m in r.cookies.items() if m["secure"])}
print(json.dumps(out))
"""
TURNED_OFF = "export SECURE_SSL_REDIRECT=0 SECURE_HSTS_SECONDS=0 SESSION_COOKIE_SECURE=0"


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """In one clean bash (DEBUG unset, nothing from this test run): the README's production exports, then
    `check --deploy`, the answers, and the answers again with each part turned off by the operator."""
    var = tmp_path_factory.mktemp("production")
    exports = readme_production_exports().replace(".venv/bin/", f"{VENV_BIN}/")
    # `personvern newkey` takes seconds on a busy machine; any Fernet key will do here
    exports = exports.replace(f"$({VENV_BIN}/personvern newkey)", base64.urlsafe_b64encode(b"k" * 32).decode())
    script = f"""set -e
{exports}
personvern check --deploy --fail-level WARNING 2>&1
echo '---'
python -c '{ANSWERS}'
{TURNED_OFF}
python -c '{ANSWERS}'
"""
    env = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "HOME": str(var), "PERSONVERN_VAR_DIR": str(var),
           "DJANGO_SETTINGS_MODULE": "personvern.settings"}
    done = subprocess.run(["bash", "-c", script], env=env, cwd=var, capture_output=True, text=True, timeout=180)
    check, _, answers = done.stdout.partition("---\n")
    assert done.returncode == 0, done.stdout + done.stderr
    default, turned_off = (json.loads(line) for line in answers.splitlines())
    return {"check": check, "default": default, "off": turned_off}


def test_check_deploy_with_the_documented_production_environment_prints_no_warning(production):
    assert "System check identified no issues (0 silenced)" in production["check"], production["check"]


def test_production_is_https_only_by_default(production):
    seen = production["default"]
    assert seen["http"]["status"] == 301 and seen["http"]["location"] == "https://personvern.example.no/accounts/login/"
    for how in ("https", "proxied"):  # behind the proxy, its X-Forwarded-Proto says the client used TLS
        assert seen[how]["status"] == 200
        assert seen[how]["hsts"] == "max-age=31536000; includeSubDomains; preload"
        assert seen[how]["secure_cookies"] == ["csrftoken"]
        assert "default-src 'self'" in seen[how]["csp"]


def test_the_operator_can_turn_each_part_off(production):
    seen = production["off"]
    assert seen["http"]["status"] == 200 and seen["https"]["hsts"] is None and seen["https"]["secure_cookies"] == []
    assert seen["http"]["csp"]  # the Content-Security-Policy is not a setting


# --------------------------------------------------------------------------
# Content-Security-Policy: on every page, and every page keeps to it
# --------------------------------------------------------------------------


class _Inline(HTMLParser):
    """What a page has inline: scripts without src (with their nonce), <style> texts and style attributes."""

    def __init__(self):
        super().__init__()
        self.scripts, self.styles, self.style_attrs = [], [], []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.style_attrs.append(f"<{tag} style={attrs['style']!r}>")
        if any(name.startswith("on") for name in attrs):
            self.scripts.append((None, f"<{tag}> event handler"))
        if tag == "script" and not attrs.get("src"):
            self._in = ("script", attrs.get("nonce"))
        elif tag == "style":
            self._in = ("style", attrs.get("nonce"))
        if tag in ("script", "style"):
            self._text = []

    def handle_data(self, data):
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._in and tag == self._in[0]:
            (self.scripts if tag == "script" else self.styles).append((self._in[1], "".join(self._text)))
            self._in = None


def _sources(csp: str, directive: str) -> set[str]:
    found = re.search(rf"(?:^|;)\s*{directive}\s+([^;]*)", csp) or re.search(r"(?:^|;)\s*default-src\s+([^;]*)", csp)
    return set(found.group(1).split()) if found else set()


def _keeps_to(url: str, response) -> list[str]:
    csp = response.get("Content-Security-Policy", "")
    if not csp:
        return [f"{url}: no Content-Security-Policy"]
    if "'unsafe-inline'" in csp or "'unsafe-eval'" in csp:
        return [f"{url}: {csp}"]
    page = _Inline()
    page.feed(response.content.decode(errors="replace"))
    problems = [f"{url}: {attr}" for attr in page.style_attrs]
    for kind, items in (("script-src", page.scripts), ("style-src", page.styles)):
        allowed = _sources(csp, kind)
        for nonce, text in items:
            digest = "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"
            if not (nonce and f"'nonce-{nonce}'" in allowed) and digest not in allowed:
                problems.append(f"{url}: inline {kind.split('-')[0]} the policy blocks: {text[:60]!r}")
    return problems


def test_every_page_carries_a_policy_and_has_nothing_inline_that_it_would_block(client, login, members, alpha_objects,
                                                                                saved_register):
    from personvern.consent.models import Site

    login(members["owner"])
    values = owned_values(saved_register.organisation)
    values["slug"] = [Site.objects.get().key, *values["slug"]]  # the public /c/<key>/... pages
    problems, pages = [], 0
    for route, _ in walk(get_resolver().url_patterns):
        for url in fill(route, "alpha", values)[:3]:
            response = client.get(url)
            if "text/html" not in response.get("Content-Type", ""):
                continue
            pages += 1
            problems += _keeps_to(url, response)
    assert pages >= 25 and problems == []


def test_the_banner_preview_runs_its_script_by_nonce(client, login, members, alpha_objects):
    from personvern.consent.models import Site

    login(members["owner"])
    response = client.get(f"/o/alpha/consent/sites/{Site.objects.get().pk}/preview/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<script data-preview nonce="{nonce}">' in response.content.decode()
    assert client.get(response.wsgi_request.path)["Content-Security-Policy"] != response["Content-Security-Policy"]


def test_a_form_other_sites_frame_keeps_who_may_frame_it_inside_the_whole_policy(client, alpha_objects):
    from personvern.consent.models import NewsletterList

    response = client.get(f"/c/n/{NewsletterList.objects.get().key}/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "'self'" in _sources(csp, "frame-ancestors") and "https://www.bagges.no" in _sources(csp, "frame-ancestors")
