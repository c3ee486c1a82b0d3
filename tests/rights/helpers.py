"""Helpers for the rights tests."""

from __future__ import annotations

import re

LINK_RE = re.compile(r"https?://\S+/p/[\w-]+/(?:rettigheter/bekreft|rights/verify)/\S+")
DOWNLOAD_RE = re.compile(r"https?://\S+/p/[\w-]+/(?:rettigheter/last-ned|rights/download)/\S+")


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def form_data(**overrides) -> dict:
    data = {
        "type": "access",
        "name": "Kari Nordmann",
        "email": "kari@example.org",
        "phone": "",
        "customer_number": "K-1001",
        "message": "Jeg vil se hva dere har om meg.",
        "website": "",
    }
    data.update(overrides)
    return data
