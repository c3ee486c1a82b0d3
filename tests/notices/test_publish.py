"""Publishing: preview beside the register, lint before publishing with a logged override, immutable
numbered versions with a readable diff, and the public pages, iframe and JSON."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass

import pytest
import time_machine
from django.utils import timezone

from personvern.audit.models import AuditEvent
from personvern.core import language as L
from personvern.core.manifest import loads_register
from personvern.notices import services
from personvern.notices.models import ImmutableError, PublishedNotice
from personvern.registry.services import register_save

SMALL = """\
controller:
  legal_name: Alpha AS
  email: post@alpha.no
notice:
  updated: 2025-03-01
activities:
  - id: nyhetsbrev
    name: {nb: Nyhetsbrev, en: Newsletter}
    purpose: {nb: Sende nyhetsbrev, en: Send newsletters}
    legal_bases: [{basis: a}]
    retention: {rule: until_consent_withdrawn}
"""


@dataclass
class FakeFinding:
    rule_id: str
    severity: str
    path: str = "activities[0]"
    message: str = "something is wrong"
    citation: str = "GDPR Art. 13(1)(f)"
    hint: str = "fix it"
    fix: tuple = ()


@pytest.fixture
def small(org):
    return register_save(org=org, register=loads_register(SMALL), message="small")


@pytest.fixture
def no_lint(monkeypatch):
    monkeypatch.setattr(services, "notice_lint", lambda register, lang="nb": [])


@pytest.fixture
def lint_errors(monkeypatch):
    findings = [FakeFinding("T-1", "error"), FakeFinding("A13-2a", "warning")]
    monkeypatch.setattr(services, "notice_lint", lambda register, lang="nb": findings)
    return findings


# --------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------


def test_it_publishes_an_immutable_snapshot_with_its_hash(org, members, small, no_lint):
    notice = services.notice_publish(org=org, user=members["editor"])
    assert notice.number == 1 and notice.register_number == small.number
    assert notice.register_sha256 == small.sha256
    assert notice.verify()
    assert "Alpha AS" in notice.html_nb and "Alpha AS" in notice.md_en
    assert notice.title_nb == "Personvernerklæring for Alpha AS" and notice.title_en == "Privacy notice for Alpha AS"
    # 'Sist endret' is the day this text was published (later than the register's 1 March 2025).
    assert notice.last_changed == timezone.localdate()
    assert L.date(notice.last_changed, "nb") in notice.html_nb and L.date(notice.last_changed, "en") in notice.html_en
    with pytest.raises(ImmutableError):
        notice.html_nb = "changed"
        notice.save()
    with pytest.raises(ImmutableError):
        notice.delete()


def test_publishing_writes_to_the_audit_trail(org, members, small, no_lint):
    notice = services.notice_publish(org=org, user=members["editor"])
    event = AuditEvent.objects.get(action="notice.published")
    assert event.organisation == org and event.actor == members["editor"]
    assert event.data["number"] == 1 and event.data["sha256"] == notice.sha256
    assert event.data["register_number"] == small.number


def test_unchanged_content_is_not_published_again_even_days_later(org, members, small, no_lint):
    with time_machine.travel(dt.datetime(2026, 5, 4, 12, tzinfo=dt.timezone.utc)):
        first = services.notice_publish(org=org, user=members["editor"])
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone.utc)):
        again = services.notice_publish(org=org, user=members["editor"])
    assert again.pk == first.pk and PublishedNotice.objects.count() == 1
    assert first.last_changed == dt.date(2026, 5, 4)


def test_a_changed_register_gives_the_next_version(org, members, small, no_lint):
    services.notice_publish(org=org, user=members["editor"])
    register_save(org=org, register=loads_register(SMALL.replace("Sende nyhetsbrev", "Sende nyhetsbrev hver uke")))
    second = services.notice_publish(org=org, user=members["editor"])
    assert second.number == 2
    diff = services.notice_diff(services.previous_notice(second), second, "nb")
    assert ("-", "- Formål: Sende nyhetsbrev") in diff
    assert ("+", "- Formål: Sende nyhetsbrev hver uke") in diff


def test_lint_errors_block_publishing_without_a_reason(org, members, small, lint_errors):
    with pytest.raises(services.LintErrors) as exc:
        services.notice_publish(org=org, user=members["editor"])
    assert [f.rule_id for f in exc.value.findings] == ["T-1"]
    assert not PublishedNotice.objects.exists()


def test_an_override_reason_publishes_and_is_logged(org, members, small, lint_errors):
    notice = services.notice_publish(org=org, user=members["editor"], override_reason="Avtalen med Google er på plass")
    assert notice.override_reason == "Avtalen med Google er på plass"
    assert (notice.lint_errors, notice.lint_warnings) == (1, 1)
    event = AuditEvent.objects.get(action="notice.lint_overridden")
    assert event.data["rules"] == ["T-1"] and "Google" in event.data["reason"]


def test_nothing_to_publish_without_a_register(org, members):
    with pytest.raises(services.NothingToPublish):
        services.notice_publish(org=org, user=members["editor"])


def test_without_the_linter_no_lint_is_shown(monkeypatch):
    monkeypatch.setitem(sys.modules, "personvern.core.rules", None)  # import fails
    assert services.notice_lint(loads_register(SMALL)) is None


# --------------------------------------------------------------------------
# Organisation pages
# --------------------------------------------------------------------------


def test_the_preview_shows_the_notice_next_to_the_register(client, members, login, small, no_lint):
    login(members["viewer"])
    response = client.get("/o/alpha/notice/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "legal_name: Alpha AS" in body  # the register
    assert 'class="pv-notice"' in body and "Personvernerklæring for Alpha AS" in body
    assert "Publiser" not in body.split("<main")[1].split("notice-cols")[0] or "publish" not in body
    english = client.get("/o/alpha/notice/?lang=en").content.decode()
    assert "Privacy notice for Alpha AS" in english


def test_a_viewer_cannot_publish(client, members, login, small, no_lint):
    login(members["viewer"])
    assert client.post("/o/alpha/notice/publish/").status_code == 403
    assert not PublishedNotice.objects.exists()


def test_an_editor_publishes(client, members, login, small, no_lint):
    login(members["editor"])
    response = client.post("/o/alpha/notice/publish/")
    assert response.status_code == 302 and response["Location"].endswith("/o/alpha/notice/versions/")
    notice = PublishedNotice.objects.get()
    assert notice.published_by == members["editor"]
    assert "http://testserver/p/alpha/rettigheter" in notice.html_nb  # no rights e-mail or form: ours
    assert "http://testserver/p/alpha/rights" in notice.html_en
    page = client.get("/o/alpha/notice/versions/").content.decode()
    assert "versjon 1" in page


def test_the_preview_shows_lint_findings_and_asks_for_a_reason(client, members, login, small, lint_errors):
    login(members["editor"])
    body = client.get("/o/alpha/notice/").content.decode()
    assert "T-1" in body and "A13-2a" in body and "override_reason" in body
    response = client.post("/o/alpha/notice/publish/", {"override_reason": ""})
    assert response.status_code == 400 and not PublishedNotice.objects.exists()
    assert 'role="alert"' in response.content.decode()
    response = client.post("/o/alpha/notice/publish/", {"override_reason": "Avklart med advokat"})
    assert response.status_code == 302
    assert PublishedNotice.objects.get().override_reason == "Avklart med advokat"


def test_version_page_shows_a_readable_diff(client, members, login, small, no_lint):
    services.notice_publish(org=members["editor"].memberships.get().organisation, user=members["editor"])
    register_save(org=small.organisation, register=loads_register(SMALL.replace("Alpha AS", "Alpha Norge AS")))
    services.notice_publish(org=small.organisation, user=members["editor"])
    login(members["viewer"])
    body = client.get("/o/alpha/notice/versions/2/").content.decode()
    assert 'class="pv-add"' in body and "Alpha Norge AS" in body and 'class="pv-del"' in body


def test_the_embed_page_gives_the_urls_and_the_snippet(client, members, login, small, no_lint):
    services.notice_publish(org=small.organisation, user=members["editor"])
    login(members["viewer"])
    body = client.get("/o/alpha/notice/embed/").content.decode()
    for path in ("/p/alpha/personvern", "/p/alpha/privacy", "/p/alpha/personvern.json", "/p/alpha/personvern/embed",
                 "/p/alpha/personvern/versjoner"):
        assert path in body
    assert "&lt;iframe" in body and "&lt;article class=&quot;pv-notice&quot;" in body


def test_outsiders_get_404(client, members, login, small):
    login(members["outsider"])
    for path in ("/o/alpha/notice/", "/o/alpha/notice/versions/", "/o/alpha/notice/embed/"):
        assert client.get(path).status_code == 404


# --------------------------------------------------------------------------
# Public pages
# --------------------------------------------------------------------------


@pytest.fixture
def published(org, members, small, no_lint):
    return services.notice_publish(org=org, user=members["editor"])


def test_the_public_pages_show_the_current_notice_in_each_language(client, published):
    nb = client.get("/p/alpha/personvern")
    en = client.get("/p/alpha/privacy")
    assert nb.status_code == en.status_code == 200
    assert '<html lang="nb">' in nb.content.decode() and "Personvernerklæring for Alpha AS" in nb.content.decode()
    assert '<html lang="en">' in en.content.decode() and "Privacy notice for Alpha AS" in en.content.decode()
    assert published.sha256 in nb.content.decode()


def test_the_public_pages_allow_no_script_and_no_framing(client, published):
    response = client.get("/p/alpha/personvern")
    csp = response["Content-Security-Policy"]
    assert "script-src 'none'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert "'sha256-" in csp
    assert response["X-Frame-Options"] == "DENY"


def test_the_embed_page_may_be_framed(client, published):
    response = client.get("/p/alpha/personvern/embed")
    assert response.status_code == 200
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert not response.has_header("X-Frame-Options")
    assert 'class="pv-notice"' in response.content.decode()


def test_the_json_endpoint(client, published):
    response = client.get("/p/alpha/privacy.json")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.content)
    assert data["version"] == 1 and data["lang"] == "en" and data["sha256"] == published.sha256
    assert data["html"] == published.html_en and data["markdown"] == published.md_en
    assert data["url"].endswith("/p/alpha/privacy") and data["last_changed"] == published.last_changed.isoformat()


def test_earlier_versions_and_their_diff_are_public(client, org, members, published):
    register_save(org=org, register=loads_register(SMALL.replace("Sende nyhetsbrev", "Sende nyhetsbrev hver uke")))
    services.notice_publish(org=org, user=members["editor"])
    listing = client.get("/p/alpha/personvern/versjoner").content.decode()
    assert "Versjon 2" in listing and "Versjon 1" in listing
    page = client.get("/p/alpha/personvern/versjoner/2")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Endringer fra versjon 1" in body and "hver uke" in body and 'class="pv-add"' in body
    assert client.get("/p/alpha/privacy/versions/1").status_code == 200
    assert client.get("/p/alpha/privacy/versions/9").status_code == 404


def test_an_organisation_without_a_notice_gives_404(client, org):
    assert client.get("/p/alpha/personvern").status_code == 404
    assert client.get("/p/alpha/personvern.json").status_code == 404
    assert client.get("/p/nobody/personvern").status_code == 404


def test_public_pages_are_rate_limited(client, published, monkeypatch):
    from personvern.notices import public_views

    monkeypatch.setattr(public_views, "RATE", (3, public_views.RATE[1]))
    codes = [client.get("/p/alpha/personvern", REMOTE_ADDR="203.0.113.9").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/p/alpha/personvern", REMOTE_ADDR="203.0.113.10").status_code == 200


def test_register_text_is_escaped_on_the_public_page(client, org, members, no_lint):
    hostile = SMALL.replace("Sende nyhetsbrev, en:", "'<script>alert(1)</script><img src=x onerror=alert(2)>', en:")
    register_save(org=org, register=loads_register(hostile))
    services.notice_publish(org=org, user=members["editor"])
    body = client.get("/p/alpha/personvern").content.decode()
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in body


def test_with_the_real_linter_the_bagges_errors_block_publishing_until_overridden(client, members, login,
                                                                                saved_register):
    from personvern.core import rules

    findings = rules.lint(saved_register.register(), "nb")
    errors = [f for f in findings if str(f.severity) == "error"]
    assert errors, "the Bagges seed has errors the linter must find (pinned in tests/rules/test_examples.py)"
    login(members["editor"])
    body = client.get("/o/alpha/notice/").content.decode()
    assert errors[0].rule_id in body and "override_reason" in body
    assert client.post("/o/alpha/notice/publish/").status_code == 400
    assert client.post("/o/alpha/notice/publish/", {"override_reason": "Retter i neste versjon"}).status_code == 302
    notice = PublishedNotice.objects.get()
    assert notice.lint_errors == len(errors) and notice.override_reason == "Retter i neste versjon"
    event = AuditEvent.objects.get(action="notice.lint_overridden")
    assert set(event.data["rules"]) == {f.rule_id for f in errors}


def test_the_organisation_pages_speak_english_when_asked(client, members, login, small, no_lint):
    from django.conf import settings

    login(members["viewer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/o/alpha/notice/").content.decode()
    assert "Preview and publish" in body and "The notice as it will look" in body
