"""The ledger API's one code path: POST /api/consent, for the Django view and the WSGI fast path.

`handle` takes the few things it needs from the HTTP request and returns what to
answer; `response` turns that into a Django HttpResponse. Both the Django view
(`public_views.consent_api`) and `personvern.consent.wsgi` (which serves this one URL
without running Django's middleware) go through here, so they cannot drift apart.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpResponse

from personvern.core import inputs

from . import services
from .ledger import (
    DecisionError,
    parse_decision,
    site_consent_id,
    state_cookie,
    store_decision,
    truncate_ip,
)

MAX_BODY = 2048


class _Limiter:
    """Per-process token bucket per /24 (or /48): no database write on the hot path.

    PERSONVERN_CONSENT_RATE decisions per minute per network (0 = unlimited). Generous,
    because mobile carriers put many visitors behind one /24; the banner retries a 429.
    """

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def allow(self, key: str) -> bool:
        if self.per_minute <= 0:
            return True
        now = time.monotonic()
        rate = self.per_minute / 60.0
        with self.lock:
            if len(self.buckets) > 50_000:
                self.buckets.clear()
            tokens, last = self.buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens < 1:
                self.buckets[key] = (tokens, now)
                return False
            self.buckets[key] = (tokens - 1, now)
            return True


limiter = _Limiter(int(os.environ.get("PERSONVERN_CONSENT_RATE", "600")))


@dataclass
class ApiRequest:
    body: bytes
    origin: str | None
    own: str  # scheme://host of this server
    remote_addr: str
    gpc: bool  # Sec-GPC: 1
    secure: bool


@dataclass
class ApiResult:
    status: int
    payload: dict
    cors: str | None = None
    cookie: dict = field(default_factory=dict)


def _error(message: str, status: int, cors: str | None = None) -> ApiResult:
    return ApiResult(status, {"ok": False, "error": message}, cors)


def handle(req: ApiRequest) -> ApiResult:
    """Validate one decision, store it (committed before we answer), say what to answer."""
    if len(req.body) > MAX_BODY:
        return _error("body too large", 413)
    try:
        data = inputs.loads_json(req.body, settings.INPUT_LIMITS)
    except inputs.InputError as exc:
        return _error(f"body must be JSON within limits: {exc}", 400)
    info = services.site_info(str(data.get("site", ""))[:20]) if isinstance(data, dict) else None
    if info is None:
        return _error("unknown site", 404)
    origin = req.origin
    if origin and origin != req.own and origin not in info.origins:
        return _error("origin not registered for this site", 403)
    ip = truncate_ip(req.remote_addr)
    if not limiter.allow(ip):
        return _error("too many requests", 429, origin)
    # The id comes from the banner's storage on the site itself, never from a cookie of this
    # host (that one would be the same on every organisation's site).
    consent_id = site_consent_id(info.key, str(data.get("cid") or ""))
    if req.gpc and data.get("method") == "accept_all" and isinstance(data.get("choices"), dict):
        # Global Privacy Control is a refusal of marketing: "accept all" cannot override it
        data["method"], data["choices"] = "gpc", {**data["choices"], "marketing": False}
    try:
        decision = parse_decision(data, site_id=info.id, categories=set(info.categories), consent_id=consent_id, ip=ip)
    except DecisionError as exc:
        return _error(str(exc), 400, origin)
    stored, created = store_decision(decision)
    if stored.site_id != info.id:
        return _error("id already used", 409, origin)
    state = stored.state()
    # A cookie only on the organisation's own domain (personvern answers on a subdomain of it):
    # first-party there, and kept longer than one the banner's script could set (Safari: 7 days).
    # Without a cookie domain the banner keeps the choice in the site's localStorage.
    cookie = {
        "key": state_cookie(info.key),
        "value": state,
        "max_age": info.lifetime_days * 86400,
        "domain": info.cookie_domain,
        "secure": req.secure,
        "httponly": False,  # the banner reads it; it holds only the site's id and the choice
        "samesite": "Lax",  # the site and personvern are one site (same registrable domain)
    } if info.cookie_domain else {}
    return ApiResult(
        201 if created else 200,
        {"ok": True, "cid": stored.consent_id, "state": state,
         "receipt": f"{req.own}/c/{info.key}/receipt/{stored.consent_id}"},
        origin,
        cookie,
    )


def _cors(response: HttpResponse, origin: str | None) -> HttpResponse:
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
        response["Vary"] = "Origin"
    return response


def response(result: ApiResult) -> HttpResponse:
    out = HttpResponse(json.dumps(result.payload), content_type="application/json", status=result.status)
    out["Cache-Control"] = "no-store"
    out["X-Content-Type-Options"] = "nosniff"
    if result.cookie:
        out.set_cookie(**result.cookie)
    return _cors(out, result.cors)


def preflight(origin: str | None, site_key: str) -> HttpResponse:
    """CORS preflight. The banner needs none (it posts text/plain); a client that does gets its origin back
    only when that origin is registered for the site named in `?site=` (a preflight has no body, and the
    body is where a POST names its site). Anything else: 403 with no Access-Control header at all."""
    info = services.site_info(site_key[:20]) if site_key else None
    if not origin or info is None or origin not in info.origins:
        return HttpResponse(status=403)
    out = _cors(HttpResponse(status=204), origin)
    out["Access-Control-Allow-Methods"] = "POST"
    out["Access-Control-Allow-Headers"] = "Content-Type"
    out["Access-Control-Max-Age"] = "86400"
    return out
