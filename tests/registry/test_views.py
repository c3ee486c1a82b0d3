"""The register's pages: who may do what, editing from the schema, stale edits, history, YAML in and out."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from personvern.audit.models import AuditEvent
from personvern.core.manifest import loads_register
from personvern.registry.models import RegisterVersion
from personvern.registry.services import current_version, register_save
from registry.conftest import as_post, form_pairs

SMALL = """\
schema_version: 1
controller:
  legal_name: Alpha AS
  email: post@alpha.no
roles:
  - id: webredaktor
    name: Webredaktør
recipients:
  - id: mailchimp
    name: Mailchimp
    role: processor
    country: US
systems:
  - id: nettsted
    name: alpha.no
activities:
  - id: nyhetsbrev
    name: {nb: Nyhetsbrev, en: Newsletter}
    purpose: Sende nyhetsbrev
    legal_bases:
      - basis: a
    recipients: [mailchimp]
    retention:
      rule: until_consent_withdrawn
    responsible_role: webredaktor
cookies:
  - name: _ga
    activity: nyhetsbrev
"""

BASE = "/o/alpha/register/"


@pytest.fixture
def small(org):
    return register_save(org=org, register=loads_register(SMALL), message="start")


def versions(org) -> int:
    return RegisterVersion.objects.filter(organisation=org).count()


def page(client, url) -> tuple[str, list[tuple[str, str]]]:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    return html, form_pairs(html)


def submit(client, url, **changes):
    """Post the form on `url` as the browser shows it, with `changes` made."""
    _html, pairs = page(client, url)
    return client.post(url, as_post(pairs, **changes))


def field_block(html: str, input_id: str) -> str:
    """The markup of the field wrapper (div or fieldset) that holds `input_id`."""
    at = html.index(f'id="{input_id}"')
    start = max(html.rfind('<div class="field', 0, at), html.rfind('<fieldset class="field', 0, at))
    ends = [i for i in (html.find("\n</div>", at), html.find("\n</fieldset>", at)) if i >= 0]
    return html[start:min(ends)]


# --------------------------------------------------------------------------
# Who may do what
# --------------------------------------------------------------------------


def test_viewer_can_read_overview_history_version_and_download(client, members, login, saved_register):
    login(members["viewer"])
    name = saved_register.register().controller.legal_name
    assert name in client.get(BASE).content.decode()
    assert client.get(BASE + "history/").status_code == 200
    assert client.get(BASE + "history/1/").status_code == 200
    assert client.get(BASE + "register.yaml").status_code == 200


def test_viewer_sees_no_edit_links(client, members, login, saved_register):
    login(members["viewer"])
    html = client.get(BASE).content.decode()
    assert "/edit/" not in html and "/upload/" not in html and "new-activity" not in html


@pytest.mark.parametrize("url", ["edit/controller/", "edit/roles/", "new-activity/", "activities/nyhetsbrev/",
                                 "activities/nyhetsbrev/delete/", "upload/"])
def test_viewer_gets_403_for_every_edit_page(client, members, login, small, url):
    login(members["viewer"])
    assert client.get(BASE + url).status_code == 403
    assert client.post(BASE + url, {"base": "1", "controller.legal_name": "Hacked"}).status_code == 403
    assert versions(small.organisation) == 1


def test_editor_can_edit_the_controller(client, members, login, small):
    c = login(members["editor"])
    response = submit(c, BASE + "edit/controller/", **{"controller.legal_name": "Alpha Holding AS",
                                                      "message": "Nytt navn"})
    assert response.status_code == 302
    version = current_version(small.organisation)
    assert version.number == 2 and version.created_by == members["editor"] and version.message == "Nytt navn"
    reg = version.register()
    assert reg.controller.legal_name == "Alpha Holding AS"
    assert reg.controller.email == "post@alpha.no"  # the rest is kept
    assert reg.activities[0].id == "nyhetsbrev"
    assert AuditEvent.objects.filter(action="register.saved", object_id=str(version.pk)).exists()


def test_an_unchanged_form_saves_no_new_version(client, members, login, small):
    c = login(members["editor"])
    assert submit(c, BASE + "edit/controller/").status_code == 302
    assert versions(small.organisation) == 1


def test_editor_can_add_edit_and_delete_an_activity(client, members, login, small):
    org = small.organisation
    c = login(members["editor"])
    response = submit(c, BASE + "new-activity/", **{
        "activities[1].id": "kundeservice", "activities[1].name.nb": "Kundeservice",
        "activities[1].name.en": "Customer service", "activities[1].channels": ["email", "phone"],
        "activities[1].systems": ["nettsted"], "activities[1].retention.period": "P12M",
        "activities[1].data_categories.nb": "navn\ne-post\n\n", "activities[1].legal_bases[0].basis": "b"})
    assert response.status_code == 302
    activity = current_version(org).register().activity("kundeservice")
    assert activity.name.en == "Customer service"
    assert activity.channels == ["email", "phone"] and activity.systems == ["nettsted"]
    assert [t.nb for t in activity.data_categories] == ["navn", "e-post"]
    assert activity.retention.period == "P12M" and activity.legal_bases[0].basis == "b"

    assert submit(c, BASE + "activities/kundeservice/", **{"activities[1].purpose.nb": "Svare kunder"}).status_code == 302
    assert current_version(org).register().activity("kundeservice").purpose.nb == "Svare kunder"

    assert c.get(BASE + "activities/kundeservice/delete/").status_code == 200
    assert c.post(BASE + "activities/kundeservice/delete/", {"base": "3"}).status_code == 302
    assert current_version(org).register().activity("kundeservice") is None
    assert versions(org) == 4


def test_a_list_section_adds_and_deletes_rows(client, members, login, small):
    c = login(members["editor"])
    response = submit(c, BASE + "edit/systems/", **{
        "systems[1].id": "kameraer", "systems[1].name": "Kameraer", "systems[1].count": "8",
        "systems[1].vendor": "mailchimp"})
    assert response.status_code == 302
    reg = current_version(small.organisation).register()
    assert [s.id for s in reg.systems] == ["nettsted", "kameraer"]
    assert reg.system("kameraer").count == 8 and reg.system("kameraer").vendor == "mailchimp"

    assert submit(c, BASE + "edit/systems/", **{"_delete:systems[1]": "1"}).status_code == 302
    assert [s.id for s in current_version(small.organisation).register().systems] == ["nettsted"]


def test_an_id_reference_is_a_choice_of_existing_ids(client, members, login, small):
    login(members["editor"])
    html, _pairs = page(client, BASE + "activities/nyhetsbrev/")
    block = field_block(html, "f-activities-0-responsible_role")
    assert '<option value="webredaktor" selected>webredaktor – Webredaktør</option>' in block


# --------------------------------------------------------------------------
# Validation messages next to the field; nothing saved
# --------------------------------------------------------------------------


def test_a_validation_error_is_shown_next_to_its_field_and_nothing_is_saved(client, members, login, small):
    c = login(members["editor"])
    response = submit(c, BASE + "activities/nyhetsbrev/", **{"activities[0].retention.period": "12 mnd"})
    assert response.status_code == 200
    html = response.content.decode()
    block = field_block(html, "f-activities-0-retention-period")
    assert "write P12M" in block
    assert 'aria-describedby="f-activities-0-retention-period-errors' in html
    assert 'id="f-activities-0-retention-period-errors"' in block
    assert 'aria-invalid="true"' in block
    assert 'value="12 mnd"' in block  # what was typed is kept
    assert versions(small.organisation) == 1


def test_a_missing_required_field_is_shown_next_to_it(client, members, login, small):
    c = login(members["editor"])
    response = submit(c, BASE + "edit/controller/", **{"controller.legal_name": "",
                                                      "controller.email": "not an address"})
    html = response.content.decode()
    assert "required field is missing" in field_block(html, "f-controller-legal_name")
    assert "&quot;not an address&quot; is not an e-mail address" in field_block(html, "f-controller-email")
    assert versions(small.organisation) == 1


def test_a_broken_cross_reference_elsewhere_is_listed_and_nothing_is_saved(client, members, login, small):
    """Deleting a role that an activity still names is caught by validating the whole register."""
    c = login(members["editor"])
    response = submit(c, BASE + "edit/roles/", **{"_delete:roles[0]": "1"})
    html = response.content.decode()
    assert "activities[0].responsible_role" in html and 'no role with id &quot;webredaktor&quot;' in html
    assert versions(small.organisation) == 1


def test_deleting_an_activity_a_cookie_serves_is_refused(client, members, login, small):
    login(members["editor"])
    response = client.post(BASE + "activities/nyhetsbrev/delete/", {"base": "1"})
    assert response.status_code == 200
    assert 'no activity with id &quot;nyhetsbrev&quot;' in response.content.decode()
    assert versions(small.organisation) == 1


# --------------------------------------------------------------------------
# Concurrent edits
# --------------------------------------------------------------------------


def test_it_refuses_an_edit_whose_base_version_is_no_longer_current(client, members, login, small):
    org = small.organisation
    c = login(members["editor"])
    _html, pairs = page(c, BASE + "edit/controller/")
    # Meanwhile someone else saves version 2.
    other = small.register().model_copy(update={"cookies": []})
    register_save(org=org, register=other, user=members["owner"], message="others' change")
    response = c.post(BASE + "edit/controller/", as_post(pairs, **{"controller.legal_name": "Mine AS"}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "versjon 2 er lagret siden" in html and 'role="alert"' in html
    assert 'value="Mine AS"' in html  # the work is not lost from the page
    assert versions(org) == 2 and current_version(org).register().controller.legal_name == "Alpha AS"


def test_a_stale_upload_is_refused(client, members, login, small):
    register_save(org=small.organisation, register=small.register().model_copy(update={"cookies": []}))
    login(members["editor"])
    response = client.post(BASE + "upload/", {"base": "1", "file": SimpleUploadedFile("r.yaml", SMALL.encode())})
    assert "versjon 2 er lagret siden" in response.content.decode()
    assert versions(small.organisation) == 2


# --------------------------------------------------------------------------
# Upload and download
# --------------------------------------------------------------------------

BROKEN = """\
schema_version: 1
controller:
  legal_name: Alpha AS
  org_number: "123456789"
activities:
  - id: nyhetsbrev
    name: Nyhetsbrev
    retention:
      period: 12 mnd
    responsible_role: nobody
"""


def test_an_upload_that_fails_validation_changes_nothing_and_lists_every_error(client, members, login, small):
    login(members["editor"])
    response = client.post(BASE + "upload/", {"base": "1", "file": SimpleUploadedFile("alpha.yaml", BROKEN.encode())})
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r"<tr><td>(\d+|—)</td><td><code>([^<]*)</code></td><td>([^<]*)</td></tr>", html)
    assert ("4", "controller.org_number", "&quot;123456789&quot; is not a valid Norwegian organisation number "
            "(9 digits, mod-11 check)") in rows
    assert ("9", "activities[0].retention.period", "&quot;12 mnd&quot; is not a duration; write P12M") in rows
    assert "Ingenting er endret" in html and "alpha.yaml" in html
    assert versions(small.organisation) == 1


def test_an_upload_that_is_not_yaml_gives_its_line(client, members, login, small):
    login(members["editor"])
    response = client.post(BASE + "upload/", {"base": "1", "file": SimpleUploadedFile("x.yaml", b"controller:\n  a: [\n")})
    assert "not valid YAML" in response.content.decode()
    assert versions(small.organisation) == 1


@pytest.mark.parametrize("raw, line, message", [
    (b"controller:\n  legal_name: Bl\xe5b\xe6r AS\n", "2", "not UTF-8 text (byte 0xe5); save the file as UTF-8"),
    (b"controller:\n  legal_name: A\ncontroller:\n  legal_name: B\n", "3", "duplicate key (first written on line 1); keep one"),
    (b"controller: {legal_name: A}\nsecurity: &x [*x]\n", "2", "an alias (*) inside its own anchor (&) repeats forever"),
    # each of these answered 500
    (b"controller: {legal_name: A}\nsecurity:\n" + b"".join(b" " * i + b"k:\n" for i in range(1, 900)), "34",
     "nested deeper than 32 levels"),
    (b"controller: {legal_name: A}\nsecurity: " + b"[" * 900 + b"]" * 900, "2", "nested deeper than 32 levels"),
    (b"controller:\n  legal_name: A\x00\n", "2", "contains a NUL character"),
    (b'controller:\n  legal_name: "A\\0"\n', "2", "contains a NUL character"),
    (b'controller:\n  legal_name: "A\\ud800"\n', "2", "contains a lone surrogate"),
    (b"controller:\n  legal_name: A\n  org_number: " + b"9" * 4301 + b"\n", "3", "a number longer than 40 characters"),
])
def test_an_upload_with_a_file_level_problem_gives_its_line_and_changes_nothing(client, members, login, small, raw, line,
                                                                                 message):
    login(members["editor"])
    html = client.post(BASE + "upload/", {"base": "1", "file": SimpleUploadedFile("x.yaml", raw)}).content.decode()
    rows = re.findall(r"<tr><td>(\d+|—)</td><td><code>([^<]*)</code></td><td>([^<]*)</td></tr>", html)
    assert any(r[0] == line and html_lib.unescape(r[2]).startswith(message) for r in rows), rows
    assert versions(small.organisation) == 1


def test_a_cross_reference_error_in_an_upload_is_listed(client, members, login, small):
    login(members["editor"])
    text = BROKEN.replace('  org_number: "123456789"\n', "").replace("12 mnd", "P12M")
    html = client.post(BASE + "upload/", {"base": "1", "file": SimpleUploadedFile("a.yaml", text.encode())}).content.decode()
    assert "activities[0].responsible_role" in html and "no role with id &quot;nobody&quot;" in html
    assert versions(small.organisation) == 1


def test_an_upload_larger_than_the_limit_is_refused(client, members, login, small):
    login(members["editor"])
    big = SMALL + "# " + "x" * (1024 * 1024) + "\n"
    response = client.post(BASE + "upload/", {"base": "1", "file": SimpleUploadedFile("big.yaml", big.encode())})
    assert "for stor" in response.content.decode()
    assert versions(small.organisation) == 1


def test_a_valid_upload_creates_a_version(client, members, login, small):
    login(members["editor"])
    text = SMALL.replace("legal_name: Alpha AS", "legal_name: Alpha Uploaded AS")
    response = client.post(BASE + "upload/", {"base": "1", "file": SimpleUploadedFile("alpha.yaml", text.encode())})
    assert response.status_code == 302
    version = current_version(small.organisation)
    assert version.number == 2 and version.created_by == members["editor"] and "alpha.yaml" in version.message
    assert version.register().controller.legal_name == "Alpha Uploaded AS"


def test_the_first_register_can_be_uploaded(client, members, login, org):
    login(members["editor"])
    assert client.post(BASE + "upload/", {"base": "0", "file": SimpleUploadedFile("a.yaml", SMALL.encode())}).status_code == 302
    assert current_version(org).number == 1


def test_download_returns_the_yaml_of_the_current_and_of_any_version(client, members, login, small):
    register_save(org=small.organisation, register=small.register().model_copy(update={"cookies": []}))
    login(members["viewer"])
    response = client.get(BASE + "register.yaml")
    assert response["Content-Type"].startswith("application/yaml")
    assert 'filename="alpha-v2.yaml"' in response["Content-Disposition"]
    assert loads_register(response.content.decode()) == current_version(small.organisation).register()
    old = client.get(BASE + "history/1/register.yaml").content.decode()
    assert old == small.yaml and "_ga" in old


def test_unknown_versions_give_404(client, members, login, small):
    login(members["viewer"])
    assert client.get(BASE + "history/9/").status_code == 404
    assert client.get(BASE + "history/9/register.yaml").status_code == 404
    assert client.get(BASE + "activities/nope/").status_code in (403, 404)


# --------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------


def test_history_lists_who_when_and_message_and_the_diff_shows_the_change(client, members, login, small):
    reg = small.register()
    reg.controller.legal_name = "Alpha <script>alert(1)</script> AS"
    register_save(org=small.organisation, register=reg, user=members["editor"], message="Nytt navn")
    login(members["viewer"])
    history = client.get(BASE + "history/").content.decode()
    assert "Nytt navn" in history and "editor" in history and "versjon 2" in history
    html = client.get(BASE + "history/2/").content.decode()
    assert '<span class="del"><del>-  legal_name: Alpha AS</del></span>' in html
    assert '<span class="add"><ins>+  legal_name: Alpha &lt;script&gt;alert(1)&lt;/script&gt; AS</ins></span>' in html
    assert "<script>alert" not in html
    assert "Endringer fra versjon 1 til 2" in html


def test_the_first_version_diffs_against_nothing(client, members, login, small):
    login(members["viewer"])
    html = client.get(BASE + "history/1/").content.decode()
    assert "Første versjon" in html and '<span class="add"><ins>+  legal_name: Alpha AS</ins></span>' in html


# --------------------------------------------------------------------------
# Languages
# --------------------------------------------------------------------------


def test_the_english_page_renders_in_english(client, members, login, small):
    login(members["editor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(BASE).content.decode()
    assert "Processing activities" in html and "Behandlingsaktiviteter" not in html
    assert "a – consent" in html  # vocabulary labels too
    assert "Newsletter" in html  # the register's own English text
    form = client.get(BASE + "activities/nyhetsbrev/").content.decode()
    assert "Retention" in form and "Lagringstid" not in form


def test_the_bokmal_page_is_the_default(client, members, login, small):
    login(members["viewer"])
    html = client.get(BASE).content.decode()
    assert "Behandlingsaktiviteter" in html and "a – samtykke" in html and "Nyhetsbrev" in html


def test_the_first_register_can_be_started_from_the_controller_form(client, members, login, org):
    c = login(members["editor"])
    assert "Begynn med behandlingsansvarlig" in c.get(BASE).content.decode()
    response = submit(c, BASE + "edit/controller/", **{"controller.legal_name": "Alpha AS", "controller.org_number": "974 760 673"})
    assert response.status_code == 302
    version = current_version(org)
    assert version.number == 1 and version.register().controller.org_number == "974760673"


def test_history_is_paged(client, members, login, small):
    reg = small.register()
    for i in range(55):
        reg.controller.phone = f"+47 {i:08d}"
        register_save(org=small.organisation, register=reg, message=f"change {i}")
    login(members["viewer"])
    first = client.get(BASE + "history/").content.decode()
    assert "versjon 56" in first and "versjon 6<" not in first and "Side 1 av 2" in first
    second = client.get(BASE + "history/?page=2").content.decode()
    assert "versjon 1<" in second and "gjeldende" not in second
