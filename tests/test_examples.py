"""The five seed organisations as register files (examples/*.yaml).

Each test lists the facts its seed notice (shared/seeds/00N_*.txt) states, and finds each in the
loaded register's fields. The seeds' defects are facts too: the linter must be able to find them,
so they are pinned here as well.
"""

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from personvern.core.manifest import (
    CookieCategory,
    Deidentification,
    LegalBasisCode as B,
    RecipientRole,
    RetentionRule,
    Text,
    TransferMechanism,
    dump_register,
    load_register,
    loads_register,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FILES = ["balcoo.yaml", "backe.yaml", "bagges.yaml", "glasoterapi.yaml", "ekko-ipogs.yaml"]
PERSONVERN = Path(sys.executable).with_name("personvern")


def example(name):
    return load_register(EXAMPLES / name)


def bases(activity):
    return [b.basis for b in activity.legal_bases]


def basis(activity, code):
    return next(b for b in activity.legal_bases if b.basis == code)


def texts(items):
    """The bokmål of a list of Text, joined, for finding a data category or subject."""
    return " | ".join(t.nb for t in items)


def cookie(reg, name):
    return next(c for c in reg.cookies if c.name == name)


def test_the_examples_are_the_five_seeds():
    assert sorted(p.name for p in EXAMPLES.glob("*.yaml")) == sorted(FILES)


@pytest.mark.parametrize("name", FILES)
def test_each_example_survives_export_and_import(name):
    reg = example(name)
    assert loads_register(dump_register(reg)) == reg


def texts_without_english(obj, path=""):
    if isinstance(obj, Text):
        return [] if obj.en else [path]
    if isinstance(obj, BaseModel):
        fields = type(obj).model_fields
        return [p for k in fields for p in texts_without_english(getattr(obj, k), f"{path}.{k}")]
    if isinstance(obj, list):
        return [p for i, x in enumerate(obj) for p in texts_without_english(x, f"{path}[{i}]")]
    return []


@pytest.mark.parametrize("name", FILES)
def test_each_example_has_english_for_every_text(name):
    assert texts_without_english(example(name)) == []


def test_balcoo_holds_the_facts_of_its_seed():
    reg = example("balcoo.yaml")
    c = reg.controller
    assert c.legal_name == "Balcoo AS"
    assert c.org_number is None  # not in the seed
    assert c.manager.title.nb == "daglig leder"
    assert c.postal_address.street == "Prof. Olav Hanssensvei 7a"
    assert c.postal_address.postbox == "Postboks 8034"
    assert (c.postal_address.postal_code, c.postal_address.city) == ("4068", "Stavanger")
    assert c.email == "post@balcoo.com"
    assert c.websites[0].url == "https://balcoo.com"
    assert c.websites[0].aliases == ["balcoo.no"]  # Balcoo.no peker direkte på Balcoo.com
    assert c.dpo.designated is False
    assert reg.notice.title.nb == "Personvernpolicy" and reg.notice.title.en == "Privacy Policy"

    editor = reg.role("webredaktor")
    assert editor.name.nb == "Webredaktør" and editor.holder == "Youmedia"
    assert "daglige ansvaret" in editor.responsibility.nb

    siteground = reg.recipient("siteground")
    assert siteground.name == "Siteground ltd"
    assert siteground.role == RecipientRole.PROCESSOR and siteground.dpa.in_place is True
    assert siteground.country == "BG" and not siteground.outside_eea
    assert reg.recipient("youmedia").dpa is None  # no agreement named

    assert [a.id for a in reg.activities] == ["nettstatistikk", "informasjonskapsler", "nyhetsbrev", "crm"]
    stats = reg.activity("nettstatistikk")
    assert stats.responsible_role == "webredaktor"
    assert set(stats.deidentification) == {Deidentification.ANONYMISATION, Deidentification.AGGREGATION_ONLY}
    assert "nettlesere" in stats.purpose.nb
    newsletter = reg.activity("nyhetsbrev")
    assert "6 ganger per år" in newsletter.purpose.nb
    assert bases(newsletter) == [B.CONSENT] and "spesifikt samtykket" in newsletter.legal_bases[0].note.nb
    assert newsletter.provision.requirement == "voluntary"
    crm = reg.activity("crm")
    assert reg.system("crm").name == "CRM-verktøy" and crm.systems == ["crm"]
    for category in ("navn", "adresse", "telefon", "e-post", "salgsinformasjon"):
        assert category in texts(crm.data_categories)
    assert "leads" in texts(crm.data_subjects)
    assert reg.activity("informasjonskapsler").channels == ["cookies"]

    assert reg.rights.response_time == "P30D"
    assert reg.rights.free_of_charge is True

    # Defects the linter must find
    assert "personopplysningsloven § 19" in reg.notice.intro.nb
    assert "personopplysningsloven § 18 1. ledd" in reg.notice.intro.nb
    assert "§ 18, 1. ledd" in reg.rights.notes.nb
    assert all(a.retention is None for a in reg.activities)
    assert newsletter.withdrawal is None
    assert crm.legal_bases == [] and reg.activity("informasjonskapsler").legal_bases == []
    assert reg.cookies == []  # cookies are used, none is named


def test_backe_holds_the_facts_of_its_seed():
    reg = example("backe.yaml")
    c = reg.controller
    assert c.legal_name == "Joh. Jørg. Backe as"
    assert c.org_number == "910380133"
    assert (c.postal_address.street, c.postal_address.postal_code, c.postal_address.city) == (
        "Akersgaten 45", "0158", "Oslo",
    )
    assert c.email == "post@backeigrensen.no"
    assert reg.notice.published == dt.date(2021, 4, 12)
    assert "god og lojal venn" in reg.notice.intro.nb

    expected = {
        "google": ("US", RecipientRole.PROCESSOR),
        "google-ads": ("US", RecipientRole.INDEPENDENT_CONTROLLER),
        "meta": ("US", RecipientRole.INDEPENDENT_CONTROLLER),
        "microsoft": ("US", RecipientRole.INDEPENDENT_CONTROLLER),
        "linkedin": ("US", RecipientRole.INDEPENDENT_CONTROLLER),
        "mailchimp": ("US", RecipientRole.PROCESSOR),
        "klarna": ("SE", RecipientRole.INDEPENDENT_CONTROLLER),
    }
    assert {r.id: (r.country, r.role) for r in reg.recipients} == expected
    assert {s.name for s in reg.systems} >= {
        "Google Analytics", "Google Ads", "Google Marketing Platform", "Facebook", "Microsoft Bing",
        "LinkedIn", "Mailchimp", "Klarna",
    }

    stats = reg.activity("nettstatistikk")
    assert bases(stats) == [B.LEGITIMATE_INTERESTS]
    assert "stor verdi" in basis(stats, B.LEGITIMATE_INTERESTS).legitimate_interest.nb
    assert stats.retention.period == "P14M"  # slettes av Google Analytics etter 14 måneder
    assert Deidentification.IP_TRUNCATION in stats.deidentification
    assert stats.systems == ["google-analytics"] and stats.recipients == ["google"]
    ga = cookie(reg, "_ga")
    assert (ga.expiry, ga.category, ga.provider) == ("P7D", CookieCategory.STATISTICS, "google")
    assert ga.activity == "nettstatistikk"

    targeting = reg.activity("annonsemalretting")
    assert bases(targeting) == [B.CONSENT]
    assert set(targeting.recipients) == {"google-ads", "meta", "microsoft", "linkedin"}
    assert "cookie-side" in targeting.withdrawal.nb

    newsletter = reg.activity("nyhetsbrev")
    assert bases(newsletter) == [B.CONSENT] and newsletter.recipients == ["mailchimp"]
    assert "bedriftsnavn" in texts(newsletter.data_categories)
    assert "endre innstillinger" in newsletter.withdrawal.nb

    store = reg.activity("butikksalg")
    assert bases(store) == [B.CONTRACT, B.LEGAL_OBLIGATION]
    assert basis(store, B.LEGAL_OBLIGATION).law == "regnskap"
    assert store.retention.rule == RetentionRule.STATUTORY and store.channels == ["in_store"]
    customers = reg.activity("kundeoppfolging")
    assert bases(customers) == [B.CONTRACT] and customers.retention.rule == RetentionRule.END_OF_CONTRACT
    jobs = reg.activity("jobbsoknader")
    assert jobs.retention.period == "P12M" and "CV" in texts(jobs.data_categories)
    klarna = reg.activity("klarna")
    assert klarna.recipients == ["klarna"] and klarna.channels == ["checkout"]

    assert reg.rights.email == "post@backeigrensen.no"
    assert "dokumentere at du er som du hevder" in reg.rights.identity_check.nb
    notes = reg.rights.notes.nb
    assert "skriftlig forespørsel" in notes and "skriv oss en epost" in notes
    assert "annen norsk eller EU-lov som krever at vi lagrer" in notes  # the limit the seed puts on erasure
    assert "direkte markedsføring og profilering" in notes and "tilbakekalle samtykke" in notes

    # Defects the linter must find
    conversion = reg.activity("konverteringssporing")
    assert bases(conversion)[0] == B.LEGITIMATE_INTERESTS  # advertising conversions on legitimate interest
    assert "google-ads" in conversion.recipients
    assert "Google Ads" in basis(conversion, B.LEGITIMATE_INTERESTS).note.nb
    for rid in ("google", "google-ads", "meta", "microsoft", "linkedin", "mailchimp"):
        assert reg.recipient(rid).transfer.mechanism == TransferMechanism.UNSTATED, rid
    assert basis(jobs, B.LEGITIMATE_INTERESTS).legitimate_interest is None
    assert reg.rights.complaint_address.street == "Tollbugata 3"
    assert reg.rights.complaint_address.postal_code == "0152"
    assert klarna.legal_bases == [] and klarna.retention is None
    assert store.retention.period is None and store.retention.law is None
    assert all(r.dpa is None for r in reg.recipients)


def test_bagges_holds_the_facts_of_its_seed():
    reg = example("bagges.yaml")
    c = reg.controller
    assert c.legal_name == "BAGGES AS"
    assert (c.postal_address.street, c.postal_address.postal_code, c.postal_address.city) == (
        "Industriveien 15", "2020", "Skedsmokorset",
    )
    assert c.email == "post@bagges.no" and c.phone == "+47 64 83 50 00"
    assert c.websites[0].url == "https://www.bagges.no"
    assert c.manager.title.nb == "daglig leder"
    assert c.dpo.designated is False
    assert "daglig leder og økonomiansvarlig påser" in c.dpo.compliance_by.nb

    assert {r.id for r in reg.roles} == {"webredaktor", "avdelingsleder-kundeservice", "okonomiansvarlig"}
    assert reg.role("avdelingsleder-kundeservice").name.nb == "Avdelingsleder for kundeservice"

    for rid, name in (("novicell", "Novicell AS"), ("webhuset", "Webhuset AS")):
        r = reg.recipient(rid)
        assert (r.name, r.role, r.country, r.dpa.in_place) == (name, RecipientRole.PROCESSOR, "NO", True)
    phonero = reg.recipient("phonero")
    assert phonero.role == RecipientRole.PROCESSOR and "3-4 måneder" in phonero.services.nb
    assert {s.name for s in reg.systems} >= {
        "Google Analytics", "SurveyMonkey", "Visma Business", "Phonero", "Outlook",
    }
    cameras = reg.system("kameraer")
    assert cameras.count == 8 and cameras.location.nb == "utvendig fasade"

    stats = reg.activity("nettstatistikk")
    assert stats.responsible_role == "webredaktor"
    assert stats.ip_prefix_v4 == 24
    assert set(stats.deidentification) == {Deidentification.IP_TRUNCATION, Deidentification.AGGREGATION_ONLY}
    assert {c.name for c in reg.cookies} == {"_dc_gtm_UA-9220702-1", "_ga", "_gid"}
    assert {(c.category, c.activity) for c in reg.cookies} == {(CookieCategory.STATISTICS, "nettstatistikk")}

    search = reg.activity("sok")
    assert Deidentification.AGGREGATION_ONLY in search.deidentification
    assert "søkeord" in texts(search.data_categories)
    survey = reg.activity("sporreundersokelser")
    assert survey.responsible_role == "avdelingsleder-kundeservice" and survey.systems == ["surveymonkey"]
    orders = reg.activity("ordrebehandling")
    assert orders.systems == ["visma-business"]
    assert orders.retention.period == "P15Y"
    assert "reservedeler" in orders.purpose.nb
    for category in ("navn", "adresse", "telefonnummer", "epostadresse"):
        assert category in texts(orders.data_categories)
    calls = reg.activity("telefonlogg")
    assert calls.retention.period == "P4M" and "3-4 måneder" in calls.retention.description.nb
    assert set(calls.systems) == {"phonero", "outlook"} and calls.recipients == ["phonero"]
    assert "tidspunkt for samtalen" in texts(calls.data_categories)
    assert reg.activity("e-post-og-telefon").channels == ["email", "phone"]
    camera = reg.activity("kameraovervaking")
    assert camera.retention.period == "P1W"  # en uke
    assert camera.systems == ["kameraer"] and camera.channels == ["camera"]
    assert "innbrudd og hærverk" in camera.purpose.nb
    assert reg.activity("ansatte").notes.nb.endswith("personalhåndbok.")
    assert any("ingen registreringer over besøkende" in s.nb for s in reg.notice.statements)

    assert reg.rights.response_time == "P30D"
    assert "adgangs- og tilgangskontroll" in reg.security[0].nb

    # Defects the linter must find
    assert "personopplysningsloven § 19" in reg.notice.intro.nb and "§ 18, 1. ledd" in reg.rights.notes.nb
    assert basis(stats, B.CONSENT).law == "ekomloven § 2-7b"
    assert "åpen kildekode (GPL)" in reg.system("google-analytics").description.nb
    assert reg.system("google-analytics").vendor is None and reg.recipient("google") is None
    assert reg.recipient("surveymonkey").country == "US"
    assert reg.recipient("surveymonkey").transfer.mechanism == TransferMechanism.UNSTATED
    assert all(c.expiry is None for c in reg.cookies)
    assert camera.legal_bases == [] and search.legal_bases == [] and calls.legal_bases == []


def test_glasoterapi_holds_the_facts_of_its_seed():
    reg = example("glasoterapi.yaml")
    c = reg.controller
    assert c.legal_name == "glasoterapi.no"  # the seed names no company
    assert c.websites[0].url == "https://glasoterapi.no"
    assert reg.notice.updated == dt.date(2023, 2, 15)

    lykke = reg.recipient("lykke-media")
    assert (lykke.name, lykke.role, lykke.country, lykke.dpa.in_place) == (
        "Lykke Media As", RecipientRole.PROCESSOR, "NO", True,
    )
    assert reg.recipient("google").country == "US"

    assert [a.id for a in reg.activities] == [
        "henvendelser", "markedsforing", "kurs", "nettstatistikk", "kontaktskjema",
    ]
    enquiries = reg.activity("henvendelser")
    assert bases(enquiries) == [B.LEGITIMATE_INTERESTS]
    for category in ("fornavn", "etternavn", "e-postadresse", "telefonnummer", "firmanavn"):
        assert category in texts(enquiries.data_categories)
    marketing = reg.activity("markedsforing")
    assert bases(marketing) == [B.CONSENT, B.LEGITIMATE_INTERESTS] and marketing.direct_marketing
    assert marketing.retention.rule == RetentionRule.UNTIL_CONSENT_WITHDRAWN
    course = reg.activity("kurs")
    assert bases(course) == [B.LEGITIMATE_INTERESTS] and "fakturainformasjon" in texts(course.data_categories)
    form = reg.activity("kontaktskjema")
    assert form.channels == ["contact_form"] and form.source.publicly_accessible is True
    assert form.systems == ["salgsoppfolging"]
    stats = reg.activity("nettstatistikk")
    assert stats.recipients[0] == "google" and stats.systems == ["google-analytics"]
    assert Deidentification.IP_TRUNCATION in stats.deidentification

    expiries = {c.name: c.expiry for c in reg.cookies}
    assert expiries == {"__ga": "P2Y", "__gid": "PT24H", "__gat": "PT10M", "PHPSESSID": "session"}
    assert "Lagrer ikke personopplysninger" in cookie(reg, "__gat").purpose.nb
    assert "identifiserer deg selv" in reg.rights.identity_check.nb
    for right in ("innsyn", "rettet eller slettet", "begrenset behandling", "innsigelse", "dataportabilitet"):
        assert right in reg.rights.notes.nb, right
    assert "klage til Datatilsynet" in reg.rights.notes.nb
    assert reg.rights.complaint_address is None  # Datatilsynet named, no address given
    assert "tredjeparter" in texts(reg.notice.statements) and "ukryptert e-post" in texts(reg.notice.statements)
    assert all(a.special_categories == [] for a in reg.activities)

    # Defects the linter must find
    assert c.org_number is None and c.email is None and c.postal_address is None and c.phone is None
    for a in (enquiries, course, stats, form):
        assert a.retention.rule == RetentionRule.UNTIL_PURPOSE_FULFILLED and a.retention.period is None
        assert "så lenge det er nødvendig" in a.retention.description.nb.lower()
    assert basis(stats, B.CONSENT).law == "ekomloven § 2-7b"
    assert "skrudd av i din nettleser" in basis(stats, B.CONSENT).note.nb
    assert bases(stats) == [B.CONSENT, B.LEGITIMATE_INTERESTS]  # cookies also on legitimate interest
    assert marketing.withdrawal is None
    assert reg.recipient("google").transfer.mechanism == TransferMechanism.UNSTATED


def test_ekko_holds_the_facts_of_its_seed():
    reg = example("ekko-ipogs.yaml")
    c = reg.controller
    assert c.legal_name == "EKKO AS"
    assert c.org_number == "917884757"
    assert c.contact.name == "Lars Erik Echoldt"
    assert (c.postal_address.street, c.postal_address.postal_code, c.postal_address.city) == (
        "Trollstubben 9A", "1535", "Moss",
    )
    assert c.websites[0].url == "https://ipogs.no"
    assert reg.notice.updated == dt.date(2019, 10, 7)

    countries = {r.name: r.country for r in reg.recipients}
    assert countries["Domeneshop AS"] == "NO" and countries["Fiken AS"] == "NO"
    assert countries["Zoom Video Communications, Inc."] == "US" and countries["Kajabi LLC"] == "US"
    assert reg.recipient("stripe").country == "US"
    assert reg.recipient("myndigheter").role == RecipientRole.PUBLIC_AUTHORITY

    customers = reg.activity("kunder")
    assert bases(customers) == [B.CONSENT, B.CONTRACT, B.LEGAL_OBLIGATION, B.LEGITIMATE_INTERESTS]
    assert set(customers.channels) == {"contact_form", "email", "phone", "sms", "social_media", "other"}
    for category in ("navn", "e-post", "telefonnummer", "fødselsdato"):
        assert category in texts(customers.data_categories)
    assert {"domeneshop", "zoom", "kajabi", "fiken"} <= set(customers.recipients)
    accounts = reg.activity("regnskap")
    assert basis(accounts, B.LEGAL_OBLIGATION).law == "bokføringsloven"
    assert accounts.provision.requirement == "statutory" and accounts.retention.law == "bokføringsloven"
    assert "avbestillings-lenke" in reg.activity("e-post-fra-oss").withdrawal.nb
    assert reg.activity("kundeundersokelser").purpose.nb.startswith("Få en bedre forståelse")
    assert any("sensitive personopplysninger" in s.nb for s in reg.notice.statements)
    assert all(a.special_categories == [] for a in reg.activities)  # "verken henter inn ... sensitive"

    assert [k.name for k in reg.cookies] == [
        "Ipogs.no", "Stripe", "Facebook Pixel", "Instagram", "Google Analytics", "Google Adds",
    ]
    assert {k.name for k in reg.cookies if k.category == CookieCategory.MARKETING} == {
        "Facebook Pixel", "Instagram", "Google Analytics", "Google Adds",
    }
    assert reg.rights.postal is True

    # Defects the linter must find
    assert "Berettiget samtykke" in basis(customers, B.LEGITIMATE_INTERESTS).legitimate_interest.nb
    assert "personopplysningsloven § 18" in reg.rights.notes.nb and "§ 27" in reg.rights.notes.nb
    assert customers.retention.law == "personopplysningsloven § 28" and customers.retention.period is None
    assert "§ 2-7 b" in reg.activity("informasjonskapsler").notes.nb
    assert reg.activity("informasjonskapsler").legal_bases == []
    for rid in ("zoom", "kajabi", "stripe", "meta", "google", "google-ads"):
        assert reg.recipient(rid).transfer.mechanism == TransferMechanism.UNSTATED, rid
    assert all(k.expiry is None for k in reg.cookies)
    assert c.email is None and "[email protected]" in c.internal_note.nb  # the register's own note, never printed


# --------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------


def run(*args):
    return subprocess.run([str(PERSONVERN), *args], capture_output=True, text=True, timeout=120)


def test_personvern_validate_accepts_every_example():
    result = run("validate", *(str(EXAMPLES / f) for f in FILES))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": OK (") == len(FILES)
    assert "backe.yaml: OK (8 activities, 7 recipients, 1 cookie)" in result.stdout  # counted in words


def broken_copy(tmp_path, *replacements):
    """bagges.yaml with text replaced; returns the path and a function giving a line's number."""
    path = tmp_path / "bagges.yaml"
    text = (EXAMPLES / "bagges.yaml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    return path, lambda line: lines.index(line) + 1


def test_personvern_validate_locates_every_error_in_a_broken_copy(tmp_path):
    path, line_of = broken_copy(
        tmp_path,
        ("      period: P1W\n", "      period: 1 uke\n"),
        ("    ip_prefix_v4: 24\n", "    ip_prefix_v4: 33\n"),
    )

    result = run("validate", str(path), str(EXAMPLES / "balcoo.yaml"))

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = result.stderr.splitlines()
    prefix, period = line_of("    ip_prefix_v4: 33"), line_of("      period: 1 uke")
    assert f"{path}:{prefix} activities[0].ip_prefix_v4: Input should be less than or equal to 32" in errors
    assert f'{path}:{period} activities[6].retention.period: "1 uke" is not a duration; write P1W' in errors
    assert "balcoo.yaml: OK" in result.stdout


def test_personvern_validate_locates_a_dangling_id(tmp_path):
    path, line_of = broken_copy(tmp_path, ("    systems: [kameraer]\n", "    systems: [kamera]\n"))

    result = run("validate", str(path))

    assert result.returncode == 2
    line = line_of("    systems: [kamera]")
    assert f'{path}:{line} activities[6].systems[0]: no system with id "kamera"' in result.stderr
