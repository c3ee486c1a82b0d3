"""The register (behandlingsprotokoll, GDPR Art. 30) as one validated document.

This module is the single source of truth for the register's shape. Everything
else (notice, linter, forms, request routing, retention) reads these models.
It has no Django in it.

A register is written as YAML, one file per organisation. `load_register`
returns the model or raises `RegisterError` with every problem located by
file, line and field path; `dump_register` writes it back so that loading the
output gives an equal model.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)
from stdnum.no import orgnr as stdnum_orgnr

from .headers import alias_host, control_problem, host_problem, url_problem
from .inputs import DEFAULT_LIMITS, InputError, Limits, check_text, check_yaml, format_path

SCHEMA_VERSION = 1

# --------------------------------------------------------------------------
# Small value types
# --------------------------------------------------------------------------

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DURATION_RE = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?!$)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)

# Words people write in notices, mapped to ISO 8601 designators, so an error
# can say what to write instead ("12 mnd" -> P12M).
_UNIT_WORDS = {
    "Y": ("år", "aar", "year", "years", "y"),
    "M": ("mnd", "mnd.", "måned", "måneder", "maaned", "month", "months"),
    "W": ("uke", "uker", "week", "weeks", "w"),
    "D": ("dag", "dager", "døgn", "day", "days", "d"),
    "TH": ("time", "timer", "hour", "hours", "h"),
    "TM": ("minutt", "minutter", "min", "minute", "minutes"),
}


def suggest_duration(text: str) -> str | None:
    """'12 mnd' -> 'P12M', '24 timer' -> 'PT24H'; None when no guess."""
    m = re.fullmatch(r"\s*(\d+)\s*([a-zæøå.]+)\s*", text.lower())
    if not m:
        return None
    n, word = m.groups()
    for unit, words in _UNIT_WORDS.items():
        if word in words:
            return f"PT{n}{unit[1]}" if unit.startswith("T") else f"P{n}{unit}"
    return None


def _check_duration(value: str) -> str:
    if not isinstance(value, str) or not DURATION_RE.match(value):
        hint = suggest_duration(str(value))
        msg = f'"{value}" is not a duration'
        msg += f"; write {hint}" if hint else "; write an ISO 8601 duration such as P12M, P7D or P15Y"
        raise ValueError(msg)
    return value


def _check_slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise ValueError(f'"{value}" is not an id; use lower-case letters, digits and hyphens, e.g. "nyhetsbrev"')
    return value


def _check_orgnr(value: str) -> str:
    compact = stdnum_orgnr.compact(str(value))
    if not stdnum_orgnr.is_valid(compact):
        raise ValueError(f'"{value}" is not a valid Norwegian organisation number (9 digits, mod-11 check)')
    return compact


def _check_country(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{2}", value or ""):
        raise ValueError(f'"{value}" is not a country code; use ISO 3166-1 alpha-2 such as NO, SE, US')
    return value


# Text that can reach an HTTP or e-mail header (websites become CORS and CSP origins, the
# legal name an organisation's name in mail subjects) is refused when the register is saved.
# A register stored before these checks still loads inside `stored_register()`, so the pages
# that read it keep working (the code that builds a header leaves such a value out or cleans
# it); saving it again names the field.
_STORED = ContextVar("stored_register", default=False)


@contextmanager
def stored_register() -> Iterator[None]:
    """Load a register version saved earlier: the header checks below let its text through."""
    token = _STORED.set(True)
    try:
        yield
    finally:
        _STORED.reset(token)


def _refuse(value: str, problem: str | None) -> str:
    if problem and not _STORED.get():
        raise ValueError(problem)
    return value


def _check_line(value: str) -> str:
    return _refuse(value, control_problem(value))


def _check_alias(value: str) -> str:
    return _refuse(value, host_problem(alias_host(value)))


def _check_web_url(value: str) -> str:
    return _refuse(value, url_problem(value))


Line = Annotated[str, AfterValidator(_check_line)]
Alias = Annotated[str, AfterValidator(_check_alias)]
WebUrl = Annotated[str, AfterValidator(_check_web_url)]
Duration = Annotated[str, AfterValidator(_check_duration)]
Slug = Annotated[str, AfterValidator(_check_slug)]
OrgNumber = Annotated[str, BeforeValidator(lambda v: str(v)), AfterValidator(_check_orgnr)]
Country = Annotated[str, AfterValidator(_check_country)]
Email = Annotated[str, Field(pattern=r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")]

EEA_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)


def parse_duration(value: str) -> dict[str, int]:
    """'P1Y6M' -> {'years': 1, 'months': 6, ...}; the parts present, as ints."""
    m = DURATION_RE.match(value)
    if not m:
        raise ValueError(_check_duration(value))
    return {k: int(v) for k, v in m.groupdict().items() if v is not None}


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=True)


class Text(Model):
    """Text in Norwegian bokmål with an optional English version.

    In YAML a plain string means bokmål only: `purpose: Sende nyhetsbrev`.
    """

    nb: str = Field(min_length=1)
    en: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_plain(cls, data: Any) -> Any:
        return {"nb": data} if isinstance(data, str) else data

    @model_serializer(mode="wrap")
    def _to_plain(self, handler):
        return self.nb if self.en is None else handler(self)

    def get(self, lang: str) -> str:
        return (self.en or self.nb) if lang == "en" else self.nb

    def __str__(self) -> str:
        return self.nb


InternalNote = Annotated[Text | None, Field(
    description="For the organisation only (where a fact came from, what to check): never printed in the "
                "notice or in a letter")]


# --------------------------------------------------------------------------
# Vocabularies (enums). Their labels in nb/en live in core.vocabulary.
# --------------------------------------------------------------------------


class LegalBasisCode(StrEnum):
    CONSENT = "a"  # Art. 6(1)(a)
    CONTRACT = "b"  # Art. 6(1)(b)
    LEGAL_OBLIGATION = "c"  # Art. 6(1)(c)
    VITAL_INTERESTS = "d"  # Art. 6(1)(d)
    PUBLIC_TASK = "e"  # Art. 6(1)(e)
    LEGITIMATE_INTERESTS = "f"  # Art. 6(1)(f)


class Art9Category(StrEnum):
    RACIAL_ETHNIC = "racial_ethnic_origin"
    POLITICAL = "political_opinions"
    RELIGIOUS = "religious_beliefs"
    TRADE_UNION = "trade_union_membership"
    GENETIC = "genetic"
    BIOMETRIC = "biometric"
    HEALTH = "health"
    SEX_LIFE = "sex_life_orientation"


class Art9Condition(StrEnum):
    A = "9.2.a"
    B = "9.2.b"
    C = "9.2.c"
    D = "9.2.d"
    E = "9.2.e"
    F = "9.2.f"
    G = "9.2.g"
    H = "9.2.h"
    I = "9.2.i"  # noqa: E741
    J = "9.2.j"


class Channel(StrEnum):
    CONTACT_FORM = "contact_form"
    EMAIL = "email"
    PHONE = "phone"
    SMS = "sms"
    SOCIAL_MEDIA = "social_media"
    IN_STORE = "in_store"
    WEBSITE = "website"
    SIGNUP_FORM = "signup_form"
    CHECKOUT = "checkout"
    COOKIES = "cookies"
    CAMERA = "camera"
    POST = "post"
    OTHER = "other"


class ProvisionRequirement(StrEnum):
    STATUTORY = "statutory"
    CONTRACTUAL = "contractual"
    PRE_CONTRACTUAL = "pre_contractual"
    VOLUNTARY = "voluntary"


class RetentionRule(StrEnum):
    UNTIL_CONSENT_WITHDRAWN = "until_consent_withdrawn"
    END_OF_CONTRACT = "end_of_contract"
    END_OF_CUSTOMER_RELATIONSHIP = "end_of_customer_relationship"
    STATUTORY = "statutory"
    AFTER_LAST_CONTACT = "after_last_contact"
    UNTIL_PURPOSE_FULFILLED = "until_purpose_fulfilled"
    AFTER_COLLECTION = "after_collection"


class Deidentification(StrEnum):
    IP_TRUNCATION = "ip_truncation"
    AGGREGATION_ONLY = "aggregation_only"
    PSEUDONYMISATION = "pseudonymisation"
    ANONYMISATION = "anonymisation"
    NO_LINKING = "no_linking"


class RecipientRole(StrEnum):
    PROCESSOR = "processor"
    INDEPENDENT_CONTROLLER = "independent_controller"
    JOINT_CONTROLLER = "joint_controller"
    PUBLIC_AUTHORITY = "public_authority"
    OTHER = "other"


class TransferMechanism(StrEnum):
    ADEQUACY = "adequacy"
    DPF = "dpf"
    SCC_2021_914 = "scc_2021_914"
    BCR = "bcr"
    ART49 = "art49_derogation"
    UNSTATED = "unstated"  # the organisation has not said: what many notices do


class CookieCategory(StrEnum):
    NECESSARY = "necessary"
    FUNCTIONAL = "functional"
    STATISTICS = "statistics"
    MARKETING = "marketing"


# --------------------------------------------------------------------------
# The parts of a register
# --------------------------------------------------------------------------


class Address(Model):
    street: str | None = None
    postbox: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: Country = "NO"


class Website(Model):
    url: WebUrl
    aliases: list[Alias] = Field(default_factory=list, description="Domains that point to this site, e.g. balcoo.no")


class Person(Model):
    title: Text | None = None
    name: str | None = None
    email: Email | None = None
    phone: str | None = None


class Dpo(Model):
    designated: bool = False
    name: str | None = None
    email: Email | None = None
    phone: str | None = None
    compliance_by: Text | None = Field(
        None, description="When no DPO is designated: who ensures the rules are followed"
    )


class Controller(Model):
    legal_name: Line = Field(min_length=1)
    org_number: OrgNumber | None = None
    country: Country = "NO"
    postal_address: Address | None = None
    visiting_address: Address | None = None
    email: Email | None = None
    phone: str | None = None
    websites: list[Website] = Field(default_factory=list)
    manager: Person | None = Field(None, description="Acts as controller on the company's behalf (daglig leder)")
    contact: Person | None = None
    dpo: Dpo = Field(default_factory=Dpo)
    public_authority: bool = False
    notes: Text | None = Field(
        None, description="What the notice says about the controller that no field holds, as written"
    )
    internal_note: InternalNote = None


class NoticeInfo(Model):
    title: Text | None = None
    applies_to: Text | None = None
    intro: Text | None = None
    published: dt.date | None = None
    updated: dt.date | None = None
    url: str | None = None
    statements: list[Text] = Field(
        default_factory=list,
        description="Statements the notice makes that belong to no other section, as written "
        "(e.g. 'we keep no register of visitors', 'we share nothing unless the law requires it')",
    )


class Role(Model):
    id: Slug
    name: Text
    responsibility: Text | None = None
    holder: str | None = Field(
        None, description="Who holds the role, e.g. 'Youmedia' (an outside company may hold it)"
    )


class System(Model):
    id: Slug
    name: str = Field(min_length=1)
    description: Text | None = None
    vendor: Slug | None = Field(None, description="id of the recipient that provides it")
    count: int | None = Field(None, ge=1, description="How many units, e.g. 8 cameras")
    location: Text | None = None
    internal_note: InternalNote = None


class Dpa(Model):
    in_place: bool | None = Field(None, description="None: the organisation has not said")
    date: dt.date | None = None
    reference: str | None = None


class Transfer(Model):
    mechanism: TransferMechanism
    reference: str | None = Field(None, description="Decision or clause reference, e.g. 2021/914 module 2")
    copy_url: str | None = Field(None, description="Where a copy of the safeguards is available")


class Recipient(Model):
    id: Slug
    name: str = Field(min_length=1)
    role: RecipientRole
    country: Country = "NO"
    org_number: OrgNumber | None = None
    services: Text | None = Field(None, description="What they do for us")
    dpa: Dpa | None = None
    transfer: Transfer | None = None
    privacy_policy_url: str | None = None
    vendor: str | None = Field(None, description="Key in the vendor catalogue, e.g. google")
    arrangement: Text | None = Field(
        None, description="Joint controllers (Art. 26(2)): the essence of the arrangement, as the notice gives it")
    internal_note: InternalNote = None

    @property
    def outside_eea(self) -> bool:
        return self.country not in EEA_COUNTRIES


class LegalBasis(Model):
    basis: LegalBasisCode
    law: str | None = Field(None, description="National law relied on, e.g. 'bokføringsloven § 13'")
    legitimate_interest: Text | None = None
    note: Text | None = None


class Source(Model):
    from_data_subject: bool = True
    description: Text | None = None
    publicly_accessible: bool | None = None


class Provision(Model):
    requirement: ProvisionRequirement
    consequence: Text | None = Field(None, description="What happens if the person does not provide the data")


# A name of a table or column in a connected database. Only names: the connector looks each
# one up in the reflected schema and uses SQLAlchemy's own column, so no text from the
# register is ever written into SQL.
NAME_RE = re.compile(r"^[A-Za-z_ÆØÅæøå][A-Za-z0-9_ÆØÅæøå]{0,127}$")
NAME_HINT = "letters, digits and _ only, as the database names it"


def _name_check(what: str):
    def check(value: str) -> str:
        if not NAME_RE.match(value):
            raise ValueError(f'"{value}" is not a {what} name; write the name of one {what} ({NAME_HINT})')
        return value

    return check


_check_table_name = _name_check("table")
_check_column_name = _name_check("column")


def _check_timestamp_column(value: str) -> str:
    if not all(NAME_RE.match(part) for part in value.split(".", 1)):
        raise ValueError(
            f'"{value}" is not a column name; write one column of the table (e.g. issued_at), '
            f"or parent_table.column through a foreign key (e.g. orders.ordered_at) ({NAME_HINT})"
        )
    return value


_NAME = NAME_RE.pattern.strip("^$")
TableName = Annotated[str, AfterValidator(_check_table_name), Field(json_schema_extra={"pattern": NAME_RE.pattern})]
ColumnName = Annotated[str, AfterValidator(_check_column_name), Field(json_schema_extra={"pattern": NAME_RE.pattern})]
TimestampColumn = Annotated[
    str, AfterValidator(_check_timestamp_column), Field(json_schema_extra={"pattern": f"^{_NAME}(\\.{_NAME})?$"})
]


class ConditionOp(StrEnum):
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"
    NOT_IN = "not_in"
    IS_NULL = "is_null"
    IS_NOT_NULL = "is_not_null"


NO_VALUE_OPS = (ConditionOp.IS_NULL, ConditionOp.IS_NOT_NULL)
LIST_OPS = (ConditionOp.IN, ConditionOp.NOT_IN)
MAX_CONDITION_VALUES = 1000
Scalar = bool | int | float | Annotated[str, Field(max_length=1000)]


class RuleCondition(Model):
    """One condition a row must meet to be due: a column, an operator from a fixed set and a
    value that is bound as a parameter (never written into SQL)."""

    column: ColumnName
    op: ConditionOp
    value: Scalar | list[Scalar] | None = Field(None, validate_default=True, description="One value; a list for in and not_in; none for is_null and is_not_null")

    @field_validator("value")
    @classmethod
    def _fits_op(cls, value, info):
        op = info.data.get("op")
        if op is None:
            return value
        if op in NO_VALUE_OPS:
            if value is not None:
                raise ValueError(f"{op} takes no value; remove it")
        elif op in LIST_OPS:
            values = value if isinstance(value, list) else [] if value is None else [value]
            if not values or len(values) > MAX_CONDITION_VALUES:
                raise ValueError(f"{op} needs a list of 1 to {MAX_CONDITION_VALUES} values, e.g. [closed, cancelled]")
            return values
        elif value is None or isinstance(value, list):
            raise ValueError(f'{op} needs one value (for several, use in), e.g. {{column: status, op: "=", value: closed}}')
        return value


CONDITION_HELP = (
    'write a list of conditions, e.g. condition: [{column: status, op: "=", value: closed}]; '
    "op is one of " + ", ".join(op.value for op in ConditionOp)
)


class EnforcementRule(Model):
    """Where the retention of an activity is carried out in a connected database."""

    connection: Slug
    table: TableName
    timestamp: TimestampColumn = Field(
        description="Column the period counts from, or parent_table.column through a foreign key"
    )
    condition: list[RuleCondition] = Field(
        default_factory=list, description="Conditions a row must also meet (all of them) to be due"
    )
    action: Literal["delete", "anonymise"] = "delete"

    @field_validator("condition", mode="before")
    @classmethod
    def _no_sql_text(cls, value):
        """Registers written before conditions were structured held SQL text here. A simple
        `column op literal [AND ...]` is read as the conditions it means; anything else is refused."""
        if not isinstance(value, str):
            return value
        converted = conditions_from_sql(value)
        if converted is None:
            raise ValueError(f'SQL text ("{value}") is no longer accepted; {CONDITION_HELP}')
        return converted


def sql_conditions(data: Any) -> list[tuple[str, str]]:
    """(field path, text) of every retention condition that a register's raw data still
    writes as SQL text, the old form: such text is read as the conditions it states (or
    refused), and the register stores the new form when it is saved again."""
    found = []
    for i, retention in _raw_retentions(data):
        for j, rule in enumerate(retention["enforcement"]):
            if isinstance(rule, dict) and isinstance(rule.get("condition"), str):
                found.append((f"activities[{i}].retention.enforcement[{j}].condition", rule["condition"]))
    return found


def _raw_retentions(data: Any):
    """(activity index, retention) of each activity's retention with a list of rules, in raw data."""
    activities = data.get("activities") if isinstance(data, dict) else None
    for i, activity in enumerate(activities if isinstance(activities, list) else []):
        retention = activity.get("retention") if isinstance(activity, dict) else None
        if isinstance(retention, dict) and isinstance(retention.get("enforcement"), list):
            yield i, retention


def drop_sql_rules(data: Any) -> list[str]:
    """Removes from a register's raw data every retention rule that an old register wrote
    with SQL that cannot be read as names and conditions (OR, functions, an expression as
    timestamp), so that the register loads again; returns "path: what" for each. Such a
    rule does nothing until it is written again: dropping only its condition would delete
    more than it said."""
    removed = []
    for i, retention in _raw_retentions(data):
        kept = []
        for j, rule in enumerate(retention["enforcement"]):
            fields = rule if isinstance(rule, dict) else {}
            sql = [
                f"{name} {fields[name]}"
                for name, readable in (
                    ("table", lambda v: NAME_RE.match(v.strip())),
                    ("timestamp", lambda v: all(NAME_RE.match(part) for part in v.strip().split(".", 1))),
                    ("condition", lambda v: conditions_from_sql(v) is not None),
                )
                if isinstance(fields.get(name), str) and not readable(fields[name])
            ]
            if sql:
                removed.append(f"activities[{i}].retention.enforcement[{j}]: " + "; ".join(sql))
            else:
                kept.append(rule)
        retention["enforcement"] = kept
    return removed


_SQL_TOKEN = re.compile(
    r"\s*(?:(?P<text>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)(?![\w.])|(?P<op><=|>=|!=|<>|=|<|>)"
    r"|(?P<punct>[(),])|(?P<word>[A-Za-z_ÆØÅæøå][A-Za-z0-9_ÆØÅæøå]*))"
)
_SQL_OPS = {"=": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_SQL_WORDS = {"AND", "OR", "NOT", "IS", "IN", "NULL", "TRUE", "FALSE", "LIKE", "BETWEEN"}


def conditions_from_sql(text: str) -> list[dict] | None:
    """The conditions an old register's SQL condition states, when it is nothing but
    `column op literal`, `column IS [NOT] NULL` or `column [NOT] IN (literals)` joined by AND;
    None for anything else. It only reads the text: nothing of it is ever executed."""
    tokens, at = [], 0
    while at < len(text.rstrip()):
        m = _SQL_TOKEN.match(text, at)
        if not m or m.end() == at:
            return None
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        at = m.end()

    def literal(i: int):
        kind, token = tokens[i] if i < len(tokens) else (None, None)
        if kind == "text":
            return token[1:-1].replace("''", "'")
        if kind == "number":
            return float(token) if "." in token else int(token)
        if kind == "word" and token.upper() in ("TRUE", "FALSE"):
            return token.upper() == "TRUE"
        raise ValueError

    def word(i: int) -> str:
        return tokens[i][1].upper() if i < len(tokens) and tokens[i][0] == "word" else ""

    out, i = [], 0
    try:
        while True:
            column = tokens[i][1] if i < len(tokens) and tokens[i][0] == "word" else ""
            if not column or column.upper() in _SQL_WORDS:
                return None
            i += 1
            if i < len(tokens) and tokens[i][0] == "op":
                out.append({"column": column, "op": _SQL_OPS[tokens[i][1]], "value": literal(i + 1)})
                i += 2
            elif word(i) == "IS":
                negated = word(i + 1) == "NOT"
                i += 2 if negated else 1
                if word(i) != "NULL":
                    return None
                out.append({"column": column, "op": "is_not_null" if negated else "is_null"})
                i += 1
            elif word(i) == "IN" or (word(i), word(i + 1)) == ("NOT", "IN"):
                negated = word(i) == "NOT"
                i += 2 if negated else 1
                if tokens[i] != ("punct", "("):
                    return None
                values, i = [literal(i + 1)], i + 2
                while tokens[i] == ("punct", ","):
                    values.append(literal(i + 1))
                    i += 2
                if tokens[i] != ("punct", ")"):
                    return None
                out.append({"column": column, "op": "not_in" if negated else "in", "value": values})
                i += 1
            else:
                return None
            if i == len(tokens):
                return out
            if word(i) != "AND":
                return None
            i += 1
    except (ValueError, IndexError):
        return None


class Retention(Model):
    period: Duration | None = None
    rule: RetentionRule | None = None
    law: str | None = None
    description: Text | None = None
    enforcement: list[EnforcementRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_content(self):
        if self.period is None and self.rule is None and self.description is None:
            raise ValueError("retention needs a period (e.g. P12M), a rule or a description")
        return self


class AutomatedDecision(Model):
    exists: bool = False
    logic: Text | None = None
    significance: Text | None = None
    consequences: Text | None = None


class Activity(Model):
    id: Slug
    name: Text
    purpose: Text | None = None
    data_subjects: list[Text] = Field(default_factory=list)
    children: bool = Field(False, description="Children are among the data subjects")
    data_categories: list[Text] = Field(default_factory=list)
    special_categories: list[Art9Category] = Field(default_factory=list)
    art9_condition: Art9Condition | None = None
    criminal_offence_data: bool = False
    source: Source = Field(default_factory=Source)
    channels: list[Channel] = Field(default_factory=list)
    legal_bases: list[LegalBasis] = Field(default_factory=list)
    provision: Provision | None = None
    recipients: list[Slug] = Field(default_factory=list)
    systems: list[Slug] = Field(default_factory=list)
    retention: Retention | None = None
    responsible_role: Slug | None = None
    deidentification: list[Deidentification] = Field(default_factory=list)
    ip_prefix_v4: int | None = Field(None, ge=0, le=32, description="IP addresses truncated to this prefix, e.g. 24")
    automated_decision: AutomatedDecision = Field(default_factory=AutomatedDecision)
    direct_marketing: bool = False
    withdrawal: Text | None = Field(None, description="How consent is withdrawn")
    made_public: bool = False
    notes: Text | None = None
    internal_note: InternalNote = None

    def has_basis(self, code: LegalBasisCode) -> bool:
        return any(b.basis == code for b in self.legal_bases)


class Cookie(Model):
    name: str = Field(min_length=1)
    provider: str | None = Field(None, description="Recipient id, or a name")
    category: CookieCategory | None = None
    purpose: Text | None = None
    expiry: Duration | Literal["session"] | None = None
    party: Literal["first", "third"] | None = None
    activity: Slug | None = None


class RightsHandling(Model):
    email: Email | None = None
    form_url: str | None = None
    postal: bool = False
    response_time: Duration = "P1M"
    identity_check: Text | None = None
    free_of_charge: bool = True
    complaint_address: Address | None = Field(
        None,
        description="The supervisory authority's address as the organisation gives it; "
        "empty: the notice uses Datatilsynet's current address",
    )
    notes: Text | None = Field(
        None, description="What the notice says about rights that no field holds, as written (e.g. the law it cites)"
    )


class Change(Model):
    date: dt.date
    summary: Text


class Register(Model):
    """One organisation's register: the document everything else reads."""

    schema_version: Literal[1] = SCHEMA_VERSION
    controller: Controller
    notice: NoticeInfo = Field(default_factory=NoticeInfo)
    roles: list[Role] = Field(default_factory=list)
    systems: list[System] = Field(default_factory=list)
    recipients: list[Recipient] = Field(default_factory=list)
    activities: list[Activity] = Field(default_factory=list)
    cookies: list[Cookie] = Field(default_factory=list)
    rights: RightsHandling = Field(default_factory=RightsHandling)
    security: list[Text] = Field(default_factory=list)
    changelog: list[Change] = Field(default_factory=list)

    # Lookups -----------------------------------------------------------
    def recipient(self, rid: str) -> Recipient | None:
        return next((r for r in self.recipients if r.id == rid), None)

    def system(self, sid: str) -> System | None:
        return next((s for s in self.systems if s.id == sid), None)

    def role(self, rid: str) -> Role | None:
        return next((r for r in self.roles if r.id == rid), None)

    def activity(self, aid: str) -> Activity | None:
        return next((a for a in self.activities if a.id == aid), None)


# --------------------------------------------------------------------------
# Cross-references: ids must be unique and point somewhere
# --------------------------------------------------------------------------


def cross_reference_errors(reg: Register) -> list[tuple[tuple, str]]:
    """(location, message) for every broken or duplicate id."""
    errors: list[tuple[tuple, str]] = []
    for section in ("roles", "systems", "recipients", "activities"):
        seen: set[str] = set()
        for i, item in enumerate(getattr(reg, section)):
            if item.id in seen:
                errors.append(((section, i, "id"), f'duplicate id "{item.id}"'))
            seen.add(item.id)

    def need(kind: str, value: str | None, loc: tuple) -> None:
        finder = {"role": reg.role, "system": reg.system, "recipient": reg.recipient, "activity": reg.activity}
        if value is not None and finder[kind](value) is None:
            errors.append((loc, f'no {kind} with id "{value}"'))

    for i, s in enumerate(reg.systems):
        need("recipient", s.vendor, ("systems", i, "vendor"))
    for i, a in enumerate(reg.activities):
        need("role", a.responsible_role, ("activities", i, "responsible_role"))
        for j, rid in enumerate(a.recipients):
            need("recipient", rid, ("activities", i, "recipients", j))
        for j, sid in enumerate(a.systems):
            need("system", sid, ("activities", i, "systems", j))
    for i, c in enumerate(reg.cookies):
        need("activity", c.activity, ("cookies", i, "activity"))
    return errors


# --------------------------------------------------------------------------
# YAML in and out, with located errors
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class RegisterError(Exception):
    """The document is not a valid register; `problems` says every what and where."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _line_index(node: yaml.Node, path: tuple = (), index: dict | None = None) -> dict[tuple, int]:
    """Map every field path in the YAML tree to its 1-based line."""
    index = {} if index is None else index
    index[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = path + (key.value,)
            _line_index(value, sub, index)
            index[sub] = key.start_mark.line + 1  # point at the key, where people look
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, path + (i,), index)
    return index


def _duplicate_keys(node: yaml.Node, filename: str) -> list[Problem]:
    """A key written twice (YAML keeps the last silently). The input guard has bounded the
    depth and the aliases (an alias inside its own anchor, an alias bomb) before this walk."""
    problems: list[Problem] = []
    stack: list[tuple[yaml.Node, tuple]] = [(node, ())]
    while stack:
        n, path = stack.pop()
        if isinstance(n, yaml.MappingNode):
            first: dict = {}
            for key, value in n.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else None
                if name in first:
                    problems.append(Problem(filename, key.start_mark.line + 1, format_path(path + (name,)),
                                            f"duplicate key (first written on line {first[name]}); keep one"))
                first.setdefault(name, key.start_mark.line + 1)
                stack.append((value, path + (name,)))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend((item, path + (i,)) for i, item in enumerate(n.value))
    return problems


def _line_for(index: dict[tuple, int], loc: tuple) -> int | None:
    while loc not in index and loc:
        loc = loc[:-1]
    return index.get(loc)


def _clean_loc(loc: tuple) -> tuple:
    # pydantic adds union-member tags ("str", "function-after[...]") to loc
    return tuple(p for p in loc if isinstance(p, int) or not (("[" in p and "]" in p) or p in ("str", "literal['session']")))


def _message(err: dict) -> str:
    msg = err["msg"]
    msg = re.sub(r"^(Value error|Assertion failed), ", "", msg)
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        return "unknown field (check the spelling; `personvern schema` lists the fields)"
    if err["type"] == "missing":
        return "required field is missing"
    if err["type"] == "string_type" and isinstance(value, bool):
        # NO, no, yes, off, on, true ... unquoted are booleans in YAML
        return f"YAML read this as {str(value).lower()}; put the value in quotes (country: \"NO\")"
    if err["type"] == "string_type" and isinstance(value, int | float):
        return f'YAML read this as the number {value}; put it in quotes ("{value}") to keep it as text'
    if err["type"] == "string_pattern_mismatch" and "@" in str(err.get("ctx", {}).get("pattern", "")):
        return f'"{value}" is not an e-mail address'
    if err["type"] in ("bool_type", "bool_parsing"):
        return f'"{value}" is not yes or no; write true or false'
    return msg


def _merge_alternatives(errors: list[tuple[tuple, str, dict]]) -> list[tuple[tuple, str]]:
    """A field that takes a duration or "session" fails both ways; say it once:
    '"2 år" is not a duration; write P2Y (or "session")'."""
    by_loc: dict[tuple, list] = {}
    for loc, msg, err in errors:
        by_loc.setdefault(loc, []).append((msg, err))
    out = []
    for loc, items in by_loc.items():
        literals = [e for _, e in items if e["type"] == "literal_error"]
        others = [m for m, e in items if e["type"] != "literal_error"]
        if literals and others:
            expected = " or ".join(str(x) for e in literals for x in [e.get("ctx", {}).get("expected", "")] if x)
            out.extend((loc, f"{m} (or {expected})" if expected else m) for m in dict.fromkeys(others))
        else:
            out.extend((loc, m) for m in dict.fromkeys(m for m, _ in items))
    return out


def _by_line(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.line or 0)


def validate_data(data: Any, filename: str = "<register>", lines: dict[tuple, int] | None = None) -> Register:
    lines = lines or {}
    if not isinstance(data, dict):
        raise RegisterError([Problem(filename, 1, "", "the document must be a mapping with a `controller` section")])
    try:
        reg = Register.model_validate(data)
    except ValidationError as exc:
        located = _merge_alternatives([(_clean_loc(err["loc"]), _message(err), err) for err in exc.errors()])
        problems = [Problem(filename, _line_for(lines, loc), format_path(loc), msg) for loc, msg in located]
        raise RegisterError(_by_line(problems)) from None
    xref = cross_reference_errors(reg)
    if xref:
        raise RegisterError(_by_line([Problem(filename, _line_for(lines, loc), format_path(loc), msg) for loc, msg in xref]))
    return reg


class _NoDatesLoader(yaml.SafeLoader):
    """SafeLoader that leaves timestamps alone (pydantic parses dates itself) and reads a
    lone `=` as text (YAML 1.1's "value" tag has no constructor; a condition's op is `=`)."""


_NoDatesLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _refused(exc: InputError, filename: str) -> RegisterError:
    return RegisterError([Problem(filename, exc.line, exc.path, exc.message)])


def loads_register(text: str, filename: str = "<register>", limits: Limits = DEFAULT_LIMITS) -> Register:
    """A register from YAML text; RegisterError lists every problem with its file, line and field.
    The input guard sees the text first: the YAML parser is recursive."""
    try:
        check_yaml(text, limits, limits.register_bytes)
    except InputError as exc:
        raise _refused(exc, filename) from None
    loader = None
    try:
        loader = _NoDatesLoader(text)
        node = loader.get_single_node()
        problems = _duplicate_keys(node, filename) if node is not None else []
        if problems:
            raise RegisterError(problems)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        if "'\\t'" in problem:
            problem += "; indent with spaces, not tabs"
        raise RegisterError([Problem(filename, line, "", f"not valid YAML: {problem}")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if data is None:
        raise RegisterError([Problem(filename, 1, "", "the file is empty; a register needs at least a `controller` section")])
    return validate_data(data, filename, _line_index(node))


def loads_register_bytes(raw: bytes, filename: str = "<register>", limits: Limits = DEFAULT_LIMITS) -> Register:
    """Like `loads_register`, from the bytes of a file: text that is not UTF-8 is a located problem."""
    try:
        text = check_text(raw, limits.register_bytes)
    except InputError as exc:
        raise _refused(exc, filename) from None
    return loads_register(text, filename, limits)


def load_register(path) -> Register:
    from pathlib import Path

    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise RegisterError([Problem(str(p), None, "", f"cannot read file: {exc.strerror or exc}")]) from None
    return loads_register_bytes(raw, str(p))


class _Dumper(yaml.SafeDumper):
    pass


_LINE_BREAKS_YAML_FOLDS = ("\x85", "\u2028", "\u2029", "\r")


def _str_presenter(dumper, value):
    style = "|" if "\n" in value else None
    if any(c in value for c in _LINE_BREAKS_YAML_FOLDS):
        style = '"'  # escaped, or YAML reads them back as line breaks
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def register_to_data(reg: Register) -> dict:
    return reg.model_dump(mode="json", exclude_defaults=True, exclude_none=True) | {"schema_version": SCHEMA_VERSION}


def dump_register(reg: Register) -> str:
    data = register_to_data(reg)
    ordered = {"schema_version": data.pop("schema_version"), **data}
    return yaml.dump(ordered, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def json_schema() -> dict:
    schema = Register.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "personvern register (GDPR Art. 30)"
    return schema
