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


def verified(org, members, type: str = "access", **kw):
    """A request received by e-mail whose identity a privacy officer has checked by hand."""
    from personvern.rights import services

    req = services.request_submit(org=org, type=type, name="Ola Nordmann", email="ola@example.org",
                                  channel="email", send_link=False, **kw)
    if req.effective_on_receipt:  # a withdrawal or a direct-marketing objection needs no identity check
        return req
    return services.request_verify_manually(req=req, note="Svarte fra kjent adresse", user=members["privacy_officer"])
