"""Mechanical fixes: the linter's findings whose remedy needs no decision by the organisation
(a repealed citation replaced by the provision in force, Datatilsynet's old address, "30 days"
for the one-month rule) carry edits, and this module applies them.

An edit is a place in the register (the same path a finding has) and its new value. Fixes are
never applied silently: `personvern fix` prints them as a diff of the file (and writes them only
when asked), the notice page shows them as one change a person saves as a new register version.

Applied to a YAML file, an edit replaces only the characters of the value it changes, so the
file's comments, order and layout stay as they were."""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable

import yaml

from .manifest import Register, RegisterError, Text, _NoDatesLoader, register_to_data, validate_data

REMOVE = object()  # the value of an edit that deletes the field (the notice then uses its default)


@dataclass(frozen=True)
class Edit:
    loc: tuple
    value: Any  # a string, a {"nb", "en"} text, or REMOVE
    # substitute(text, lang) when the edit rewrites part of a text: applied to a file, it rewrites the
    # characters as written (line breaks of a folded text kept), so the diff shows only what changed.
    substitute: Callable[[str, str], str] | None = field(default=None, compare=False)


# --------------------------------------------------------------------------
# Making edits (used by the rules)
# --------------------------------------------------------------------------


def value_at(reg: Register, loc: tuple) -> Any:
    obj: Any = reg
    for part in loc:
        obj = obj[part] if isinstance(part, int) else getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def text_edit(reg: Register, loc: tuple, substitute: Callable[[str, str], str]) -> tuple[Edit, ...]:
    """The edit that rewrites the text at `loc` with substitute(text, lang); () when nothing changes.
    A plain string field (a law string) is read as bokmål."""
    value = value_at(reg, loc)
    if isinstance(value, Text):
        nb = substitute(value.nb, "nb")
        en = substitute(value.en, "en") if value.en else None
        if nb == value.nb and en == value.en:
            return ()
        return (Edit(loc, nb if en is None else {"nb": nb, "en": en}, substitute),)
    if isinstance(value, str):
        new = substitute(value, "nb")
        return (Edit(loc, new, substitute),) if new != value else ()
    return ()


def regex_substitute(pattern: re.Pattern, replacement: Callable[[re.Match, str], str]) -> Callable[[str, str], str]:
    """substitute(text, lang) replacing every match of `pattern` by replacement(match, lang)."""
    return lambda text, lang: pattern.sub(lambda m: replacement(m, lang), text)


# --------------------------------------------------------------------------
# Applying edits
# --------------------------------------------------------------------------


def fixes(findings) -> list[Edit]:
    """The edits of the findings that carry a fix, each place once (the first finding's edit wins)."""
    out: dict[tuple, Edit] = {}
    for finding in findings:
        for edit in finding.fix:
            out.setdefault(edit.loc, edit)
    return list(out.values())


def apply(reg: Register, edits: list[Edit]) -> Register:
    """A new register with the edits applied (validated as any register is). Edits name places in `reg`:
    list items an edit removes go after all edits are placed, so no other edit's index moves."""
    data = register_to_data(reg)
    for edit in edits:
        parent = data
        for part in edit.loc[:-1]:
            parent = parent[part]
        if edit.value is REMOVE and isinstance(parent, list):
            parent[edit.loc[-1]] = _GONE
        elif edit.value is REMOVE:
            parent.pop(edit.loc[-1], None)
        else:
            parent[edit.loc[-1]] = edit.value
    return validate_data(_without_gone(data), "<fixed register>")


_GONE = object()


def _without_gone(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_gone(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_without_gone(v) for v in data if v is not _GONE]
    return data


def fix_register(reg: Register, lang: str = "nb") -> tuple[Register, list]:
    """(fixed register, the findings whose fixes were applied). Runs the linter until no mechanical fix
    is left (a fix can make another text visible to a rule), at most three rounds."""
    from .rules import lint

    applied = []
    for _ in range(3):
        found = [f for f in lint(reg, lang) if f.fix]
        if not found:
            break
        reg = apply(reg, fixes(found))
        applied += found
    return reg, applied


SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9«\"(])")


def published(reg: Register, findings) -> tuple[Register, list]:
    """(the register as a published notice may print it, the findings whose text was left out). From a text the
    linter found to say something wrong today (repealed law, an old address, an invalid transfer mechanism, a
    statement the register contradicts), the sentences that say it are left out; a text left empty goes, where
    the register can do without it. A required text stays as it is, and its finding stays open."""
    from .rules.checks.texts import WRONG_SENTENCES

    patterns: dict[tuple, list] = {}
    by_loc: dict[tuple, list] = {}
    for finding in findings:
        pattern = WRONG_SENTENCES.get(finding.rule_id)
        loc = tuple(getattr(finding, "loc", None) or ())
        if pattern is not None and loc:
            patterns.setdefault(loc, []).append(pattern.pattern)
            by_loc.setdefault(loc, []).append(finding)
    edits, left = [], []
    for loc, alternatives in patterns.items():
        value = value_at(reg, loc)
        if isinstance(value, (Text, str)):
            wrong = re.compile("|".join(f"(?:{p})" for p in alternatives), re.I)
            found = tuple(_emptied(e) for e in text_edit(reg, loc, lambda text, lang: " ".join(
                s for s in SENTENCE_END.split(text) if not wrong.search(s))))
        elif loc == ("rights", "complaint_address"):  # an old address: the notice's current one instead
            found = (Edit(loc, REMOVE),)
        else:
            continue
        if found and all(_removable(reg, e) for e in found):
            edits += found
            left += by_loc[loc]
    return (apply(reg, edits) if edits else reg), left


def _removable(reg: Register, edit: Edit) -> bool:
    """Whether the register can do without the value an edit removes (an item of a list, an optional field)."""
    if edit.value is not REMOVE:
        return True
    *path, last = edit.loc
    parent = value_at(reg, tuple(path)) if path else reg
    if isinstance(last, int):
        return isinstance(parent, list)
    fields = type(parent).model_fields if hasattr(type(parent), "model_fields") else {}
    return last in fields and not fields[last].is_required()


def _emptied(edit: Edit) -> Edit:
    """An edit that leaves a text empty removes it; an English version left empty goes alone."""
    value = edit.value
    if isinstance(value, dict):
        if not value["nb"].strip():
            return Edit(edit.loc, REMOVE)
        if value.get("en") is not None and not value["en"].strip():
            return Edit(edit.loc, value["nb"])
    elif isinstance(value, str) and not value.strip():
        return Edit(edit.loc, REMOVE)
    return edit


def apply_to_yaml(text: str, edits: list[Edit]) -> str:
    """The YAML text with the edits applied to the characters of the values they change. A text edit
    rewrites the value as written; where that does not read back as the edit's value (a quirk of the
    original's layout), the value is written anew."""
    for edit in edits:
        if edit.substitute is not None:
            candidate = _rewrite(text, [edit], in_place=True)
            try:
                if _data_at(yaml.load(candidate, Loader=_NoDatesLoader), edit.loc) == _plain(edit.value):
                    text = candidate
                    continue
            except yaml.YAMLError:
                pass
        text = _rewrite(text, [edit], in_place=False)
    return text


def _rewrite(text: str, edits: list[Edit], in_place: bool) -> str:
    root = yaml.compose(text, Loader=_NoDatesLoader)
    spans: list[tuple[int, int, str]] = []
    for edit in edits:
        spans += _spans(text, root, edit, in_place)
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _data_at(data: Any, loc: tuple) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _plain(value: Any) -> Any:
    """An edit's value as YAML reads it back (a text without English is a plain string)."""
    if isinstance(value, dict) and value.get("en") is None:
        return value["nb"]
    return value


def _find(root: yaml.Node, loc: tuple) -> tuple[yaml.Node | None, yaml.Node | None]:
    """(key node, value node) at loc; the key is None for a list item."""
    node, key = root, None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                return None, None
            key, node = pair
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            key, node = None, node.value[part]
        else:
            return None, None
    return key, node


def _spans(text: str, root: yaml.Node, edit: Edit, in_place: bool, lang: str = "nb") -> list[tuple[int, int, str]]:
    key, node = _find(root, edit.loc)
    if node is None:
        raise ValueError(f"{edit.loc} is not in the file")
    if edit.value is REMOVE:
        return [(text.rfind("\n", 0, key.start_mark.index) + 1, _end_of_value(text, node), "")]
    if isinstance(edit.value, dict) and isinstance(node, yaml.MappingNode):
        return [span for lang, value in edit.value.items() if value is not None
                for span in _spans(text, root, Edit(edit.loc + (lang,), value, edit.substitute), in_place, lang)]
    if isinstance(edit.value, dict):  # a plain string that now needs both languages
        value = "{" + ", ".join(f"{k}: {_inline(v)}" for k, v in edit.value.items() if v is not None) + "}"
        return [(node.start_mark.index, node.end_mark.index, value)]
    start, end = node.start_mark.index, node.end_mark.index
    if in_place and edit.substitute is not None:
        new = edit.substitute(text[start:end], lang)
        return [(start, end, _rewrap(new) if node.style == ">" else new)]
    if node.style in (">", "|"):
        return [(start, end, _block(text, node, edit.value))]
    return [(start, end, _inline(edit.value))]


def _rewrap(block: str, width: int = 110) -> str:
    """A folded block whose edited line grew too long: the overflow runs into the next lines (a folded
    line break reads as a space), so only the lines that must change do."""
    out: list[str] = []
    carry = ""
    for line in block.split("\n"):
        indent = line[: len(line) - len(line.lstrip(" "))]
        if carry:
            if line.strip():
                line = f"{indent}{carry} {line.strip()}"
            else:
                out.append(f"{last_indent}{carry}")
            carry = ""
        if len(line) > width and line.strip():
            wrapped = textwrap.wrap(line.strip(), width=width, initial_indent=indent, subsequent_indent=indent,
                                    break_long_words=False, break_on_hyphens=False)
            out += wrapped[:-1]
            carry, last_indent = wrapped[-1].strip(), indent
        else:
            out.append(line)
    if carry:
        out.append(f"{last_indent}{carry}")
    return "\n".join(out)


def _end_of_value(text: str, node: yaml.Node) -> int:
    """Where the lines of a value end: a block collection ends where the next key's line starts, a
    scalar or flow value at the end of its own line."""
    end = node.end_mark.index
    line_start = text.rfind("\n", 0, end) + 1
    if not text[line_start:end].strip():
        return line_start
    line_end = text.find("\n", end)
    return len(text) if line_end < 0 else line_end + 1


PLAIN_SAFE = re.compile(r"[A-Za-z0-9ÆØÅæøå][^:#,\[\]{}\n\"']*")


def _inline(value: str) -> str:
    """A scalar that reads back as the same string in block and flow context."""
    if PLAIN_SAFE.fullmatch(value) and not value.endswith(" ") and yaml.safe_load(value) == value:
        return value
    return json.dumps(value, ensure_ascii=False)


def _block(text: str, node: yaml.ScalarNode, value: str) -> str:
    """A block scalar with the original's indicator and indentation, wrapped at 110 columns."""
    header_end = text.index("\n", node.start_mark.index)
    header = text[node.start_mark.index:header_end]
    first = text[header_end + 1:node.end_mark.index]
    indent = " " * (len(first) - len(first.lstrip(" ")))
    if node.style == "|":
        lines = value.split("\n")
    else:
        lines = textwrap.wrap(value, width=110 - len(indent), break_long_words=False, break_on_hyphens=False)
    body = "\n".join(indent + line if line else "" for line in lines)
    # the node ends where the next token starts: keep the blank lines the original had before it
    original = text[node.start_mark.index:node.end_mark.index]
    tail = original[len(original.rstrip()):]
    return f"{header}\n{body.rstrip()}{tail}"
