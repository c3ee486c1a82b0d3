"""Every stylesheet and script a template links must be found by the static finders
(WhiteNoise serves them through the same finders), or pages render unstyled."""

import re
from pathlib import Path

from django.contrib.staticfiles import finders

SRC = Path(__file__).resolve().parent.parent / "src" / "personvern"
STATIC_TAG = re.compile(r"""\{%\s*static\s+["']([^"']+)["']\s*%\}""")


def referenced_assets() -> set[str]:
    return {m for path in SRC.rglob("*.html") for m in STATIC_TAG.findall(path.read_text())}


def test_every_static_asset_a_template_links_is_found():
    assets = referenced_assets()
    assert "personvern/app.css" in assets
    assert [a for a in sorted(assets) if finders.find(a) is None] == []


def test_the_page_stylesheet_is_served(client):
    response = client.get("/static/personvern/app.css")
    assert response.status_code == 200 and b"{" in b"".join(response.streaming_content)
