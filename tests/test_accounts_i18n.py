"""The account pages and the page frame exist in bokmål and English.

The strings are read out of the templates and the Python source, so a string added later without an
English translation fails here. The catalogue is compiled by `make install` / `make test`
(`personvern compilemessages`); without it the English pages fall back to bokmål and these tests fail.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from conftest import PASSWORD

ACCOUNTS = Path(__file__).resolve().parent.parent / "src" / "personvern" / "accounts"
TEMPLATE_STRING = re.compile(r"""{%\s*translate\s+(["'])(.+?)\1\s*%}""")
CODE_STRING = re.compile(r"""\b_\(\s*(["'])(.+?)\1\s*[,)]""")


def source_strings() -> set[str]:
    found = set()
    for path in (ACCOUNTS / "templates").rglob("*.html"):
        found |= {m[2] for m in TEMPLATE_STRING.finditer(path.read_text())}
    for path in ACCOUNTS.glob("*.py"):
        found |= {ast.literal_eval(m[1] + m[2] + m[1]) for m in CODE_STRING.finditer(path.read_text())}
    return found


def test_the_accounts_source_has_strings_to_translate():
    assert {"Logg inn", "Tofaktorautentisering", "Medlemmer og roller", "Eier", "Feil brukernavn eller passord."} <= source_strings()


@pytest.mark.parametrize("text", sorted(source_strings()))
def test_every_accounts_string_has_english(text):
    with translation.override("en"):
        english = translation.gettext(text)
    assert english != text, f"no English for {text!r} in accounts/locale/en"


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_login_page_and_its_errors_are_in_english(client, members):
    english(client)
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in page and "Log in" in page and "Username or e-mail" in page and "Logg inn" not in page
    page = client.post("/accounts/login/", {"username": "editor", "password": "wrong"}).content.decode()
    assert "Wrong username or password." in page


def test_the_two_factor_page_is_in_english(client, members):
    english(client)
    client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
    page = client.get("/accounts/two-factor/").content.decode()
    assert "Two-factor authentication" in page and "Scan the code with an authenticator app" in page
    assert "Tofaktor" not in page


def test_organisations_and_members_are_in_english(client, members, login, settings):
    settings.PERSONVERN_ORG_CREATION = "members"
    login(members["owner"])
    english(client)
    page = client.get("/accounts/orgs/").content.decode()
    assert "Organisations" in page and "Your role" in page and "Owner" in page and "New organisation" in page
    page = client.get("/o/alpha/members/").content.decode()
    for text in ("Members and roles", "Add a member", "Privacy officer", "Viewer", "Log out", "Register", "Requests"):
        assert text in page, text
    for text in ("Medlemmer og roller", "Legg til medlem", "Logg ut"):
        assert text not in page, text
    page = client.post("/o/alpha/members/", {"email": "not-an-address", "role": "editor"}).content.decode()
    assert "Enter a valid e-mail address." in page


def test_the_same_pages_are_in_bokmal_by_default(client, members, login):
    login(members["owner"])
    page = client.get("/o/alpha/members/").content.decode()
    assert 'lang="nb"' in page and "Medlemmer og roller" in page and "Members and roles" not in page
