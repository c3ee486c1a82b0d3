"""The notice page offers the linter's mechanical fixes as one change a person reviews and saves; the
demo shows the way out: the example as found, then a version with the fixes, and that one published."""

from __future__ import annotations

import re

from django.core.management import call_command

from personvern.audit.models import AuditEvent
from personvern.registry.models import RegisterVersion

FIXES = "/o/alpha/notice/fixes/"


def test_an_editor_reviews_the_fixes_and_saves_them_as_the_next_version(client, members, login, saved_register):
    login(members["editor"])
    preview = client.get("/o/alpha/notice/").content.decode()
    assert 'data-testid="fixable"' in preview and FIXES in preview
    page = client.get(FIXES).content.decode()
    assert "NO-POL-3" in page and "A12-3a" in page
    assert '<li class="pv-del"><span class="pv-visually-hidden">Fjernet: </span>  response_time: P30D</li>' in page
    assert RegisterVersion.objects.count() == 1  # looking changes nothing

    response = client.post(FIXES, {"base": saved_register.number})
    assert response.status_code == 302
    latest = RegisterVersion.objects.order_by("-number").first()
    assert latest.number == saved_register.number + 1 and "Mekaniske rettelser" in latest.message
    assert "personopplysningsloven § 19" not in latest.yaml and "P30D" not in latest.yaml
    assert latest.register().rights.response_time == "P1M"
    assert AuditEvent.objects.filter(action="register.saved", organisation__slug="alpha").count() == 2
    assert 'data-testid="fixable"' not in client.get("/o/alpha/notice/").content.decode()


def test_fixes_based_on_an_older_version_are_not_saved(client, members, login, saved_register):
    from personvern.core.manifest import loads_register
    from personvern.registry.services import register_save

    login(members["editor"])
    changed = loads_register(saved_register.yaml.replace("BAGGES AS", "BAGGES AS (endret)", 1))
    register_save(org=saved_register.organisation, register=changed, message="someone else")
    response = client.post(FIXES, {"base": saved_register.number}, follow=True)
    assert "Protokollen er endret" in response.content.decode()
    assert RegisterVersion.objects.count() == 2


def test_a_viewer_sees_no_fix_link_and_cannot_save_fixes(client, members, login, saved_register):
    login(members["viewer"])
    assert 'data-testid="fixable"' not in client.get("/o/alpha/notice/").content.decode()
    assert client.post(FIXES, {"base": saved_register.number}).status_code in (403, 404)
    assert RegisterVersion.objects.count() == 1


def test_the_demo_keeps_the_example_as_found_and_publishes_the_fixed_version(db, client):
    call_command("demo", demo_installation=True)
    for slug in ("balcoo", "bagges", "backe", "glasoterapi", "ekko-ipogs"):
        versions = list(RegisterVersion.objects.filter(organisation__slug=slug).order_by("number"))
        assert versions[0].message.startswith("Lastet fra") and "Mekaniske rettelser" in versions[1].message, slug
        for lang_path in ("personvern", "privacy"):
            body = client.get(f"/p/{slug}/{lang_path}").content.decode()
            assert not re.search(r"Tollbugata 3|§ ?2-7 ?b|personopplysningslovens? §|30 (dager|days)|ikke oppgitt|"
                                 r"not stated|\bunstated\b|står skjult|email.{0,12}protected", body), (slug, lang_path)


def test_the_preview_says_which_texts_are_left_out_and_why(client, members, login, saved_register):
    login(members["editor"])
    page = client.get("/o/alpha/notice/").content.decode()
    assert 'data-testid="left-out"' in page and "<code>rights.notes</code>" in page
    # the preview is what publishing prints: the repealed section is not in it
    notice = page.split('class="notice-preview"', 1)[1]
    assert "personopplysningslovens § 18" not in notice
