"""POST /api/consent: the ledger write path."""

from __future__ import annotations

import json
import uuid

import pytest

from personvern.consent.models import ConsentRecord


def decision(site_, **kw):
    body = {
        "site": site_.key,
        "id": uuid.uuid4().hex,
        "choices": {"functional": False, "statistics": True, "marketing": False},
        "method": "custom",
        "version": "0123456789ab",
        "lang": "nb",
    }
    body.update(kw)
    return body


def post(client, body, **headers):
    return client.post("/api/consent", data=json.dumps(body), content_type="text/plain", **headers)


def test_it_stores_a_decision_and_sets_no_cookie_on_its_own_host(client, site):
    response = post(client, decision(site), REMOTE_ADDR="203.0.113.77")
    assert response.status_code == 201
    data = response.json()
    rec = ConsentRecord.objects.get()
    assert (rec.statistics, rec.marketing, rec.functional) == (True, False, False)
    assert rec.ip == "203.0.113.0"
    assert rec.consent_id == data["cid"] and len(rec.consent_id) == 22
    assert data["state"].split(".")[0] == rec.consent_id and data["state"].split(".")[3] == "010"
    # a cookie of personvern's host would go with the visitor to every organisation's site
    assert not response.cookies


def set_cookie_domain(site, domain="alpha.example"):
    from personvern.consent import services

    services.site_update(site=site, fields={"cookie_domain": domain})


def test_with_a_cookie_domain_the_cookie_is_the_sites_own(client, site):
    set_cookie_domain(site)
    response = post(client, decision(site), HTTP_ORIGIN="https://alpha.example")
    [cookie] = response.cookies.values()
    assert cookie.key == f"pvc_{site.key}" and cookie["domain"] == "alpha.example"
    assert cookie.value == response.json()["state"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 182 * 86400


def test_the_ledger_stores_what_the_issue_lists_and_nothing_more(client, site):
    columns = {f.column for f in ConsentRecord._meta.concrete_fields}
    assert columns == {"id", "site_id", "record_id", "consent_id", "functional", "statistics", "marketing", "method",
                       "version", "language", "at", "ip"}
    post(client, decision(site), REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="Mozilla/5.0 Secret",
         HTTP_REFERER="https://alpha.example/handlekurv?kunde=42")
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT * FROM consent_consentrecord")
        [row] = cur.fetchall()
    assert not any("Mozilla" in str(v) or "kunde" in str(v) or "203.0.113.77" in str(v) for v in row)


def test_it_truncates_ipv6_to_48(client, site):
    post(client, decision(site), REMOTE_ADDR="2001:db8:abcd:12:1:2:3:4")
    assert ConsentRecord.objects.get().ip == "2001:db8:abcd::"


def test_it_is_idempotent_on_retry(client, site):
    body = decision(site)
    first = post(client, body)
    second = post(client, body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert ConsentRecord.objects.count() == 1
    assert first.json()["state"] == second.json()["state"]


def test_it_keeps_the_consent_id_the_banner_sends(client, site):
    first = post(client, decision(site)).json()
    second = post(client, decision(site, cid=first["cid"], method="reject_all",
                                   choices={"functional": False, "statistics": False, "marketing": False})).json()
    assert first["cid"] == second["cid"]
    assert ConsentRecord.objects.filter(consent_id=first["cid"]).count() == 2


def test_another_sites_id_or_host_cookie_never_links_a_visitor(client, site, other_org):
    """The same visitor on two organisations' sites: two ids, whatever the browser sends."""
    from personvern.consent.models import Site

    from .conftest import save_register

    save_register(other_org, url="https://beta.example")
    other = Site.objects.create(organisation=other_org, url="https://beta.example")
    first = post(client, decision(site)).json()
    client.cookies["pvc"] = first["state"]  # what a host-wide cookie used to carry
    on_other = post(client, decision(other, cid=first["cid"])).json()
    assert on_other["cid"] != first["cid"]
    made_up = post(client, decision(other, cid="A" * 22)).json()["cid"]
    assert made_up not in (first["cid"], on_other["cid"], "A" * 22)
    assert post(client, decision(other, cid=on_other["cid"])).json()["cid"] == on_other["cid"]
    assert set(ConsentRecord.objects.filter(site=site).values_list("consent_id", flat=True)).isdisjoint(
        ConsentRecord.objects.filter(site=other).values_list("consent_id", flat=True))


def test_it_rejects_an_unregistered_origin(client, site):
    response = post(client, decision(site), HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert not ConsentRecord.objects.exists()


def test_it_allows_registered_origins_and_aliases_with_cors(client, site):
    for origin in ("https://alpha.example", "http://alpha.example"):
        response = post(client, decision(site), HTTP_ORIGIN=origin)
        assert response.status_code == 201
        assert response["Access-Control-Allow-Origin"] == origin
        assert response["Access-Control-Allow-Credentials"] == "true"


def test_it_answers_preflight_for_the_sites_registered_origins_only(client, site):
    response = client.options(f"/api/consent?site={site.key}", HTTP_ORIGIN="https://alpha.example")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Methods"] == "POST"
    assert response["Access-Control-Allow-Origin"] == "https://alpha.example"
    assert response["Access-Control-Allow-Credentials"] == "true"


@pytest.mark.parametrize("query, origin", [
    ("?site={key}", "https://evil.example"),  # not this site's
    ("?site={key}", "null"),  # sandboxed frames and file: pages
    ("?site=nope", "https://alpha.example"),  # no such site
    ("", "https://alpha.example"),  # a preflight has no body: the site must be named
    ("?site={key}", None),
])
def test_a_preflight_from_anywhere_else_gets_no_cors_at_all(client, site, query, origin):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    response = client.options("/api/consent" + query.format(key=site.key), **headers)
    assert response.status_code == 403
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]


@pytest.mark.parametrize(
    "change",
    [
        {"id": "not-hex"},
        {"method": "maybe"},
        {"version": "x"},
        {"choices": {"statistics": "yes"}},
        {"choices": {"spying": True}},
        {"method": "reject_all", "choices": {"statistics": True}},
        {"method": "gpc", "choices": {"marketing": True}},
    ],
)
def test_it_rejects_invalid_decisions(client, site, change):
    response = post(client, decision(site, **change))
    assert response.status_code == 400, response.content
    assert not ConsentRecord.objects.exists()


def test_it_rejects_unknown_site_and_large_bodies(client, site):
    assert post(client, decision(site, site="nope")).status_code == 404
    assert post(client, decision(site, pad="x" * 5000)).status_code == 413
    assert client.post("/api/consent", data="{", content_type="text/plain").status_code == 400
    assert client.get("/api/consent").status_code == 405


def test_it_stores_categories_the_site_does_not_use_as_refused(client, org, site):
    body = decision(site, method="accept_all", choices={"functional": True, "statistics": True, "marketing": True})
    assert post(client, body).status_code == 201
    rec = ConsentRecord.objects.get()
    assert rec.choices() == {"functional": True, "statistics": True, "marketing": True}


def test_it_rate_limits_per_network(client, site, monkeypatch):
    from personvern.consent import api

    monkeypatch.setattr(api, "limiter", api._Limiter(2))
    codes = [post(client, decision(site), REMOTE_ADDR="198.51.100.9").status_code for _ in range(3)]
    assert codes == [201, 201, 429]


def test_the_ledger_is_append_only(client, site):
    post(client, decision(site))
    rec = ConsentRecord.objects.get()
    rec.marketing = True
    with pytest.raises(ValueError):
        rec.save()


def test_the_receipt_shows_the_visitors_decisions(client, site):
    cid = post(client, decision(site)).json()["cid"]
    response = client.get(f"/c/{site.key}/receipt/{cid}")
    assert response.status_code == 200
    assert cid.encode() in response.content
    assert response["Cache-Control"] == "no-store"
    assert client.get(f"/c/{site.key}/receipt/{'x' * 22}").status_code == 200  # nothing stored: says so
    assert client.get(f"/c/{site.key}/receipt/short").status_code == 404


def test_the_database_refuses_updates_to_the_ledger(client, site):
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    post(client, decision(site))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE consent_consentrecord SET marketing = %s", [True])
    assert ConsentRecord.objects.get().marketing is False
    ConsentRecord.objects.all().delete()  # the retention job may delete


def test_the_receipt_speaks_english_on_request(client, site):
    cid = post(client, decision(site)).json()["cid"]
    html = client.get(f"/c/{site.key}/receipt/{cid}?lang=en").content.decode()
    assert "Consent receipt" in html and '<html lang="en">' in html
    assert "Own choice under “Customise”" in html  # the method, in words
    assert "You can change or withdraw your choice at any time" in html
    assert 'href="?lang=nb"' in html


def test_the_receipt_names_the_method_and_the_way_back_in_bokmal(client, site):
    cid = post(client, decision(site)).json()["cid"]
    post(client, decision(site, cid=cid, method="reject_all", choices={}))
    html = client.get(f"/c/{site.key}/receipt/{cid}?lang=nb", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="nb">' in html
    assert "Eget valg under «Tilpass»" in html and "Avvis alle" in html
    assert "Du kan endre eller trekke tilbake valget ditt når som helst" in html
    assert 'href="https://alpha.example"' in html and 'href="?lang=en"' in html


def test_a_record_id_used_on_another_site_is_refused(client, org, site):
    from personvern.consent.models import Site

    other = Site.objects.create(organisation=org, url="http://alpha.example")
    body = decision(site)
    assert post(client, body).status_code == 201
    body["site"] = other.key
    assert post(client, body).status_code == 409
    assert ConsentRecord.objects.count() == 1


def test_changed_settings_reach_the_api_at_once(client, site):
    from personvern.consent import services

    set_cookie_domain(site)
    assert post(client, decision(site)).cookies[f"pvc_{site.key}"]["max-age"] == 182 * 86400
    services.site_update(site=site, fields={"lifetime_days": 30})
    assert post(client, decision(site)).cookies[f"pvc_{site.key}"]["max-age"] == 30 * 86400


def test_a_gpc_browser_cannot_accept_marketing_with_accept_all(client, site):
    body = decision(site, method="accept_all", choices={"functional": True, "statistics": True, "marketing": True})
    assert post(client, body, HTTP_SEC_GPC="1").status_code == 201
    rec = ConsentRecord.objects.get()
    assert rec.method == "gpc" and rec.marketing is False and rec.statistics is True
    receipt = client.get(f"/c/{site.key}/receipt/{rec.consent_id}?lang=en").content.decode()
    assert "Global Privacy Control: marketing refused" in receipt
