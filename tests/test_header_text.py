"""Text from the register or a form never becomes a header: refused when saved, cleaned when stored earlier."""

from __future__ import annotations

import logging

import pytest

from personvern.consent.models import NewsletterList, Site, Subscriber
from personvern.core.manifest import RegisterError, loads_register

INJECTED_ALIAS = "bagges.no\r\nX-Injected: yes"
REGISTER = """
controller:
  legal_name: {name}
  websites:
    - url: {url}
      aliases: [{alias}]
"""


def register_text(name="Bagges AS", url="https://bagges.no", alias="bagges.com"):
    return REGISTER.format(name=name, url=url, alias=alias)


@pytest.mark.parametrize(("field", "values", "path"), [
    ("alias", '"bagges.no\\r\\nX-Injected: yes"', "controller.websites[0].aliases[0]"),
    ("alias", '"bagges no"', "controller.websites[0].aliases[0]"),
    ("url", '"https://bagges.no\\r\\nX-Injected: yes"', "controller.websites[0].url"),
    ("url", '"https://bag ges.no"', "controller.websites[0].url"),
    ("name", '"Bagges AS\\r\\nBcc: all@example.no"', "controller.legal_name"),
])
def test_the_register_refuses_header_text_and_names_the_field(field, values, path):
    with pytest.raises(RegisterError) as caught:
        loads_register(register_text(**{field: values}), "bagges.yaml")
    [problem] = caught.value.problems
    assert (problem.file, problem.path) == ("bagges.yaml", path)
    assert problem.line in (3, 5, 6)


def test_good_websites_and_aliases_still_load():
    reg = loads_register(register_text(url="http://127.0.0.1:8001/", alias="https://Bøker.no/"))
    assert reg.controller.websites[0].aliases == ["https://Bøker.no/"]


@pytest.fixture
def stored_bad_register(org):
    """A register version saved before websites were checked: an alias with a header in it."""
    from personvern.registry.models import RegisterVersion

    text = register_text(url="https://alpha.example", alias='"bagges.no\\r\\nX-Injected: yes"')
    return RegisterVersion.objects.create(organisation=org, number=1, yaml=text, sha256=RegisterVersion.digest(text))


@pytest.fixture
def newsletter(org):
    return NewsletterList.objects.create(organisation=org, name="Alpha-nytt", wording_nb="Ja takk.")


@pytest.mark.django_db
def test_a_stored_alias_with_a_header_leaves_the_public_form_working(client, newsletter, stored_bad_register, caplog):
    with caplog.at_level(logging.WARNING, logger="personvern.consent.services"):
        response = client.get(f"/c/n/{newsletter.key}/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "https://alpha.example" in csp and "X-Injected" not in csp and "\n" not in csp
    assert "not a valid address; left out" in caplog.text


@pytest.mark.django_db
def test_a_stored_alias_with_a_header_is_named_on_the_register_page(login, members, org, stored_bad_register):
    html = login(members["viewer"]).get(f"/o/{org.slug}/register/").content.decode()
    assert "controller.websites[0].aliases[0]" in html and "carriage return" in html


@pytest.mark.django_db
def test_saving_another_part_of_such_a_register_names_the_field(login, members, org, stored_bad_register):
    from personvern.registry.models import RegisterVersion

    client = login(members["editor"])
    response = client.post(f"/o/{org.slug}/register/edit/notice/", {"base": "1", "message": "x"})
    html = response.content.decode()
    assert response.status_code == 200 and "controller.websites[0].aliases[0]" in html and "carriage return" in html
    assert RegisterVersion.objects.filter(organisation=org).count() == 1  # not saved


@pytest.mark.django_db
def test_a_stored_alias_never_reaches_the_ledger_api_cors(client, org, stored_bad_register):
    import json
    import uuid

    from personvern.consent import services

    site = Site.objects.create(organisation=org, url="https://alpha.example")
    services.forget_all()
    body = {"site": site.key, "id": uuid.uuid4().hex, "method": "reject_all", "version": "0123456789ab",
            "choices": {"functional": False, "statistics": False, "marketing": False}}
    response = client.post("/api/consent", json.dumps(body), content_type="text/plain",
                           HTTP_ORIGIN="https://alpha.example")
    assert response.status_code == 201 and response["Access-Control-Allow-Origin"] == "https://alpha.example"
    assert "https://bagges.no\r\nx-injected: yes" not in services.site_info(site.key).origins


@pytest.mark.django_db
def test_a_newsletter_name_on_two_lines_is_refused(login, members, org):
    client = login(members["editor"])
    data = {"action": "add_list", "name": "Nytt\r\nBcc: all@example.no", "wording_nb": "Ja takk.", "wording_en": "",
            "webhook_url": ""}
    response = client.post(f"/o/{org.slug}/consent/", data)
    assert response.status_code == 200 and "én linje" in response.content.decode()
    assert not NewsletterList.objects.exists()


@pytest.mark.django_db(transaction=True)  # the mail is sent on commit
def test_a_stored_newsletter_name_on_two_lines_still_gets_its_mail_out(client, org, mailbox, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    newsletter = NewsletterList.objects.create(organisation=org, name="Nytt\r\nBcc: all@example.no",
                                               wording_nb="Ja takk.")
    response = client.post(f"/c/n/{newsletter.key}/", {"email": "kari@example.no", "consent": "yes",
                                                        "version": newsletter.wording_version("nb"), "lang": "nb"})
    assert response.status_code == 200
    [message] = mailbox.wait_for(1)
    assert message["Subject"].strip() == "Bekreft påmeldingen til Nytt Bcc: all@example.no"
    assert message["Bcc"] is None and "all@example.no" not in message["To"]


@pytest.mark.django_db
def test_a_cookie_domain_with_a_header_is_refused(login, members, org):
    site = Site.objects.create(organisation=org, url="https://alpha.example")
    client = login(members["editor"])
    data = {"lifetime_days": 90, "ledger_retention_days": 1825, "reopen_button": "on",
            "cookie_domain": "alpha.example\r\nSet-Cookie: x=1"}
    assert client.post(f"/o/{org.slug}/consent/sites/{site.pk}/", data).status_code == 200  # the form again
    site.refresh_from_db()
    assert site.cookie_domain == ""
    data["cookie_domain"] = ".Alpha.example"
    assert client.post(f"/o/{org.slug}/consent/sites/{site.pk}/", data).status_code == 302
    site.refresh_from_db()
    assert site.cookie_domain == "alpha.example"


@pytest.mark.django_db
def test_an_organisation_name_on_two_lines_is_refused(login, members, settings):
    from personvern.accounts.models import Organisation

    settings.PERSONVERN_ORG_CREATION = "members"

    response = login(members["owner"]).post("/accounts/orgs/new/", {"name": "Gamma AS\r\nBcc: all@example.no"})
    assert response.status_code == 400
    assert not Organisation.objects.filter(name__startswith="Gamma").exists()


@pytest.mark.django_db
def test_a_formula_is_no_e_mail_address_on_the_public_form(client, newsletter):
    response = client.post(f"/c/n/{newsletter.key}/", {"email": '=HYPERLINK("http://evil.test")@x.no',
                                                        "consent": "yes", "lang": "nb",
                                                        "version": newsletter.wording_version("nb")})
    assert response.status_code == 400
    assert not Subscriber.objects.exists()
