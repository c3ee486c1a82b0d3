"""Discovery: scan a database's names, types and a bounded sample of values, and propose
a dataset map with a confidence and the evidence for every column it flags.

Sampled values live only inside `_scan_column` while they are counted; findings carry
counts ("87 of 100 sampled values are valid e-mail addresses"), never a value."""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from stdnum.no import fodselsnummer, orgnr

from personvern.connectors.datamap import ColumnErasure, ColumnSpec, DataMap, TableSpec, dump_datamap
from personvern.connectors.engine import ConnectorError, _short, make_engine, reflect

PROPOSE_FROM = 0.5  # findings below this confidence are shown but left out of the proposal


@dataclass(frozen=True)
class Kind:
    name: str
    category: str
    identity: str | None
    personal: bool
    name_pattern: re.Pattern | None


def _words(*alternatives: str) -> re.Pattern:
    """A column-name pattern matching whole words of a snake_case or camelCase name."""
    return re.compile(r"(?:^|_)(?:" + "|".join(alternatives) + r")(?:$|_)")


KINDS = {
    k.name: k
    for k in (
        Kind("email", "contact.email", "email", True, _words("e?_?mail", "email_address", "epost", "e_post", "mailadresse")),
        Kind("phone", "contact.phone", "phone", True, _words("phone", "phone_number", "telefon", "telefonnummer", "tlf", "mobil", "mobile", "mobilnummer", "caller_number", "msisdn", "cell")),
        Kind("fodselsnummer", "identifier.national_id", "fodselsnummer", True, _words("fodselsnummer", "fødselsnummer", "fnr", "personnummer", "ssn", "national_id", "d_nummer", "dnummer", "pnr")),
        Kind("customer_number", "identifier.customer_number", "customer_number", True, _words("customer_number", "customer_no", "kundenummer", "kundenr", "kunde_nr", "member_number", "medlemsnummer")),
        Kind("orgnr", "identifier.organisation_number", None, False, _words("orgnr", "org_nr", "organisasjonsnummer", "org_number", "organization_number", "organisation_number")),
        Kind("ip_address", "online.ip_address", None, True, _words("ip", "ip_address", "ipaddr", "ip_adresse", "remote_addr", "client_ip")),
        Kind("name", "name", None, True, _words("name", "navn", "fornavn", "etternavn", "first_name", "last_name", "full_name", "surname", "given_name", "family_name", "firstname", "lastname", "fullname", "kontaktperson", "contact_person")),
        Kind("address", "contact.address", None, True, _words("address", "adresse", "street", "gate", "gateadresse", "postcode", "post_code", "postnr", "postnummer", "zip", "zipcode", "postal_code", "city", "poststed", "town", "street_address")),
        Kind("date_of_birth", "date_of_birth", None, True, _words("birth", "birth_date", "date_of_birth", "birthdate", "birthday", "dob", "fodselsdato", "fødselsdato", "fodt", "født")),
        Kind("free_text", "free_text", None, True, _words("body", "notes?", "comments?", "kommentar", "melding", "message", "beskrivelse", "fritekst", "cover_letter", "letter", "soknad", "søknad", "cv", "remarks?", "merknad")),
    )
}
# Names that contain a personal-data word but describe a thing, not a person.
NOT_PERSONAL = _words(
    "product", "item", "file", "camera", "company", "firma", "host", "hostname", "table", "column", "category",
    "brand", "sku", "position", "title", "agent", "agent_code", "domain", "country", "status", "subject", "purpose",
    "seller", "shop", "store", "path", "url", "template", "display", "event", "type",
)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)
EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]{2,}")
PHONE_SHAPE = re.compile(r"^\+?[\d\s().-]{8,20}$")
PHONE_IN_TEXT = re.compile(r"(?:\+47[\s-]?)?(?<!\d)[49]\d{2}[\s-]?\d{2}[\s-]?\d{3}(?!\d)")
DIGITS_11 = re.compile(r"^\d{6}\s?\d{5}$")
FNR_IN_TEXT = re.compile(r"(?<!\d)\d{6}\s?\d{5}(?!\d)")
DIGITS_9 = re.compile(r"^\d{3}\s?\d{3}\s?\d{3}$")
IP_SHAPE = re.compile(r"^[0-9a-f:.]{3,45}$", re.I)
STREET_RE = re.compile(r"\b[\wæøåÆØÅ.-]+(?:gata|gate|gaten|veien|vegen|vei|veg|allé|alle|plass|stien|bakken|svingen|lia)\s+\d+", re.I)
POSTCODE_CITY = re.compile(r"\b\d{4}\s+[A-ZÆØÅ][\wæøåÆØÅ-]+")
PERSON_NAME = re.compile(r"^[A-ZÆØÅ][a-zæøåéü'-]+(?:[ -][A-ZÆØÅ][a-zæøåéü'-]+){0,3}$")


@dataclass
class ColumnFinding:
    table: str
    column: str
    kind: str
    category: str
    identity: str | None
    personal: bool
    confidence: float
    evidence: list[str] = field(default_factory=list)


@dataclass
class DiscoveryResult:
    findings: list[ColumnFinding]
    proposal: DataMap
    tables_scanned: int
    columns_scanned: int
    seconds: float

    def proposed_columns(self) -> set[tuple[str, str]]:
        return {(t, c) for t, spec in self.proposal.tables.items() for c in spec.columns}

    def yaml(self) -> str:
        lines = ["# Proposed by `personvern discover`: review every entry before use.", "# Evidence (counts over a bounded sample; no value was kept):"]
        for f in sorted(self.findings, key=lambda f: (f.table, f.column)):
            mark = "" if f.confidence >= PROPOSE_FROM else " (not proposed)"
            lines.append(f"#   {f.table}.{f.column}: {f.kind} {f.confidence:.2f}{mark}: {'; '.join(f.evidence)}")
        return "\n".join(lines) + "\n" + dump_datamap(self.proposal)


# ------------------------------------------------------------ value checks


def _is_email(v: str) -> bool:
    return len(v) <= 254 and bool(EMAIL_RE.match(v))


def _is_phone(v: str) -> bool:
    if not PHONE_SHAPE.match(v):
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(v, "NO"))
    except phonenumbers.NumberParseException:
        return False


def _is_fnr(v: str) -> bool:
    return bool(DIGITS_11.match(v)) and fodselsnummer.is_valid(v)


def _is_orgnr(v: str) -> bool:
    return bool(DIGITS_9.match(v)) and orgnr.is_valid(v)


def _is_ip(v: str) -> bool:
    if not IP_SHAPE.match(v) or ("." not in v and ":" not in v):
        return False
    try:
        ipaddress.ip_address(v)
        return True
    except ValueError:
        return False


def _is_address(v: str) -> bool:
    return bool(STREET_RE.search(v) or POSTCODE_CITY.search(v))


def _is_person_name(v: str) -> bool:
    return bool(PERSON_NAME.match(v.strip()))


VALUE_CHECKS: dict[str, tuple[Callable[[str], bool], str]] = {
    "email": (_is_email, "valid e-mail addresses"),
    "fodselsnummer": (_is_fnr, "valid fødselsnumre or D-numbers (check digits)"),
    "orgnr": (_is_orgnr, "valid organisation numbers (check digit)"),
    "phone": (_is_phone, "valid phone numbers"),
    "ip_address": (_is_ip, "IP addresses"),
    "address": (_is_address, "shaped like Norwegian street addresses or postcode and town"),
    "name": (_is_person_name, "shaped like a person's full name"),
}
# Kinds whose check is exact (check digits, syntax): values that fail it contradict the name.
# Names and address parts have no such check ("Oslo", "0150"), so their name decides.
PRECISE = {"email", "fodselsnummer", "orgnr", "phone", "ip_address"}
TEXT_CONTENT = (("an e-mail address", EMAIL_IN_TEXT), ("a phone number", PHONE_IN_TEXT), ("an 11-digit number", FNR_IN_TEXT))


# ------------------------------------------------------------------ scanning


def _name_kind(column: str) -> Kind | None:
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", column).lower()
    for kind in KINDS.values():
        if kind.name_pattern and kind.name_pattern.search(name):
            if kind.name in ("name", "address", "free_text", "email", "phone") and NOT_PERSONAL.search(name):
                continue
            return kind
    return None


def _is_text(column: sa.Column) -> bool:
    return isinstance(column.type, (sa.String, sa.Text, sa.Enum)) or column.type.__class__.__name__.upper() in ("JSON", "CITEXT", "INET")


def _scan_column(table: str, column: sa.Column, values: Sequence) -> ColumnFinding | None:
    """Name and sampled values of one column -> a finding (or None). The values are only counted."""
    by_name = _name_kind(column.name)
    if isinstance(column.type, (sa.Date, sa.DateTime)):
        if by_name and by_name.name == "date_of_birth":
            return ColumnFinding(table, column.name, "date_of_birth", "date_of_birth", None, True, 0.9, [f"column name '{column.name}' means date of birth", "date type"])
        return None
    if not _is_text(column):
        return None
    sample = [str(v) for v in values if v is not None and str(v).strip()]
    n = len(sample)
    evidence: list[str] = []
    best: tuple[str, float] | None = None
    if n:
        for kind_name, (check, description) in VALUE_CHECKS.items():
            if kind_name == "name" and (by_name is None or by_name.name != "name"):
                continue  # capitalised words are names only when the column says so
            hits = sum(1 for v in sample if check(v))
            if hits and (best is None or hits / n > best[1]):
                best = (kind_name, hits / n)
                best_text = f"{hits} of {n} sampled values are {description}"
        if best:
            evidence.append(best_text)
    long_text = n and sum(len(v) for v in sample) / n >= 40 and sum(" " in v for v in sample) / n > 0.8
    if by_name:
        evidence.insert(0, f"column name '{column.name}' suggests {by_name.name.replace('_', ' ')}")
    if by_name and by_name.name in ("free_text",) or (not best and long_text and by_name is None):
        kind = KINDS["free_text"]
        if n:
            for what, pattern in TEXT_CONTENT:
                hits = sum(1 for v in sample if pattern.search(v))
                if hits:
                    evidence.append(f"{hits} of {n} sampled values contain {what}")
        if by_name:
            confidence = 0.8 if long_text or not n else 0.6
        else:
            confidence = 0.7 if len(evidence) > 0 else 0.45
            evidence.insert(0, f"free text (average {sum(len(v) for v in sample) // n} characters)")
        return ColumnFinding(table, column.name, kind.name, kind.category, None, True, confidence, evidence)
    if best and best[1] >= 0.3:
        kind = KINDS[best[0]]
        agrees = by_name is not None and by_name.name == kind.name
        confidence = 0.95 if agrees and best[1] >= 0.5 else 0.9 if best[1] >= 0.8 else 0.75 if agrees else 0.6
        return ColumnFinding(table, column.name, kind.name, kind.category, kind.identity, kind.personal, confidence, evidence)
    if by_name:
        if by_name.name in PRECISE and n >= 10:
            confidence = 0.35  # the name says so, the values say otherwise
            evidence.append(f"but {n - int((best[1] if best else 0) * n)} of {n} sampled values do not look like it")
        else:
            confidence = 0.7
        return ColumnFinding(table, column.name, by_name.name, by_name.category, by_name.identity, by_name.personal, confidence, evidence)
    return None


def discover(
    source: Engine | str,
    *,
    sample_size: int = 100,
    tables: Sequence[str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> DiscoveryResult:
    """Scan the database and propose a dataset map. `progress(done, total, table)` is
    called after every table (for a progress bar on large schemas)."""
    started = time.perf_counter()
    engine = make_engine(source) if isinstance(source, str) else source
    metadata = reflect(engine, refresh=True)
    names = [n for n in (tables or sorted(metadata.tables)) if not n.startswith("pv_")]
    missing = [n for n in names if n not in metadata.tables]
    if missing:
        raise ConnectorError(f"no such table: {', '.join(missing)}")
    findings: list[ColumnFinding] = []
    columns_scanned = 0
    try:
        with engine.connect() as conn:
            for done, name in enumerate(names, 1):
                table = metadata.tables[name]
                skip = {c.name for c in table.primary_key.columns}
                skip |= {c.parent.name for c in table.foreign_keys}  # relationships, not data
                candidates = [c for c in table.columns if c.name not in skip and (_is_text(c) or isinstance(c.type, (sa.Date, sa.DateTime)))]
                columns_scanned += len(table.columns)
                sampled = [c for c in candidates if _is_text(c)]
                rows = conn.execute(sa.select(*sampled).limit(sample_size)).all() if sampled else []
                for column in candidates:
                    values = [row._mapping[column.name] for row in rows] if column in sampled else []
                    finding = _scan_column(name, column, values)
                    if finding:
                        findings.append(finding)
                del rows
                if progress:
                    progress(done, len(names), name)
            conn.rollback()
    except SQLAlchemyError as exc:
        raise ConnectorError(f"discovery failed: {_short(exc)}") from None
    return DiscoveryResult(findings, propose(findings), len(names), columns_scanned, time.perf_counter() - started)


def propose(findings: list[ColumnFinding]) -> DataMap:
    """A dataset map from the confident, personal findings: identity columns marked,
    every column masked with NULL; the person reviewing it chooses deletion and holds."""
    tables: dict[str, TableSpec] = {}
    for f in findings:
        if f.confidence < PROPOSE_FROM or not f.personal:
            continue
        spec = tables.setdefault(f.table, TableSpec())
        spec.columns[f.column] = ColumnSpec(category=f.category, identity=f.identity, erasure=ColumnErasure(action="set_null"))
    return DataMap(description="Proposed by discovery; review before use", tables=tables)
