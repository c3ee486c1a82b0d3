"""personvern.consent.wsgi: the ledger's fast path answers exactly as the Django view does."""

from __future__ import annotations

import io
import json
import uuid
from http.cookies import SimpleCookie
from wsgiref.util import setup_testing_defaults

import pytest

from personvern.consent.models import ConsentRecord
from personvern.consent.wsgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def call(path="/api/consent", method="POST", body=b"", **headers):
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method, "HTTP_HOST": "127.0.0.1:8000",
               "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "text/plain", "wsgi.input": io.BytesIO(body),
               "REMOTE_ADDR": "198.51.100.23", **headers}
    setup_testing_defaults(environ)
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = int(status.split()[0]), headers

    content = b"".join(application(environ, start_response))
    return seen["status"], seen["headers"], content


def body(site_, **kw):
    data = {"site": site_.key, "id": uuid.uuid4().hex, "method": "reject_all", "version": "0123456789ab",
            "lang": "nb", "choices": {}}
    data.update(kw)
    return json.dumps(data).encode()


def header(headers, name):
    return [v for k, v in headers if k.lower() == name.lower()]


def test_it_stores_a_decision_without_the_middleware(site):
    status, headers, content = call(body=body(site), HTTP_ORIGIN="https://alpha.example")
    assert status == 201
    data = json.loads(content)
    rec = ConsentRecord.objects.get()
    assert rec.consent_id == data["cid"] and rec.ip == "198.51.100.0"
    assert header(headers, "Access-Control-Allow-Origin") == ["https://alpha.example"]
    assert header(headers, "Set-Cookie") == []  # no cookie of personvern's host: see test_api
    assert header(headers, "X-Content-Type-Options") == ["nosniff"]


def test_with_a_cookie_domain_the_fast_path_sets_the_sites_own_cookie(site):
    from personvern.consent import services

    services.site_update(site=site, fields={"cookie_domain": "alpha.example"})
    status, headers, content = call(body=body(site), HTTP_ORIGIN="https://alpha.example")
    [set_cookie] = header(headers, "Set-Cookie")
    cookie = SimpleCookie(set_cookie)[f"pvc_{site.key}"]
    assert cookie.value == json.loads(content)["state"] and cookie["domain"] == "alpha.example"
    assert cookie["max-age"] == str(182 * 86400)


def test_a_retry_is_stored_once_and_the_banner_keeps_the_id(site):
    payload = body(site)
    first = json.loads(call(body=payload)[2])
    status, _, content = call(body=payload)
    assert status == 200 and json.loads(content)["state"] == first["state"]
    again = json.loads(call(body=body(site, cid=first["cid"]))[2])
    assert again["cid"] == first["cid"]
    assert ConsentRecord.objects.count() == 2


def test_it_refuses_what_the_view_refuses(site):
    assert call(body=body(site), HTTP_ORIGIN="https://evil.example")[0] == 403
    assert call(body=body(site, method="maybe"))[0] == 400
    assert call(body=b"x" * 3000)[0] == 413
    assert call(body=body(site, site="nope"))[0] == 404
    assert not ConsentRecord.objects.exists()


def test_gpc_is_honoured(site):
    call(body=body(site, method="accept_all", choices={"statistics": True, "marketing": True}), HTTP_SEC_GPC="1")
    rec = ConsentRecord.objects.get()
    assert (rec.method, rec.statistics, rec.marketing) == ("gpc", True, False)


def test_an_unknown_host_goes_to_django_which_refuses_it(site):
    status, _, _ = call(body=body(site), HTTP_HOST="evil.example")
    assert status == 400
    assert not ConsentRecord.objects.exists()


def test_everything_else_is_django(site):
    status, _, content = call(path="/api/consent/health", method="GET")
    assert (status, content) == (200, b"ok")
    assert call(method="OPTIONS", HTTP_ORIGIN="https://alpha.example", QUERY_STRING=f"site={site.key}")[0] == 204


def test_a_preflight_through_the_fast_path_entry_answers_registered_origins_only(site):
    status, headers, _ = call(method="OPTIONS", HTTP_ORIGIN="https://evil.example", QUERY_STRING=f"site={site.key}")
    assert status == 403 and not [h for h, _ in headers if h.lower().startswith("access-control-")]
    status, headers, _ = call(method="OPTIONS", HTTP_ORIGIN="https://alpha.example", QUERY_STRING=f"site={site.key}")
    assert status == 204 and header(headers, "Access-Control-Allow-Origin") == ["https://alpha.example"]
    assert call(path=f"/c/{site.key}.js", method="GET")[0] == 200


def test_behind_a_trusted_proxy_the_ledger_keeps_the_clients_network(site, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    via_proxy = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.77, 10.0.0.2"}
    assert call(body=body(site), **via_proxy)[0] == 201
    # the same header from anyone else is not believed
    assert call(body=body(site), REMOTE_ADDR="198.51.100.23", HTTP_X_FORWARDED_FOR="192.0.2.1")[0] == 201
    assert sorted(ConsentRecord.objects.values_list("ip", flat=True)) == ["198.51.100.0", "203.0.113.0"]
