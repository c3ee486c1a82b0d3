"""Helpers for the register's pages: read a rendered form as a browser would submit it."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

REGISTRY = Path(__file__).resolve().parents[2] / "src" / "personvern" / "registry"


class FormReader(HTMLParser):
    """The (name, value) pairs the first POST form on the page would submit, unchanged."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self.in_form = False
        self.done = False
        self.textarea: str | None = None
        self.text = ""
        self.select: str | None = None
        self.option: str | None = None
        self.selected = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post" and not self.done and "action" not in a:
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "file") and a.get("name"):
                self.pairs.append((a["name"], a.get("value") or ""))
        elif tag == "textarea":
            self.textarea, self.text = a["name"], ""
        elif tag == "select":
            self.select, self.option = a["name"], None
        elif tag == "option" and self.select:
            if self.option is None or ("selected" in a and not self.selected):
                self.option = a.get("value", "")
                self.selected = "selected" in a

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True
        elif tag == "textarea" and self.textarea is not None:
            self.pairs.append((self.textarea, self.text))
            self.textarea = None
        elif tag == "select" and self.select:
            self.pairs.append((self.select, self.option or ""))
            self.select, self.option, self.selected = None, None, False


def form_pairs(html: str) -> list[tuple[str, str]]:
    reader = FormReader()
    reader.feed(html)
    return reader.pairs


def as_post(pairs: list[tuple[str, str]], **changes) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    return data


@pytest.fixture(scope="session", autouse=True)
def english_messages():
    """Compile the registry's English catalogue (the .mo is not committed; `make install` compiles it too)."""
    po = REGISTRY / "locale" / "en" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    if po.exists() and shutil.which("msgfmt") and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
    yield
