"""GET /c/<site-key>.js: the banner with the organisation's categories and cookie table."""

from __future__ import annotations

import gzip
import json
import re

from personvern.consent import services
from personvern.consent.texts import duration_text


def config(response) -> dict:
    return json.loads(re.search(r"\}\)\(window,document,(\{.*\})\);\s*$", response.content.decode(), re.S).group(1))


def test_it_serves_the_banner_with_categories_and_cookies(client, org, site):
    response = client.get(f"/c/{site.key}.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "max-age" in response["Cache-Control"]
    c = config(response)
    assert [cat for cat, _ in c["c"]] == ["necessary", "functional", "statistics", "marketing"]
    stats = dict(c["c"])["statistics"]
    assert stats == [["_ga", "Google Ireland Ltd", "Skiller besøkende fra hverandre", "Distinguishes visitors",
                      "13 måneder", "13 months"]]
    assert c["n"] == f"http://testserver/p/{org.slug}/personvern"
    assert c["a"] == "http://testserver/api/consent"
    assert c["l"] == 182 and re.fullmatch(r"[0-9a-f]{12}", c["v"])
    assert "Godta alle" in c["t"]["nb"] and "Reject all" in c["t"]["en"]


def test_it_stays_under_five_kilobytes_gzipped(client, site):
    """5 KB as the issue counts (its anchors: 15,410 B is "15.4 KB"): 5,000 bytes."""
    body = client.get(f"/c/{site.key}.js").content
    assert len(gzip.compress(body, 9)) <= 5000


def test_unknown_site_is_404(client, db):
    assert client.get("/c/nope.js").status_code == 404


def test_the_version_changes_with_the_cookie_set_and_the_notice(org, consent_register):
    from consent.conftest import REGISTER, save_register

    from personvern.core.manifest import loads_register

    before = services.version_hash(loads_register(REGISTER.format(url="https://alpha.example")))
    save_register(org, extra_cookie="  - name: _hjid\n    category: statistics\n")
    from personvern.registry.services import current_register

    after = services.version_hash(current_register(org))
    assert before != after
    changed_notice = REGISTER.format(url="https://alpha.example").replace("alpha.example/personvern", "alpha.example/ny")
    assert services.version_hash(loads_register(changed_notice)) != before


def test_it_escapes_script_breaking_text(client, org, site):
    from consent.conftest import save_register

    save_register(org, extra_cookie="  - name: </script><b>x\n    category: marketing\n")
    services.forget_all()
    body = client.get(f"/c/{site.key}.js").content.decode()
    assert "</script>" not in body


def test_durations_read_naturally():
    assert duration_text("P13M", "nb") == "13 måneder"
    assert duration_text("P1Y", "en") == "1 year"
    assert duration_text("session", "nb") == "Økten"
    assert duration_text("P1Y6M", "en") == "1 year 6 months"


def test_the_minifier_shortens_only_the_banners_own_names():
    from personvern.consent.public_views import minify_js

    out = minify_js('function send(x) { return {send: x, a: 1,show: "send"}; }\n'
                    'var o = send(1), p = o.send ? send : show;\n'
                    'w.f = function () { }\n(g)\n')
    short = minify_js("send").strip()
    assert short != "send" and short.startswith("_")
    assert f"function {short}(x)" in out  # the function and its uses ...
    assert f"={short}(1)" in out and f"?{short}:" in out
    assert "{send:x" in out and ",show:" in out and '"send"' in out and "o.send" in out  # ... not keys, strings, properties
    assert "}\n(g)" in out  # no line joined where a semicolon would have been inserted
