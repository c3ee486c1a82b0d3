"""One guard for text from outside (the public, organisation staff, uploaded files), run
before any parser sees it: JSON request bodies, YAML registers and dataset maps, rows files.

Refused, with the line, column and field where it was found:
- text larger than the caller's limit, or not UTF-8;
- NUL characters and lone surrogates (a database cannot store them, so they would fail
  later, far from the input), also when written as escapes (`"\\u0000"`, `"\\ud800"`);
- nesting deeper than `max_depth`: the parsers are recursive (CPython's json, PyYAML's
  composer, libyaml's C binding, which has no recursion check at all and crashes the
  process), so depth is counted first, by a linear scan for JSON and from YAML's event
  stream (a state machine, not recursive) for YAML;
- integers longer than `max_number_length` digits (CPython refuses more than 4,300 digits
  with an error nobody expects, and no field needs more than a few dozen);
- YAML anchors and aliases that expand past `max_values` values, or an alias inside its
  own anchor (which repeats forever).

Pure Python, no Django: the Django shell passes the operator's limits from settings."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml


MAX_DEPTH_CEILING = 100


@dataclass(frozen=True)
class Limits:
    max_depth: int = 32  # nested collections; real registers and maps stay under 10
    max_number_length: int = 40  # characters of one number
    max_values: int = 200_000  # values of a YAML document after its aliases are expanded
    register_bytes: int = 1024 * 1024  # an uploaded register (YAML)
    datamap_bytes: int = 512 * 1024  # a dataset map (YAML)
    rows_bytes: int = 5 * 1024 * 1024  # a rows file (CSV or JSON) added to a rights request

    def __post_init__(self):
        # The parsers after the guard recurse once or twice per level: past ~100 levels a
        # deep enough document could again exhaust the stack (libyaml's C binding crashes).
        if not 1 <= self.max_depth <= MAX_DEPTH_CEILING:
            raise ValueError(f"max_depth must be between 1 and {MAX_DEPTH_CEILING}, not {self.max_depth}")


DEFAULT_LIMITS = Limits()


class InputError(ValueError):
    """What is wrong with the input, and where: 1-based line and column, and the field
    (`activities[2].name`) when it is known."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None, path: str = ""):
        self.message, self.line, self.column, self.path = message, line, column, path
        super().__init__(str(self))

    def where(self) -> str:
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column is not None else ""))
        if self.path:
            parts.append(self.path)
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


def format_path(loc: tuple | list) -> str:
    """('activities', 2, 'name') -> 'activities[2].name'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def _line_column(text: str, pos: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, pos) + 1
    return text.count("\n", 0, pos) + 1, pos - line_start + 1


_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")


def _bad_char_message(char: str) -> str:
    if char == "\x00":
        return "contains a NUL character (\\u0000); remove it"
    return f"contains a lone surrogate (\\u{ord(char):04x}), which is not a character; remove it"


def check_text(raw: str | bytes, max_bytes: int | None = None) -> str:
    """The text, when it is UTF-8 (for bytes), within `max_bytes`, and free of NUL and lone surrogates."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if max_bytes is not None and size > max_bytes:
        raise InputError(f"too large: {size:,} bytes, the limit is {max_bytes:,}")
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            byte = raw[exc.start : exc.start + 1].hex()
            raise InputError(f"not UTF-8 text (byte 0x{byte}); save the file as UTF-8", line=line) from None
    else:
        text = raw.removeprefix("\ufeff")
    bad = _BAD_CHAR.search(text)
    if bad:
        line, column = _line_column(text, bad.start())
        raise InputError(_bad_char_message(bad.group()), line=line, column=column)
    return text


def check_strings(value: Any, path: tuple = ()) -> None:
    """NUL and lone surrogates in the strings (keys too) of parsed data, where escapes put them.
    Iterative: the data may be as deep as the limit allows, and that is no business of the stack."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            bad = _BAD_CHAR.search(item)
            if bad:
                raise InputError(_bad_char_message(bad.group()), path=format_path(where))
        elif isinstance(item, dict):
            for key, sub in item.items():
                if isinstance(key, str) and _BAD_CHAR.search(key):
                    raise InputError("a key " + _bad_char_message(_BAD_CHAR.search(key).group()), path=format_path(where))
                stack.append((sub, (*where, key)))
        elif isinstance(item, list):
            stack.extend((sub, (*where, i)) for i, sub in enumerate(item))


# ---------------------------------------------------------------------- JSON

# Strings whole (so brackets inside them do not count), brackets, and numbers.
# An unclosed string runs to the end, so that no later quote starts another scan (quadratic).
_JSON_STRING_PATTERN = r'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\Z)'
_JSON_TOKEN = re.compile(_JSON_STRING_PATTERN + r"|[\[\]{}]|-?[0-9][0-9.eE+-]*", re.S)
_JSON_STRING = re.compile(_JSON_STRING_PATTERN, re.S)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


@cache
def _digit_run(max_number_length: int) -> re.Pattern:
    """A JSON number has at most four characters that are not digits (-.e+) and three runs of
    digits, so one longer than the limit holds a run of a third of the rest: a cheap sign."""
    return re.compile("[0-9]{%d}" % max(1, -(-(max_number_length - 3) // 3)))
# The only escapes that make a NUL or a surrogate; a match only means "look closer".
_JSON_RISKY_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def check_json_text(text: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Depth and number length of JSON text, by linear scans (nothing recursive). A quick
    pass with the strings blanked out; only when it finds a problem, the exact pass that
    says where."""
    few_brackets = text.count("[") + text.count("{") <= limits.max_depth
    if few_brackets and not _digit_run(limits.max_number_length).search(text):
        return  # most bodies: nothing can be too deep or too long
    bare = _JSON_STRING.sub('""', text)
    too_long = re.search(f"[0-9.eE+-]{{{limits.max_number_length + 1}}}", bare)
    if too_long or _deeper_than(bare, limits.max_depth):
        _locate_json_problem(text, limits)


def _deeper_than(text: str, limit: int) -> bool:
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for bracket in _JSON_BRACKET.finditer(text):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > limit:
            return True
    return False


def _locate_json_problem(text: str, limits: Limits) -> None:
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        first = token.group()[0]
        if first in "[{":
            depth += 1
            if depth > limits.max_depth:
                line, column = _line_column(text, token.start())
                raise InputError(f"nested deeper than {limits.max_depth} levels", line=line, column=column)
        elif first in "]}":
            depth -= 1
        elif first != '"' and len(token.group()) > limits.max_number_length:
            line, column = _line_column(text, token.start())
            raise InputError(f"a number longer than {limits.max_number_length} characters", line=line, column=column)


def _no_constant(name: str):
    raise InputError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)  # made once: json.loads with options makes one a call


def loads_json(raw: str | bytes, limits: Limits = DEFAULT_LIMITS, max_bytes: int | None = None) -> Any:
    """Parse JSON from outside; InputError (a ValueError) says what is wrong and where."""
    text = check_text(raw, max_bytes)
    check_json_text(text, limits)
    try:
        data = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    if _JSON_RISKY_ESCAPE.search(text):
        check_strings(data)
    return data


# ---------------------------------------------------------------------- YAML

_RESOLVER = yaml.resolver.Resolver()
_INT_TAG = "tag:yaml.org,2002:int"
_EVENT_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # both produce events without recursion


class _Frame:
    """A mapping or sequence being read: where its values are, for messages."""

    __slots__ = ("is_mapping", "key", "index", "expect_key", "anchor", "start_total")

    def __init__(self, is_mapping: bool, anchor: str | None, start_total: int):
        self.is_mapping, self.anchor, self.start_total = is_mapping, anchor, start_total
        self.key: Any = None
        self.index = 0
        self.expect_key = is_mapping

    def part(self):
        return self.key if self.is_mapping else self.index


def check_yaml(text: str, limits: Limits = DEFAULT_LIMITS, max_bytes: int | None = None) -> None:
    """Refuse YAML that is too deep, has an over-long integer, NUL or a lone surrogate in a
    scalar (escapes included), or aliases that expand past `limits.max_values` or into their
    own anchor. Reads the event stream once; a syntax error is left to the real parser,
    which places it better."""
    check_text(text, max_bytes)
    try:
        _check_events(_EVENT_PARSER(text), limits)
    except yaml.YAMLError:
        # libyaml refuses some text PyYAML reads (a "\ud800" escape): check what PyYAML would read
        try:
            _check_events(yaml.SafeLoader(text), limits)
        except yaml.YAMLError:
            return  # not valid YAML: the loader says where


def _check_events(parser, limits: Limits) -> None:
    stack: list[_Frame] = []
    sizes: dict[str, int] = {}  # anchor -> values it expands to; absent while it is open
    open_anchors: set[str] = set()
    total = 0

    def path() -> str:
        return format_path([f.part() for f in stack])

    def fail(message: str, event) -> None:
        mark = event.start_mark
        raise InputError(message, line=mark.line + 1, column=mark.column + 1, path=path())

    def node_done() -> None:
        if stack:
            parent = stack[-1]
            if parent.is_mapping:
                parent.expect_key = not parent.expect_key
            else:
                parent.index += 1

    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                total += 1
                if len(stack) >= limits.max_depth:
                    fail(f"nested deeper than {limits.max_depth} levels", event)
                if event.anchor:
                    open_anchors.add(event.anchor)
                    sizes.pop(event.anchor, None)
                stack.append(_Frame(isinstance(event, yaml.MappingStartEvent), event.anchor, total))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                if frame.anchor:
                    open_anchors.discard(frame.anchor)
                    sizes[frame.anchor] = total - frame.start_total + 1
                node_done()
            elif isinstance(event, yaml.ScalarEvent):
                total += 1
                value = event.value
                if stack and stack[-1].is_mapping and stack[-1].expect_key:
                    stack[-1].key = value
                bad = _BAD_CHAR.search(value)
                if bad:
                    fail(_bad_char_message(bad.group()), event)
                if (event.implicit[0] and len(value) > limits.max_number_length
                        and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _INT_TAG):
                    fail(f"a number longer than {limits.max_number_length} characters", event)
                if event.anchor:
                    sizes[event.anchor] = 1
                node_done()
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor in open_anchors:
                    fail("an alias (*) inside its own anchor (&) repeats forever; write the value out", event)
                total += sizes.get(event.anchor, 1)
                node_done()
            if total > limits.max_values:
                fail(f"anchors and aliases (& and *) expand the document past {limits.max_values} values", event)
    finally:
        parser.dispose()
