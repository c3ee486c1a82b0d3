import re
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
    rule = schema["$defs"]["EnforcementRule"]["properties"]
    assert rule["condition"]["items"] == {"$ref": "#/$defs/RuleCondition"}, "conditions, not SQL text"
    assert re.fullmatch(rule["timestamp"]["pattern"], "orders.ordered_at") and not re.fullmatch(rule["timestamp"]["pattern"], "now() - 1")
    assert schema["$defs"]["ConditionOp"]["enum"] == ["=", "!=", "<", "<=", ">", ">=", "in", "not_in", "is_null", "is_not_null"]


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


# Every kind of broken file: (bytes of the file, the problems expected, each "line path: message").
BROKEN = {
    "yaml-syntax": (b"controller:\n  legal_name: A AS\n  org_number: [1\n", ["4: not valid YAML: expected ',' or ']'"]),
    "tab-indent": (b"controller:\n\tlegal_name: A\n", ["2: not valid YAML: found character '\\t' that cannot start any token; indent with spaces, not tabs"]),
    "wrong-types": (
        b"controller: {legal_name: A AS}\nactivities:\n  - id: a\n    name: A\n    children: maybe\n    data_categories: 5\nroles: x\n",
        ['5 activities[0].children: "maybe" is not yes or no', "6 activities[0].data_categories: Input should be a valid list",
         "7 roles: Input should be a valid list"],
    ),
    "unquoted-no": (b"controller:\n  legal_name: A AS\n  postal_address: {city: Oslo, country: NO}\n",
                    ['3 controller.postal_address.country: YAML read this as false; put the value in quotes']),
    "number-for-text": (b"controller:\n  legal_name: A AS\n  postal_address: {postal_code: 2020}\n",
                        ['3 controller.postal_address.postal_code: YAML read this as the number 2020; put it in quotes ("2020")']),
    "unknown-key": (b"controller:\n  legal_name: A AS\n  emial: a@b.no\nfoo: 1\n",
                    ["3 controller.emial: unknown field", "4 foo: unknown field"]),
    "bad-org-number": (b"controller:\n  legal_name: A AS\n  org_number: 123 456 789\n",
                       ['3 controller.org_number: "123 456 789" is not a valid Norwegian organisation number']),
    "bad-email": (b"controller:\n  legal_name: A AS\n  email: post.alpha.no\n", ['3 controller.email: "post.alpha.no" is not an e-mail address']),
    "bad-durations": (
        b"controller: {legal_name: A AS}\nactivities:\n  - id: x\n    name: X\n    retention: {period: 12 mnd}\n"
        b"cookies:\n  - name: _ga\n    expiry: 2 \xc3\xa5r\n",
        ['5 activities[0].retention.period: "12 mnd" is not a duration; write P12M',
         "8 cookies[0].expiry: \"2 år\" is not a duration; write P2Y (or 'session')"],
    ),
    "bad-date": (b"controller: {legal_name: A AS}\nnotice: {published: 2021-13-45}\n", ["2 notice.published: Input should be a valid date"]),
    "duplicate-ids": (b"controller: {legal_name: A AS}\nroles:\n  - {id: r, name: R}\n  - {id: r, name: S}\n", ['4 roles[1].id: duplicate id "r"']),
    "dangling-references": (
        b"controller: {legal_name: A AS}\nactivities:\n  - id: x\n    name: X\n    responsible_role: nope\n"
        b"    recipients: [ghost]\ncookies:\n  - {name: c, activity: missing}\n",
        ['5 activities[0].responsible_role: no role with id "nope"', '6 activities[0].recipients[0]: no recipient with id "ghost"',
         '8 cookies[0].activity: no activity with id "missing"'],
    ),
    "duplicate-key": (b"controller:\n  legal_name: A\ncontroller:\n  legal_name: B\n",
                      ["3 controller: duplicate key (first written on line 1)"]),
    "recursive-alias": (b"controller: {legal_name: A}\nsecurity: &x [*x]\n", ["2 security[0]: an alias (*) inside its own anchor (&) repeats forever"]),
    "not-utf-8": (b"controller:\n  legal_name: Bl\xe5b\xe6r AS\n", ["2: not UTF-8 text (byte 0xe5); save the file as UTF-8"]),
    "empty": (b"", ["1: the file is empty"]),
    "only-a-comment": (b"# nothing yet\n", ["1: the file is empty"]),
    "a-list": (b"- a\n- b\n", ["1: the document must be a mapping with a `controller` section"]),
    "two-documents": (b"controller: {legal_name: A}\n---\ncontroller: {legal_name: B}\n", ["2: not valid YAML: but found another document"]),
    "no-controller": (b"activities: []\n", ["1 controller: required field is missing"]),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_every_kind_of_broken_file_gets_located_problems(tmp_path, kind):
    from personvern.core.manifest import load_register

    raw, expected = BROKEN[kind]
    path = tmp_path / f"{kind}.yaml"
    path.write_bytes(raw)
    with pytest.raises(RegisterError) as exc:
        load_register(path)
    found = [str(p) for p in exc.value.problems]
    assert len(found) == len(expected), found
    for problem, want in zip(found, expected):
        assert problem.startswith(f"{path}:{want}"), (problem, want)


def test_validate_never_shows_a_traceback_and_exits_2_for_every_kind_of_broken_file(tmp_path):
    paths = []
    for kind, (raw, _) in BROKEN.items():
        paths.append(tmp_path / f"{kind}.yaml")
        paths[-1].write_bytes(raw)
    result = run_cli("validate", *map(str, paths), str(tmp_path / "missing.yaml"), str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr.replace("CommandError:", "")
    for path in paths:
        assert re.search(rf"^{re.escape(str(path))}:\d+[ :]", result.stderr, re.M), f"{path.name} has no located problem"
    assert f"{tmp_path / 'missing.yaml'}: cannot read file: No such file or directory" in result.stderr
    assert f"{len(paths) + 2} of {len(paths) + 2} file(s) invalid" in result.stderr


def test_an_alias_bomb_is_refused_before_it_is_expanded():
    bomb = "controller: {legal_name: A}\na: &a [x, x, x, x, x, x, x, x, x]\n"
    for n in range(1, 12):
        bomb += f"{chr(97 + n)}: &{chr(97 + n)} [" + ", ".join([f"*{chr(96 + n)}"] * 9) + "]\n"
    found = problems(bomb)  # 9**12 values if expanded
    assert len(found) == 1 and "expand the document past 200000 values" in found[0]


def test_an_anchor_used_twice_is_fine():
    reg = loads_register(MINIMAL + "activities:\n  - {id: a, name: A, retention: &keep {period: P1Y}}\n"
                         "  - {id: b, name: B, retention: *keep}\n")
    assert reg.activities[1].retention.period == "P1Y"


RULE = MINIMAL + "activities:\n  - id: faktura\n    name: Faktura\n    retention:\n      period: P5Y\n      enforcement:\n"


def test_a_retention_rule_is_names_and_conditions():
    text = RULE + (
        "        - connection: shop\n          table: invoices\n          timestamp: orders.ordered_at\n          condition:\n"
        "            - {column: status, op: =, value: closed}\n            - {column: kind, op: in, value: [a, b]}\n"
        "            - {column: paid_at, op: is_not_null}\n"
    )
    rule = loads_register(text).activities[0].retention.enforcement[0]
    assert [(c.column, c.op, c.value) for c in rule.condition] == [("status", "=", "closed"), ("kind", "in", ["a", "b"]), ("paid_at", "is_not_null", None)]
    assert loads_register(dump_register(loads_register(text))) == loads_register(text)


@pytest.mark.parametrize(
    "field, written, message",
    [
        ("table", "invoices; DROP TABLE invoices", '"invoices; DROP TABLE invoices" is not a table name'),
        ("table", "`invoices`", '"`invoices`" is not a table name'),
        ("timestamp", "issued_at) OR (1=1", '"issued_at) OR (1=1" is not a column name'),
        ("timestamp", "COALESCE(closed_at, created_at)", "or parent_table.column through a foreign key"),
        ("timestamp", "іssued_at", '"іssued_at" is not a column name'),  # Cyrillic і
        ("timestamp", "issued_at -- x", "is not a column name"),
    ],
)
def test_sql_in_a_rules_table_or_timestamp_is_refused_where_it_is_written(field, written, message):
    values = {"table": "invoices", "timestamp": "issued_at"} | {field: written}
    text = RULE + f"        - connection: shop\n          table: '{values['table']}'\n          timestamp: '{values['timestamp']}'\n"
    (found,) = problems(text)
    line = 10 if field == "table" else 11
    assert found.startswith(f"alpha.yaml:{line} activities[0].retention.enforcement[0].{field}: ") and message in found, found


@pytest.mark.parametrize(
    "condition, where, message",
    [
        ("[{column: \"1=1) OR (1=1\", op: =, value: x}]", "condition[0].column", "is not a column name"),
        ("[{column: status, op: \"= 'x' OR 1=1\", value: x}]", "condition[0].op", "Input should be '=', '!=', '<'"),
        ("[{column: status, op: LIKE, value: x}]", "condition[0].op", "'is_null' or 'is_not_null'"),
        ("[{column: status, op: =}]", "condition[0].value", "= needs one value"),
        ("[{column: status, op: =, value: [a, b]}]", "condition[0].value", "(for several, use in)"),
        ("[{column: status, op: in, value: []}]", "condition[0].value", "in needs a list of 1 to 1000 values"),
        ("[{column: status, op: is_null, value: x}]", "condition[0].value", "is_null takes no value"),
        ('"1=1) OR (1=1"', "condition", 'SQL text ("1=1) OR (1=1") is no longer accepted; write a list of conditions'),
        ("\"status = 'closed' OR 1=1\"", "condition", "is no longer accepted"),
        ("\"status = 'closed'; DELETE FROM invoices\"", "condition", "is no longer accepted"),
        ("\"status = 'closed' -- x\"", "condition", "is no longer accepted"),
    ],
)
def test_a_bad_condition_is_refused_where_it_is_written(condition, where, message):
    text = RULE + f"        - connection: shop\n          table: invoices\n          timestamp: issued_at\n          condition: {condition}\n"
    found = problems(text)
    assert any(p.startswith(f"alpha.yaml:12 activities[0].retention.enforcement[0].{where}: ") and message in p for p in found), found


def test_an_old_registers_simple_sql_condition_is_read_as_the_conditions_it_states():
    old = "\"status = 'closed' AND kind IN ('a', 'b''c') and paid_at IS NOT NULL AND total >= 100\""
    text = RULE + f"        - connection: shop\n          table: invoices\n          timestamp: issued_at\n          condition: {old}\n"
    register = loads_register(text)
    conditions = register.activities[0].retention.enforcement[0].condition
    assert [(c.column, c.op, c.value) for c in conditions] == [
        ("status", "=", "closed"), ("kind", "in", ["a", "b'c"]), ("paid_at", "is_not_null", None), ("total", ">=", 100)
    ]
    assert "- column: status\n" in dump_register(register), "saved again, it is stored in the new form"
