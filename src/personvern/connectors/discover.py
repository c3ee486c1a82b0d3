"""Discovery: scan a database's names, types, foreign keys and a bounded sample of values,
and propose a dataset map with a confidence and the evidence for every column it flags.

A column's name proposes a kind; its sampled values confirm or contradict it; the table
it stands in decides the rest. Tables are read in three roles:
- person tables hold identity values (valid e-mail addresses of persons, user names,
  fødselsnumre); tables that hang below them by foreign keys, and parents only their rows
  point at (an order's own billing address), are theirs;
- lookup tables (countries, sites, groups, queues: referenced by many rows, few rows, no
  identity) are proposed as `role: reference` and none of their columns is flagged;
- the rest is context: words like `name`, `title` or `notes` count there only when the
  values themselves hold identity values.
A foreign key from a person's row to a person who is not its owner (a staff author, an
assignee) is proposed as `ignore`, a second key to the same table as `reference`.

Sampling is ordered by primary key, so two runs and two backends see the same rows and
give the same output. Sampled values live only inside `discover` while they are counted;
findings carry counts ("87 of 100 sampled values are valid e-mail addresses"), never a
value. Proposed masks fit the schema: NULL only where the column allows it, a keyed hash
where the value must stay unique, a fixed value within the column's length elsewhere;
account tables are deactivated (is_active false, an unusable password)."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from personvern.connectors import recognise
from personvern.connectors.datamap import (
    ColumnErasure,
    ColumnSpec,
    DataMap,
    Relationship,
    TableSpec,
    dump_datamap,
    fk_name,
    in_unique_constraint,
    mask_problems,
)
from personvern.connectors.engine import ConnectorError, _short, make_engine, reflect
from personvern.core.inputs import InputError, loads_json

PROPOSE_FROM = 0.5  # findings below this confidence are shown but left out of the proposal
EXACT_SHARE = 0.8  # share of sampled values an exact check must pass for the column to be of that kind
LOOKUP_FAN_IN = 3  # a lookup row is pointed at by at least this many rows on average
OWN_PARENT_SHARE = 0.95  # an owned parent: (nearly) every referencing row points at a parent of its own
ACTOR_SHARE = 0.2  # a key whose rows name few distinct persons (a staff member per hundred notes)


@dataclass(frozen=True)
class Kind:
    name: str
    category: str
    identity: str | None = None
    personal: bool = True


KINDS = {
    k.name: k
    for k in (
        Kind("email", "contact.email", "email"),
        Kind("phone", "contact.phone", "phone"),
        Kind("fodselsnummer", "identifier.national_id", "fodselsnummer"),
        Kind("customer_number", "identifier.customer_number", "customer_number"),
        Kind("username", "identifier.username", "username"),
        Kind("orgnr", "identifier.organisation_number", None, False),
        Kind("ip_address", "online.ip_address"),
        Kind("session", "online.session"),
        Kind("homepage", "online.homepage"),
        Kind("search_query", "online.search_query"),
        Kind("password", "account.credential"),
        Kind("card", "payment.card"),
        Kind("bank_account", "payment.bank_account"),
        Kind("iban", "payment.bank_account"),
        Kind("name", "name"),
        Kind("address", "contact.address"),
        Kind("date_of_birth", "date_of_birth"),
        Kind("free_text", "free_text"),
    )
}


def _words(*alternatives: str) -> re.Pattern:
    """A column-name pattern matching whole words of a snake_case or camelCase name."""
    return re.compile(r"(?:^|_)(?:" + "|".join(alternatives) + r")(?:$|_)")


# Names that say what a column holds, wherever it stands.
SPECIFIC_NAMES: tuple[tuple[str, re.Pattern], ...] = (
    ("session", _words("session_key", "session_data", "session_id", "sessionid")),
    ("password", _words("password", "passwd", "password_hash", "passord")),
    ("username", _words("username", "user_name", "brukernavn", "login_name")),
    ("email", _words("e?_?mail", "email_address", "epost", "e_post", "mailadresse")),
    ("phone", _words("phone", "phone_number", "telefon", "telefonnummer", "tlf", "mobil", "mobile", "mobilnummer", "caller_number", "msisdn", "cell", "fax", "telefax", "faks")),
    ("fodselsnummer", _words("fodselsnummer", "fødselsnummer", "fnr", "personnummer", "ssn", "national_id", "d_nummer", "dnummer", "pnr")),
    ("customer_number", _words("customer_number", "customer_no", "kundenummer", "kundenr", "kunde_nr", "member_number", "medlemsnummer")),
    ("orgnr", _words("orgnr", "org_nr", "organisasjonsnummer", "org_number", "organization_number", "organisation_number")),
    ("ip_address", _words("ip", "ip_address", "ipaddr", "ip_adresse", "remote_addr", "client_ip")),
    ("card", _words("card_number", "cardnumber", "kortnummer", "pan", "cc_number", "credit_card")),
    ("bank_account", _words("kontonummer", "kontonr", "account_number", "bank_account", "iban")),
    ("homepage", _words("homepage", "home_page", "website", "web_site", "hjemmeside")),
    ("search_query", _words("query", "search_query", "search_term", "search_terms", "sokeord", "søkeord", "q")),
    ("person_name", _words("fornavn", "etternavn", "first_name", "last_name", "full_name", "surname", "given_name", "family_name", "firstname", "lastname", "fullname", "kontaktperson", "contact_person", "middle_name")),
    ("date_of_birth", _words("birth", "birth_date", "date_of_birth", "birthdate", "birthday", "dob", "fodselsdato", "fødselsdato", "fodt", "født")),
)
ADDRESS_NAMES = _words("address", "adresse", "street", "gate", "gateadresse", "postcode", "post_code", "postnr", "postnummer", "zip", "zipcode", "postal_code", "city", "poststed", "town", "street_address", r"address_line\d*", r"addr\d*")
# In a table of addresses these are parts of an address (or of the addressee's name).
ADDRESS_PARTS = _words(r"line\d+", "state", "region", "county", "province", "fylke", "kommune", "district", "search_text", "hash")
HONORIFIC = _words("title", "salutation", "tittel")
# Words that call a column a name or free text without saying it is a person's.
GENERIC_NAME = _words("name", "navn")
FREE_TEXT_NAMES = _words(
    "body", "body_text", "body_html", "notes?", "comments?", "kommentar", "melding", "message", "beskrivelse", "description",
    "fritekst", "cover_letter", "letter", "soknad", "søknad", "cv", "remarks?", "merknad", "resolution", "title", "subject",
    "heading", "emne", "tittel", "text",
)
EXPIRY = _words("expiry", "expiry_date", "expires", "exp", "exp_date", "valid_thru", "utlop", "utløp")
CARD_REFERENCE = _words("reference", "token", "ref")
# Names that contain a personal-data word but describe a thing, not a person.
NOT_PERSONAL = _words(
    "product", "item", "file", "camera", "company", "firma", "host", "hostname", "table", "column", "category", "brand",
    "sku", "position", "agent", "agent_code", "domain", "country", "status", "purpose", "seller", "shop", "store",
    "path", "url", "template", "display", "event", "type", "partner", "offer", "voucher", "code", "slug", "id", "uuid",
    "token", "key", "box", "imap", "folder", "dir", "permission", "proxy", "mime", "content_type", "model", "app_label",
)
# A role word glued to what it qualifies: split so that the words above match.
GLUED = re.compile(
    r"(?<![a-z])(billing|shipping|delivery|invoice|home|work|mailing|buyer|customer|contact)?"
    r"(postal)?(address|city|state|country|code|zip|zipcode|postcode|street|phone|fax|email|name|person)(?![a-z])"
)
ACCOUNT_FLAG = ("is_active", "active", "enabled", "is_enabled")
STAFF_FLAG = ("is_staff", "is_superuser", "staff", "is_admin", "superuser")


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
    roles: dict[str, str] = field(default_factory=dict)  # table -> person | owned | reference

    def proposed_columns(self) -> set[tuple[str, str]]:
        """Every column the proposal names (personal data, and the account flags it deactivates)."""
        return {(t, c) for t, spec in self.proposal.tables.items() for c in spec.columns}

    def personal_columns(self) -> set[tuple[str, str]]:
        """The columns discovery says hold personal data (what precision and recall measure)."""
        return {(f.table, f.column) for f in self.findings if f.personal and f.confidence >= PROPOSE_FROM}

    def yaml(self) -> str:
        lines = ["# Proposed by `personvern discover`: review every entry before use.", "# Evidence (counts over a bounded sample; no value was kept):"]
        for f in sorted(self.findings, key=lambda f: (f.table, f.column)):
            mark = "" if f.confidence >= PROPOSE_FROM else " (not proposed)"
            lines.append(f"#   {f.table}.{f.column}: {f.kind} {f.confidence:.2f}{mark}: {'; '.join(f.evidence)}")
        if self.roles:
            lines.append("# Tables: " + "; ".join(f"{role}: {', '.join(sorted(t for t, r in self.roles.items() if r == role))}" for role in ("person", "owned", "reference") if role in self.roles.values()))
        return "\n".join(lines) + "\n" + dump_datamap(self.proposal)


# ------------------------------------------------------------------ sampling


@dataclass
class _Table:
    """One table's sample: the rows (ordered by primary key) and whether that was all of it."""

    table: sa.Table
    rows: list[dict]
    complete: bool
    _counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def values(self, column: str) -> list:
        return [row[column] for row in self.rows] if self.rows and column in self.rows[0] else []

    def texts(self, column: str) -> list[str]:
        """The sampled values that are not empty, as text."""
        return [str(v).strip() for v in self.values(column) if v is not None and str(v).strip()]

    def counts(self, column: str) -> dict[str, int]:
        """How many of the column's sampled values pass each value check (counted once)."""
        if column not in self._counts:
            texts = self.texts(column)
            self._counts[column] = {kind: _share(texts, check) for kind, (check, _) in recognise.VALUE_KINDS.items()}
        return self._counts[column]

    def passes(self, column: str, kind: str, share: float = EXACT_SHARE) -> bool:
        texts = self.texts(column)
        return bool(texts) and self.counts(column)[kind] >= share * len(texts)


def _is_text(column: sa.Column) -> bool:
    return isinstance(column.type, (sa.String, sa.Text, sa.Enum)) or column.type.__class__.__name__.upper() in ("JSON", "CITEXT", "INET")


def _is_date(column: sa.Column) -> bool:
    return isinstance(column.type, (sa.Date, sa.DateTime))


def _sample(conn: Connection, table: sa.Table, size: int) -> _Table:
    keys = {c.parent.name for c in table.foreign_keys}
    flags = [c for c in table.columns if c.name in STAFF_FLAG + ACCOUNT_FLAG]
    wanted = [c for c in table.columns if _is_text(c) or _is_date(c) or c.name in keys or c.primary_key] + flags
    wanted = list(dict.fromkeys(wanted))
    order = list(table.primary_key.columns) or [c for c in wanted if _is_text(c)] or wanted
    rows = [dict(row._mapping) for row in conn.execute(sa.select(*wanted).order_by(*order).limit(size))] if wanted else []
    return _Table(table, rows, len(rows) < size)


# ------------------------------------------------------------ table roles


@dataclass
class _Key:
    """A foreign key as sampled: how many rows set it, how many distinct parents they name."""

    child: str
    columns: tuple[str, ...]
    parent: str
    set_rows: int
    distinct: int
    staff_share: float | None = None
    shared_parent: bool = False  # some parent the sample names is named by more than one row
    @property
    def name(self) -> str:
        return fk_name(self.columns)


def _keys(metadata: sa.MetaData, samples: dict[str, _Table]) -> list[_Key]:
    found = []
    for name, sample in samples.items():
        for fk in sorted(sample.table.foreign_key_constraints, key=lambda fk: [c.name for c in fk.columns]):
            columns = tuple(c.name for c in fk.columns)
            values = [tuple(row[c] for c in columns) for row in sample.rows]
            values = [v for v in values if all(part is not None for part in v)]
            found.append(_Key(name, columns, fk.referred_table.name, len(values), len(set(values))))
    return found


def _staff_share(conn: Connection, metadata: sa.MetaData, key: _Key, samples: dict[str, _Table]) -> float | None:
    """Of a key's sampled rows that name a person, the share naming staff (None: the person
    table has no staff flag)."""
    parent = metadata.tables[key.parent]
    flags = [parent.c[name] for name in STAFF_FLAG if name in parent.c]
    pk = list(parent.primary_key.columns)
    if not flags or len(pk) != 1 or len(key.columns) != 1:
        return None
    named = [row[key.columns[0]] for row in samples[key.child].rows if row[key.columns[0]] is not None]
    if not named:
        return None
    distinct = sorted(set(named), key=str)
    staff = set(conn.execute(sa.select(pk[0]).where(pk[0].in_(distinct), sa.or_(*(flag == sa.true() for flag in flags)))).scalars())
    return sum(1 for value in named if value in staff) / len(named)


def _roles(
    samples: dict[str, _Table], keys: list[_Key], persons: set[str]
) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Each table's role (person, owned, reference) and the marks of the keys that are not
    ownership (ignore: a person who is not the owner; reference: another row of the same
    kind, such as a merged-into or depends-on ticket)."""
    marks: dict[tuple[str, str], str] = {}
    for key in keys:
        if key.parent in persons and _is_actor(key, keys, persons):
            marks[key.child, key.name] = "ignore"
    by_pair: dict[tuple[str, str], list[_Key]] = defaultdict(list)
    for key in keys:
        if (key.child, key.name) not in marks:
            by_pair[key.child, key.parent].append(key)
    for (child, parent), group in by_pair.items():
        if child == parent:
            owners: list[_Key] = []
        else:  # of two keys to one table, the one named after it is the owner (ticket_id, not depends_on_id)
            owners = [k for k in group if k.columns[0].removesuffix("_id") in parent] or group[:1]
        for key in group:
            if key not in owners[:1]:
                marks[key.child, key.name] = "reference"
    roles = {name: "person" for name in persons}
    changed = True
    while changed:
        changed = False
        for key in keys:
            if (key.child, key.name) in marks:
                continue
            used = key.set_rows > 0 or not samples[key.child].rows  # an empty table is read by its schema
            if used and roles.get(key.parent) in ("person", "owned") and key.child not in roles:
                roles[key.child] = "owned"  # a row below a person's row is hers
                changed = True
            elif roles.get(key.child) in ("person", "owned") and key.parent not in roles and _names_own_parents(key):
                roles[key.parent] = "owned"  # a parent that only her row points at (her billing address)
                changed = True
    incoming: dict[str, list[_Key]] = defaultdict(list)
    for key in keys:
        if key.child != key.parent:
            incoming[key.parent].append(key)
    for name, sample in samples.items():
        refs = incoming.get(name, [])
        set_rows = sum(k.set_rows for k in refs)
        distinct = max((k.distinct for k in refs), default=0)
        if name not in roles and sample.complete and distinct and set_rows / distinct >= LOOKUP_FAN_IN:
            roles[name] = "reference"  # a lookup: few rows, each named by many
    for key in keys:
        if roles.get(key.parent) == "reference":
            marks.pop((key.child, key.name), None)  # the walk treats keys into lookups as references anyway
    return roles, marks


def _names_own_parents(key: _Key) -> bool:
    """Each row names a parent of its own (an order's billing address), not a shared one
    (a track many invoices bought): distinct in the sample, and in the database."""
    return bool(key.set_rows) and key.distinct >= OWN_PARENT_SHARE * key.set_rows and not key.shared_parent


def _parent_shared(conn: Connection, samples: dict[str, _Table], key: _Key) -> bool:
    """Whether a parent the key's sampled rows name is named by more than one row of the
    table (asked of the database: a sample of a large table sees each parent once)."""
    child = samples[key.child].table
    columns = [child.c[c] for c in key.columns]
    named = sorted({tuple(row[c] for c in key.columns) for row in samples[key.child].rows if all(row[c] is not None for c in key.columns)}, key=str)
    if not named or len(columns) != 1:
        return False
    query = sa.select(columns[0]).where(columns[0].in_([v[0] for v in named])).group_by(columns[0]).having(sa.func.count() > 1).limit(1)
    return conn.execute(query).first() is not None


def _is_actor(key: _Key, keys: list[_Key], persons: set[str]) -> bool:
    """The key names a person who acts on the row (a staff author, an assignee), not its
    owner: staff in (nearly) every row, or, where the row has an owner by another key
    (a reply below a ticket), staff in most rows or few persons for many rows."""
    others = [k for k in keys if k.child == key.child and k is not key]
    has_owner = key.child in persons or any(k.parent != key.child for k in others)
    if key.staff_share is not None:
        return key.staff_share >= 0.9 or (has_owner and key.staff_share >= 0.5)
    return has_owner and key.set_rows >= 10 and key.distinct <= ACTOR_SHARE * key.set_rows


# ------------------------------------------------------------ column findings


def _snake(column: str) -> str:
    """snake_case, and a role glued to the word it qualifies split off (Chinook's
    `BillingAddress` and `billingpostalcode` are `billing_address`, `billing_postal_code`)."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", column).lower()
    return GLUED.sub(lambda m: "_".join(part for part in m.groups() if part), name)


def _specific(name: str) -> str | None:
    for kind, pattern in SPECIFIC_NAMES:
        if pattern.search(name):
            if kind in ("email", "phone", "person_name") and NOT_PERSONAL.search(name) and not name.endswith(("email", "phone")):
                continue
            return kind
    return None


def _is_address_table(table: sa.Table) -> bool:
    names = [_snake(c.name) for c in table.columns]
    return sum(1 for n in names if ADDRESS_NAMES.search(n) or re.fullmatch(r"(address_)?line\d+", n)) >= 2


@dataclass
class _Context:
    role: str | None  # person | owned | reference | None
    linked: bool  # the table holds rows about persons (its role, or a key to a person table)
    address_table: bool
    card_table: bool
    person_names: frozenset[str]  # capitalised words sampled from person tables' name columns
    shared_values: frozenset[str]  # text sampled from tables that are no person's (products, partners)


def _finding(table: str, column: str, kind: str, confidence: float, evidence: list[str], identity: bool = False) -> ColumnFinding:
    k = KINDS[kind]
    return ColumnFinding(table, column, kind, k.category, k.identity if identity else None, k.personal, confidence, evidence)


def _is_json(value: str) -> bool:
    """A sampled value holding JSON. Through the input guard: the value comes from a database
    nobody here controls, and CPython's json recurses (1,020 nested brackets raise)."""
    if not value.startswith(("[", "{")):
        return False
    try:
        loads_json(value)
        return True
    except InputError:
        return False


def _share(values: list[str], check: Callable[[str], bool]) -> int:
    return sum(1 for v in values if check(v))


@dataclass
class _Seen:
    """One column as sampled: its name, its non-empty values (as text) and their counts."""

    table: str
    column: str
    name: str  # snake_case
    specific: str | None  # what its name says, where the name says it plainly
    rows: int
    values: list[str]
    counts: dict[str, int]

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def said(self) -> str:
        return f"column name '{self.column}'"

    @property
    def blank(self) -> bool:
        return self.rows > 0 and not self.values

    @property
    def empty_note(self) -> list[str]:
        return [f"all {self.rows} sampled values are empty"] if self.blank else []

    def described(self, kind: str) -> list[str]:
        hits = self.counts.get(kind, 0)
        return [f"{hits} of {self.n} sampled values are {recognise.VALUE_KINDS[kind][1]}"] if hits else []

    def share(self, kind: str) -> float:
        return self.counts.get(kind, 0) / self.n if self.n else 0.0

    def finding(self, kind: str, confidence: float, evidence: list[str], identity: bool = False) -> ColumnFinding:
        return _finding(self.table, self.column, kind, confidence, evidence, identity)


def _scan(table: str, column: sa.Column, raw: Sequence, ctx: _Context, counts: dict[str, int] | None = None) -> ColumnFinding | None:
    """Name, sampled values and the table's role -> a finding (or None). Values are only counted."""
    name = _snake(column.name)
    values = [str(v).strip() for v in raw if v is not None and str(v).strip()]
    if counts is None:
        counts = {kind: _share(values, check) for kind, (check, _) in recognise.VALUE_KINDS.items()}
    seen = _Seen(table, column.name, name, _specific(name), len(raw), values, counts if values else {})
    if _is_date(column):
        if seen.specific == "date_of_birth":
            return seen.finding("date_of_birth", 0.9, [f"{seen.said} means date of birth", "date type"])
        if ctx.card_table and EXPIRY.search(name):
            return seen.finding("card", 0.85, [f"{seen.said} is the expiry date in a table of payment cards"])
        return None
    if not _is_text(column) or ctx.role == "reference":
        return None  # (a lookup table holds no person's data)
    if seen.specific == "session":
        return seen.finding("session", 0.85, [f"{seen.said} is a web session's key or data"])
    if column.primary_key:
        return None
    if seen.specific == "username" and ctx.linked:
        # (before the values: helpdesk names a submitter's account by her e-mail address)
        return seen.finding("username", 0.85, [f"{seen.said} suggests a user name"], identity=ctx.role == "person")
    return _by_exact_values(seen, ctx) or _by_name(seen, ctx) or _by_table(seen, ctx) or _as_name(seen, ctx) or _as_free_text(seen, ctx)


def _by_exact_values(seen: _Seen, ctx: _Context) -> ColumnFinding | None:
    """Kinds with a check digit or a syntax, decided by the values wherever they stand."""
    for kind in recognise.EXACT:
        if seen.n and seen.share(kind) >= EXACT_SHARE:
            if kind == "email" and all(recognise.is_role_mailbox(v) for v in seen.values):
                return seen.finding("email", 0.3, seen.described(kind) + ["but every one is a role mailbox (post@, support@), not a person's"])
            agrees = seen.specific == kind or (kind == "email" and seen.specific is None) or (kind == "card" and ctx.card_table)
            identity = kind in ("email", "fodselsnummer") or (kind == "phone" and seen.specific == "phone" and ctx.role != "owned")
            named = [f"{seen.said} suggests {kind.replace('_', ' ')}"] if seen.specific == kind else []
            return seen.finding(kind, 0.95 if agrees else 0.9, named + seen.described(kind), identity)
    if seen.n and seen.share("orgnr") >= EXACT_SHARE:
        return seen.finding("orgnr", 0.9, seen.described("orgnr"))
    return None


def _by_name(seen: _Seen, ctx: _Context) -> ColumnFinding | None:
    """Names that say plainly what a column holds: they count in a table linked to persons."""
    said, specific = seen.said, seen.specific
    if specific in ("password", "username", "customer_number", "homepage", "search_query") and not ctx.linked:
        return seen.finding(specific, 0.3, [f"{said} suggests {specific.replace('_', ' ')}", "but the table has no link to a person"])
    if specific == "password":
        return seen.finding("password", 0.8, [f"{said} is a credential in a table of persons"])
    if specific == "customer_number":
        return seen.finding("customer_number", 0.8, [f"{said} suggests a customer number"], identity=True)
    if specific == "homepage":
        return seen.finding("homepage", 0.75, [f"{said} suggests a person's homepage", *seen.empty_note])
    if specific == "search_query":
        words = _share(seen.values, lambda v: len(v) <= 200 and bool(re.search(r"[a-zæøå]{2}", v, re.I)) and (" " in v or len(v) <= 30))
        if seen.n and words >= 0.8 * seen.n:
            return seen.finding("search_query", 0.8, [f"{said} suggests a search query", f"{words} of {seen.n} sampled values are short words"])
        if not seen.n:
            return seen.finding("search_query", 0.6, [f"{said} suggests a search query", *seen.empty_note])
        return seen.finding("search_query", 0.3, [f"{said} suggests a search query", f"but {seen.n - words} of {seen.n} sampled values are not words"])
    return None


def _by_table(seen: _Seen, ctx: _Context) -> ColumnFinding | None:
    """In a table of a person's addresses every line, the region, the addressee's name and
    title and the digest are the address; in a table of payment cards the holder's name
    and the provider's token are card data."""
    name = seen.name
    if ctx.address_table and ctx.linked and (ADDRESS_NAMES.search(name) or ADDRESS_PARTS.search(name) or HONORIFIC.search(name) or seen.specific == "person_name"):
        kind = "name" if seen.specific == "person_name" or HONORIFIC.search(name) else "address"
        return seen.finding(kind, 0.85, [f"{seen.said} is part of an address in a table of a person's addresses"] + seen.described("address") + seen.described("full_name"))
    if ctx.card_table and (GENERIC_NAME.search(name) or CARD_REFERENCE.search(name)):
        kind = "name" if GENERIC_NAME.search(name) else "card"
        return seen.finding(kind, 0.8, [f"{seen.said} in a table of payment cards"] + seen.described("full_name"))
    return None


def _content(seen: _Seen, ctx: _Context) -> tuple[dict[str, int], int, list[str]]:
    """The identity values inside the values (per kind), how many values hold a name
    found in a person table, and the evidence saying so."""
    content = recognise.identity_content(seen.values) if seen.n else {}
    named = _share(seen.values, lambda v: any(word in ctx.person_names for word in recognise.name_words(v))) if seen.n and ctx.person_names else 0
    evidence = [f"{hits} of {seen.n} sampled values contain {recognise.TEXT_DESCRIPTIONS[kind]}" for kind, hits in sorted(content.items())]
    if named:
        evidence.append(f"{named} of {seen.n} sampled values contain a name found in a person table")
    return content, named, evidence


def _as_name(seen: _Seen, ctx: _Context) -> ColumnFinding | None:
    """A person's name by its column name; a `name` column only when its values agree
    ("Norge" and "Julegaver" are not names); e-mail, phone or address words that the
    values do not bear out are reported, not proposed."""
    said, specific, name, n = seen.said, seen.specific, seen.name, seen.n
    if specific == "person_name" or (GENERIC_NAME.search(name) and not NOT_PERSONAL.search(name)):
        full = seen.counts.get("full_name", 0)
        if specific == "person_name" and ctx.linked and not seen.blank:
            return seen.finding("name", 0.85, [f"{said} is a person's name"] + seen.described("full_name"))
        if n and full >= 0.5 * n and (specific or ctx.linked):  # (an artist's or a song's name is no customer's)
            return seen.finding("name", 0.9 if specific else 0.8, [f"{said} suggests a name"] + seen.described("full_name"))
        _, named, evidence = _content(seen, ctx)
        if n and ctx.linked and named >= 0.5 * n:
            return seen.finding("name", 0.7, [f"{said} suggests a name", evidence[-1]])
        why = seen.empty_note or ([f"only {full} of {n} sampled values are shaped like a full name"] if n else ["the table has no link to a person"])
        return seen.finding("name", 0.3, [f"{said} suggests a name", *why])
    if specific in ("email", "phone", "ip_address", "fodselsnummer", "card", "bank_account"):
        content, _, _ = _content(seen, ctx)
        if n and specific == "email" and content.get("email", 0) >= EXACT_SHARE * n:
            return seen.finding("email", 0.85, [f"{said} suggests e-mail", f"{content['email']} of {n} sampled values contain an e-mail address"])
        if not n and ctx.linked and not seen.blank:
            return seen.finding(specific, 0.6, [f"{said} suggests {specific.replace('_', ' ')}", "no values to check"])
        best = max(seen.counts.get(specific, 0), content.get(specific, 0))
        return seen.finding(specific, 0.3, [f"{said} suggests {specific.replace('_', ' ')}", *(seen.empty_note or [f"but {n - best} of {n} sampled values do not look like it"])])
    if ADDRESS_NAMES.search(name) and not NOT_PERSONAL.search(name):
        if ctx.linked and not seen.blank:
            return seen.finding("address", 0.8, [f"{said} suggests an address"] + seen.described("address"))
        return seen.finding("address", 0.3, [f"{said} suggests an address", *(seen.empty_note or ["but the table has no link to a person"])])
    return None


def _as_free_text(seen: _Seen, ctx: _Context) -> ColumnFinding | None:
    """Free text, by its name or by its values (long text, or text holding identity
    values): proposed when it holds identity values, or names from a person table, or
    varies like text people write in a table linked to persons."""
    values, n = seen.values, seen.n
    hinted = FREE_TEXT_NAMES.search(seen.name) and not NOT_PERSONAL.search(seen.name)
    long_text = n and sum(len(v) for v in values) / n >= 40 and _share(values, lambda v: " " in v) > 0.8 * n
    exact = sum(seen.counts.get(k, 0) for k in recognise.EXACT)
    mixed = n and exact >= 0.3 * n  # a column of several kinds of identity value
    content, named, evidence = _content(seen, ctx)
    exact_content = {k: v for k, v in content.items() if k in recognise.EXACT}
    if not (hinted or long_text or exact_content or mixed):
        return None
    if n and not content and _share(values, _is_json) == n:
        return seen.finding("free_text", 0.3, [f"{n} of {n} sampled values are structured data (JSON) holding no identity value"]) if hinted else None
    label = [f"{seen.said} suggests free text"] if hinted else [f"free text (average {sum(len(v) for v in values) // n} characters)"] if n else []
    if mixed and not exact_content:
        evidence = [line for k in recognise.EXACT for line in seen.described(k)]
    if seen.blank:
        return seen.finding("free_text", 0.3, label + seen.empty_note)
    if exact_content or mixed:
        if not hinted and not long_text and not mixed and max(exact_content.values()) < 0.2 * n:
            return None  # a few stray numbers in a column of something else (product codes)
        return seen.finding("free_text", 0.85 if hinted or ctx.linked else 0.7, label + evidence)
    if not ctx.linked:
        return seen.finding("free_text", 0.3, label + ["but the table has no link to a person"]) if hinted else None
    if named or content:
        return seen.finding("free_text", 0.75, label + evidence)
    if not n:
        return seen.finding("free_text", 0.6, label + ["no values to check"])
    distinct = len(set(values))
    copied = _share(values, lambda v: v in ctx.shared_values)
    if copied >= 0.5 * n:
        return seen.finding("free_text", 0.3, label + [f"but {copied} of {n} sampled values are copies of a shared table's text"])
    if distinct < max(2, 0.5 * n):
        return seen.finding("free_text", 0.3, label + [f"but the values repeat ({distinct} distinct of {n}): the application's own text"])
    return seen.finding("free_text", 0.6 if hinted else 0.5, label + [f"{distinct} distinct of {n} sampled values"])


# ------------------------------------------------------------------ discover


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
    engine = make_engine(source, create_sqlite=False) if isinstance(source, str) else source  # a typo is an error
    metadata = reflect(engine, refresh=True)
    names = [n for n in (tables or sorted(metadata.tables)) if not n.startswith("pv_")]
    missing = [n for n in names if n not in metadata.tables]
    if missing:
        raise ConnectorError(f"no such table: {', '.join(missing)}")
    try:
        with engine.connect() as conn:
            samples: dict[str, _Table] = {}
            for done, name in enumerate(names, 1):
                samples[name] = _sample(conn, metadata.tables[name], sample_size)
                if progress:
                    progress(done, len(names), name)
            keys = [k for k in _keys(metadata, samples) if k.parent in samples]
            persons = _person_tables(samples)
            for key in keys:
                if key.parent in persons:
                    key.staff_share = _staff_share(conn, metadata, key, samples)
                if key.set_rows and key.distinct >= OWN_PARENT_SHARE * key.set_rows:
                    key.shared_parent = _parent_shared(conn, samples, key)
            roles, marks = _roles(samples, keys, persons)
            links = _identity_links(conn, samples, persons, roles)
            conn.rollback()
    except SQLAlchemyError as exc:
        raise ConnectorError(f"discovery failed: {_short(exc)}") from None
    findings = _findings(samples, keys, roles, links)
    proposal = propose(findings, metadata, roles, marks, keys, links)
    columns = sum(len(metadata.tables[n].columns) for n in names)
    return DiscoveryResult(findings, proposal, len(names), columns, time.perf_counter() - started, dict(sorted(roles.items())))


def _person_tables(samples: dict[str, _Table]) -> set[str]:
    """Tables with identity values of persons: e-mail addresses (not role mailboxes), user
    names, fødselsnumre, customer numbers."""
    persons = set()
    for name, sample in samples.items():
        for column in sample.table.columns:
            if not _is_text(column):
                continue
            values = sample.texts(column.name)
            specific = _specific(_snake(column.name))
            if sample.passes(column.name, "email") and not all(recognise.is_role_mailbox(v) for v in values):
                persons.add(name)
            elif sample.passes(column.name, "fodselsnummer", 0.5):
                persons.add(name)
            elif specific in ("username", "customer_number") and values and len(set(values)) >= 0.9 * len(values):
                persons.add(name)
    return persons


def _holds_exact_kind(sample: _Table) -> bool:
    """A column of the table passes an exact check (IP addresses in a log, phone numbers)."""
    for column in sample.table.columns:
        if not _is_text(column):
            continue
        values = sample.texts(column.name)
        for kind in recognise.EXACT:
            if sample.passes(column.name, kind):
                if kind != "email" or not all(recognise.is_role_mailbox(v) for v in values):
                    return True
    return False


@dataclass(frozen=True)
class _Link:
    """A column whose values name persons by a person table's user name, with no foreign
    key saying so (Django's admin log names a user by her user name)."""

    child: str
    column: str
    parent: str
    parent_column: str
    matched: int
    sampled: int


def _user_name_columns(samples: dict[str, _Table], persons: set[str]) -> list[tuple[str, str]]:
    """Person tables' user-name columns (e-mail addresses elsewhere are found as such)."""
    return [
        (name, column.name)
        for name in sorted(persons)
        for column in samples[name].table.columns
        if _is_text(column) and _specific(_snake(column.name)) == "username"
    ]


def _identity_links(conn: Connection, samples: dict[str, _Table], persons: set[str], roles: dict[str, str]) -> list[_Link]:
    """Text columns whose sampled values are, for the most part, user names of a person
    table: asked of the database with the values bound."""
    targets = _user_name_columns(samples, persons)
    if not targets:
        return []
    links = []
    for name in sorted(samples):
        sample = samples[name]
        if roles.get(name) == "reference" or not sample.rows:
            continue
        keyed = {c.parent.name for c in sample.table.foreign_keys}
        for column in sample.table.columns:
            if not _is_text(column) or column.primary_key or column.name in keyed or (name, column.name) in targets:
                continue
            values = sorted({str(v).strip() for v in sample.values(column.name) if v is not None and str(v).strip()})
            tokens = [v for v in values if " " not in v and 3 <= len(v) <= 254 and not v.isdigit()]
            if len(values) < 3 or len(tokens) < 0.8 * len(values) or _share(values, recognise.is_email) >= EXACT_SHARE * len(values):
                continue  # not token-shaped (or already e-mail addresses, found as such)
            for parent, parent_column in targets:
                target = samples[parent].table.c[parent_column]
                matched = conn.execute(sa.select(sa.func.count(sa.distinct(target))).where(target.in_(tokens))).scalar_one()
                if matched >= 3 and matched >= 0.5 * len(values):
                    links.append(_Link(name, column.name, parent, parent_column, matched, len(values)))
                    break
    return links


def _findings(samples: dict[str, _Table], keys: list[_Key], roles: dict[str, str], links: Sequence[_Link] = ()) -> list[ColumnFinding]:
    linked = set(roles) | {k.child for k in keys if roles.get(k.parent) == "person"}
    linked |= {name for name, sample in samples.items() if name not in roles and _holds_exact_kind(sample)}
    linked -= {name for name, role in roles.items() if role == "reference"}
    person_names: set[str] = set()
    shared: set[str] = set()
    for name, sample in samples.items():
        for column in sample.table.columns:
            if not _is_text(column):
                continue
            specific = _specific(_snake(column.name))
            values = [str(v) for v in sample.values(column.name) if v]
            full_names = GENERIC_NAME.search(_snake(column.name)) and values and _share(values, recognise.is_full_name) >= 0.5 * len(values)
            if roles.get(name) == "person" and (specific == "person_name" or full_names):
                person_names.update(w for v in values for w in recognise.name_words(v))
            elif name not in linked:
                shared.update(str(v).strip() for v in sample.values(column.name) if v and str(v).strip())
    findings: list[ColumnFinding] = []
    for name in sorted(samples):
        sample = samples[name]
        keyed = {c.parent.name for c in sample.table.foreign_keys}
        columns = [c for c in sample.table.columns if c.name not in keyed]
        card_table = any(
            _is_text(c) and sample.passes(c.name, "card")
            for c in columns
        )
        ctx = _Context(roles.get(name), name in linked, _is_address_table(sample.table), card_table, frozenset(person_names), frozenset(shared))
        named_by = {link.column: link for link in links if link.child == name}
        for column in columns:
            if column.name in named_by:
                link = named_by[column.name]
                evidence = f"{link.matched} of {link.sampled} distinct sampled values are values of {link.parent}.{link.parent_column}"
                findings.append(_finding(name, column.name, "username", 0.8, [evidence]))
                continue
            finding = _scan(name, column, sample.values(column.name), ctx, sample.counts(column.name) if _is_text(column) else None)
            if finding:
                findings.append(finding)
    return findings


# ------------------------------------------------------------------ proposal


def _erasure(table: sa.Table, column: sa.Column, identity: bool) -> ColumnErasure:
    """The first mask that fits the column: NULL where allowed (and not an identity), a
    keyed hash for identities and unique columns, else a fixed value of the column's type."""
    options: list[ColumnErasure] = []
    if identity or in_unique_constraint(table, column.name):
        options.append(ColumnErasure(action="keyed_hash"))
    if column.nullable:
        options.append(ColumnErasure(action="set_null"))
    if _is_date(column):
        options.append(ColumnErasure(action="fixed", value="1970-01-01"))
    else:
        options.append(ColumnErasure(action="fixed", value=""))
    options.append(ColumnErasure(action="keyed_hash"))
    for option in options:
        if not mask_problems(table, column, option, ""):
            return option
    return options[0]


def propose(
    findings: list[ColumnFinding],
    metadata: sa.MetaData | None = None,
    roles: dict[str, str] | None = None,
    marks: dict[tuple[str, str], str] | None = None,
    keys: list[_Key] | None = None,
    links: Sequence[_Link] = (),
) -> DataMap:
    """A dataset map from the confident, personal findings and the tables' roles: person
    and owned tables with their personal columns and masks that fit the schema, the lookup
    tables they point at as references, and the keys that are not ownership marked."""
    roles, marks, keys = roles or {}, marks or {}, keys or []
    tables: dict[str, TableSpec] = {}
    for f in sorted(findings, key=lambda f: (f.table, f.column)):
        if f.confidence < PROPOSE_FROM or not f.personal:
            continue
        table = metadata.tables[f.table] if metadata is not None else None
        erasure = _erasure(table, table.c[f.column], bool(f.identity)) if table is not None else ColumnErasure(action="set_null")
        spec = tables.setdefault(f.table, TableSpec())
        spec.columns[f.column] = ColumnSpec(category=f.category, identity=f.identity, erasure=erasure)
    for name, role in roles.items():
        if role in ("person", "owned"):
            tables.setdefault(name, TableSpec())
    for name, spec in tables.items():
        if metadata is None:
            continue
        table = metadata.tables[name]
        account = [c for c in ACCOUNT_FLAG if c in table.c]
        if roles.get(name) == "person" and (account or "password" in table.c):
            # An account is kept (others' rows may point at it), deactivated and emptied.
            spec.erasure = "mask"
            for flag in account:
                spec.columns[flag] = ColumnSpec(category="account.status", erasure=ColumnErasure(action="fixed", value=False))
            if "password" in spec.columns:
                spec.columns["password"].erasure = ColumnErasure(action="fixed", value="!")
        elif roles.get(name) in ("person", "owned") or any(table.c[c].primary_key for c in spec.columns):
            spec.erasure = "delete_row"  # (a session row, keyed by its session key, can only go whole)
        for column in spec.columns:
            if table.c[column].primary_key:
                spec.columns[column].erasure = None
        spec.foreign_keys = {key: walk for (child, key), walk in sorted(marks.items()) if child == name}
    for key in keys:
        if key.child in tables and roles.get(key.parent) == "reference":
            tables.setdefault(key.parent, TableSpec(role="reference"))
    relationships = [Relationship(**{"from": f"{link.child}.{link.column}", "to": f"{link.parent}.{link.parent_column}"}) for link in links if link.child in tables]
    return DataMap(description="Proposed by discovery; review before use", tables=dict(sorted(tables.items())), relationships=relationships)
