"""Organisation pages under /o/<org>/consent/."""

from __future__ import annotations

import json
import uuid

from personvern.audit.models import AuditEvent
from personvern.consent.models import ConsentRecord, Site


def record(client, site, cid="", **choices):
    body = {"site": site.key, "id": uuid.uuid4().hex, "method": "custom", "version": "0123456789ab", "lang": "nb",
            "cid": cid, "choices": {"functional": False, "statistics": False, "marketing": False, **choices}}
    return client.post("/api/consent", data=json.dumps(body), content_type="text/plain").json()


def test_index_lists_sites_and_offers_register_websites(login, members, org, consent_register):
    response = login(members["editor"]).get(f"/o/{org.slug}/consent/")
    assert response.status_code == 200
    assert "https://alpha.example" in response.content.decode()


def test_an_editor_adds_a_site_from_the_register(login, members, org, consent_register):
    client = login(members["editor"])
    response = client.post(f"/o/{org.slug}/consent/", {"action": "add_site", "url": "https://alpha.example"})
    site = Site.objects.get()
    assert response.status_code == 302 and site.organisation == org
    assert AuditEvent.objects.filter(action="consent.site_created").exists()
    # a website that is not in the register cannot be added
    client.post(f"/o/{org.slug}/consent/", {"action": "add_site", "url": "https://evil.example"})
    assert Site.objects.count() == 1


def test_a_viewer_cannot_change_settings(login, members, org, site):
    client = login(members["viewer"])
    assert client.post(f"/o/{org.slug}/consent/", {"action": "add_site", "url": "https://alpha.example"}).status_code == 403
    assert client.post(f"/o/{org.slug}/consent/sites/{site.pk}/", {"lifetime_days": 30}).status_code == 403


def test_the_site_page_shows_snippet_chart_and_ledger(client, login, members, org, site):
    cid = record(client, site, statistics=True)["cid"]
    record(client, site, cid=cid)
    staff = login(members["viewer"])
    response = staff.get(f"/o/{org.slug}/consent/sites/{site.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"/c/{site.key}.js" in html and "gtag(&#x27;consent&#x27;,&#x27;default&#x27;" in html
    assert "<svg" in html and "<polyline" in html
    assert cid in html
    found = staff.get(f"/o/{org.slug}/consent/sites/{site.pk}/?q={cid}").content.decode()
    assert found.count(cid) >= 1 and "2 beslutninger" in found


def test_an_editor_changes_the_lifetime(login, members, org, site):
    client = login(members["editor"])
    data = {"lifetime_days": 90, "ledger_retention_days": 1825, "reopen_button": "on", "cookie_domain": ""}
    assert client.post(f"/o/{org.slug}/consent/sites/{site.pk}/", data).status_code == 302
    site.refresh_from_db()
    assert site.lifetime_days == 90
    data["lifetime_days"] = 1000
    assert client.post(f"/o/{org.slug}/consent/sites/{site.pk}/", data).status_code == 200  # form error
    site.refresh_from_db()
    assert site.lifetime_days == 90


def test_export_needs_the_privacy_officer(client, login, members, org, site):
    record(client, site, marketing=True)
    assert login(members["viewer"]).get(f"/o/{org.slug}/consent/sites/{site.pk}/ledger.csv").status_code == 403
    response = login(members["privacy_officer"]).get(f"/o/{org.slug}/consent/sites/{site.pk}/ledger.csv")
    lines = b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert lines[0].startswith("at,consent_id,record_id,functional,statistics,marketing")
    assert len(lines) == 2 and ",0,0,1,custom," in lines[1]
    assert AuditEvent.objects.filter(action="consent.ledger_exported").exists()


def test_another_organisations_site_is_not_found(login, members, org, other_org, site):
    other = Site.objects.create(organisation=other_org, url="https://beta.example")
    assert login(members["owner"]).get(f"/o/{org.slug}/consent/sites/{other.pk}/").status_code == 404


def test_preview_renders_the_banner_without_storing(login, members, org, site):
    response = login(members["viewer"]).get(f"/o/{org.slug}/consent/sites/{site.pk}/preview/?lang=en")
    html = response.content.decode()
    assert response.status_code == 200 and "data-preview" in html and '<html lang="en">' in html
    assert not ConsentRecord.objects.exists()


def test_statistics_count_acceptance_per_category(client, site):
    from personvern.consent.services import daily_stats

    record(client, site, statistics=True)
    record(client, site, statistics=True, marketing=True)
    record(client, site)
    today = daily_stats(site)[-1]
    assert today["total"] == 3
    assert (today["statistics"], today["marketing"], today["functional"]) == (67, 33, 0)


def test_the_organisation_looks_up_a_consent_id_across_its_sites(client, login, members, org, site):
    cid = record(client, site, statistics=True)["cid"]
    html = login(members["viewer"]).get(f"/o/{org.slug}/consent/?q={cid}").content.decode()
    assert "https://alpha.example" in html and "custom" in html
    other = login(members["outsider"]).get(f"/o/beta/consent/?q={cid}").content.decode()
    assert "custom" not in other


def test_a_register_without_websites_is_told_where_to_add_them(login, members, org):
    from personvern.core.manifest import loads_register
    from personvern.registry.services import register_save

    register_save(org=org, register=loads_register("controller: {legal_name: Alpha AS}\n"), message="test")
    body = login(members["editor"]).get(f"/o/{org.slug}/consent/").content.decode()
    assert "Protokollen har ingen nettsteder ennå" in body and "Alle nettstedene" not in body


def test_the_navigation_names_consent_once_and_marks_it_current(login, members, org, consent_register):
    body = login(members["viewer"]).get(f"/o/{org.slug}/consent/").content.decode()
    nav = body[body.index("<nav"):body.index("</nav>")]
    assert nav.count(f'href="/o/{org.slug}/consent/"') == 1
    assert nav.count('aria-current="page"') == 1 and f'href="/o/{org.slug}/consent/" aria-current="page"' in nav
