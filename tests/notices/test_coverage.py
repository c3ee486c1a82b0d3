"""Art. 13/14 coverage: where the notice states each element, or why it is missing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from personvern.core import notice as N
from personvern.core.coverage import MISSING, NOT_APPLICABLE, STATED, coverage
from personvern.core.manifest import (
    LegalBasis,
    Provision,
    Retention,
    Text,
    Transfer,
    dump_register,
    load_register,
    loads_register,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PERSONVERN = Path(sys.executable).with_name("personvern")

CODES = ["13(1)(a)", "13(1)(b)", "13(1)(c)", "13(1)(d)", "13(1)(e)", "13(1)(f)", "13(2)(a)", "13(2)(b)",
         "13(2)(c)", "13(2)(d)", "13(2)(e)", "13(2)(f)", "14(1)(d)", "14(2)(f)", "21(4)"]

# What each seed lacks, kept missing in its example (the seed does not state it).
EXPECTED_MISSING = {
    "balcoo": {"13(1)(c)", "13(2)(a)", "13(2)(e)"},  # no basis for CRM and cookies, no retention at all
    "backe": {"13(1)(c)", "13(1)(d)", "13(1)(f)", "13(2)(a)", "13(2)(e)"},  # Klarna, job applications, US
    "bagges": {"13(1)(c)", "13(1)(f)", "13(2)(a)", "13(2)(e)"},  # cameras, search, SurveyMonkey
    "glasoterapi": {"13(1)(a)", "13(1)(f)", "13(2)(a)", "13(2)(e)"},  # no contact, Google, "så lenge nødvendig"
    "ekko-ipogs": {"13(1)(c)", "13(1)(f)", "13(2)(a)", "13(2)(e)"},  # Zoom, Kajabi, Stripe, Meta, Google
}


def example(name):
    return load_register(EXAMPLES / f"{name}.yaml")


def with_the_facts(reg):
    """The example's register once the organisation has written down what its seed left out."""
    reg = reg.model_copy(deep=True)
    if not (reg.controller.email or reg.controller.phone or reg.controller.postal_address):
        reg.controller.email = "post@example.no"
    for a in reg.activities:
        if not a.purpose:
            a.purpose = Text(nb="Formål", en="Purpose")
        if not a.legal_bases:
            a.legal_bases = [LegalBasis(basis="b")]
        for b in a.legal_bases:
            if b.basis == "f" and not b.legitimate_interest:
                b.legitimate_interest = Text(nb="Å følge opp søknader", en="Following up applications")
        a.retention = Retention(period="P12M", rule="after_last_contact")
        if a.source.from_data_subject:
            a.provision = Provision(requirement="voluntary")
    for r in reg.recipients:
        if r.outside_eea:
            r.transfer = Transfer(mechanism="scc_2021_914", reference="2021/914 modul 2")
    return reg


@pytest.mark.parametrize("name", sorted(EXPECTED_MISSING))
def test_each_example_misses_exactly_what_its_seed_lacks(name):
    report = coverage(example(name))
    assert [e.code for e in report.elements] == CODES
    assert {e.code for e in report.missing} == EXPECTED_MISSING[name]
    assert not report.complete
    for e in report.missing:
        assert e.reasons, e.code  # every missing element says why


@pytest.mark.parametrize("name", sorted(EXPECTED_MISSING))
def test_each_example_reaches_full_coverage_once_its_register_holds_the_facts(name):
    report = coverage(with_the_facts(example(name)))
    assert report.missing == []
    assert report.complete
    for e in report.elements:
        assert e.status in (STATED, NOT_APPLICABLE)
        if e.status == STATED:
            assert e.where, e.code  # says where the notice states it


@pytest.mark.parametrize("name", sorted(EXPECTED_MISSING))
def test_every_where_is_a_section_of_the_notice(name):
    reg = example(name)
    ids = N.build(reg, "nb").ids()
    html = N.render_html(reg, "nb")
    for e in coverage(reg).elements:
        for w in e.where:
            assert w in ids and f'id="{w}"' in html


def test_it_names_the_activities_and_recipients_that_lack_a_fact():
    report = coverage(example("backe"))
    reasons = " ".join(r["en"] for r in report.element("13(1)(f)").reasons)
    for rid in ("google", "google-ads", "meta", "microsoft", "linkedin", "mailchimp"):
        assert f'"{rid}"' in reasons
    assert '"jobbsoknader"' in " ".join(r["en"] for r in report.element("13(1)(d)").reasons)
    assert '"klarna"' in " ".join(r["nb"] for r in report.element("13(1)(c)").reasons)


def test_as_long_as_necessary_is_not_a_retention_criterion():
    reasons = coverage(example("glasoterapi")).element("13(2)(a)").reasons
    assert any("as long as necessary" in r["en"] for r in reasons)


def test_art_14_elements_apply_when_data_comes_from_elsewhere():
    reg = loads_register("""
controller: {legal_name: Alpha AS, email: post@alpha.no}
activities:
  - id: leads
    name: Kjøpte leads
    purpose: Salg
    legal_bases: [{basis: f, legitimate_interest: Salg til bedrifter}]
    retention: {period: P6M}
    source: {from_data_subject: false}
""")
    report = coverage(reg)
    assert report.element("14(1)(d)").status == MISSING
    assert report.element("14(2)(f)").status == MISSING
    assert report.element("13(2)(e)").status == NOT_APPLICABLE
    assert report.element("21(4)").status == STATED


def test_a_designated_dpo_without_contact_is_missing():
    reg = loads_register("controller: {legal_name: A AS, email: a@a.no, dpo: {designated: true, name: Kari}}\n")
    assert coverage(reg).element("13(1)(b)").status == MISSING


def test_the_text_and_json_reports():
    report = coverage(example("bagges"))
    text = report.as_text("en")
    assert "13(2)(a)  MISSING" in text and "element(s) missing" in text
    assert "oppgitt" in report.as_text("nb")
    data = json.loads(report.as_json("en"))
    assert data["complete"] is False and len(data["elements"]) == len(CODES)


def run(*args):
    return subprocess.run([str(PERSONVERN), *args], capture_output=True, text=True, timeout=120)


def test_personvern_coverage_exits_1_when_something_required_is_missing_and_0_when_complete(tmp_path):
    result = run("coverage", str(EXAMPLES / "bagges.yaml"))
    assert result.returncode == 1
    assert "13(1)(f)" in result.stdout and "surveymonkey" in result.stdout
    full = tmp_path / "full.yaml"
    full.write_text(dump_register(with_the_facts(example("bagges"))), encoding="utf-8")
    result = run("coverage", str(full), "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["complete"] is True


def test_personvern_notice_writes_html_and_markdown_in_both_languages():
    html = run("notice", str(EXAMPLES / "glasoterapi.yaml"), "--lang", "nb", "--format", "html")
    assert html.returncode == 0 and html.stdout.startswith("<!doctype html>")
    assert "15. februar 2023" in html.stdout
    md = run("notice", str(EXAMPLES / "glasoterapi.yaml"), "--lang", "en", "--format", "md")
    assert md.returncode == 0 and md.stdout.startswith("# Privacy notice")
    assert "15 February 2023" in md.stdout
    bad = run("notice", "/nonexistent.yaml")
    assert bad.returncode == 2


def test_data_supplemented_from_public_sources_brings_the_art_14_elements():
    report = coverage(example("glasoterapi"))  # the contact form "suppleres med offentlig tilgjengelig informasjon"
    for code in ("14(1)(d)", "14(2)(f)"):
        assert report.element(code).status == STATED
        assert report.element(code).where == [N.activity_anchor("kontaktskjema")]
    reg = example("glasoterapi").model_copy(deep=True)
    reg.activities[4].data_categories = []
    assert coverage(reg).element("14(1)(d)").status == MISSING


def test_consent_alone_answers_whether_the_data_must_be_given():
    reg = loads_register("""
controller: {legal_name: Alpha AS, email: post@alpha.no}
activities:
  - id: nyhetsbrev
    name: Nyhetsbrev
    purpose: Sende nyhetsbrev
    legal_bases: [{basis: a}]
    retention: {rule: until_consent_withdrawn}
  - id: kunder
    name: Kunder
    purpose: Levere varer
    legal_bases: [{basis: b}]
    retention: {period: P12M}
""")
    e = coverage(reg).element("13(2)(e)")
    assert e.status == MISSING and e.where == [N.activity_anchor("nyhetsbrev")]
    assert [r["en"] for r in e.reasons] == [
        'Activity "kunder" does not say whether giving the data is required (provision).']


def test_the_report_names_the_sections_in_its_own_language():
    report = coverage(example("backe"))
    assert "in: Who is responsible (#behandlingsansvarlig)" in report.as_text("en")
    assert "i: Hvem som er ansvarlig (#behandlingsansvarlig)" in report.as_text("nb")
    where = json.loads(report.as_json("en"))["elements"][0]["where"]
    assert where == [{"id": "behandlingsansvarlig", "title": "Who is responsible"}]
