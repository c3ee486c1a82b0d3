"""The linter's machinery: rule registry, metadata from legal-rules.yaml, findings, the lint run.

A rule is one check function registered with `@rule("<legal-rules id>")`. It receives a `Context` and
yields findings made with `ctx.finding(...)`; id, title, citation and status come from the copy of
legal-rules.yaml in this package. The engine caps the severity of `unverified` rules at warning and says so
in the message.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

from ..manifest import Activity, Register, format_path
from .vendors import Catalogue, Match, catalogue

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}

RULES_FILE = Path(__file__).with_name("legal-rules.yaml")

UNVERIFIED_NOTE = {
    "nb": " (Regelen er ikke verifisert mot kilden; kontroller før du legger vekt på den.)",
    "en": " (The rule is not verified against its source; check it before relying on it.)",
}


@cache
def legal_rules() -> dict[str, dict]:
    """The legal rules by id: {'A13-2a': {'id', 'title', 'source', 'check', 'rule', 'status', ...}}."""
    data = yaml.load(RULES_FILE.read_text(encoding="utf-8"), Loader=_Loader)
    return {r["id"]: r for r in data}


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    path: str
    message: str
    citation: str
    hint: str
    status: str
    loc: tuple = field(default=(), compare=False, repr=False)
    fix: tuple = field(default=(), compare=False, repr=False)  # core.fixes.Edit: the remedy, when it is mechanical

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("rule_id", "severity", "path", "message", "citation", "hint", "status")}


Msg = tuple[str, str]  # (nb, en)


@dataclass
class Rule:
    id: str
    check: Callable[["Context"], Iterable[tuple]]
    severity: Severity
    title: str
    citation: Msg  # (nb, en); the legal-rules `source` in both unless the rule gives its own
    status: str
    summary: str  # what the check looks at, in English, for docs/linter.md

    @property
    def max_severity(self) -> Severity:
        return "warning" if self.status == "unverified" and self.severity == "error" else self.severity


RULES: dict[str, Rule] = {}


def rule(rule_id: str, *, severity: Severity = "error", citation: Msg | None = None, summary: str = ""):
    """Register a check for the legal rule `rule_id`; `severity` is its usual (highest) severity."""

    def register(fn):
        meta = legal_rules().get(rule_id)
        if meta is None:
            raise KeyError(f"{rule_id} is not in {RULES_FILE.name}")
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(
            id=rule_id,
            check=fn,
            severity=severity,
            title=meta["title"],
            citation=citation or (meta["source"], meta["source"]),
            status=meta.get("status", "unverified"),
            summary=summary or (fn.__doc__ or "").strip().split("\n")[0],
        )
        return fn

    return register


# --------------------------------------------------------------------------
# What the checks read: the register plus indexes built once per run
# --------------------------------------------------------------------------


@dataclass
class Raw:
    """One finding as a check yields it, before the engine adds the rule's metadata and language."""

    loc: tuple
    message: Msg
    hint: Msg
    severity: Severity | None = None
    fix: tuple = ()


class Context:
    def __init__(self, reg: Register, vendors: Catalogue | None = None):
        self.reg = reg
        self.vendors = vendors or catalogue()
        self.memo: dict = {}  # for checks that share work (e.g. the register's texts)

    def finding(self, loc: tuple, message: Msg, hint: Msg = ("", ""), severity: Severity | None = None,
                fix: tuple = ()) -> Raw:
        return Raw(loc, message, hint, severity, fix)

    # Indexes --------------------------------------------------------------
    @cached_property
    def recipients(self) -> dict:
        return {r.id: r for r in self.reg.recipients}

    @cached_property
    def systems(self) -> dict:
        return {s.id: s for s in self.reg.systems}

    @cached_property
    def cookies_by_activity(self) -> dict[str, list]:
        out = defaultdict(list)
        for c in self.reg.cookies:
            if c.activity:
                out[c.activity].append(c)
        return out

    @cached_property
    def has_contact_route(self) -> bool:
        c, r = self.reg.controller, self.reg.rights
        return bool(r.email or r.form_url or r.postal or c.email or c.phone or c.postal_address or c.visiting_address)

    def activities(self) -> Iterator[tuple[int, Activity]]:
        return enumerate(self.reg.activities)

    def processors(self) -> Iterator[tuple[int, object]]:
        """(index, recipient) for the recipients in the role of processor."""
        return ((i, r) for i, r in enumerate(self.reg.recipients) if r.role.value == "processor")

    def recipient_match(self, rid: str) -> Match | None:
        cache = self.memo.setdefault("recipient_match", {})
        if rid not in cache:
            r = self.recipients.get(rid)
            cache[rid] = self.vendors.for_recipient(r) if r else None
        return cache[rid]

    def activity_vendors(self, a: Activity) -> list[Match]:
        """Catalogue entries behind an activity: its systems (by name, then by their vendor) and recipients."""
        out = []
        for sid in a.systems:
            s = self.systems.get(sid)
            if s is None:
                continue
            m = self.vendors.match(s.name)
            if m is None and s.vendor:
                m = self.recipient_match(s.vendor)
            if m:
                out.append(m)
        for rid in a.recipients:
            m = self.recipient_match(rid)
            if m:
                out.append(m)
        return out


def text_of(value) -> str:
    """A Text or str as one string (both languages)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.nb + ("\n" + value.en if value.en else "")


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------


def lint(register: Register, lang: str = "nb", *, rules: Iterable[str] | None = None,
         vendors: Catalogue | None = None) -> list[Finding]:
    """Run the rules (all, or the ids given) on a register; findings sorted by severity, then path."""
    from . import checks  # noqa: F401  (registers the rules)

    lang = "en" if lang == "en" else "nb"
    i = 1 if lang == "en" else 0
    ctx = Context(register, vendors)
    selected = [RULES[r] for r in rules] if rules is not None else list(RULES.values())
    out: list[Finding] = []
    for r in selected:
        for raw in r.check(ctx):
            sev = raw.severity or r.severity
            message = raw.message[i]
            if r.status == "unverified":
                if sev == "error":
                    sev = "warning"
                message += UNVERIFIED_NOTE[lang]
            out.append(Finding(r.id, sev, format_path(raw.loc), message, r.citation[i], raw.hint[i], r.status,
                               loc=raw.loc, fix=raw.fix))
    out.sort(key=lambda f: (_RANK[f.severity], _loc_key(f.loc), f.rule_id))
    return out


def _loc_key(loc: tuple) -> tuple:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in loc)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def rule_table() -> list[Rule]:
    from . import checks  # noqa: F401

    return list(RULES.values())

