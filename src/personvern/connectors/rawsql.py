"""SQL written out directly for the connectors' hot paths: identifiers come from the
reflected schema and are quoted by the dialect, every value is a driver parameter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class HashMap:
    """A keyed-hash mask: each value the rows hold and its hash (one CASE in SQL)."""

    mapping: dict[Any, str]


class RawSQL:
    """Erasure's writes and its proof, written out directly: identifiers come from the
    reflected schema and are quoted by the dialect, every value is a driver parameter.
    This skips SQLAlchemy's statement building and cache lookup, which cost more CPU
    than the database spends on these small keyed statements."""

    def __init__(self, conn: Connection):
        self.conn = conn
        # The dialect's quoting already doubles a '%' in a name where '%s' marks parameters.
        self.quote = conn.dialect.identifier_preparer.quote
        self.mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self.statements = 0

    def run(self, sql: str, params: list) -> Any:
        self.statements += 1
        return self.conn.exec_driver_sql(sql, tuple(params))

    def col(self, table: sa.Table, column: str, alias: str | None = None) -> str:
        return f"{self.quote(alias or table.name)}.{self.quote(column)}"

    def bind(self, table: sa.Table, column: str, value: Any) -> Any:
        """The value as the column's type hands it to the driver (SQLite keeps dates and
        decimals as text, exactly as SQLAlchemy wrote them)."""
        if value is None:
            return None
        cache = table.metadata.info.setdefault("pv_binds", {})
        key = (table.name, column, self.conn.dialect.name)
        if key not in cache:
            cache[key] = table.c[column].type.dialect_impl(self.conn.dialect).bind_processor(self.conn.dialect)
        process = cache[key]
        return process(value) if process else value

    def where_in(self, table: sa.Table, columns: list[str], values: list[tuple], params: list, alias: str | None = None) -> str:
        """`col IN (?, ?)` or `(a, b) IN ((?, ?), ...)`, the values appended to params."""
        if not values:
            return "1 = 0"
        if len(columns) == 1:
            params.extend(self.bind(table, columns[0], v[0]) for v in values)
            return f"{self.col(table, columns[0], alias)} IN ({', '.join([self.mark] * len(values))})"
        row = "(" + ", ".join([self.mark] * len(columns)) + ")"
        for v in values:
            params.extend(self.bind(table, c, x) for c, x in zip(columns, v))
        return f"({', '.join(self.col(table, c, alias) for c in columns)}) IN ({', '.join([row] * len(values))})"

    def unreferenced(self, metadata: sa.MetaData, table: sa.Table) -> str:
        """` AND NOT EXISTS (…)` per foreign key of any table (in the map or not) that points at table."""
        cache = metadata.info.setdefault("pv_unreferenced", {})  # per reflected schema
        key = (table.name, self.conn.dialect.name)
        if key not in cache:
            parts = []
            for other, pairs in references_to(metadata, table):
                match = " AND ".join(f"{self.col(other, child)} = {self.col(table, parent)}" for child, parent in pairs)
                parts.append(f" AND NOT EXISTS (SELECT 1 FROM {self.quote(other.name)} WHERE {match})")
            cache[key] = "".join(parts)
        return cache[key]

    def select(self, table: sa.Table, conditions: list[tuple[tuple[str, ...], list]]) -> tuple[list[str], list[tuple]]:
        """The table's rows matching any (columns, values) IN list, every column converted
        by its type as SQLAlchemy would (SQLite: text timestamps to datetime, and so on)."""
        cache = table.metadata.info.setdefault("pv_select", {})
        key = (table.name, self.conn.dialect.name)
        if key not in cache:
            dialect = self.conn.dialect
            names = [c.name for c in table.c]
            processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in table.c]
            cache[key] = (names, processors, f"SELECT {', '.join(self.col(table, n) for n in names)} FROM {self.quote(table.name)} WHERE ")
        names, processors, head = cache[key]
        params: list = []
        where = " OR ".join(
            self.where_in(table, list(columns), values if len(columns) > 1 else [(v,) for v in values], params) for columns, values in conditions
        )
        rows = self.run(head + where, params).fetchall()
        if any(processors):
            rows = [tuple(f(v) if f else v for f, v in zip(processors, row)) for row in rows]
        return names, rows

    def delete(self, metadata: sa.MetaData, table: sa.Table, pk: list[str], keys: list[tuple]) -> int:
        params: list = []
        where = self.where_in(table, pk, keys, params)
        return self.run(f"DELETE FROM {self.quote(table.name)} WHERE {where}{self.unreferenced(metadata, table)}", params).rowcount

    def update(self, table: sa.Table, pk: list[str], keys: list[tuple], values: Mapping[str, Any]) -> int:
        params: list = []
        sets = []
        for name, value in values.items():
            column = self.col(table, name)
            if isinstance(value, HashMap):
                whens = []
                for old, new in value.mapping.items():
                    whens.append(f"WHEN {self.mark} THEN {self.mark}")
                    params += [self.bind(table, name, old), self.bind(table, name, new)]
                sets.append(f"{self.quote(name)} = CASE {column} {' '.join(whens)} ELSE {column} END")
            else:
                sets.append(f"{self.quote(name)} = {self.mark}")
                params.append(self.bind(table, name, value))
        where = self.where_in(table, pk, keys, params)
        return self.run(f"UPDATE {self.quote(table.name)} SET {', '.join(sets)} WHERE {where}", params).rowcount


def references_to(metadata: sa.MetaData, table: sa.Table, include_self: bool = False) -> Iterable[tuple[sa.Table, list[tuple[str, str]]]]:
    """Every foreign key of any other table (in the map or not) that points at table:
    (that table, [(its column, table's column), ...]); with include_self, the table's own too."""
    for other in metadata.tables.values():
        if other is table and not include_self:
            continue  # in a DELETE, self references would need MySQL's derived-table workaround
        for fk in other.foreign_key_constraints:
            if fk.referred_table is table:
                yield other, [(c.name, e.column.name) for c, e in zip(fk.columns, fk.elements)]


def unreferenced(metadata: sa.MetaData, table: sa.Table) -> list[sa.ColumnElement[bool]]:
    """NOT EXISTS conditions: no row of any table (in the map or not) points at the row."""
    return [
        ~sa.exists().where(sa.and_(*(other.c[child] == table.c[parent] for child, parent in pairs)))
        for other, pairs in references_to(metadata, table)
    ]


