import datetime as dt
from enum import Enum

import pytest

from personvern.core import language as L
from personvern.core import manifest as M


@pytest.mark.parametrize("value, nb, en", [
    (dt.date(2023, 2, 15), "15. februar 2023", "15 February 2023"),
    (dt.date(2019, 10, 7), "7. oktober 2019", "7 October 2019"),
    (dt.date(2026, 12, 31), "31. desember 2026", "31 December 2026"),
])
def test_it_writes_dates_as_people_do(value, nb, en):
    assert L.date(value, "nb") == nb
    assert L.date(value, "en") == en


@pytest.mark.parametrize("value, nb, en", [
    ("P12M", "12 måneder", "12 months"),
    ("P1W", "én uke", "one week"),
    ("P15Y", "15 år", "15 years"),
    ("P1M", "én måned", "one month"),
    ("P1Y", "ett år", "one year"),
    ("P2Y", "to år", "two years"),
    ("P1Y6M", "ett år og seks måneder", "one year and six months"),
    ("P30D", "30 dager", "30 days"),
    ("P7D", "sju dager", "seven days"),
    ("PT24H", "24 timer", "24 hours"),
    ("PT10M", "ti minutter", "ten minutes"),
    ("PT1M", "ett minutt", "one minute"),
    ("P3Y6M", "tre år og seks måneder", "three years and six months"),
])
def test_it_writes_durations_in_words(value, nb, en):
    assert L.duration(value, "nb") == nb
    assert L.duration(value, "en") == en


def test_cookie_expiry_has_words_for_session_and_missing():
    assert L.cookie_expiry("session", "nb") == "til nettleseren lukkes"
    assert L.cookie_expiry(None, "en") == "not stated"
    assert L.cookie_expiry("P2Y", "nb") == "to år"


VOCABULARIES = [M.LegalBasisCode, M.Art9Category, M.Art9Condition, M.Channel, M.ProvisionRequirement,
                M.RetentionRule, M.Deidentification, M.RecipientRole, M.TransferMechanism, M.CookieCategory]


@pytest.mark.parametrize("enum", VOCABULARIES, ids=lambda e: e.__name__)
def test_every_member_of_every_vocabulary_has_a_label_in_both_languages(enum: type[Enum]):
    for member in enum:
        nb, en = L.label(member, "nb"), L.label(member, "en")
        assert nb and en, member


def test_legal_bases_cite_the_article():
    assert L.legal_basis(M.LegalBasisCode.LEGITIMATE_INTERESTS, "nb") == (
        "berettiget interesse (personvernforordningen artikkel 6 nr. 1 bokstav f)")
    assert L.legal_basis(M.LegalBasisCode.CONSENT, "en") == "consent (GDPR Article 6(1)(a))"
    assert L.legal_basis_citation("c", "nb") == "personvernforordningen artikkel 6 nr. 1 bokstav c"
    assert L.art9_condition(M.Art9Condition.A, "en") == "explicit consent (GDPR Article 9(2)(a))"


def test_the_personal_data_act_is_the_2018_act():
    assert "lov 15. juni 2018 nr. 38" in L.PERSONAL_DATA_ACT["nb"]
    assert "2000" not in L.PERSONAL_DATA_ACT["nb"] + L.PERSONAL_DATA_ACT["en"]


def test_datatilsynet_has_its_current_address():
    d = L.DATATILSYNET
    assert d["postal"] == ("Postboks 458 Sentrum", "0105 Oslo")
    assert d["visiting"] == ("Trelastgata 3", "0191 Oslo")
    assert d["phone"] == "22 39 69 00"
    assert "Tollbugata" not in repr(d)


def test_countries_have_names_and_unknown_codes_stay_codes():
    assert L.country("US", "nb") == "USA" and L.country("US", "en") == "the United States"
    assert L.country("SE", "nb") == "Sverige"
    assert L.country("ZZ", "nb") == "ZZ"


def test_join_lists_with_og_and_and():
    assert L.join(["a", "b", "c"], "nb") == "a, b og c"
    assert L.join(["a", "b"], "en") == "a and b"
    assert L.join(["a"], "en") == "a"


def test_org_numbers_are_grouped_in_threes():
    assert L.org_number("910380133") == "910 380 133"
    assert L.org_number("SE556737-0431") == "SE556737-0431"  # not a Norwegian number: as written
