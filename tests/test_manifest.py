import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from personvern.core.manifest import (
    RegisterError,
    dump_register,
    json_schema,
    loads_register,
    suggest_duration,
    validate_data,
)

from strategies import registers

MINIMAL = "controller:\n  legal_name: Alpha AS\n"


def problems(text: str) -> list[str]:
    with pytest.raises(RegisterError) as exc:
        loads_register(text, "alpha.yaml")
    return [str(p) for p in exc.value.problems]


def test_a_minimal_register_loads():
    reg = loads_register(MINIMAL)
    assert reg.controller.legal_name == "Alpha AS"
    assert reg.rights.response_time == "P1M"


def test_it_locates_a_bad_duration_and_says_what_to_write():
    text = MINIMAL + "activities:\n  - id: soknader\n    name: Jobbsøknader\n    retention:\n      period: 12 mnd\n"
    assert problems(text) == ['alpha.yaml:7 activities[0].retention.period: "12 mnd" is not a duration; write P12M']


@pytest.mark.parametrize(
    "written, iso",
    [("12 mnd", "P12M"), ("7 dager", "P7D"), ("1 uke", "P1W"), ("15 år", "P15Y"), ("24 timer", "PT24H"), ("10 minutter", "PT10M"), ("lenge", None)],
)
def test_it_suggests_iso_durations_for_words_people_write(written, iso):
    assert suggest_duration(written) == iso


def test_it_reports_every_error_not_just_the_first():
    text = (
        "controller:\n  legal_name: Alpha AS\n  org_number: '123456789'\n  emial: x@y.no\n"
        "activities:\n  - id: Bad Id\n    name: X\n    legal_bases:\n      - basis: g\n"
    )
    found = problems(text)
    assert any(p.startswith("alpha.yaml:3 controller.org_number:") and "mod-11" in p for p in found)
    assert any(p.startswith("alpha.yaml:4 controller.emial: unknown field") for p in found)
    assert any(p.startswith("alpha.yaml:6 activities[0].id:") for p in found)
    assert any(p.startswith("alpha.yaml:9 activities[0].legal_bases[0].basis:") for p in found)


def test_it_accepts_a_valid_org_number_with_spaces():
    reg = loads_register("controller:\n  legal_name: Backe\n  org_number: 910 380 133\n")
    assert reg.controller.org_number == "910380133"


def test_it_reports_dangling_and_duplicate_ids():
    text = MINIMAL + (
        "systems:\n  - id: crm\n    name: CRM\n  - id: crm\n    name: CRM 2\n"
        "activities:\n  - id: salg\n    name: Salg\n    systems: [crm, erp]\n    responsible_role: webredaktor\n"
    )
    found = problems(text)
    assert found == [
        'alpha.yaml:6 systems[1].id: duplicate id "crm"',
        'alpha.yaml:11 activities[0].systems[1]: no system with id "erp"',
        'alpha.yaml:12 activities[0].responsible_role: no role with id "webredaktor"',
    ]


def test_it_reports_a_yaml_syntax_error_with_its_line():
    assert problems("controller:\n  legal_name: x\n bad: 1\n") == [
        "alpha.yaml:3: not valid YAML: expected <block end>, but found '<block mapping start>'"
    ]


def test_a_document_that_is_not_a_mapping_is_refused():
    assert problems("- just\n- a list\n") == ["alpha.yaml:1: the document must be a mapping with a `controller` section"]


def test_json_schema_describes_the_register():
    schema = json_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"controller", "activities", "recipients", "cookies"} <= set(schema["properties"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(registers)
def test_any_valid_register_survives_yaml_export_and_import_unchanged(data):
    register = validate_data(data)
    text = dump_register(register)
    again = loads_register(text)
    assert again == register
    assert dump_register(again) == text


def run_cli(*args, cwd=None):
    exe = Path(sys.executable).with_name("personvern")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_validate_command_prints_located_errors_and_exits_2(tmp_path):
    bad = tmp_path / "bagges.yaml"
    bad.write_text(MINIMAL + "activities:\n  - id: a\n    name: A\n    retention: {period: 12 mnd}\n")
    result = run_cli("validate", str(bad))
    assert result.returncode == 2
    assert f'{bad}:6 activities[0].retention.period: "12 mnd" is not a duration; write P12M' in result.stderr
    assert "Traceback" not in result.stderr


def test_schema_command_prints_json_schema():
    result = run_cli("schema")
    assert result.returncode == 0
    assert '"controller"' in result.stdout
