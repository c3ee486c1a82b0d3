"""The dataset map: per connection, which tables and columns hold personal data, which
columns identify a person, what erasure does, legal holds and restriction.

Relationships are not written by hand: they come from the reflected foreign keys, and
the map only adds the ones the schema does not declare (e.g. newsletter e-mail to
customer e-mail)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_serializer, model_validator

from personvern.connectors.engine import ConnectorError
from personvern.core.inputs import DEFAULT_LIMITS, InputError, Limits, check_yaml


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    CUSTOMER_NUMBER = "customer_number"
    FODSELSNUMMER = "fodselsnummer"  # D-numbers are fødselsnumre with day + 40
    USERNAME = "username"
    USER_ID = "user_id"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ColumnErasure(Model):
    """What erasure writes into a column of a row that is kept (masked)."""

    action: Literal["set_null", "fixed", "keyed_hash"]
    value: str | int | float | bool | None = Field(None, description="The fixed value, for action: fixed")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        # `erasure: set_null` and `erasure: {fixed: "slettet"}` read better in YAML.
        if isinstance(data, str):
            return {"action": data}
        if isinstance(data, dict) and "fixed" in data and "action" not in data:
            return {"action": "fixed", "value": data["fixed"]}
        return data

    @model_serializer
    def _compact(self):
        # Written back the way people write it: `set_null`, `keyed_hash`, `{fixed: slettet}`.
        return {"fixed": self.value} if self.action == "fixed" else self.action

    @model_validator(mode="after")
    def _fixed_needs_value(self):
        if self.action == "fixed" and self.value is None:
            raise ValueError("erasure 'fixed' needs a value, e.g. {fixed: 'slettet'}")
        return self


class ColumnSpec(Model):
    category: str = Field(description="Data category, e.g. contact.email, name, address, free_text")
    identity: IdentityKind | None = Field(None, description="This column identifies a person")
    erasure: ColumnErasure | None = Field(None, description="What masking writes; none = the column is kept")


class LegalHold(Model):
    """Rows that a law says must be kept (e.g. bokføringsloven § 13: accounting records
    for 5 years after the end of the financial year). While held, erasure keeps the
    `keep` columns and masks the rest; when the hold ends the table's erasure applies."""

    law: str
    keep: list[str] = Field(default_factory=list)
    years: int = Field(5, ge=0, le=100)
    from_column: str = Field(description="Date the hold counts from: a column, or parent_table.column via a foreign key")
    financial_year_end: str = Field("12-31", description="MM-DD; the hold runs from the end of the financial year")

    @field_validator("financial_year_end")
    @classmethod
    def _month_day(cls, value: str) -> str:
        try:
            dt.date(2001, int(value[:2]), int(value[3:]))
        except (ValueError, IndexError):
            raise ValueError(f"'{value}' is not a month and day; write MM-DD, e.g. 12-31") from None
        return value

    def cutoff(self, now: dt.datetime) -> dt.datetime:
        """Rows dated after the returned instant are still held at `now`.

        A row dated d is held until the end of its financial year plus `years`; that is
        after `now` exactly when d is later than the last financial-year end that lies
        before now - years."""
        month, day = int(self.financial_year_end[:2]), int(self.financial_year_end[3:])
        base_year = now.year - self.years
        year_end = _safe_date(base_year, month, day)
        ref = _safe_date(base_year, now.month, now.day)
        if year_end >= ref:
            year_end = _safe_date(base_year - 1, month, day)
        # End of that day: a row dated during the last day of the old year is not held.
        end = dt.datetime.combine(year_end, dt.time.max)
        return end.replace(tzinfo=now.tzinfo) if now.tzinfo else end

    def until(self, dated: dt.date) -> dt.date:
        """The last day a row dated `dated` is held: the end of its financial year plus `years`
        (the same rule as cutoff, seen from the row)."""
        month, day = int(self.financial_year_end[:2]), int(self.financial_year_end[3:])
        year_end = _safe_date(dated.year, month, day)
        if year_end < dated:
            year_end = _safe_date(dated.year + 1, month, day)
        return _safe_date(year_end.year + self.years, month, day)


def _safe_date(year: int, month: int, day: int) -> dt.date:
    while True:
        try:
            return dt.date(year, month, day)
        except ValueError:  # 29 February in a common year
            day -= 1


class Restriction(Model):
    """How rows are marked as restricted (GDPR Art. 18): a column of the table set to
    true / a timestamp, or a side table the connector creates (pv_restriction)."""

    column: str | None = None
    side_table: str | None = None

    @model_validator(mode="after")
    def _one_of(self):
        if (self.column is None) == (self.side_table is None):
            raise ValueError("restriction needs exactly one of 'column' or 'side_table'")
        return self


Walk = Literal["follow", "reference", "ignore"]
"""How the walk treats a foreign key or relationship: `follow` it (an ownership edge: the
person's rows own the rows below them, and a parent only their own rows reference),
`reference` (the parent is context only: shown in an access export, never erased, masked
or expanded from) or `ignore` (not walked at all)."""


class TableSpec(Model):
    role: Literal["person", "reference"] = Field(
        "person", description="reference: a lookup/shared table (countries, sites); never erased, masked or expanded from"
    )
    erasure: Literal["delete_row", "mask"] = Field("mask", description="Delete the person's rows, or mask their columns")
    foreign_keys: dict[str, Walk] = Field(
        default_factory=dict, description="How the walk treats this table's foreign keys, keyed by the key's column(s), comma-joined"
    )
    columns: dict[str, ColumnSpec] = Field(default_factory=dict)
    legal_hold: LegalHold | None = None
    restriction: Restriction | None = None
    primary_key: list[str] | None = Field(None, description="Only for tables the schema gives no primary key")

    def identity_columns(self) -> dict[str, IdentityKind]:
        return {name: spec.identity for name, spec in self.columns.items() if spec.identity}

    def masked_columns(self, held: bool = False) -> dict[str, ColumnErasure]:
        keep = set(self.legal_hold.keep) if (held and self.legal_hold) else set()
        return {name: spec.erasure for name, spec in self.columns.items() if spec.erasure and name not in keep}


class Relationship(Model):
    """A link the schema does not declare, as two 'table.column' ends."""

    from_: str = Field(alias="from")
    to: str
    walk: Walk = "follow"

    @field_validator("from_", "to")
    @classmethod
    def _dotted(cls, value: str) -> str:
        if value.count(".") != 1 or not all(value.split(".")):
            raise ValueError(f"'{value}' should be table.column")
        return value


class Limits(Model):
    max_rows: int = Field(1000, ge=1, le=100_000_000, description="An erasure plan touching more rows needs explicit confirmation")


class DataMap(Model):
    connection: str | None = None
    description: str | None = None
    tables: dict[str, TableSpec] = Field(default_factory=dict)
    relationships: list[Relationship] = Field(default_factory=list)
    limits: Limits = Field(default_factory=Limits)

    def identity_columns(self, kind: str) -> list[tuple[str, str]]:
        return [(t, c) for t, spec in self.tables.items() for c, k in spec.identity_columns().items() if k == kind]

    def identity_kinds(self) -> set[str]:
        return {str(k) for spec in self.tables.values() for k in spec.identity_columns().values()}

    def needs_hash_key(self) -> bool:
        return any(
            col.erasure and col.erasure.action == "keyed_hash" for spec in self.tables.values() for col in spec.columns.values()
        )


# --------------------------------------------------------------------- YAML


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster, same safe subset


def load_datamap(text: str, limits: Limits = DEFAULT_LIMITS) -> DataMap:
    """A map from YAML text: what staff type or upload, so never read as a file name.
    ConnectorError with the place of each problem."""
    if not isinstance(text, str):
        raise TypeError("load_datamap takes the map's text; load_datamap_file reads the operator's file")
    try:
        check_yaml(text, limits, limits.datamap_bytes)
    except InputError as exc:
        raise ConnectorError(f"the dataset map is refused: {exc}") from None
    try:
        try:
            data = yaml.load(text, Loader=_SAFE_LOADER)
        except yaml.YAMLError:
            data = yaml.safe_load(text)  # the pure-Python parser places errors more exactly
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConnectorError(f"the dataset map is not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise ConnectorError("the dataset map should be a mapping with a 'tables' key")
    return parse_datamap(data)


def load_datamap_file(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> DataMap:
    """A map from a file the operator names (the command line, tests, benchmarks)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConnectorError(f"cannot read the dataset map {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConnectorError(f"the dataset map {path} is not UTF-8 text") from None
    try:
        return load_datamap(text, limits)
    except ConnectorError as exc:
        raise ConnectorError(f"{path}: {exc}") from None


def parse_datamap(data: dict) -> DataMap:
    try:
        return DataMap.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(part) for part in err["loc"] if not str(part).startswith("function-"))
            message = err["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {message}" if where else message)
        raise ConnectorError("the dataset map has problems:\n  " + "\n  ".join(problems)) from None


def dump_datamap(datamap: DataMap) -> str:
    data = datamap.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# ------------------------------------------------------------ against the schema


@dataclass(frozen=True)
class Edge:
    """child.child_cols refers to parent.parent_cols (a foreign key, or a map relationship)."""

    child: str
    child_cols: tuple[str, ...]
    parent: str
    parent_cols: tuple[str, ...]
    declared: bool  # True when the schema has the foreign key (the database enforces it)
    walk: str = "follow"  # follow | reference | ignore (datamap.Walk), as the map says or by default


def fk_name(columns) -> str:
    """A foreign key's name in the map's `foreign_keys`: its column(s), comma-joined."""
    return ",".join(getattr(c, "name", c) for c in columns)


def _walk_of(datamap: DataMap, parent: str, said: str) -> str:
    # An edge into a reference table is never an ownership edge, whatever it says.
    return "reference" if said == "follow" and datamap.tables[parent].role == "reference" else said


def edges(datamap: DataMap, metadata: sa.MetaData) -> list[Edge]:
    """Every relationship between tables of the map: reflected foreign keys plus the map's own,
    each with how the walk treats it (`ignore`d ones included: the caller decides)."""
    found: list[Edge] = []
    for name, spec in datamap.tables.items():
        table = metadata.tables.get(name)
        if table is None:
            continue
        marks = {key.replace(" ", ""): walk for key, walk in spec.foreign_keys.items()}
        for fk in table.foreign_key_constraints:
            parent = fk.referred_table.name
            if parent in datamap.tables:
                walk = _walk_of(datamap, parent, marks.get(fk_name(fk.columns), "follow"))
                found.append(Edge(name, tuple(c.name for c in fk.columns), parent, tuple(e.column.name for e in fk.elements), True, walk))
    for rel in datamap.relationships:
        child, child_col = rel.from_.split(".")
        parent, parent_col = rel.to.split(".")
        if parent in datamap.tables and child in datamap.tables:  # tables outside the map are never walked into
            found.append(Edge(child, (child_col,), parent, (parent_col,), False, _walk_of(datamap, parent, rel.walk)))
    return found


def check_against_schema(datamap: DataMap, metadata: sa.MetaData, *, masks: bool = True) -> list[str]:
    """What in the map does not exist in the database, and (with masks) each column's
    erasure that the reflected column cannot take (empty when the map fits)."""
    problems: list[str] = []

    def need_column(table: str, column: str, what: str) -> None:
        if table not in metadata.tables:
            problems.append(f"{what}: table '{table}' does not exist")
        elif column not in metadata.tables[table].c:
            problems.append(f"{what}: column '{table}.{column}' does not exist")

    for name, spec in datamap.tables.items():
        if name not in metadata.tables:
            problems.append(f"tables.{name}: table does not exist in the database")
            continue
        table = metadata.tables[name]
        for column, column_spec in spec.columns.items():
            need_column(name, column, f"tables.{name}.columns")
            if masks and column in table.c and column_spec.erasure is not None:
                problems += mask_problems(table, table.c[column], column_spec.erasure, f"tables.{name}.columns.{column}.erasure")
        if not primary_key(datamap, table):
            problems.append(f"tables.{name}: the table has no primary key; name one with primary_key: [column]")
        if spec.legal_hold:
            for column in spec.legal_hold.keep:
                need_column(name, column, f"tables.{name}.legal_hold.keep")
            source = spec.legal_hold.from_column
            if "." in source:
                parent, column = source.split(".", 1)
                need_column(parent, column, f"tables.{name}.legal_hold.from_column")
                if parent in metadata.tables and not _fk_between(table, metadata.tables[parent]):
                    problems.append(f"tables.{name}.legal_hold.from_column: no foreign key from {name} to {parent}")
            else:
                need_column(name, source, f"tables.{name}.legal_hold.from_column")
        if spec.restriction and spec.restriction.column:
            need_column(name, spec.restriction.column, f"tables.{name}.restriction.column")
        declared = {fk_name(fk.columns): fk.referred_table.name for fk in table.foreign_key_constraints}
        for key in spec.foreign_keys:
            if key.replace(" ", "") not in declared:
                have = ", ".join(sorted(declared)) or "none"
                problems.append(f"tables.{name}.foreign_keys.{key}: {name} has no foreign key on ({key}); its foreign keys: {have}")
        if spec.role == "reference" and spec.identity_columns():
            problems.append(f"tables.{name}.role: a reference table cannot have identity columns (it holds no person's rows)")
    for i, rel in enumerate(datamap.relationships):
        for end in (rel.from_, rel.to):
            need_column(*end.split("."), f"relationships[{i}]")
    return problems


MIN_HASH_LENGTH = 16  # hex characters of a keyed hash (64 bits): shorter ones collide too soon


def mask_problems(table: sa.Table, column: sa.Column, erasure: ColumnErasure, where: str) -> list[str]:
    """Why a column's mask cannot run on the reflected column (empty when it can): found
    before anything is written, not half-way through an erasure."""
    if column.primary_key:
        return [f"{where}: the column is (part of) the primary key, which erasure never masks; delete the row instead"]
    if erasure.action == "set_null":
        if not column.nullable:
            return [f"{where}: set_null on a NOT NULL column; use keyed_hash or {{fixed: …}}"]
        return []
    if erasure.action == "keyed_hash":
        length = getattr(column.type, "length", None)
        if not isinstance(column.type, sa.String) or isinstance(column.type, sa.Enum):
            return [f"{where}: keyed_hash writes text, the column is {_type_name(column)}; use {{fixed: …}} or set_null"]
        if length is not None and length < MIN_HASH_LENGTH:
            return [f"{where}: keyed_hash needs a column of at least {MIN_HASH_LENGTH} characters, this one holds {length}; use {{fixed: …}} or set_null"]
        return []
    problems = []
    try:
        fixed_value(column, erasure.value)
    except ValueError as exc:
        problems.append(f"{where}: {{fixed: {erasure.value!r}}} does not fit the column: {exc}")
    if in_unique_constraint(table, column.name):
        problems.append(f"{where}: a fixed value on a column in a UNIQUE constraint collides as soon as two rows are masked; use keyed_hash (or set_null where the column allows NULL)")
    return problems


def fixed_value(column: sa.Column, value: Any) -> Any:
    """A fixed mask as the column's type takes it (an ISO date string as a date, false as 0
    for MariaDB's TINYINT); ValueError says why it does not fit."""
    kind = column.type
    if isinstance(kind, sa.Boolean) or (isinstance(kind, sa.Integer) and isinstance(value, bool)):
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return bool(value) if isinstance(kind, sa.Boolean) else int(value)
        raise ValueError(f"{_type_name(column)} takes true or false")
    if isinstance(kind, sa.Integer):
        if isinstance(value, int):
            return value
        raise ValueError(f"{_type_name(column)} takes a whole number")
    if isinstance(kind, sa.Numeric):
        if isinstance(value, (int, float)):
            return value
        raise ValueError(f"{_type_name(column)} takes a number")
    if isinstance(kind, (sa.Date, sa.DateTime)):
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise ValueError(f"{_type_name(column)} takes a date written YYYY-MM-DD") from None
        return parsed if isinstance(kind, sa.DateTime) else parsed.date()
    if isinstance(kind, sa.Enum):
        if value in kind.enums:
            return value
        raise ValueError(f"{_type_name(column)} takes one of {', '.join(kind.enums)}")
    if isinstance(kind, sa.String):
        if not isinstance(value, str):
            raise ValueError(f"{_type_name(column)} takes text; quote the value")
        if kind.length is not None and len(value) > kind.length:
            raise ValueError(f"{len(value)} characters, the column holds {kind.length}")
        return value
    return value


def _type_name(column: sa.Column) -> str:
    try:
        return f"a {column.type} column"
    except Exception:  # a reflected type without a compiler of its own
        return f"a {type(column.type).__name__} column"


def in_unique_constraint(table: sa.Table, column: str) -> bool:
    """The column is in the primary key, a unique constraint or a unique index."""
    groups = [table.primary_key.columns] + [c.columns for c in table.constraints if isinstance(c, sa.UniqueConstraint)]
    groups += [index.columns for index in table.indexes if index.unique]
    return any(column in {c.name for c in group} for group in groups)


def _fk_between(child: sa.Table, parent: sa.Table) -> sa.ForeignKeyConstraint | None:
    for fk in child.foreign_key_constraints:
        if fk.referred_table.name == parent.name:
            return fk
    return None


def primary_key(datamap: DataMap, table: sa.Table) -> list[sa.Column]:
    spec = datamap.tables.get(table.name)
    if spec and spec.primary_key:
        return [table.c[name] for name in spec.primary_key if name in table.c]
    return list(table.primary_key.columns)


HOLD_CUTOFF = "pv_hold_cutoff"


def hold_clause(datamap: DataMap, metadata: sa.MetaData, table: sa.Table, now: dt.datetime | None) -> sa.ColumnElement[bool] | None:
    """SQL that is true for rows of `table` still under legal hold at `now` (None: no hold).
    With now=None the cutoff is the parameter HOLD_CUTOFF, given at execution."""
    spec = datamap.tables.get(table.name)
    if spec is None or spec.legal_hold is None:
        return None
    hold = spec.legal_hold
    if now is None:
        cutoff = sa.bindparam(HOLD_CUTOFF, type_=sa.DateTime())
    else:
        cutoff = sa.bindparam(None, hold.cutoff(now).replace(tzinfo=None), type_=sa.DateTime())
    if "." not in hold.from_column:
        return table.c[hold.from_column] > cutoff
    parent_name, column = hold.from_column.split(".", 1)
    parent = metadata.tables[parent_name]
    fk = _fk_between(table, parent)
    join = sa.and_(*(parent.c[e.column.name] == table.c[c.name] for c, e in zip(fk.columns, fk.elements)))
    return sa.exists().where(join, parent.c[column] > cutoff)


def restricted_clause(datamap: DataMap, metadata: sa.MetaData, table: sa.Table) -> sa.ColumnElement[bool] | None:
    """SQL that is true for restricted rows of `table` (None: the table has no restriction config)."""
    spec = datamap.tables.get(table.name)
    if spec is None or spec.restriction is None:
        return None
    if spec.restriction.column:
        col = table.c[spec.restriction.column]
        if is_flag(col):
            return col != sa.false() if isinstance(col.type, sa.Boolean) else col != 0
        return col.is_not(None)  # a timestamp or reason column: set means restricted
    if spec.restriction.side_table not in metadata.tables:
        return None  # nothing has been restricted yet: restrict() creates the side table
    side = metadata.tables[spec.restriction.side_table]
    return sa.exists().where(side.c.table_name == table.name, side.c.row_key == row_key_expr(datamap, table))


def is_flag(column: sa.Column) -> bool:
    """Boolean columns, and MariaDB's TINYINT(1) that reflection reports as an integer."""
    return isinstance(column.type, (sa.Boolean, sa.Integer))


def restriction_table(metadata: sa.MetaData, name: str, **dialect_options) -> sa.Table:
    """The side table that marks restricted rows: (table_name, row_key) plus why and when."""
    if name in metadata.tables:
        return metadata.tables[name]
    return sa.Table(
        name,
        metadata,
        sa.Column("table_name", sa.String(128), primary_key=True),
        sa.Column("row_key", sa.String(191), primary_key=True),
        sa.Column("reason", sa.String(500)),
        sa.Column("restricted_at", sa.DateTime, nullable=False),
        **dialect_options,
    )


def row_key_expr(datamap: DataMap, table: sa.Table) -> sa.ColumnElement:
    """The row's primary key as text (composite keys joined with '|') for the side table."""
    parts = [sa.cast(col, sa.String(191)) for col in primary_key(datamap, table)]
    if len(parts) == 1:
        return parts[0]
    expr = parts[0]
    for part in parts[1:]:
        expr = expr + sa.literal("|") + part
    return expr


def connection_collation(engine) -> dict:
    """On MariaDB, create side tables in the connection's collation: comparing a CAST of a
    key (which takes the connection's collation) to a column of another one is an error."""
    if engine.dialect.name != "mysql":
        return {}
    with engine.connect() as conn:
        collation = conn.execute(sa.text("SELECT @@collation_connection")).scalar_one()
    return {"mysql_charset": collation.split("_")[0], "mysql_collate": collation}


def row_key(values: tuple) -> str:
    return "|".join(str(v) for v in values)


SAFE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
