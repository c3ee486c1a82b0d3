"""A notice never states a defect: no placeholder, no internal note, no claim the register does not make."""

from __future__ import annotations

from pathlib import Path

import pytest

from personvern.core import notice as N
from personvern.core.fixes import published
from personvern.core.manifest import load_register, loads_register
from personvern.core.rules import lint

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))
PLACEHOLDERS = ("ikke oppgitt", "not stated", "unstated", "er ikke beskrevet", "is not described",
                "oppgir ingen kanal", "gives no channel")


def _text(reg, lang):
    return N.plain_text(N.render_html(reg, lang)) + N.render_markdown(reg, lang)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_no_example_prints_a_placeholder(path, lang):
    text = _text(load_register(path), lang)
    assert [p for p in PLACEHOLDERS if p in text] == []


def test_an_internal_note_is_never_printed():
    reg = load_register(EXAMPLES[0])
    reg = reg.model_copy(deep=True)
    reg.controller.internal_note = loads_register(
        "controller: {legal_name: X, internal_note: INTERN-MERKNAD-123}").controller.internal_note
    for lang in ("nb", "en"):
        assert "INTERN-MERKNAD-123" not in _text(reg, lang)


MINIMAL = """
controller: {legal_name: Kamera AS, email: post@kamera.no}
activities:
  - id: kamera
    name: Kameraovervåking
    purpose: Forebygge innbrudd
    legal_bases: [{basis: f, legitimate_interest: Hindre innbrudd}]
    retention: {period: P7D}
"""


def test_the_source_is_stated_only_where_the_register_states_it():
    reg = loads_register(MINIMAL)
    assert "Vi får opplysningene fra deg" not in _text(reg, "nb")
    stated = loads_register(MINIMAL + "    source: {from_data_subject: true}\n")
    assert "Vi får opplysningene fra deg" in _text(stated, "nb")


def test_no_automated_decisions_is_said_only_where_the_register_says_so():
    none_said = "Ingen av behandlingene i denne erklæringen innebærer slike avgjørelser"
    assert none_said not in _text(loads_register(MINIMAL), "nb")
    said = loads_register(MINIMAL + "    automated_decision: {exists: false}\n")
    assert none_said in _text(said, "nb")


def test_the_claim_of_giving_all_art_13_and_14_information_only_when_coverage_is_complete():
    claim = "informasjonen du har krav på etter artikkel 13 og 14"
    for path in EXAMPLES:  # every example lacks something
        assert claim not in _text(load_register(path), "nb")
    assert claim in N.plain_text(N.render_html(loads_register(MINIMAL), "nb", complete=True))


def test_a_transfer_without_basis_names_the_country_and_no_gap():
    reg = load_register(next(p for p in EXAMPLES if p.stem == "ekko-ipogs"))
    text = _text(reg, "nb")
    assert "Zoom Video Communications, Inc. (USA)" in text and "grunnlaget for overføringen" not in text


def test_a_sentence_citing_repealed_law_is_left_out_of_what_is_published():
    reg = load_register(next(p for p in EXAMPLES if p.stem == "bagges"))
    printed, left = published(reg, lint(reg))
    assert "NO-POL-3" in {f.rule_id for f in left}
    assert "§ 18" not in _text(printed, "nb") and "§ 18" not in _text(printed, "en")
    # only the sentence goes: the rest of the paragraph, with its facts, stays
    assert "De som er registrert i en av BAGGES sine systemer har rett på innsyn" in printed.rights.notes.nb
    assert "Alle som spør" not in printed.rights.notes.nb
    assert len(printed.activities) == len(reg.activities)


def test_an_old_complaint_address_is_left_out_and_the_current_one_printed():
    reg = load_register(next(p for p in EXAMPLES if p.stem == "backe"))
    printed, left = published(reg, lint(reg))
    assert printed.rights.complaint_address is None
    text = _text(printed, "nb")
    assert "Tollbugata" not in text and "Postboks 458 Sentrum" in text
