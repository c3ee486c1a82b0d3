"""WSGI entry point with a fast path for the ledger: `gunicorn personvern.consent.wsgi:application`.

POST /api/consent is answered by `api.handle` directly, without Django's middleware
stack (sessions, auth, OTP, messages, locale, CSRF: none of which the public,
cookie-less API uses). Everything else, including OPTIONS on the API, goes to
Django as usual. The host is checked against ALLOWED_HOSTS as Django would, and
database connections are opened and closed as around a Django request.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host

from personvern.accounts.client import client_address
from personvern.wsgi import application as django_application

from . import api

log = logging.getLogger(__name__)
PATH = "/api/consent"


def _allowed_hosts() -> list[str]:
    hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not hosts:
        return [".localhost", "127.0.0.1", "[::1]"]
    return hosts


def _secure(environ) -> bool:
    header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if header and environ.get(header[0]) == header[1]:
        return True
    return environ.get("wsgi.url_scheme") == "https"


def _body(environ) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(min(max(length, 0), api.MAX_BODY + 1)) if length else b""


def consent(environ, start_response):
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return django_application(environ, start_response)  # Django answers 400 and logs it
    secure = _secure(environ)
    close_old_connections()
    try:
        result = api.handle(api.ApiRequest(
            body=_body(environ),
            origin=environ.get("HTTP_ORIGIN"),
            own=f"{'https' if secure else 'http'}://{host}",
            remote_addr=client_address(environ),
            gpc=environ.get("HTTP_SEC_GPC") == "1",
            secure=secure,
        ))
        response = api.response(result)
    except Exception:  # not acknowledged: the banner retries with the same id
        log.exception("consent ledger write failed")
        response = api.response(api.ApiResult(500, {"ok": False, "error": "not stored"}))
    finally:
        close_old_connections()
    headers = [*response.items(), *(("Set-Cookie", c.output(header="")) for c in response.cookies.values())]
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return [response.content]


def application(environ, start_response):
    if environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") == "POST":
        return consent(environ, start_response)
    return django_application(environ, start_response)


__all__ = ["application"]
