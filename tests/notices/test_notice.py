"""The notice's structure, its law, and its escaping."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest

from personvern.core import notice as N
from personvern.core.manifest import load_register, loads_register

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))

XSS = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">"

MINIMAL = """
controller:
  legal_name: Alpha AS
  org_number: "974761467"
  email: post@alpha.no
notice:
  updated: 2025-03-01
activities:
  - id: nyhetsbrev
    name: {nb: Nyhetsbrev, en: Newsletter}
    purpose: {nb: Sende nyhetsbrev, en: Send newsletters}
    data_categories: [{nb: e-postadresse, en: e-mail address}]
    legal_bases: [{basis: a}]
    provision: {requirement: voluntary}
    retention: {rule: until_consent_withdrawn}
    withdrawal: {nb: Klikk på avmeldingslenken, en: Click the unsubscribe link}
    direct_marketing: true
"""


def reg_from(text: str):
    return loads_register(text)


def hostile_register():
    """A register whose every text field a visitor sees holds markup."""
    return reg_from(f"""
controller:
  legal_name: '{XSS}'
  email: post@alpha.no
  phone: '{XSS}'
  notes: '{XSS}'
  websites: [{{url: 'https://alpha.no/"><script>x</script>'}}]
  dpo: {{designated: true, name: '{XSS}', email: dpo@alpha.no}}
notice:
  title: '{XSS}'
  intro: '{XSS}'
  statements: ['{XSS}']
roles: [{{id: r, name: '{XSS}', holder: '{XSS}'}}]
systems: [{{id: s, name: '{XSS}'}}]
recipients:
  - id: v
    name: '{XSS}'
    role: independent_controller
    country: US
    privacy_policy_url: 'javascript:alert(1)'
    transfer: {{mechanism: scc_2021_914, copy_url: 'javascript:alert(2)', reference: '{XSS}'}}
activities:
  - id: a
    name: '{XSS}'
    purpose: '{XSS}'
    data_categories: ['{XSS}']
    legal_bases: [{{basis: f, law: '{XSS}', legitimate_interest: '{XSS}'}}]
    recipients: [v]
    systems: [s]
    retention: {{period: P1Y, description: '{XSS}', law: '{XSS}'}}
    responsible_role: r
cookies: [{{name: '{XSS}', provider: '{XSS}', purpose: '{XSS}', category: marketing}}]
rights: {{form_url: 'javascript:alert(3)', identity_check: '{XSS}', notes: '{XSS}'}}
security: ['{XSS}']
changelog: [{{date: 2025-01-01, summary: '{XSS}'}}]
""")


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_register_value_is_escaped_in_html(lang):
    html = N.render_html(hostile_register(), lang)
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "onerror=\"" not in html
    assert "&lt;script&gt;" in html
    assert "javascript:" not in re.findall(r'href="([^"]*)"', html).__str__()
    # The visible text still says what was written.
    assert "<script>window.__pwned=1</script>" in N.plain_text(html)


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_register_value_is_escaped_in_markdown(lang):
    md = N.render_markdown(hostile_register(), lang)
    assert "<script" not in md.lower() and "<img" not in md.lower()
    assert "&lt;script&gt;" in md
    assert "(javascript:" not in md


def test_only_http_and_mailto_become_links():
    assert N.safe_href("https://a.no/x") == "https://a.no/x"
    assert N.safe_href("mailto:a@b.no") == "mailto:a@b.no"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "//evil", "https://a.no/\"x"):
        assert N.safe_href(bad) is None, bad


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_each_example_has_the_sections_a_reader_needs(name, lang):
    reg = load_register(EXAMPLES / f"{name}.yaml")
    doc = N.build(reg, lang)
    ids = doc.ids()
    for key in ("controller", "dpo", "activities", "rights", "how", "complaint", "changes"):
        assert N.SECTION_IDS[key] in ids, key
    for a in reg.activities:
        assert N.activity_anchor(a.id) in ids
    html = N.notice_html(doc)
    assert html.count("<h1>") == 1
    assert f'lang="{lang}"' in html
    assert 'id="' + N.SECTION_IDS["complaint"] + '"' in html


@pytest.mark.parametrize("name", NAMES)
def test_our_own_words_never_cite_the_repealed_2000_act(name):
    reg = load_register(EXAMPLES / f"{name}.yaml")
    # Remove what the organisation wrote itself; what remains is the notice's own text.
    own = N.plain_text(N.render_html(_without_free_text(reg), "nb"))
    assert not re.search(r"2000|§ ?1[89]\b|§ ?2[78]\b|personopplysningsforskriften|Tollbugata", own)
    assert "personopplysningsloven (lov 15. juni 2018 nr. 38)" in own


def _without_free_text(reg):
    reg = reg.model_copy(deep=True)
    reg.notice.intro = None
    reg.notice.statements = []
    reg.rights.notes = None
    reg.controller.notes = None
    reg.controller.dpo.compliance_by = None
    for a in reg.activities:
        a.notes = None
        for b in a.legal_bases:
            b.note = None
            b.law = None
        if a.retention:
            a.retention.description = None
            a.retention.law = None
        a.source.description = None
    for r in reg.roles:
        r.responsibility = None
    return reg


def test_the_complaint_section_gives_datatilsynets_current_address_even_when_the_register_has_the_old_one():
    reg = load_register(EXAMPLES / "backe.yaml")
    assert reg.rights.complaint_address.street == "Tollbugata 3"
    doc = N.build(reg, "nb")
    section = N.Notice("nb", "", None, None, [], [doc.section(N.SECTION_IDS["complaint"])])
    text = N.plain_text(N.notice_html(section, style=False))
    assert "Tollbugata" not in text
    assert "Postboks 458 Sentrum" in text and "Trelastgata 3" in text and "22 39 69 00" in text
    # How a complaint is made (legal-rules NO-DT-2): the digital form with ID-porten, or in writing.
    assert "digitale klageskjemaet på nettstedet (innlogging med ID-porten) eller skriftlig til postadressen" in text


def test_a_minimal_register_gives_a_complete_readable_notice():
    reg = reg_from(MINIMAL)
    text = N.plain_text(N.render_html(reg, "nb"))
    assert "Alpha AS (organisasjonsnummer 974 761 467) er behandlingsansvarlig" in text
    assert "Samtykke (personvernforordningen artikkel 6 nr. 1 bokstav a)." in text
    assert "Til du trekker tilbake samtykket." in text
    assert "Klikk på avmeldingslenken" in text
    assert "Sist endret: 1. mars 2025" in text
    assert "Det er frivillig å gi oss disse opplysningene." in text
    # Art. 7(3): withdrawal does not affect the lawfulness of processing before it.
    assert "Det påvirker ikke lovligheten av behandlingen som fant sted før du trakk det tilbake." in text
    # Direct marketing: a separately headed objection section (Art. 21(4)).
    assert "Retten til å protestere" in text
    assert "senest innen én måned" in text
    # No rights e-mail or form: the controller's e-mail, or the platform's form when given.
    assert "Send e-post til post@alpha.no" in text
    with_form = N.plain_text(N.render_html(reg, "nb", request_url="https://x.no/p/alpha/rettigheter"))
    assert "Bruk skjemaet på https://x.no/p/alpha/rettigheter" in with_form


def test_there_is_no_objection_section_without_e_f_or_marketing():
    reg = reg_from(MINIMAL.replace("direct_marketing: true", "direct_marketing: false"))
    assert N.SECTION_IDS["objection"] not in N.build(reg, "nb").ids()


def test_legal_obligation_cites_the_national_law():
    reg = reg_from(MINIMAL.replace("legal_bases: [{basis: a}]",
                                   "legal_bases: [{basis: c, law: bokføringsloven § 13}]"))
    text = N.plain_text(N.render_html(reg, "nb"))
    assert "Rettslig forpliktelse (personvernforordningen artikkel 6 nr. 1 bokstav c, jf. bokføringsloven § 13)." in text


def test_retention_combines_period_rule_and_law():
    reg = reg_from(MINIMAL.replace("retention: {rule: until_consent_withdrawn}",
                                   "retention: {period: P5Y, rule: statutory, law: bokføringsloven § 13}"))
    assert N.retention_text(reg.activities[0], "nb") == "Fem år slik lovgivningen krever (jf. bokføringsloven § 13)."
    assert N.retention_text(reg.activities[0], "en") == "Five years as the law requires (see bokføringsloven § 13)."


def test_sist_endret_is_the_later_of_the_registers_dates_and_the_publication():
    reg = reg_from(MINIMAL.replace("notice:\n  updated: 2025-03-01\n", ""))
    assert N.build(reg, "nb").last_changed is None
    assert N.build(reg, "nb", as_of=dt.date(2026, 1, 2)).last_changed == dt.date(2026, 1, 2)
    dated = reg_from(MINIMAL)
    assert N.build(dated, "nb").last_changed == dt.date(2025, 3, 1)
    assert N.build(dated, "nb", as_of=dt.date(2026, 1, 2)).last_changed == dt.date(2026, 1, 2)
    assert N.build(dated, "nb", as_of=dt.date(2024, 1, 2)).last_changed == dt.date(2025, 3, 1)


def test_the_css_can_be_overridden_by_the_embedding_site():
    html = N.render_html(reg_from(MINIMAL), "nb")
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    # Every rule sits in :where(), so any selector of the embedding site wins; colours are variables.
    for rule in re.findall(r"([^{}]+)\{", style):
        assert rule.strip().startswith(":where(.pv-notice)"), rule
    assert "--pv-link" in style and "http" not in style and "@import" not in style


def test_the_whole_page_has_no_external_assets():
    page = N.render(reg_from(MINIMAL), "nb", "html", standalone=True)
    assert page.startswith("<!doctype html>")
    assert not re.search(r'<(link|script|img|iframe)\b', page)
    assert not re.search(r'src=|url\(', page)


def test_children_and_consent_bring_the_age_of_13():
    reg = reg_from(MINIMAL.replace("direct_marketing: true", "direct_marketing: true\n    children: true"))
    text = N.plain_text(N.render_html(reg, "nb"))
    assert "under 13 år" in text and "personvernforordningen artikkel 8 nr. 1, jf. personopplysningsloven § 5" in text
    assert "under 13" in N.plain_text(N.render_html(reg, "en"))


def test_the_rights_are_stated_with_their_legal_limits():
    text = {lang: N.plain_text(N.render_html(reg_from(MINIMAL), lang)) for lang in ("nb", "en")}
    # Art. 18(2): restricted data may still be used with consent, for legal claims, others' rights, public interest.
    assert "bruker dem ellers bare med ditt samtykke, for å fastsette, gjøre gjeldende eller forsvare et rettskrav" in text["nb"]
    assert "otherwise use it only with your consent, to establish, exercise or defend legal claims" in text["en"]
    # Art. 19: unless impossible or disproportionate; the recipients are named on request.
    assert "med mindre det er umulig eller krever uforholdsmessig stor innsats. Ber du om det" in text["nb"]
    assert "unless this is impossible or involves disproportionate effort" in text["en"]
    # Art. 77: habitual residence, place of work, place of the alleged infringement.
    assert "EØS-landet der du vanligvis bor, der du arbeider eller der den påståtte overtredelsen skjedde" in text["nb"]
    assert "where you habitually live, where you work or where the alleged infringement took place" in text["en"]


def test_giving_data_on_consent_alone_is_said_to_be_voluntary():
    reg = reg_from(MINIMAL.replace("    provision: {requirement: voluntary}\n", ""))
    assert reg.activities[0].provision is None
    text = N.plain_text(N.render_html(reg, "nb"))
    assert "Nei. Behandlingen bygger bare på samtykke, og det er frivillig å gi oss disse opplysningene." in text
    assert "giving us this data is voluntary" in N.plain_text(N.render_html(reg, "en"))
    mixed = reg_from(MINIMAL.replace("    provision: {requirement: voluntary}\n", "").replace(
        "legal_bases: [{basis: a}]", "legal_bases: [{basis: a}, {basis: f, legitimate_interest: Salg}]"))
    assert "Må du gi oss opplysningene?" not in N.plain_text(N.render_html(mixed, "nb"))


def test_a_question_as_a_term_in_markdown_gets_no_colon():
    md = N.render_markdown(reg_from(MINIMAL), "nb")
    assert "- **Må du gi oss opplysningene?** Det er frivillig" in md and "?:" not in md
    assert "- **Formål:** Sende nyhetsbrev" in md


def test_an_opt_out_without_consent_is_not_called_withdrawing_consent():
    reg = reg_from(MINIMAL.replace("legal_bases: [{basis: a}]", "legal_bases: [{basis: f, legitimate_interest: Salg}]"))
    text = N.plain_text(N.render_html(reg, "nb"))
    assert "Slik reserverer du deg" in text and "Klikk på avmeldingslenken" in text
    assert "trekke tilbake samtykket. Det påvirker" not in text
    assert "How to opt out" in N.plain_text(N.render_html(reg, "en"))


def test_the_identity_check_is_asked_only_on_reasonable_doubt():
    reg = reg_from(MINIMAL)
    assert reg.rights.identity_check is None
    assert ("Har vi rimelig grunn til å tvile på hvem du er, kan vi be deg om de opplysningene som trengs for å "
            "bekrefte identiteten din, og ikke mer (personvernforordningen artikkel 12 nr. 6)."
            in N.plain_text(N.render_html(reg, "nb")))
    assert "If we have reasonable doubts about who you are" in N.plain_text(N.render_html(reg, "en"))


def test_the_cookie_section_speaks_of_the_device_and_the_2024_act():
    reg = load_register(EXAMPLES / "backe.yaml")
    text = N.plain_text(N.render_html(reg, "nb"))
    assert "lagrer eller leser informasjon på enheten din, for eksempel i nettleseren" in text
    assert "krever samtykke etter ekomloven (lov om elektronisk kommunikasjon av 2024)" in text
    assert "§ 2-7" not in N.plain_text(N.render_html(_without_free_text(reg), "nb"))
    assert "on your device, for example in your browser" in N.plain_text(N.render_html(reg, "en"))


def test_a_joint_controller_is_rendered_with_the_essence_of_the_arrangement():
    reg = reg_from(MINIMAL + """
recipients:
  - id: meta
    name: Meta Platforms Ireland Limited
    role: joint_controller
    country: IE
    services: {nb: Meta-pikselen måler annonser, en: The Meta pixel measures ads}
    arrangement: {nb: Vi informerer deg; Meta svarer på krav om det Meta gjør, en: We inform you; Meta answers for what Meta does}
""")
    nb = N.plain_text(N.render_html(reg, "nb"))
    en = N.plain_text(N.render_html(reg, "en"))
    assert "Vi er felles behandlingsansvarlige med disse" in nb and "artikkel 26" in nb
    assert "Vi informerer deg; Meta svarer på krav om det Meta gjør" in nb
    assert "We are joint controllers with these" in en and "We inform you; Meta answers for what Meta does" in en
    # not among those "themselves responsible for their processing"
    assert "er selv ansvarlige" not in nb
