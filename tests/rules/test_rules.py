"""Each rule of the linter, positive (it finds the defect) and negative (it stays quiet on a good register)."""

from __future__ import annotations

import copy

import pytest
import yaml

from personvern.core.manifest import validate_data
from personvern.core.rules import RULES, has_errors, legal_rules, lint, rule_table

from .registers import GOOD, make


def found(reg, rule_id: str, lang: str = "nb"):
    return [f for f in lint(reg, lang) if f.rule_id == rule_id]


def one(reg, rule_id: str, lang: str = "nb"):
    fs = found(reg, rule_id, lang)
    assert len(fs) == 1, [(f.rule_id, f.path, f.message) for f in lint(reg, lang)]
    return fs[0]


def test_it_finds_nothing_in_a_good_register():
    assert [(f.rule_id, f.path, f.message) for f in lint(make())] == []
    assert lint(make(), "en") == []


def test_every_rule_comes_from_legal_rules_with_citation_and_status():
    meta = legal_rules()
    rules = rule_table()
    assert len(rules) >= 30
    for r in rules:
        assert r.id in meta
        assert r.citation[0] and r.citation[1]
        assert r.status in ("verified", "secondary", "unverified")
        assert r.summary


def test_the_rule_file_is_an_unchanged_copy_of_the_shared_one():
    from pathlib import Path

    shared = Path(__file__).resolve().parents[3] / "shared" / "reference" / "legal-rules.yaml"
    ours = Path(RULES["A13-1c"].check.__code__.co_filename).parents[1] / "legal-rules.yaml"
    copy = yaml.safe_load(ours.read_text())
    assert len(copy) == 133 and all({"id", "title", "source", "status"} <= set(r) for r in copy)
    if shared.exists():  # next to the checkout on the development machines, not in every CI
        assert copy == yaml.safe_load(shared.read_text())


# --------------------------------------------------------------------------
# Purpose, basis, legitimate interest
# --------------------------------------------------------------------------


def test_it_flags_a_missing_purpose_and_basis():
    reg = make(lambda d: d["activities"][0].update(purpose=None, legal_bases=[]))
    paths = {f.path for f in found(reg, "A13-1c")}
    assert paths == {"activities[0].purpose", "activities[0].legal_bases"}
    assert all(f.severity == "error" for f in found(reg, "A13-1c"))


def test_a_missing_basis_is_a_warning_when_the_activity_says_the_data_is_anonymised():
    reg = make(lambda d: d["activities"][0].update(legal_bases=[], deidentification=["anonymisation"]))
    f = one(reg, "A13-1c", "en")
    assert f.severity == "warning" and "anonymised" in f.hint


def test_it_flags_legitimate_interest_without_a_description():
    reg = make(lambda d: d["activities"][0].update(legal_bases=[{"basis": "f"}]))
    f = one(reg, "A13-1d")
    assert f.severity == "error" and f.path == "activities[0].legal_bases[0].legitimate_interest"


@pytest.mark.parametrize("text", ["Berettiget interesse", "our legitimate interests", "forretningsformål"])
def test_it_warns_on_a_generic_legitimate_interest(text):
    reg = make(lambda d: d["activities"][0].update(legal_bases=[{"basis": "f", "legitimate_interest": text}]))
    assert one(reg, "A13-1d").severity == "warning"


def test_it_warns_when_the_legitimate_interest_describes_consent():
    reg = make(lambda d: d["activities"][0].update(legal_bases=[
        {"basis": "f", "legitimate_interest": "Berettiget samtykke (bruk av databehandler fra eksterne leverandører)"}]))
    assert "samtykke" in one(reg, "A13-1d").message


def test_a_specific_legitimate_interest_passes():
    reg = make(lambda d: d["activities"][0].update(legal_bases=[
        {"basis": "f", "legitimate_interest": "Følge opp henvendelser fra kunder som har spurt oss om et tilbud"}]))
    assert found(reg, "A13-1d") == []


def test_it_flags_obligation_without_law_and_law_that_is_not_a_statute():
    reg = make(lambda d: d["activities"][0].update(legal_bases=[{"basis": "c"}]))
    assert one(reg, "LB-6-3").severity == "error"
    reg = make(lambda d: d["activities"][0].update(legal_bases=[{"basis": "c", "law": "regnskap"}]))
    assert one(reg, "LB-6-3").severity == "warning"
    reg = make(lambda d: d["activities"][0].update(legal_bases=[{"basis": "c", "law": "bokføringsloven § 13"}]))
    assert found(reg, "LB-6-3") == []


def test_it_warns_on_consent_mixed_with_legitimate_interest_but_not_on_contract_with_obligation():
    reg = make(lambda d: d["activities"][0].update(legal_bases=[
        {"basis": "a"}, {"basis": "f", "legitimate_interest": "Informere eksisterende kunder om nye kurs vi holder"}],
        withdrawal="Avmeldingslenke i hver e-post"))
    assert one(reg, "DEF-07").severity == "warning"
    reg = make(lambda d: d["activities"][0].update(legal_bases=[{"basis": "b"}, {"basis": "c", "law": "bokføringsloven § 13"}]))
    assert found(reg, "DEF-07") == []


def test_it_warns_when_a_public_authority_uses_legitimate_interest():
    li = [{"basis": "f", "legitimate_interest": "Sikre bygningen mot innbrudd og hærverk om natten"}]
    reg = make(lambda d: (d["controller"].update(public_authority=True), d["activities"][0].update(legal_bases=li)))
    assert one(reg, "LB-6").severity == "warning"
    assert found(make(lambda d: d["activities"][0].update(legal_bases=li)), "LB-6") == []


# --------------------------------------------------------------------------
# Retention
# --------------------------------------------------------------------------


def test_it_flags_a_missing_retention():
    f = one(make(lambda d: d["activities"][0].pop("retention")), "A13-2a")
    assert f.severity == "error" and f.path == "activities[0].retention"


def test_it_rejects_a_bare_as_long_as_necessary():
    reg = make(lambda d: d["activities"][0].update(retention={"description": "Så lenge det er nødvendig."}))
    assert one(reg, "DEF-01").severity == "error"
    reg = make(lambda d: d["activities"][0].update(retention={
        "rule": "until_purpose_fulfilled", "description": "Vi lagrer så lenge det er nødvendig for formålet."}))
    assert one(reg, "DEF-01").severity == "error"


def test_until_purpose_fulfilled_without_a_period_is_a_warning_and_a_period_passes():
    reg = make(lambda d: d["activities"][0].update(retention={"rule": "until_purpose_fulfilled",
                                                              "description": "Slettes når kurset er holdt."}))
    assert one(reg, "DEF-01").severity == "warning"
    reg = make(lambda d: d["activities"][0].update(retention={
        "period": "P12M", "description": "Så lenge det er nødvendig, og høyst 12 måneder."}))
    assert found(reg, "DEF-01") == []


def test_statutory_retention_without_law_or_period_is_a_warning():
    reg = make(lambda d: d["activities"][0].update(retention={"rule": "statutory"}))
    f = one(reg, "A13-2a")
    assert f.severity == "warning" and f.path == "activities[0].retention.law"


ACCOUNTING = {"basis": "c", "law": "bokføringsloven § 13"}


@pytest.mark.parametrize("retention, severity", [
    ({"rule": "statutory", "law": "bokføringsloven"}, "warning"),
    ({"period": "P3Y"}, "warning"),
    ({"period": "P15Y"}, "info"),
])
def test_accounting_retention_against_bokforingsloven(retention, severity):
    reg = make(lambda d: d["activities"][0].update(legal_bases=[ACCOUNTING], retention=retention))
    f = one(reg, "NO-BOKF-1", "en")
    assert f.severity == severity and "bokføringsloven § 13" in f.citation


@pytest.mark.parametrize("period", ["P5Y", "P5Y6M", "P10Y"])
def test_accounting_retention_of_five_years_or_more_passes(period):
    reg = make(lambda d: d["activities"][0].update(legal_bases=[ACCOUNTING], retention={"period": period}))
    assert found(reg, "NO-BOKF-1") == []


def test_accounting_rule_does_not_touch_other_activities():
    reg = make(lambda d: d["activities"][0].update(retention={"period": "P1Y"}))
    assert found(reg, "NO-BOKF-1") == []


def test_camera_recordings_beyond_seven_days_without_reason():
    reg = make(lambda d: d["activities"][0].update(channels=["camera"], retention={"period": "P30D"}))
    assert one(reg, "NO-CAM-1").severity == "warning"
    reg = make(lambda d: d["activities"][0].update(channels=["camera"], retention={"period": "P7D"}))
    assert found(reg, "NO-CAM-1") == []


# --------------------------------------------------------------------------
# Consent, marketing, trackers, children
# --------------------------------------------------------------------------


def test_consent_without_withdrawal_route():
    reg = make(lambda d: d["activities"][0].update(legal_bases=[{"basis": "a"}]))
    assert one(reg, "A13-2c").severity == "warning"
    reg = make(lambda d: d["activities"][0].update(legal_bases=[{"basis": "a"}], withdrawal="Avmeldingslenke"))
    assert found(reg, "A13-2c") == []


def test_consent_without_withdrawal_and_without_any_contact_is_an_error():
    def mutate(d):
        d["controller"] = {"legal_name": "Eksempel AS"}
        d["activities"][0]["legal_bases"] = [{"basis": "a"}]
    assert one(make(mutate), "A13-2c").severity == "error"


def _tracking(d, *, bases, category="marketing", system="Facebook Pixel", withdrawal="Cookie-innstillinger"):
    d["systems"] = [{"id": "pixel", "name": system}]
    d["activities"][0].update(channels=["website", "cookies"], legal_bases=bases, systems=["pixel"],
                              withdrawal=withdrawal)
    d["cookies"] = [{"name": "_fbp", "provider": "meta", "category": category, "expiry": "P3M",
                     "activity": d["activities"][0]["id"]}]


LI = {"basis": "f", "legitimate_interest": "Måle hvilke kampanjer som gir salg, for å bruke pengene bedre"}


def test_marketing_pixel_on_legitimate_interest_is_an_error():
    f = one(make(lambda d: _tracking(d, bases=[LI])), "DEF-03", "en")
    assert f.severity == "error" and f.path == "activities[0].legal_bases[0]"
    assert "ekomloven" in f.citation and "2025" in f.citation


def test_marketing_pixel_without_consent_is_an_error_and_with_consent_passes():
    assert one(make(lambda d: _tracking(d, bases=[{"basis": "b"}])), "DEF-03").severity == "error"
    assert found(make(lambda d: _tracking(d, bases=[{"basis": "a"}])), "DEF-03") == []


def test_third_party_statistics_on_legitimate_interest_is_an_error():
    reg = make(lambda d: _tracking(d, bases=[LI], category="statistics", system="Google Analytics"))
    assert one(reg, "DEF-03").severity == "error"


def test_first_party_statistics_on_legitimate_interest_is_a_warning():
    def mutate(d):
        d["activities"][0].update(channels=["cookies"], legal_bases=[LI])
        d["cookies"] = [{"name": "stat", "category": "statistics", "party": "first", "expiry": "P1D",
                         "activity": d["activities"][0]["id"]}]
    assert one(make(mutate), "DEF-03").severity == "warning"


def test_functional_cookies_on_legitimate_interest_are_a_warning():
    def mutate(d):
        d["activities"][0].update(legal_bases=[LI])
        d["cookies"] = [{"name": "lang", "category": "functional", "party": "first", "expiry": "P1Y",
                         "activity": d["activities"][0]["id"]}]
    f = one(make(mutate), "DEF-03", "en")
    assert f.severity == "warning" and "not strictly necessary" in f.message


def test_advertising_vendor_by_name_makes_an_activity_marketing():
    def mutate(d):
        d["recipients"].append({"id": "ads", "name": "Google (Google Ads)", "role": "independent_controller",
                                "country": "US", "transfer": {"mechanism": "dpf"}})
        d["activities"][0].update(channels=["website"], recipients=["hosting", "ads"], legal_bases=[LI])
    assert one(make(mutate), "DEF-03").severity == "error"


def test_a_contract_activity_without_trackers_is_not_touched_by_the_tracker_rule():
    assert found(make(lambda d: d["activities"][0].update(channels=["website", "checkout"])), "DEF-03") == []


def test_email_marketing_without_consent():
    reg = make(lambda d: d["activities"][0].update(direct_marketing=True, channels=["email"]))
    assert one(reg, "NO-MFL-15").severity == "warning"
    reg = make(lambda d: d["activities"][0].update(direct_marketing=True, channels=["email"],
                                                   legal_bases=[{"basis": "a"}], withdrawal="Avmelding"))
    assert found(reg, "NO-MFL-15") == []


def test_children_with_consent_get_the_norwegian_age():
    reg = make(lambda d: d["activities"][0].update(children=True, legal_bases=[{"basis": "a"}], withdrawal="x y"))
    f = one(reg, "C8-1")
    assert f.severity == "info" and "13" in f.hint and "§ 5" in f.hint


@pytest.mark.parametrize("text, hits", [
    ("Barn under 16 år må ha samtykke fra foreldre.", 1),
    ("Children under 16 need parental consent.", 1),
    ("Barn fra 13 år kan samtykke selv.", 0),
    ("Vi har 16 ansatte.", 0),
])
def test_it_flags_sixteen_as_the_consent_age(text, hits):
    reg = make(lambda d: d["activities"][0].update(notes=text))
    assert len(found(reg, "DEF-13")) == hits


# --------------------------------------------------------------------------
# Record content
# --------------------------------------------------------------------------


def test_it_warns_on_missing_categories():
    reg = make(lambda d: d["activities"][0].update(data_subjects=[], data_categories=[]))
    assert {f.path for f in found(reg, "A30-1c")} == {"activities[0].data_subjects", "activities[0].data_categories"}


def test_special_categories_need_a_condition():
    reg = make(lambda d: d["activities"][0].update(special_categories=["health"]))
    assert one(reg, "A9").severity == "error"
    reg = make(lambda d: d["activities"][0].update(special_categories=["health"], art9_condition="9.2.h"))
    assert found(reg, "A9") == []


def test_indirect_source_needs_a_description():
    reg = make(lambda d: d["activities"][0].update(source={"from_data_subject": False}))
    assert one(reg, "A14-2f").severity == "error"
    reg = make(lambda d: d["activities"][0].update(source={"from_data_subject": False, "description": "Brønnøysund",
                                                           "publicly_accessible": True}))
    assert found(reg, "A14-2f") == []


def test_automated_decisions_need_logic_significance_and_consequences():
    reg = make(lambda d: d["activities"][0].update(automated_decision={"exists": True, "logic": "Poengsum"}))
    assert {f.path for f in found(reg, "A13-2f")} == {"activities[0].automated_decision.significance",
                                                     "activities[0].automated_decision.consequences"}


def test_criminal_offence_data_asks_for_the_condition():
    reg = make(lambda d: d["activities"][0].update(criminal_offence_data=True))
    assert "§ 11" in one(reg, "A10").hint
    reg = make(lambda d: d["activities"][0].update(criminal_offence_data=True, legal_bases=[
        {"basis": "c", "law": "personopplysningsloven § 11 og barnehageloven § 19"}]))
    assert found(reg, "A10") == []


@pytest.mark.parametrize("category, hits", [("fødselsnummer", 1), ("D-nummer", 1), ("anonymt id-nummer", 0),
                                            ("fødselsdato", 0)])
def test_national_identity_numbers(category, hits):
    reg = make(lambda d: d["activities"][0].update(data_categories=[category]))
    assert len(found(reg, "NO-POL-5")) == hits


def test_no_security_description_is_a_note():
    assert one(make(lambda d: d.pop("security")), "A30-1g").severity == "info"


# --------------------------------------------------------------------------
# Organisation and rights
# --------------------------------------------------------------------------


def test_controller_without_contact_and_named_by_domain():
    def mutate(d):
        d["controller"] = {"legal_name": "eksempel.no"}
    fs = found(make(mutate), "A13-1a")
    assert {(f.path, f.severity) for f in fs} == {("controller", "error"), ("controller.legal_name", "warning")}
    assert found(make(mutate), "A12-2")


def test_public_authority_without_dpo():
    reg = make(lambda d: d["controller"].update(public_authority=True))
    f = one(reg, "A13-1b")
    assert f.severity == "warning" and f.path == "controller.dpo.designated"


def test_designated_dpo_needs_contact_details():
    reg = make(lambda d: d["controller"].update(dpo={"designated": True, "name": "Kari Nordmann"}))
    assert one(reg, "A13-1b").severity == "error"
    reg = make(lambda d: d["controller"].update(dpo={"designated": True, "email": "personvernombud@eksempel.no"}))
    assert found(reg, "A13-1b") == []


@pytest.mark.parametrize("value, severity", [("P2M", "error"), ("P45D", "error"), ("P30D", "info"), ("P1M", None),
                                             ("P14D", None)])
def test_response_time(value, severity):
    fs = found(make(lambda d: d.update(rights={"response_time": value})), "A12-3a")
    assert [f.severity for f in fs] == ([severity] if severity else [])


def test_fee_for_requests():
    assert one(make(lambda d: d.update(rights={"free_of_charge": False})), "A12-5a").severity == "warning"


# --------------------------------------------------------------------------
# Processors and transfers
# --------------------------------------------------------------------------


def test_processor_agreement_not_recorded_is_a_warning_and_recorded_absent_is_an_error():
    reg = make(lambda d: d["recipients"][0].pop("dpa"))
    assert one(reg, "A28-9").severity == "warning"
    reg = make(lambda d: d["recipients"][0].update(dpa={"in_place": False}))
    assert one(reg, "A28-9").severity == "error"


def test_independent_controllers_need_no_processor_agreement():
    reg = make(lambda d: d["recipients"][0].update(role="independent_controller", dpa=None))
    assert found(reg, "A28-9") == []


def _us(d, **kw):
    r = {"id": "mail", "name": "Mailchimp", "role": "processor", "country": "US", "dpa": {"in_place": True}} | kw
    d["recipients"].append(r)
    d["activities"][0]["recipients"].append("mail")


def test_unstated_transfer_is_an_error_with_the_catalogue_in_the_hint():
    f = one(make(lambda d: _us(d, transfer={"mechanism": "unstated"})), "T-44", "en")
    assert f.severity == "error" and f.path == "recipients[1].transfer"
    assert "DPF" in f.hint and "not verified" in f.hint and "2026-11-22" in f.hint
    assert one(make(lambda d: _us(d)), "T-44").severity == "error"


def test_a_stated_mechanism_passes():
    assert found(make(lambda d: _us(d, transfer={"mechanism": "dpf"})), "T-44") == []
    assert found(make(lambda d: _us(d, transfer={"mechanism": "scc_2021_914", "copy_url": "https://x.example"})),
                 "T-44") == []


def test_dpf_outside_the_us_is_an_error():
    reg = make(lambda d: _us(d, country="IN", name="Infosys", transfer={"mechanism": "dpf"}))
    assert one(reg, "T-45-DPF").severity == "error"


def test_dpf_for_a_vendor_not_known_to_be_listed_is_a_warning():
    reg = make(lambda d: _us(d, name="Kajabi LLC", transfer={"mechanism": "dpf"}))
    f = one(reg, "T-45-DPF")
    assert f.severity == "warning" and "Kajabi" in f.message
    assert found(make(lambda d: _us(d, transfer={"mechanism": "dpf"})), "T-45-DPF") == []


def test_adequacy_for_a_country_without_a_decision():
    reg = make(lambda d: _us(d, country="IN", name="Infosys", transfer={"mechanism": "adequacy"}))
    assert one(reg, "T-45").severity == "warning"
    reg = make(lambda d: _us(d, country="JP", name="Rakuten", transfer={"mechanism": "adequacy"}))
    assert found(reg, "T-45") == []


def test_derogation_for_a_processor_is_a_warning():
    reg = make(lambda d: _us(d, transfer={"mechanism": "art49_derogation"}))
    assert one(reg, "T-49").severity == "warning"


def test_scc_without_a_copy_is_a_note():
    reg = make(lambda d: _us(d, transfer={"mechanism": "scc_2021_914"}))
    assert one(reg, "A13-1f").severity == "info"


def test_vendor_in_use_but_not_declared_is_a_warning_marked_unverified():
    reg = make(lambda d: d.update(systems=[{"id": "ga", "name": "Google Analytics"}]))
    f = one(reg, "DEF-05", "en")
    assert f.severity == "warning" and f.status == "unverified" and "not verified" in f.message
    assert f.path == "systems[0].name"


def test_vendor_recorded_in_the_eea_while_the_catalogue_says_otherwise():
    reg = make(lambda d: _us(d, name="Zoom", country="NO", transfer=None))
    assert one(reg, "DEF-05").path == "recipients[1].country"


@pytest.mark.parametrize("name, hits", [("Partnere", 1), ("third parties", 1), ("IT-leverandører (webhotell)", 0),
                                        ("Domeneshop AS", 0)])
def test_vague_recipient_names(name, hits):
    reg = make(lambda d: d["recipients"][0].update(name=name))
    assert len(found(reg, "DEF-04")) == hits


def test_an_advertising_platform_as_processor_is_noted():
    reg = make(lambda d: _us(d, name="Facebook Pixel", transfer={"mechanism": "dpf"}))
    f = one(reg, "A28-10", "en")
    assert f.severity == "info" and f.path == "recipients[1].role"
    assert found(make(lambda d: _us(d, transfer={"mechanism": "dpf"})), "A28-10") == []



@pytest.mark.parametrize("name", ["Facebook", "LinkedIn Insight Tag", "Google Ads", "TikTok pixel", "Microsoft Bing"])
def test_a_pixel_vendor_as_independent_controller_is_a_joint_controller(name):
    reg = make(lambda d: _us(d, name=name, role="independent_controller", dpa=None, transfer={"mechanism": "dpf"}))
    f = one(reg, "A30-1a", "en")
    assert f.severity == "warning" and f.path == "recipients[1].role"
    assert "joint" in f.message and "C-40/17" in f.hint and "Art. 26" in f.citation


@pytest.mark.parametrize("name, role", [("Mailchimp", "independent_controller"), ("Google Analytics", "processor")])
def test_other_vendors_are_not_joint_controllers(name, role):
    reg = make(lambda d: _us(d, name=name, role=role, transfer={"mechanism": "dpf"}))
    assert found(reg, "A30-1a") == []


def test_a_joint_controller_needs_the_essence_of_the_arrangement():
    joint = {"name": "Meta Platforms Ireland Limited", "country": "IE", "role": "joint_controller", "dpa": None}
    f = one(make(lambda d: _us(d, **joint)), "A30-1a", "en")
    assert f.path == "recipients[1].arrangement" and "Article 26(2)" in f.hint
    assert found(make(lambda d: _us(d, **joint, arrangement="Vi informerer; Meta svarer på krav")), "A30-1a") == []


def test_eea_vendor_declared_passes():
    reg = make(lambda d: d.update(systems=[{"id": "k", "name": "Klarna"}]))
    assert found(reg, "DEF-05") == []


# --------------------------------------------------------------------------
# Cookies
# --------------------------------------------------------------------------


def test_cookies_need_expiry_and_category():
    reg = make(lambda d: d.update(cookies=[{"name": "x"}]))
    assert {f.path for f in found(reg, "DEF-06")} == {"cookies[0].expiry", "cookies[0].category"}


def test_cookies_used_but_not_listed():
    reg = make(lambda d: d["activities"][0].update(channels=["cookies"]))
    assert one(reg, "DEF-06").path == "activities[0].channels"


def test_data_that_must_be_given_needs_the_consequence_of_not_giving_it():
    def required(d):
        d["activities"][0]["provision"] = {"requirement": "contractual"}
    f = one(make(required), "A13-2e", "en")
    assert f.severity == "warning" and f.path == "activities[0].provision.consequence"
    def stated(d):
        d["activities"][0]["provision"] = {"requirement": "contractual", "consequence": "Vi kan ikke levere"}
    assert found(make(stated), "A13-2e") == []
    assert found(make(lambda d: d["activities"][0].update(provision={"requirement": "voluntary"})), "A13-2e") == []


def test_an_activity_that_sets_cookies_none_of_which_are_listed_for_it_warns():
    def mutate(d):
        _tracking(d, bases=[{"basis": "a"}])
        second = copy.deepcopy(d["activities"][0])
        second.update(id="annonser", name={"nb": "Annonser", "en": "Ads"})
        d["activities"].append(second)
    f = one(make(mutate), "DEF-06", "en")
    assert f.severity == "warning" and f.path == "activities[1].channels" and '"Ads"' in f.message
    assert found(make(lambda d: _tracking(d, bases=[{"basis": "a"}])), "DEF-06") == []


def test_a_necessary_cookie_with_expiry_passes():
    reg = make(lambda d: d.update(cookies=[{"name": "csrftoken", "category": "necessary", "expiry": "P1Y"}]))
    assert found(reg, "DEF-06") == []


# --------------------------------------------------------------------------
# Literal text: outdated law and addresses
# --------------------------------------------------------------------------


@pytest.mark.parametrize("text, rule_id", [
    ("Jf. personopplysningsloven av 2000.", "NO-POL-2"),
    ("Du har rett til innsyn etter personopplysningsloven § 18.", "NO-POL-3"),
    ("Kravet om retting følger av personopplysningslovens § 27.", "NO-POL-3"),
    ("Opptak slettes etter 7 dager, jf. personopplysningsforskriften kap. 8.", "NO-CAM-4"),
    ("Informasjonskapsler brukes i henhold til ekomloven § 2-7 b.", "NO-EKOM-2"),
    ("Samtykke forutsetter at informasjonskapsler ikke er skrudd av i nettleseren.", "NO-EKOM-1"),
    ("Vi overfører data under Privacy Shield.", "DEF-02"),
    ("Vi har sendt melding til Datatilsynet etter meldeplikten.", "DEF-02"),
    ("Standardklausulene 2010/87/EU gjelder.", "T-46-SCC"),
    ("Klag til Datatilsynet, Tollbugata 3, 0152 Oslo.", "NO-DT-1"),
])
def test_it_flags_outdated_text(text, rule_id):
    reg = make(lambda d: d["activities"][0].update(notes=text))
    f = one(reg, rule_id)
    assert f.path == "activities[0].notes" and f.severity == "warning"


@pytest.mark.parametrize("text", [
    "Du har rett til innsyn etter personvernforordningen artikkel 15.",
    "Personopplysningsloven § 5 setter aldersgrensen til 13 år.",   # § 5 of the 2018 Act
    "Personopplysningsloven § 12 gjelder fødselsnummer.",
    "Informasjonskapsler settes bare med samtykke etter ekomloven.",
    "Datatilsynet, Postboks 458 Sentrum, 0105 Oslo.",
    "Vi bruker standardklausulene i beslutning 2021/914.",
])
def test_current_law_is_not_flagged(text):
    reg = make(lambda d: d["activities"][0].update(notes=text))
    text_rules = {"NO-POL-2", "NO-POL-3", "NO-CAM-4", "NO-EKOM-1", "NO-EKOM-2", "DEF-02", "T-46-SCC", "NO-DT-1",
                  "DEF-13"}
    assert [f.rule_id for f in lint(reg) if f.rule_id in text_rules] == []


def test_old_sections_need_context_about_the_rights():
    reg = make(lambda d: d["activities"][0].update(notes="Se personopplysningsloven § 20 om forskning."))
    # § 20 exists in both Acts; without a word about information, access, rectification or erasure it is left alone.
    assert found(reg, "NO-POL-3") == []


def test_the_old_complaint_address_is_an_error():
    reg = make(lambda d: d.update(rights={"complaint_address": {"street": "Tollbugata 3", "postal_code": "0152",
                                                                "city": "Oslo"}}))
    f = one(reg, "NO-DT-1", "en")
    assert f.severity == "error" and f.path == "rights.complaint_address" and "Postboks 458" in f.hint


def test_a_foreign_complaint_address_for_a_norwegian_controller():
    reg = make(lambda d: d.update(rights={"complaint_address": {"street": "Rue du Lac 1", "city": "Bruxelles",
                                                                "country": "BE"}}))
    f = one(reg, "NO-DT-1")
    assert f.severity == "warning" and f.path == "rights.complaint_address.country"
    reg = make(lambda d: d.update(rights={"complaint_address": {"postbox": "Postboks 458 Sentrum",
                                                                "postal_code": "0105", "city": "Oslo"}}))
    assert found(reg, "NO-DT-1") == []


def test_privacy_shield_as_the_transfer_reference_is_an_error():
    reg = make(lambda d: _us(d, transfer={"mechanism": "dpf", "reference": "EU-US Privacy Shield"}))
    assert one(reg, "DEF-02").severity == "error"


def test_the_ekomlov_section_is_cited_carefully():
    reg = make(lambda d: d["activities"][0].update(notes="Jf. ekomloven § 2-7b om cookies."))
    f = one(reg, "NO-EKOM-2", "en")
    assert f.status == "unverified" and f.severity == "warning"
    assert "not confirmed" in f.hint and "not verified" in f.message


# --------------------------------------------------------------------------
# Engine
# --------------------------------------------------------------------------


def test_unverified_rules_are_never_errors():
    def mutate(d):
        d["systems"] = [{"id": "ga", "name": "Google Analytics"}]
        d["activities"][0]["notes"] = "ekomloven § 2-7 b"
    for f in lint(make(mutate)):
        if f.status == "unverified":
            assert f.severity != "error"


def test_findings_come_in_both_languages():
    reg = make(lambda d: d["activities"][0].update(purpose=None, legal_bases=[{"basis": "f"}]))
    nb, en = lint(reg, "nb"), lint(reg, "en")
    assert [f.rule_id for f in nb] == [f.rule_id for f in en]
    assert all(a.message != b.message and a.hint != b.hint for a, b in zip(nb, en))


def test_findings_are_sorted_errors_first():
    reg = make(lambda d: (d.pop("security"), d["activities"][0].update(purpose=None)))
    sev = [f.severity for f in lint(reg)]
    assert sev == sorted(sev, key=["error", "warning", "info"].index)
    assert has_errors(lint(reg)) and not has_errors(lint(make()))


def test_a_rule_can_be_added_in_one_place():
    from personvern.core.rules.engine import RULES as registry
    from personvern.core.rules.engine import rule

    @rule("A13-3", severity="warning", summary="test rule")
    def every_activity(ctx):
        for i, a in ctx.activities():
            yield ctx.finding(("activities", i), ("nb", "en"))

    try:
        fs = lint(make(), "en", rules=["A13-3"])
        assert [(f.rule_id, f.path, f.message, f.citation) for f in fs] == [
            ("A13-3", "activities[0]", "en", "GDPR Art. 13(3); Art. 6(4)")]
    finally:
        del registry["A13-3"]


def test_the_good_register_is_what_the_helpers_say():
    assert validate_data(copy.deepcopy(GOOD)).controller.legal_name == "Eksempel AS"


# --------------------------------------------------------------------------
# The misses of issue 11: Art. 13(2)(e) without a declared requirement, Art. 12(6), mfl. § 15 beside consent,
# statutes, contradictions, workplace cameras, a missing rights channel
# --------------------------------------------------------------------------


def test_a_contract_activity_without_any_provision_statement_is_found():
    reg = make(lambda d: d["activities"][0].update(provision=None))
    assert found(reg, "A13-2e")[0].path == "activities[0].provision"
    assert found(make(lambda d: d["activities"][0].update(provision={"requirement": "contractual", "consequence":
                                                                     "Uten adressen kan vi ikke levere"})), "A13-2e") == []
    assert found(make(lambda d: d["activities"][0].update(legal_bases=[{"basis": "a"}], withdrawal="Avmeld")),
                 "A13-2e") == []


@pytest.mark.parametrize("law, hits", [("regnskap", 1), ("loven", 1), ("lovpålagt", 1), ("regnskapslovgivningen", 1),
                                       ("bokføringsloven § 13", 0), ("skatteforvaltningsloven § 7-1", 0),
                                       ("forskrift 2. juli 2018 nr. 1107", 0), ("hvitvaskingsloven § 24", 0),
                                       ("arbeidsmiljølovens § 14-5", 0)])
def test_a_legal_obligation_names_a_real_statute(law, hits):
    reg = make(lambda d: d["activities"][0].update(legal_bases=[{"basis": "c", "law": law}]))
    assert len(found(reg, "LB-6-3")) == hits


@pytest.mark.parametrize("text, severity", [
    ("Du vil bli bedt om å dokumentere hvem du er.", "warning"),
    ("Vi krever kopi av pass eller førerkort.", "error"),
    ("Ved rimelig tvil om hvem du er, ber vi om mer.", None),
])
def test_an_unconditional_identity_demand(text, severity):
    fs = found(make(lambda d: d.update(rights={"identity_check": text})), "A12-6")
    assert [f.severity for f in fs] == ([severity] if severity else [])


def _newsletter(d, bases):
    d["activities"].append({"id": "nyhetsbrev", "name": "Nyhetsbrev", "purpose": "Sende nyhetsbrev",
                            "data_subjects": ["abonnenter"], "data_categories": ["e-post"], "legal_bases": bases,
                            "direct_marketing": True, "channels": ["email"], "withdrawal": "Avmeldingslenke",
                            "retention": {"rule": "until_consent_withdrawn"},
                            "provision": {"requirement": "voluntary"}})


def test_a_newsletter_on_consent_and_legitimate_interest_is_flagged_under_mfl_15():
    f = one(make(lambda d: _newsletter(d, [{"basis": "a"}, {"basis": "f", "legitimate_interest":
                                                           "Holde kundene orientert om nye kurs"}])), "NO-MFL-15", "en")
    assert f.path == "activities[1].legal_bases[1]" and "both consent and legitimate interest" in f.message
    assert found(make(lambda d: _newsletter(d, [{"basis": "a"}])), "NO-MFL-15") == []


@pytest.mark.parametrize("statement, hits", [("Vi deler ikke personopplysninger med andre.", 1),
                                              ("We never share your data with anyone.", 1),
                                              ("Vi selger ikke opplysningene dine.", 0),
                                              ("Vi deler ikke personopplysninger med tredjeparter.", 0)])
def test_sharing_with_no_one_beside_recipients(statement, hits):
    reg = make(lambda d: d.update(notice={"statements": [statement]}))
    assert len(found(reg, "A13-1e")) == hits
    assert found(make(lambda d: d.update(notice={"statements": [statement]}, recipients=[]),
                      lambda d: d["activities"][0].update(recipients=[])), "A13-1e") == []


def _camera(d, subjects=("ansatte og besøkende",), notes=None):
    d["activities"].append({"id": "kamera", "name": "Kameraovervåking", "purpose": "Forebygge innbrudd",
                            "data_subjects": list(subjects), "data_categories": ["opptak"], "channels": ["camera"],
                            "legal_bases": [{"basis": "f", "legitimate_interest": "Forebygge innbrudd og hærverk i butikken"}],
                            "retention": {"period": "P7D"}, "notes": notes})


def test_no_records_of_visitors_beside_a_camera():
    reg = make(_camera, lambda d: d.update(security=["Vi oppbevarer ingen registreringer over besøkende."]))
    assert one(reg, "A12-1").path == "security[0]"
    assert found(make(lambda d: d.update(security=["Vi oppbevarer ingen registreringer over besøkende."])), "A12-1") == []


def test_workplace_camera_without_the_regulation_and_signage():
    assert one(make(_camera), "NO-CAM-2", "en").path == "activities[1]"
    ok = "Forskrift 2. juli 2018 nr. 1107 om kameraovervåking i virksomhet; skilt ved inngangen viser det."
    assert found(make(lambda d: _camera(d, notes=ok)), "NO-CAM-2") == []
    assert found(make(lambda d: _camera(d, subjects=["besøkende"])), "NO-CAM-2") == []


def test_no_rights_channel_is_an_error():
    reg = make(lambda d: d.update(controller={"legal_name": "Eksempel AS", "org_number": "974761467"}))
    assert one(reg, "A12-2").severity == "error"


def test_no_third_parties_is_contradicted_only_by_a_recipient_who_is_not_a_processor():
    statement = {"statements": ["Vi deler ikke personopplysninger med tredjeparter."]}
    reg = make(lambda d: d.update(notice=statement), lambda d: d["recipients"][0].update(role="independent_controller"))
    assert len(found(reg, "A13-1e")) == 1


@pytest.mark.parametrize("law, hits", [("regnskapslovgivningen", 1), ("personopplysningsloven § 28", 0),
                                       ("bokføringsloven § 13", 0)])
def test_a_retention_law_names_a_statute(law, hits):
    reg = make(lambda d: d["activities"][0].update(retention={"period": "P5Y", "rule": "statutory", "law": law}))
    assert len(found(reg, "A13-2a")) == hits


@pytest.mark.parametrize("law, hits", [("personopplysningslov og regnskapsloven", 1), ("personopplysningsloven", 1),
                                       ("GDPR", 1), ("bokføringsloven § 13", 0)])
def test_the_general_data_protection_act_is_no_legal_obligation(law, hits):
    reg = make(lambda d: d["activities"][0].update(legal_bases=[{"basis": "c", "law": law}]))
    assert len(found(reg, "LB-6-3")) == hits
