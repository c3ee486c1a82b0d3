"""The vendor catalogue: dated, unverified, matched by key or by name."""

from __future__ import annotations

import datetime as dt

import pytest

from personvern.core.manifest import Recipient
from personvern.core.rules.vendors import catalogue, normalise

REQUIRED = ["google", "google-analytics", "google-ads", "meta", "microsoft", "microsoft-advertising", "linkedin",
            "mailchimp", "zoom", "kajabi", "stripe", "klarna", "surveymonkey", "siteground", "domeneshop", "fiken",
            "visma", "phonero", "webhuset", "novicell", "snap", "tiktok", "hotjar", "vimeo", "youtube"]


def test_the_catalogue_is_dated_and_marked_unverified():
    cat = catalogue()
    assert cat.recorded == dt.date(2026, 11, 22) and cat.verified is False
    assert "US" not in cat.adequacy and {"CH", "GB", "JP"} <= cat.adequacy


@pytest.mark.parametrize("key", REQUIRED)
def test_it_knows_the_common_vendors(key):
    m = catalogue().lookup(key)
    assert m is not None and m.vendor.country and m.kind and m.typical_role
    if m.vendor.country == "US":
        assert m.vendor.typical_mechanism in ("dpf", "scc_2021_914")


@pytest.mark.parametrize("name, vendor, product", [
    ("Zoom Video Communications, Inc.", "zoom", None),
    ("Google (Google Ads, Google Marketing Platform)", "google", "google-ads"),
    ("Google (Google Analytics)", "google", "google-analytics"),
    ("Google Adds", "google", "google-ads"),
    ("Facebook / Instagram", "meta", None),
    ("Microsoft Bing", "microsoft", "microsoft-advertising"),
    ("Outlook", "microsoft", None),
    ("Siteground ltd", "siteground", None),
    ("Visma Business", "visma", None),
    ("Kajabi LLC", "kajabi", None),
])
def test_it_matches_by_name(name, vendor, product):
    m = catalogue().match(name)
    assert m.vendor.key == vendor and (m.product.key if m.product else None) == product


@pytest.mark.parametrize("name", ["Lykke Media As", "Youmedia", "IT-leverandører", "Regnskap/revisjon", ""])
def test_unknown_names_do_not_match(name):
    assert catalogue().match(name) is None


def test_a_recipient_is_matched_by_key_then_refined_by_name():
    r = Recipient(id="ads", name="Google (Google Ads)", role="independent_controller", country="US", vendor="google")
    m = catalogue().for_recipient(r)
    assert (m.vendor.key, m.product.key, m.kind) == ("google", "google-ads", "advertising")
    r = Recipient(id="x", name="Vår e-posttjeneste", role="processor", country="US", vendor="mailchimp")
    assert catalogue().for_recipient(r).vendor.key == "mailchimp"


def test_tiktok_is_in_the_eea_but_sends_data_out():
    v = catalogue().lookup("tiktok").vendor
    assert not v.outside_eea and "CN" in v.third_countries


def test_facts_for_a_hint_say_unverified_and_the_date():
    v = catalogue().lookup("mailchimp").vendor
    assert "ikke verifisert" in catalogue().facts(v, "nb") and "2026-11-22" in catalogue().facts(v, "en")


def test_normalise_drops_legal_suffixes():
    assert normalise("Zoom Video Communications, Inc.") == "zoom video communications"
    assert normalise("Fiken AS") == "fiken"
