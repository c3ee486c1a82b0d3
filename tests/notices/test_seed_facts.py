"""For each of the five seed organisations: the facts its seed notice (shared/seeds/00N_*.txt) states,
found in the bokmål notice generated from its example register, and the same facts in the English one.

A fact is (bokmål, English); a string alone is the same in both (names, numbers, addresses).
Facts are looked up in the notice's visible text (tags removed, entities decoded), case-insensitively,
with runs of white space made one space.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from personvern.core.manifest import load_register
from personvern.core.notice import plain_text, render_html, render_markdown

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def text_of(name: str, lang: str) -> str:
    reg = load_register(EXAMPLES / f"{name}.yaml")
    return _norm(plain_text(render_html(reg, lang)))


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).casefold()


def _pairs(facts):
    return [(f, f) if isinstance(f, str) else f for f in facts]


# Facts every notice states, whatever the organisation (the law, not the organisation).
COMMON = [
    ("personvernforordningen", "General Data Protection Regulation"),
    ("personopplysningsloven (lov 15. juni 2018 nr. 38)", "lov 15. juni 2018 nr. 38"),
    ("Postboks 458 Sentrum", "Postboks 458 Sentrum"),
    "0105 Oslo", "Trelastgata 3", "0191 Oslo", "22 39 69 00", "www.datatilsynet.no",
    ("Innsyn", "Access"), ("Retting", "Rectification"), ("Sletting", "Erasure"), ("Begrensning", "Restriction"),
    ("Dataportabilitet", "Data portability"), ("Protest", "Objection"),
    ("Trekke tilbake samtykke", "Withdrawing consent"), ("artikkel 15", "Article 15"),
    ("artikkel 22", "Article 22"), ("artikkel 7 nr. 3", "Article 7(3)"),
    ("Det er gratis å bruke rettighetene", "free of charge"), ("Klage til Datatilsynet", "Complaints to Datatilsynet"),
]

SEED_FACTS = {
    "balcoo": [
        "Balcoo AS",
        ("daglig leder", "managing director"),
        "Prof. Olav Hanssensvei 7a", "Postboks 8034", "4068 Stavanger", "post@balcoo.com", "balcoo.com", "balcoo.no",
        ("Webredaktør", "Web editor"), "Youmedia", "Siteground ltd",
        ("databehandler", "processor"),
        ("CRM-verktøy", "CRM"), ("leads", "leads"),
        ("navn", "name"), ("adresse", "address"), ("telefon", "phone"), ("e-post", "e-mail"),
        ("salgsinformasjon", "sales information"),
        ("Nettstatistikk", "Web statistics"),
        ("hvor mange som besøker ulike sider", "how many visit"),
        ("nettlesere", "browsers"),
        ("avidentifisert", "de-identified"), ("aggregert", "aggregate"),
        ("Informasjonskapsler", "Cookies"),
        ("Nyhetsbrev", "Newsletter"), ("6 ganger per år", "6 times a year"),
        ("samtykke", "consent"), ("Det er frivillig", "voluntary"),
        ("30 dager", "30 days"),
        ("Vi har ikke utpekt personvernombud", "We have not designated a data protection officer"),
    ],
    "backe": [
        "Joh. Jørg. Backe as", "910 380 133", "Akersgaten 45", "0158 Oslo", "post@backeigrensen.no",
        ("12. april 2021", "12 April 2021"),
        ("god og lojal venn", "good and loyal friend"),
        ("Statistikk for forbedring av nettsider", "Statistics"),
        "Google Analytics", ("Berettiget interesse", "Legitimate interests"),
        ("artikkel 6 nr. 1 bokstav f", "Article 6(1)(f)"),
        ("stor verdi", "great value"),
        ("14 måneder", "14 months"), ("IP-adressen forkortes", "IP address is truncated"),
        ("Sporing av konverteringer for annonsering", "conversion"), "Google Ads", "Consent Mode",
        ("Målretting av annonser", "ad targeting"), "Facebook", "Microsoft Bing", "LinkedIn",
        "Google Marketing Platform",
        ("cookie-side", "cookie page"),
        ("Utsendelse av nyhetsbrev", "newsletter"), "Mailchimp", ("bedriftsnavn", "company name"),
        ("endre innstillinger", "change settings"),
        ("Oppfølging av salg i butikk", "shop"), ("betalingsmetode", "payment method"),
        ("rettslig forpliktelse", "legal obligation"), "regnskap",
        ("artikkel 6 nr. 1 bokstav b", "Article 6(1)(b)"), ("artikkel 6 nr. 1 bokstav c", "Article 6(1)(c)"),
        ("Oppfølging av kunder, samarbeidspartnere", "customers"),
        ("til avtalen med deg opphører", "until our contract with you ends"),
        ("Jobbsøknader", "Job applications"), "CV", ("12 måneder", "12 months"),
        "Klarna", ("Sverige", "Sweden"),
        ("USA", "the United States"),
        ("dokumentere at du er som du hevder", "prove"),
        ("7 dager", "7 days"),
        ("_ga", "_ga"),
    ],
    "bagges": [
        "BAGGES AS", "Industriveien 15", "2020 Skedsmokorset", "post@bagges.no", "+47 64 83 50 00",
        "www.bagges.no", ("daglig leder", "managing director"),
        ("Webredaktør", "Web editor"), "Novicell AS", "Webhuset AS",
        ("Nettstatistikk", "Web statistics"), ("195.159.103", "195.159.103"),
        ("de første 24 bitene", "first 24 bits"),
        "_dc_gtm_UA-9220702-1", "_ga", "_gid", "Google Analytics",
        ("Søk", "search"), ("søkeord", "search terms"),
        ("Spørreundersøkelser", "Surveys"), "SurveyMonkey", ("Avdelingsleder for kundeservice", "Head of customer service"),
        ("Ordrebehandling og arkiv", "Order processing and archive"), "Visma Business", ("reservedeler", "spare parts"),
        ("15 år", "15 years"),
        ("E-post og telefon", "E-mail and telephone"), "Phonero", "Outlook", ("3-4 måneder", "3-4 months"),
        ("fire måneder", "four months"),
        ("Overvåkningskamera på bygget", "CCTV on the building"), ("innbrudd og hærverk", "burglary and vandalism"),
        ("utvendig fasade", "exterior facade"), ("åtte stykker", "eight units"), ("én uke", "one week"),
        ("ingen registreringer over besøkende", "no records of visitors"),
        ("personalhåndbok", "staff handbook"),
        ("daglig leder og økonomiansvarlig påser", "managing director and the finance manager ensure"),
        ("fysisk og virtuell adgangs- og tilgangskontroll", "physical and logical access control"),
        ("ukryptert", "unencrypted"),
        ("30 dager", "30 days"),
    ],
    "glasoterapi": [
        "glasoterapi.no",
        ("15. februar 2023", "15 February 2023"),
        ("Mottak og besvarelse av henvendelser", "Receiving and answering enquiries"),
        ("fornavn", "first name"), ("etternavn", "surname"), ("e-postadresse", "e-mail address"),
        ("telefonnummer", "phone number"), ("firmanavn", "company name"),
        ("berettiget interesse", "legitimate interest"), ("artikkel 6 nr. 1 bokstav f", "Article 6(1)(f)"),
        ("Markedsføring", "Marketing"), ("nyhetsbrev", "newsletter"), ("artikkel 6 nr. 1 bokstav a", "Article 6(1)(a)"),
        ("Kurs- og seminarpåmelding", "Course and seminar registration"), ("fakturainformasjon", "invoicing details"),
        "Google Analytics", "__ga", "__gid", "__gat", "PHPSESSID",
        ("to år", "two years"), ("24 timer", "24 hours"), ("ti minutter", "ten minutes"),
        ("til nettleseren lukkes", "until the browser is closed"),
        ("Lagrer ikke personopplysninger", "Stores no personal data"),
        ("anonymiserer IP-adresser", "anonymises IP addresses"),
        ("kontaktskjema", "contact form"), ("offentlig tilgjengelig", "publicly"),
        ("salgsoppfølging", "sales follow-up"),
        "Lykke Media As", ("Norge", "Norway"), ("databehandleravtale", "processing agreement"),
        ("identifiserer deg selv", "identify yourself"),
        ("ukryptert e-post", "unencrypted e-mail"),
        ("slettes når samtykket trekkes tilbake", "deleted when consent is withdrawn"),
        ("Retten til å protestere", "The right to object"),
    ],
    "ekko-ipogs": [
        "EKKO AS", "917 884 757", "Lars Erik Echoldt", "Trollstubben 9A", "1535 Moss", "ipogs.no",
        ("7. oktober 2019", "7 October 2019"),
        ("navn", "name"), ("e-post", "e-mail"), ("telefonnummer", "phone number"), ("fødselsdato", "date of birth"),
        ("kontaktskjemaet på nettstedet", "contact form"), ("SMS", "text message"), ("sosiale medier", "social media"),
        ("samtykke", "consent"), ("rettslig forpliktelse", "legal obligation"),
        ("artikkel 6 nr. 1 bokstav b", "Article 6(1)(b)"),
        ("bokføringsloven", "bokføringsloven"),
        "Domeneshop AS", "Zoom Video Communications, Inc.", "Kajabi LLC", "Fiken AS", "Stripe",
        ("regnskap", "accounting"),
        ("myndigheter", "authorities"),
        ("bruker- og kundeundersøkelser", "user and customer surveys"),
        ("avbestillings-lenke", "unsubscribe link"),
        ("sensitive personopplysninger", "sensitive personal data"),
        "Facebook Pixel", "Instagram", "Google Adds", ("innlogging", "log"), ("betaling", "payment"),
        ("markedsføring", "marketing"),
        ("Skriv til oss", "Write to us"),
        ("anerkjente IT leverandører", "recognised IT"),
    ],
}


@pytest.mark.parametrize("name", sorted(SEED_FACTS))
def test_the_bokmal_notice_states_every_fact_of_its_seed(name):
    text = text_of(name, "nb")
    missing = [nb for nb, _ in _pairs(SEED_FACTS[name] + COMMON) if _norm(nb) not in text]
    assert missing == []


@pytest.mark.parametrize("name", sorted(SEED_FACTS))
def test_the_english_notice_carries_the_same_facts(name):
    text = text_of(name, "en")
    missing = [en for _, en in _pairs(SEED_FACTS[name] + COMMON) if _norm(en) not in text]
    assert missing == []


@pytest.mark.parametrize("name", sorted(SEED_FACTS))
def test_the_markdown_notice_states_the_facts_too(name):
    reg = load_register(EXAMPLES / f"{name}.yaml")
    for lang, idx in (("nb", 0), ("en", 1)):
        md = render_markdown(reg, lang)
        md = _norm(re.sub(r"\\(.)", r"\1", md).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
        md = md.replace("**", "")
        missing = [pair[idx] for pair in _pairs(SEED_FACTS[name]) if _norm(pair[idx]) not in md]
        assert missing == [], lang


def test_every_example_has_a_fact_list():
    assert sorted(SEED_FACTS) == sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
