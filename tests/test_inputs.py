"""personvern.core.inputs, the one guard for text from outside: each refusal says what and
where, nothing it checks recurses, and what is fine passes unchanged."""

from __future__ import annotations

import json
import time

import pytest

from personvern.core.inputs import Limits, InputError, check_text, check_yaml, loads_json


def refusal(call, *args, **kw) -> InputError:
    with pytest.raises(InputError) as info:
        call(*args, **kw)
    return info.value


def test_json_deeper_than_the_limit_is_refused_at_its_bracket():
    exc = refusal(loads_json, '{"a": ' + "[" * 40 + "]" * 40 + "}", Limits(max_depth=8))
    assert (exc.line, exc.column, exc.message) == (1, 14, "nested deeper than 8 levels")


def test_brackets_inside_strings_do_not_count():
    assert loads_json(json.dumps({"a": "[" * 5000})) == {"a": "[" * 5000}


def test_escapes_are_checked_after_parsing_and_a_surrogate_pair_is_fine():
    assert refusal(loads_json, '{"a": [1, "x\\u0000"]}').path == "a[1]"
    assert "lone surrogate" in refusal(loads_json, '{"a": "\\ud800"}').message
    assert loads_json('{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}


def test_a_string_left_open_is_one_linear_scan_not_one_per_quote():
    started = time.monotonic()
    assert "not valid JSON" in refusal(loads_json, '"' + '\\"' * 500_000).message
    assert time.monotonic() - started < 2


def test_size_and_encoding_come_first():
    assert "too large" in refusal(check_text, b"x" * 11, 10).message
    exc = refusal(check_text, b"ok\n\xff")
    assert exc.line == 2 and "byte 0xff" in exc.message


def test_yaml_nesting_in_blocks_and_flows_is_counted_from_events():
    block = "".join("  " * i + f"k{i}:\n" for i in range(12)) + "  " * 12 + "v\n"
    exc = refusal(check_yaml, block, Limits(max_depth=10))
    assert exc.line == 11 and exc.path == "k0.k1.k2.k3.k4.k5.k6.k7.k8.k9"
    assert refusal(check_yaml, "a: " + "[" * 100_000, Limits(max_depth=10)).column == 13


def test_yaml_integers_beyond_the_limit_but_not_long_text():
    assert "number longer" in refusal(check_yaml, "a: " + "1" * 41).message
    check_yaml("a: " + "x" * 5000 + "\nb: '" + "1" * 5000 + "'\n")


def test_yaml_alias_bombs_and_self_reference():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{k}: &{k} [{', '.join(['*' + p] * 10)}]\n" for p, k in zip("abcd", "bcde"))
    assert "expand the document past 1000 values" in refusal(check_yaml, bomb, Limits(max_values=1000)).message
    assert "inside its own anchor" in refusal(check_yaml, "a: &x {b: *x}").message
    check_yaml("a: &x {b: 1}\nc: *x\n")


def test_the_depth_limit_has_a_ceiling():
    with pytest.raises(ValueError, match="between 1 and 100"):
        Limits(max_depth=10_000)
