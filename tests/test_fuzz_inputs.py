"""Fuzzing the parsers that take text from outside (hypothesis, bounded): the register
loader, the dataset-map loader and the JSON guard. Whatever
the text, the answer is the value or the parser's own located error: never another
exception or a crash (the consent API's own fuzz test: tests/consent/test_api_input.py)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personvern.connectors.datamap import load_datamap
from personvern.connectors.engine import ConnectorError
from personvern.core import inputs
from personvern.core.manifest import RegisterError, loads_register_bytes

# Pieces that have broken parsers: nesting, anchors and aliases, escapes that make NUL or
# surrogates, long numbers, tabs, tags, block scalars, and real register/map keys.
PIECES = ["[", "]", "{", "}", ":", ", ", "- ", "\n", "  ", "&a ", "*a", "&b [*a, *a, *a]", '"', "'", "\\ud800",
          "\\udc00", "\\u0000", "\\0", "\x00", "\ud800", "9" * 60, "1e999", "NaN", "true", "null", "~", "\t", "? ",
          "|\n", ">\n", "#", "!!python/object:os.system ", "!!binary ", "<<: *a\n", "controller:", "legal_name: A",
          "tables:", "columns:", "category: x", "erasure: set_null", "\ufeff", "\r\n", "\x85", "\u2028", "é"]
hostile_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=60).map("".join)
# Python's recursion limit is 1,000: depths around it matter most.
depth = st.one_of(st.integers(20, 200), st.integers(900, 1100), st.integers(1100, 3000))
deep_text = st.builds(lambda n, open_, close: open_ * n + close * n, depth,
                      st.sampled_from(["[", "{a: ", "- ", "[{", "{\"a\": "]), st.sampled_from(["]", "}", "", "}]"]))
hostile_bytes = st.one_of(hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=200))

FAST = settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@FAST
@given(st.one_of(hostile_bytes, deep_text.map(str.encode)))
def test_the_register_loader_answers_a_register_or_a_located_error(raw):
    try:
        loads_register_bytes(raw, "fuzz.yaml")
    except RegisterError as exc:
        assert all(p.file == "fuzz.yaml" and p.message for p in exc.problems)


@FAST
@given(st.one_of(hostile_text, deep_text))
def test_the_dataset_map_loader_answers_a_map_or_a_connector_error(text):
    try:
        load_datamap(text)
    except ConnectorError as exc:
        assert str(exc)


hostile_strings = st.sampled_from(["\ud800", "\x00", "a\udfffb", "\udc00\ud800", "x" * 3000])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(st.characters(codec="utf-8", exclude_categories=()))
    | hostile_strings,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30,
)


def dump(value) -> bytes:
    return json.dumps(value).encode()  # ASCII, with \\uXXXX escapes for surrogates and NUL


@FAST
@given(st.one_of(hostile_bytes, deep_text.map(str.encode), json_values.map(dump)))
def test_the_json_guard_answers_a_value_or_an_input_error(raw):
    try:
        inputs.loads_json(raw)
    except inputs.InputError as exc:
        assert exc.message
