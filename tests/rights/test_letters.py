"""Letters to the requester: the wording per type and outcome, in bokmål and English."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from personvern.rights import letters, services
from personvern.rights.models import FeeGround, RefusalGround, RefusalProvision, RequestType, State, Task
from rights.helpers import verified

OSLO = ZoneInfo("Europe/Oslo")


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_an_erasure_letter_lists_only_what_was_kept(members, org, saved_register, lang):
    req = verified(org, members, type="erasure", language=lang)
    for task in req.tasks.all():
        services.task_complete(task=task, user=members["privacy_officer"], note="Slettet", evidence="Admin")
    plain = services.answer_preview(req).body
    assert ("listet nedenfor" if lang == "nb" else "listed below") not in plain
    cite = "17 nr. 3" if lang == "nb" else "17(3)"
    assert cite not in plain

    visma = req.tasks.get(system_id="visma-business")
    visma.status = Task.Status.KEPT
    visma.save()
    kept = services.answer_preview(req).body
    assert ("listet nedenfor" if lang == "nb" else "listed below") in kept
    assert cite in kept and "regnskapslovgivningen" in kept  # the law the register gives for keeping it


def test_a_direct_marketing_objection_letter_says_marketing_stops(members, org, saved_register):
    general = verified(org, members, type="objection")
    marketing = verified(org, members, type="objection", direct_marketing=True)
    assert "markedsføring" not in services.answer_preview(general).body.split("Du har rett")[0]
    body = services.answer_preview(marketing).body
    assert "direkte markedsføring til følge (artikkel 21 nr. 2 og 3)" in body


@pytest.mark.parametrize(("lang", "months", "expected"), [
    ("nb", 2, "med to måneder, til 09.06.2026"),
    ("nb", 1, "med én måned, til 11.05.2026"),  # 9 May 2026 is a Saturday
    ("en", 2, "by two months, to 9 June 2026"),
    ("en", 1, "by one month, to 11 May 2026"),
])
def test_the_extension_letter_names_the_months_and_the_date(members, org, mailbox, lang, months, expected):
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, tzinfo=OSLO), tick=True):
        req = verified(org, members, language=lang)
        services.request_extend(req=req, user=members["privacy_officer"], reasons="Mange systemer", months=months)
    mailbox.wait_for(1)
    text = mailbox.bodies(-1)[0]
    assert expected in " ".join(text.split())
    assert "(er)" not in text and "(s)" not in text


def refusal_letter(org, members, mailbox) -> str:
    """The letter of a request refused as excessive, with an internal justification."""
    req = verified(org, members)
    services.request_refuse(req=req, user=members["privacy_officer"], ground="excessive",
                            reasons="Du har sendt det samme kravet fire ganger på to uker.",
                            excessive_justification="Intern logg: PV-1, PV-2, PV-3")
    mailbox.wait_for(1)
    return mailbox.bodies(-1)[0]


def test_the_refusal_letter_keeps_the_internal_justification_out(members, org, mailbox):
    text = refusal_letter(org, members, mailbox)
    assert "fire ganger" in text and "Intern logg" not in text
    assert "Datatilsynet" in text and "domstolene" in text and "artikkel 12 nr. 5" in text


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_a_fee_is_told_to_the_requester_with_reasons_and_complaint_routes(members, org, mailbox, lang):
    req = verified(org, members, language=lang)
    services.request_charge_fee(req=req, user=members["privacy_officer"], fee_nok=250, ground="repetitive",
                                justification="Femte like krav denne måneden")
    mailbox.wait_for(1)
    text = " ".join(mailbox.bodies(-1)[0].split())
    assert ("250 kroner" if lang == "nb" else "NOK 250") in text and "Femte like krav" in text
    assert "Datatilsynet" in text and ("domstolene" if lang == "nb" else "courts") in text
    req.refresh_from_db()
    assert req.state == State.WAITING_ON_REQUESTER and req.fee_nok == 250


def test_a_direct_marketing_objection_is_never_charged(members, org, mailbox):
    req = verified(org, members, type="objection", direct_marketing=True)
    with pytest.raises(services.RightsError, match="21"):
        services.request_charge_fee(req=req, user=members["privacy_officer"], fee_nok=100, ground="excessive",
                                    justification="Mange")


def test_english_letters_write_dates_in_words():
    assert letters.date_text(dt.date(2026, 4, 9), "en") == "9 April 2026"
    assert letters.date_text(dt.date(2026, 4, 9), "nb") == "09.04.2026"


def test_staff_read_why_an_extension_is_refused_in_their_language(members, org, login, settings):
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, tzinfo=OSLO), tick=True):
        req = verified(org, members)
    staff = login(members["privacy_officer"])
    url = f"/o/{org.slug}/requests/{req.reference}/"
    with time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=OSLO), tick=True):
        for lang, expected in (("nb", "For sent: den registrerte måtte varsles om forlengelsen innen 09.04.2026"),
                               ("en", "Too late: the requester had to be told of the extension by 09.04.2026")):
            staff.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
            page = staff.post(url + "do/extend/", {"reasons": "Komplisert", "months": "2"}, follow=True)
            assert expected in page.content.decode()
    req.refresh_from_db()
    assert req.state == State.VERIFIED and req.extension_months == 0


@pytest.mark.parametrize(("lang", "said", "not_said"), [
    ("nb", "har ikke funnet personopplysninger om deg", "Vi kan ikke etterkomme"),
    ("en", "have found no personal data about you", "We cannot comply"),
])
def test_a_no_data_answer_says_so_and_keeps_the_complaint_routes(members, org, mailbox, lang, said, not_said):
    req = verified(org, members, language=lang)
    services.request_refuse(req=req, user=members["privacy_officer"], ground="no_data", reasons="Søkt på e-post.")
    mailbox.wait_for(1)
    text = " ".join(mailbox.bodies(-1)[0].split())
    assert said in text and not_said not in text and "Datatilsynet" in text


@pytest.mark.parametrize(("path", "said"), [
    ("rettigheter", "kan vi forlenge fristen med inntil to måneder"),
    ("rights", "we may extend the time by up to two further months"),
])
def test_the_form_promises_no_more_than_the_law(client, org, path, said):
    page = " ".join(client.get(f"/p/{org.slug}/{path}").content.decode().split())
    assert said in page


@pytest.mark.parametrize(("lang", "said"), [
    ("nb", "får du beskjed om det og om hvorfor innen samme dato (artikkel 12 nr. 3)"),
    ("en", "we will tell you so, and why, by the same date (Article 12(3) GDPR)"),
])
def test_the_receipt_says_the_deadline_and_how_it_can_move(org, lang, said):
    req = services.request_submit(org=org, type="access", name="Ola", channel="letter", language=lang,
                                  received_at=dt.datetime(2026, 3, 9, 10, tzinfo=OSLO), send_link=False)
    body = " ".join(letters.receipt_letter(req, lang).body.split())
    assert ("09.04.2026" if lang == "nb" else "9 April 2026") in body and said in body


def test_the_complaint_route_names_every_supervisory_authority_of_article_77(members, org, mailbox):
    text = " ".join(refusal_letter(org, members, mailbox).split())
    assert "der du vanligvis bor, der du arbeider eller der den påståtte overtredelsen skjedde (artikkel 77)" in text
    assert "artikkel 79" in text


# --------------------------------------------------------------------------
# Every outcome, in both languages: no internal code, no placeholder, the provision named
# --------------------------------------------------------------------------

# Stored values that are not words of a letter: enum values and keys (in a bokmål letter every one of them
# is English; in English ones with "_"), empty template slots, placeholders.
CODES = sorted({*RequestType.values, *RefusalGround.values, *RefusalProvision.values, *FeeGround.values})
CODE_RE = {
    "nb": re.compile(r"\b(?:%s)\b" % "|".join(CODES)),
    "en": re.compile(r"\b(?:%s)\b" % "|".join(c for c in CODES if "_" in c)),
}
PLACEHOLDER_RE = re.compile(r"\{|\}|\bNone\b|ikke oppgitt|not stated|unstated|accept_all|\[(?!lenke\])")
NB_CITATION_RE = re.compile(r"artikkel \d+(?: nr\. \d+)?\(")  # the notice's style is "artikkel 12 nr. 3"


def assert_clean(text: str, lang: str) -> None:
    """A letter a lawyer would sign: no stored code, no placeholder, one citation style, one set of terms."""
    assert not CODE_RE[lang].findall(text), (CODE_RE[lang].findall(text), text)
    assert not PLACEHOLDER_RE.search(text), text
    if lang == "nb":
        assert not NB_CITATION_RE.search(text), text
        # the product's own words ("epostadresse" in a register's category is the organisation's text)
        assert not re.search(r"innsigelse|\bepost\b", text, re.IGNORECASE), text


def refused(org, members, lang, ground, **kw):
    req = verified(org, members, language=lang)
    services.request_refuse(req=req, user=members["privacy_officer"], ground=ground, reasons="Se over.",
                            excessive_justification="Intern: fire like krav", send=False, **kw)
    req.refresh_from_db()
    return req.answer_text


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("provision", [p for p in RefusalProvision.values if p != "own"])
def test_a_refusal_on_an_exception_names_the_provision(members, org, lang, provision):
    text = refused(org, members, lang, "exception", provision=provision)
    words = letters.PROVISIONS[provision][0 if lang == "nb" else 1]
    assert words in " ".join(text.split())
    assert ("bokføringsloven" in text) == (provision == "bookkeeping")
    assert_clean(text, lang)


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_a_refusal_on_a_provision_staff_write_prints_their_words(members, org, lang):
    text = refused(org, members, lang, "other", provision="own", provision_text="helseregisterloven § 11")
    assert "helseregisterloven § 11" in text
    assert_clean(text, lang)


@pytest.mark.parametrize("ground", ["exception", "other"])
def test_a_refusal_without_its_provision_is_not_sent(members, org, ground):
    req = verified(org, members)
    with pytest.raises(services.RightsError, match="bestemmelse"):
        services.request_refuse(req=req, user=members["privacy_officer"], ground=ground, reasons="Unntak", send=False)
    with pytest.raises(services.RightsError, match="bestemmelse"):
        services.request_refuse(req=req, user=members["privacy_officer"], ground=ground, reasons="Unntak",
                                provision="own", provision_text="  ", send=False)
    req.refresh_from_db()
    assert req.state != State.REFUSED


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize(("ground", "cited"), [
    ("cannot_identify", ("artikkel 11 nr. 2", "Articles 11(2)")),
    ("unfounded", ("åpenbart grunnløst (artikkel 12 nr. 5)", "manifestly unfounded (Article 12(5))")),
    ("excessive", ("urimelig (artikkel 12 nr. 5)", "excessive (Article 12(5))")),
    ("no_data", ("har ikke funnet personopplysninger", "found no personal data")),
])
def test_every_other_refusal_cites_its_article_in_the_notice_style(members, org, lang, ground, cited):
    text = " ".join(refused(org, members, lang, ground).split())
    assert cited[0 if lang == "nb" else 1] in text
    assert "særlig fordi det gjentas" not in text and "repetitive" not in text  # staff did not say so
    assert_clean(text, lang)


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize(("ground", "said", "not_said"), [
    ("unfounded", ("er åpenbart grunnløst (", "request manifestly unfounded ("), ("urimelig", "excessive")),
    ("excessive", ("er urimelig (", "request excessive ("), ("gjentas", "repetitive")),
    ("repetitive", ("er urimelig, særlig fordi det gjentas (", "request excessive, in particular because of its "
                    "repetitive character ("), ("grunnløst", "unfounded")),
])
def test_the_fee_letter_states_the_ground_staff_chose(members, org, mailbox, lang, ground, said, not_said):
    req = verified(org, members, language=lang)
    services.request_charge_fee(req=req, user=members["privacy_officer"], fee_nok=250, ground=ground,
                                justification="Femte like krav denne måneden")
    mailbox.wait_for(1)
    text = " ".join(mailbox.bodies(-1)[0].split())
    i = 0 if lang == "nb" else 1
    assert said[i] in text and not_said[i] not in text
    assert_clean(text, lang)


def test_a_fee_needs_its_ground(members, org):
    req = verified(org, members)
    with pytest.raises(services.RightsError, match="12"):
        services.request_charge_fee(req=req, user=members["privacy_officer"], fee_nok=250, ground="",
                                    justification="Mange")


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("type", RequestType.values)
def test_every_answer_letter_reads_clean(members, org, saved_register, lang, type):
    req = verified(org, members, type=type, language=lang)
    for task in req.tasks.all():
        services.task_complete(task=task, user=members["privacy_officer"], note="Gjort", evidence="Admin")
    assert_clean(services.answer_preview(req).body, lang)
    assert_clean(letters.receipt_letter(req, lang, verify_url="").body, lang)
    assert ("protest" in letters.TYPE_NAMES["objection"][0])


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_extension_letter_reads_clean(members, org, lang):
    req = verified(org, members, language=lang)
    services.request_extend(req=req, user=members["privacy_officer"], reasons="Mange systemer", send=False,
                            notified_at=req.received_at)
    assert_clean(letters.extension_letter(req, None, lang).body, lang)


def test_the_list_of_provisions_is_the_one_staff_choose_from():
    assert set(letters.PROVISIONS) | {letters.OWN_PROVISION} == set(RefusalProvision.values)
    assert set(letters.FEE_GROUNDS) == set(FeeGround.values)


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("type", ["erasure", "rectification"])
def test_the_answer_claims_no_notification_of_recipients_nobody_recorded(members, org, saved_register, lang, type):
    req = verified(org, members, type=type, language=lang)
    for task in req.tasks.all():
        services.task_complete(task=task, user=members["privacy_officer"], note="Gjort", evidence="Admin")
    body = services.answer_preview(req).body
    assert "19" not in body.split("\n\n")[1] and ("varslet" if lang == "nb" else "told those") not in body
