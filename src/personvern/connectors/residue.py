"""Residue search: where the person's identity values still stand after an erasure (or,
for a dry run, would still stand after it).

An erasure changes the rows the dataset map reaches. Her e-mail in an admin log, her
phone and name in an order note, her session row: the map does not name those, so the
erasure cannot prove them gone by looking at identity columns only. This search looks
for her values in the text columns themselves, and says where they remain (table,
column, number of rows, which kinds of value), never the values.

What is searched for: the identity values given, plus the identity values and full name
on her own identity rows (the rows an identity value found, read before the erasure).
How: an indexed column holds a value, not prose, so it is asked by equality (the index
answers); every other text column is searched case-insensitively for each value as a
substring (LIKE with the wildcards escaped, the value a bound parameter), at most
ROW_LIMIT matching rows per table. Values that would match other people are not
searched, and the result says so: a name of one word, any value under MIN_LENGTH
characters, and digit-only values under MIN_DIGITS digits outside equality.

Rows kept under a legal hold are reported as kept (law, columns, until when), restricted
rows as restricted; neither is residue. Her full name alone, in a row that is not one of
hers, is reported apart (name_only): a namesake cannot be told from a mention by a
search, and a common name would otherwise keep every erasure of it from being verified."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from personvern.connectors.datamap import DataMap, _fk_between, primary_key
from personvern.connectors.engine import ConnectorError, _short, reflect

MIN_LENGTH = 3  # shorter values (a two-letter name) would match nearly any text
MIN_DIGITS = 5  # shorter digit strings (customer number 42) stand inside prices, dates and phone numbers
ROW_LIMIT = 1000  # matching rows read per table; beyond it the count is "at least"
PROSE_LENGTH = 32  # a shorter text column holds a value (a code, a phone number), not prose: asked by equality
NAME = "name"

Key = tuple


@dataclass(frozen=True)
class Place:
    """Her values remain in `rows` rows of table.column (kinds: email, phone, name, ...)."""

    table: str
    column: str
    rows: int
    kinds: tuple[str, ...]
    at_least: bool = False  # the table had more matching rows than ROW_LIMIT


@dataclass(frozen=True)
class Kept:
    """Rows of hers a legal hold keeps: which law, which columns stay, until when."""

    table: str
    law: str
    columns: tuple[str, ...]
    rows: int
    until: dt.date | None  # the latest end of the hold over these rows; None: not known from the rows
    matches: int = 0  # of those rows, how many still hold one of her values in a kept column


@dataclass(frozen=True)
class Plan:
    """A dry run's plan: rows the erasure would delete, and the columns it would mask in
    the rows it would keep. Matches there are not residue, since they would go."""

    deleted: Mapping[str, set[Key]] = field(default_factory=dict)
    masked: Mapping[str, tuple[set[Key], set[str]]] = field(default_factory=dict)


@dataclass
class Residue:
    places: list[Place]
    kept: list[Kept]
    restricted: dict[str, int]  # table.column -> restricted rows (left alone on purpose) holding her values
    # table.column -> rows that hold her full name and nothing else of hers, in rows that are
    # not hers: another person of the same name, or a mention; for a person to look at
    name_only: dict[str, int]
    notes: list[str]  # what was not searched, and why (never the values)
    whole_database: bool
    tables: int
    columns: int
    queries: int
    seconds: float

    @property
    def clean(self) -> bool:
        return not self.places

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for item in out["kept"]:
            item["until"] = item["until"].isoformat() if item["until"] else None
        out["clean"] = self.clean
        return out


# ------------------------------------------------------------------ values


def is_name_category(category: str) -> bool:
    return category == NAME or category.startswith(NAME + ".") or category.endswith("." + NAME)


@dataclass
class Values:
    """What to search for, per kind: every spelling, and notes on what was left out."""

    by_kind: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, kind: str, spellings: Iterable[str]) -> None:
        known = self.by_kind.setdefault(kind, [])
        for value in spellings:
            if value and value not in known:
                known.append(value)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def person_values(datamap: DataMap, identity: Mapping[str, str], rows: Mapping[str, Mapping[Key, Mapping[str, Any]]]) -> Values:
    """The given identity values, and from her identity rows (rows whose identity column
    holds a given value) their other identity values and her full name."""
    from personvern.connectors.execute import identity_variants  # execute calls this module

    values = Values()
    given: dict[str, set[str]] = {}
    for kind, value in identity.items():
        spellings = identity_variants(kind, value)
        values.add(kind, spellings)
        given[kind] = {s.casefold() for s in spellings}
    for table, table_rows in rows.items():
        spec = datamap.tables.get(table)
        if spec is None:
            continue
        ids = spec.identity_columns()
        names = [c for c, col in spec.columns.items() if is_name_category(col.category)]
        for row in table_rows.values():
            if not any(row.get(c) is not None and str(row[c]).strip().casefold() in given.get(str(k), ()) for c, k in ids.items()):
                continue
            for column, kind in ids.items():
                if row.get(column) is not None and str(row[column]).strip():
                    values.add(str(kind), identity_variants(str(kind), str(row[column])))
            parts = [str(row[c]).strip() for c in names if row.get(c) is not None and str(row[c]).strip()]
            if not parts:
                continue
            name = " ".join(" ".join(parts).split())
            if len(name) < MIN_LENGTH:
                values.note(f"a name shorter than {MIN_LENGTH} characters was not searched")
            elif len(name.split()) < 2:
                values.note("a name of one word was not searched: it would match other people")
            else:
                values.add(NAME, [name])
    return values


def _substring_terms(spellings: list[str], notes: Values) -> list[str]:
    """Spellings worth a substring search: long enough, and not containing another term
    (a phone number's +47 spelling holds its national one)."""
    terms = []
    for value in spellings:
        if len(value) < MIN_LENGTH:
            notes.note(f"values under {MIN_LENGTH} characters are not searched in free text")
        elif value.isdigit() and len(value) < MIN_DIGITS:
            notes.note(f"numbers under {MIN_DIGITS} digits are matched by equality only, not inside free text")
        else:
            terms.append(value)
    folded = sorted({t.casefold(): t for t in terms}.items(), key=lambda kv: len(kv[0]))
    kept: list[tuple[str, str]] = []
    for low, term in folded:
        if not any(k in low for k, _ in kept):
            kept.append((low, term))
    return [term for _, term in kept]


# ------------------------------------------------------------------ columns


def is_text(column: sa.Column) -> bool:
    return isinstance(column.type, sa.String) and not isinstance(column.type, sa.Enum)


def _indexed(table: sa.Table) -> set[str]:
    """Columns that lead an index, a unique constraint or the primary key."""
    leading = {c.name for c in list(table.primary_key.columns)[:1]}
    for index in table.indexes:
        if index.columns:
            leading.add(list(index.columns)[0].name)
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint) and constraint.columns:
            leading.add(list(constraint.columns)[0].name)
    return leading


def _fits(column: sa.Column, value: str) -> bool:
    length = getattr(column.type, "length", None)
    return not length or len(value) <= length


def like_pattern(term: str) -> str:
    """`%term%` with LIKE's own characters escaped (escape character '/'), and each letter
    outside ASCII as '_' (any one character): SQLite's LIKE folds the case of ASCII only,
    so 'Næss' finds 'NÆSS' too, in one pattern instead of one per casing."""
    escaped = term.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return "%" + "".join(ch if ch.isascii() else "_" for ch in escaped) + "%"


def _contains(column: sa.Column, term: str, dialect: str) -> sa.ColumnElement[bool]:
    """The column holds the term, case-insensitively. A term without letters (a phone
    number, a fødselsnummer) has no case: a plain position search, cheaper than LIKE.
    Otherwise PostgreSQL's ILIKE; SQLite's LIKE and MariaDB's (in its case-insensitive
    collations) fold case themselves, and lower() on both sides tripled the scan's cost."""
    if not any(ch.isalpha() for ch in term):
        position = sa.func.strpos(column, term) if dialect == "postgresql" else sa.func.instr(column, term)
        return position > 0
    pattern = like_pattern(term)
    return column.ilike(pattern, escape="/") if dialect == "postgresql" else column.like(pattern, escape="/")


def _equal(column: sa.Column, values: list[str]) -> sa.ColumnElement[bool] | None:
    if isinstance(column.type, sa.Integer):
        numbers = sorted({int(v) for v in values if v.isdigit() and len(v) < 19})
        return column.in_(numbers) if numbers else None
    if not is_text(column):
        return None
    fitting = [v for v in values if _fits(column, v)]
    return column.in_(fitting) if fitting else None


def _column_tests(
    datamap: DataMap, table: sa.Table, values: Values, terms: dict[str, list[str]], dialect: str
) -> dict[str, dict[str, sa.ColumnElement[bool]]]:
    """{column: {kind: condition}} for the columns worth asking: equality on identity
    columns (their own kind), on indexed columns and on short ones (they hold a value, not
    prose); a substring search on the other text columns."""
    spec = datamap.tables.get(table.name)
    identity = {c: str(k) for c, k in spec.identity_columns().items()} if spec else {}
    indexed = _indexed(table)
    tests: dict[str, dict[str, sa.ColumnElement[bool]]] = {}
    for column in table.c:
        found: dict[str, sa.ColumnElement[bool]] = {}
        length = getattr(column.type, "length", None)
        if column.name in identity:
            kind = identity[column.name]
            condition = _equal(column, values.by_kind.get(kind, []))
            if condition is not None:
                found[kind] = condition
        elif is_text(column) and (column.name in indexed or (length is not None and length < PROSE_LENGTH)):
            for kind, spellings in values.by_kind.items():
                condition = _equal(column, spellings)
                if condition is not None:
                    found[kind] = condition
        elif is_text(column):
            for kind, spellings in values.by_kind.items():
                parts = [_contains(column, t, dialect) for t in terms.get(kind, []) if _fits(column, t)]
                short = [v for v in spellings if v.isdigit() and len(v) < MIN_DIGITS]
                if short:
                    parts.append(column.in_(short))
                if parts:
                    found[kind] = sa.or_(*parts)
        if found:
            tests[column.name] = found
    return tests


# ------------------------------------------------------------------ search


def search(
    engine: Engine,
    datamap: DataMap,
    identity: Mapping[str, str],
    rows: Mapping[str, Mapping[Key, Mapping[str, Any]]],
    *,
    held: Mapping[str, set[Key]] | None = None,
    restricted: Mapping[str, set[Key]] | None = None,
    plan: Plan | None = None,
    whole_database: bool = False,
) -> Residue:
    """Where her values remain: in the map's tables, or with whole_database in every table.

    rows: her rows as collected before the erasure (table -> primary key -> row).
    held / restricted: her rows kept under a legal hold / left alone as restricted.
    plan: for a dry run (the database unchanged), what the erasure would delete and mask."""
    started = time.perf_counter()
    held = held or {}
    restricted = restricted or {}
    plan = plan or Plan()
    metadata = reflect(engine)
    values = person_values(datamap, identity, rows)
    terms = {kind: _substring_terms(spellings, values) for kind, spellings in values.by_kind.items()}
    names = sorted(metadata.tables) if whole_database else [n for n in datamap.tables if n in metadata.tables]
    counts: dict[tuple[str, str], int] = {}
    kinds: dict[tuple[str, str], set[str]] = {}
    truncated: set[str] = set()
    kept_matches: dict[str, int] = {}
    restricted_matches: dict[str, int] = {}
    name_only: dict[str, int] = {}
    columns = queries = 0
    try:
        with engine.connect() as conn:
            for name in names:
                table = metadata.tables[name]
                tests = _column_tests(datamap, table, values, terms, engine.dialect.name)
                if not tests:
                    continue
                columns += len(tests)
                pk = primary_key(datamap, table)
                flags, where = [], []
                for column, by_kind in tests.items():
                    for kind, condition in by_kind.items():
                        flags.append((column, kind, sa.case((condition, 1), else_=0).label(f"m{len(flags)}")))
                        where.append(condition)
                statement = sa.select(*pk, *(f for _, _, f in flags)).where(sa.or_(*where)).limit(ROW_LIMIT)
                queries += 1
                result = conn.execute(statement).all()
                if len(result) >= ROW_LIMIT:
                    truncated.add(name)
                hold = datamap.tables[name].legal_hold if name in datamap.tables else None
                for row in result:
                    key = tuple(row[: len(pk)]) if pk else None
                    matched: dict[str, set[str]] = {}
                    for (column, kind, _), flag in zip(flags, row[len(pk) :]):
                        if flag:
                            matched.setdefault(column, set()).add(kind)
                    for column, found_kinds in matched.items():
                        where_ = _verdict(name, column, key, hold, held, restricted, plan)
                        if where_ == "gone":
                            continue
                        if where_ == "kept":
                            kept_matches[name] = kept_matches.get(name, 0) + 1
                        elif where_ == "restricted":
                            restricted_matches[f"{name}.{column}"] = restricted_matches.get(f"{name}.{column}", 0) + 1
                        elif set().union(*matched.values()) == {NAME} and key not in rows.get(name, {}):
                            name_only[f"{name}.{column}"] = name_only.get(f"{name}.{column}", 0) + 1
                        else:
                            counts[name, column] = counts.get((name, column), 0) + 1
                            kinds.setdefault((name, column), set()).update(found_kinds)
            conn.rollback()
    except SQLAlchemyError as exc:
        raise ConnectorError(f"the residue search failed: {_short(exc)}") from None
    places = [
        Place(table, column, n, tuple(sorted(kinds[table, column])), table in truncated)
        for (table, column), n in sorted(counts.items())
    ]
    kept = kept_under_hold(datamap, metadata, rows, held, kept_matches)
    return Residue(
        places, kept, restricted_matches, name_only, values.notes, whole_database, len(names), columns, queries, time.perf_counter() - started
    )


def _verdict(name, column, key, hold, held, restricted, plan: Plan) -> str:
    if key is not None:
        if key in plan.deleted.get(name, ()):
            return "gone"
        keys, masked = plan.masked.get(name, (set(), set()))
        if key in keys and column in masked:
            return "gone"
        if key in restricted.get(name, ()):
            return "restricted"
        if hold is not None and key in held.get(name, ()) and column in hold.keep:
            return "kept"
    return "residue"


def kept_under_hold(
    datamap: DataMap,
    metadata: sa.MetaData,
    rows: Mapping[str, Mapping[Key, Mapping[str, Any]]],
    held: Mapping[str, set[Key]],
    matches: Mapping[str, int] | None = None,
) -> list[Kept]:
    """Per table, her rows a legal hold keeps: the law, the kept columns and the latest
    day the hold ends (from each row's date, or its parent row's)."""
    kept = []
    for name, keys in sorted(held.items()):
        spec = datamap.tables.get(name)
        if not keys or spec is None or spec.legal_hold is None:
            continue
        hold = spec.legal_hold
        dates = _hold_dates(metadata, rows, name, keys, hold.from_column)
        ends = [hold.until(d) for d in dates if d is not None]
        until = max(ends) if ends and len(ends) == len(keys) else None
        kept.append(Kept(name, hold.law, tuple(hold.keep), len(keys), until, (matches or {}).get(name, 0)))
    return kept


def _hold_dates(metadata: sa.MetaData, rows, name: str, keys: set[Key], source: str) -> list[dt.date | None]:
    table_rows = rows.get(name, {})
    if "." not in source:
        return [_as_date(table_rows.get(k, {}).get(source)) for k in keys]
    parent, column = source.split(".", 1)
    fk = _fk_between(metadata.tables[name], metadata.tables[parent]) if parent in metadata.tables else None
    if fk is None or parent not in rows:
        return [None for _ in keys]
    by_parent = {tuple(r[e.column.name] for e in fk.elements): r.get(column) for r in rows[parent].values()}
    return [_as_date(by_parent.get(tuple(table_rows.get(k, {}).get(c.name) for c in fk.columns))) for k in keys]


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value).date()
        except ValueError:
            return None
    return None
