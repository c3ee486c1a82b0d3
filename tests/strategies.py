"""Hypothesis strategies for registers, derived from the pydantic schema itself,
so a field added to the schema is covered by the property tests automatically."""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing

from hypothesis import strategies as st
from pydantic import BaseModel

from personvern.core import manifest as m

# Fields that refer to other ids: generated empty, since random ids dangle.
REFERENCE_FIELDS = {"vendor", "responsible_role", "activity", "recipients", "systems"}

# Strings YAML would read as something else unless the writer quotes or escapes them.
TRICKY = ["yes", "NO", "off", "null", "~", "0x1F", "1e3", ".inf", "2021-01-01", "- a", "a: b", "#x", "a #b", "@x", "*x",
          "&x", "!x", "%x", "? x", "{a}", "[a]", "|", ">", "'q'", '"q"', "<<", "to\nlinjer", "line\n  indented",
          "end\n\n", "a\tb", "a\x85b", "a\u2028b", "a\r\nb", "\ufeffbom", "æøå ÆØÅ", "§ 13"]
text = st.one_of(
    st.sampled_from(TRICKY),
    # no NUL and no lone surrogates: the input guard refuses them in any file
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=30),
).filter(lambda s: s.strip() != "")
slug = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,15}\Z")
duration = st.builds(
    lambda y, mo, d: "P" + (f"{y}Y" if y else "") + (f"{mo}M" if mo else "") + (f"{d}D" if d or not (y or mo) else ""),
    st.integers(0, 20), st.integers(0, 24), st.integers(0, 400),
)
orgnr = st.sampled_from(["910380133", "917884757", "974761467"])
country = st.sampled_from(["NO", "SE", "DK", "US", "GB", "DE", "IE", "BG"])
email = st.from_regex(r"\A[a-z]{1,8}@[a-z]{1,8}\.(no|com)\Z")
url = st.from_regex(r"\Ahttps://[a-z]{1,10}\.(no|com)(/[a-z]{0,8})?\Z")
host = st.from_regex(r"\A(https://)?[a-zæøå0-9]{1,10}\.(no|com)/?\Z")
# One line (text that can reach a header): the tricky strings without control characters.
line = text.filter(lambda s: m.control_problem(s) is None)


def _validator_funcs(meta) -> set:
    return {getattr(x, "func", None) for x in meta}


def for_type(tp, meta=(), name: str = ""):
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(tp)
        return for_type(base, tuple(meta) + tuple(extra), name)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        return st.one_of(*[st.none() if a is type(None) else for_type(a, meta, name) for a in args])
    if origin is list:
        (item,) = typing.get_args(tp)
        if name in REFERENCE_FIELDS:
            return st.just([])
        if isinstance(item, type) and issubclass(item, BaseModel) and "id" in item.model_fields:
            return st.lists(for_model(item), max_size=3, unique_by=lambda d: d["id"])
        if isinstance(item, type) and issubclass(item, enum.Enum):
            return st.lists(st.sampled_from(list(item)).map(lambda e: e.value), max_size=3, unique=True)
        return st.lists(for_type(item, (), name), max_size=3)
    if origin is typing.Literal:
        return st.sampled_from(typing.get_args(tp))
    funcs = _validator_funcs(meta)
    if tp is str:
        if name in REFERENCE_FIELDS:
            return st.none()
        if m._check_slug in funcs:
            return slug
        if m._check_duration in funcs:
            return duration
        if m._check_orgnr in funcs:
            return orgnr
        if m._check_country in funcs:
            return country
        if funcs & {m._check_table_name, m._check_column_name}:
            return name_in_db
        if m._check_timestamp_column in funcs:
            return st.one_of(name_in_db, st.builds(lambda t, c: f"{t}.{c}", name_in_db, name_in_db))
        if m._check_web_url in funcs or name == "url":
            return url
        if m._check_alias in funcs:
            return host
        if m._check_line in funcs:
            return line
        if any("@" in str(getattr(x, "pattern", "") or "") for x in _flatten(meta)):
            return email
        return text
    if tp is bool:
        return st.booleans()
    if tp is float:
        return st.floats(allow_nan=False, allow_infinity=False)
    if tp is int:
        lo = next((x.ge for x in meta if hasattr(x, "ge")), 1)
        hi = next((x.le for x in meta if hasattr(x, "le")), 1000)
        return st.integers(lo, hi)
    if tp is dt.date:
        return st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)).map(dt.date.isoformat)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp)).map(lambda e: e.value)
    if tp is m.Text:
        return st.one_of(text, st.fixed_dictionaries({"nb": text, "en": text}))
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return for_model(tp)
    raise NotImplementedError(f"no strategy for {tp!r} ({name})")


def _flatten(meta):
    for x in meta:
        yield x
        yield from getattr(x, "metadata", ())


def for_model(model: type[BaseModel]):
    if model is m.RuleCondition:
        return rule_condition
    required, optional = {}, {}
    for name, field in model.model_fields.items():
        strategy = for_type(field.annotation, field.metadata, name)
        if name == "period" and model is m.Retention:
            required[name] = duration  # a retention needs some content
        elif field.is_required():
            required[name] = strategy
        else:
            optional[name] = strategy
    return st.fixed_dictionaries(required, optional=optional)


name_in_db = st.from_regex(r"\A[A-Za-z_æøå][A-Za-z0-9_æøå]{0,20}\Z")
scalar = st.one_of(st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False), text)
# A condition's value fits its operator: none, one value, or a list.
rule_condition = st.one_of(
    st.fixed_dictionaries({"column": name_in_db, "op": st.sampled_from(m.NO_VALUE_OPS).map(str)}),
    st.fixed_dictionaries({"column": name_in_db, "op": st.sampled_from(m.LIST_OPS).map(str), "value": st.lists(scalar, min_size=1, max_size=3)}),
    st.fixed_dictionaries({"column": name_in_db, "op": st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), "value": scalar}),
)
registers = for_model(m.Register)
