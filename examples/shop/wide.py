"""A wide schema for discovery: `tables` tables cycling through five shapes (people,
logs, products, orders, suppliers), with the personal-data columns known, so discovery
can be timed and its precision measured beyond the shop."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from examples.shop.generate import Pools, ensure_database, ip_address, make_fodselsnummer, phone_number
from personvern.connectors.engine import make_engine

SHAPES = ("kunde", "logg", "produkt", "ordre", "leverandor")
PERSONAL = {
    "kunde": {"navn", "epost", "mobil", "fnr", "adresse"},
    "logg": {"ip", "melding"},
    "produkt": set(),
    "ordre": set(),
    "leverandor": {"contact_person", "phone"},
}


def _table(metadata: sa.MetaData, shape: str, i: int, parent: str | None) -> sa.Table:
    name = f"{shape}_{i:03d}"
    id_col = sa.Column("id", sa.Integer, primary_key=True, autoincrement=False)
    if shape == "kunde":
        cols = [sa.Column("navn", sa.String(100)), sa.Column("epost", sa.String(200)), sa.Column("mobil", sa.String(30)),
                sa.Column("fnr", sa.String(11)), sa.Column("adresse", sa.String(200)), sa.Column("opprettet", sa.DateTime),
                sa.Column("status", sa.String(20))]
    elif shape == "logg":
        cols = [sa.Column("ip", sa.String(45)), sa.Column("melding", sa.Text), sa.Column("tidspunkt", sa.DateTime), sa.Column("level", sa.String(10))]
    elif shape == "produkt":
        cols = [sa.Column("product_name", sa.String(100)), sa.Column("sku", sa.String(20)), sa.Column("price", sa.Numeric(10, 2)), sa.Column("colour", sa.String(20))]
    elif shape == "ordre":
        ref = [sa.Column("kunde_id", sa.Integer, sa.ForeignKey(f"{parent}.id"))] if parent else [sa.Column("kunde_id", sa.Integer)]
        cols = ref + [sa.Column("total", sa.Numeric(10, 2)), sa.Column("levert", sa.Date), sa.Column("kanal", sa.String(20))]
    else:
        cols = [sa.Column("company_name", sa.String(100)), sa.Column("orgnr", sa.String(9)), sa.Column("contact_person", sa.String(100)), sa.Column("phone", sa.String(30))]
    return sa.Table(name, metadata, id_col, *cols)


def _rows(shape: str, rows: int, r: random.Random, pools: Pools) -> list[tuple]:
    out = []
    for rid in range(1, rows + 1):
        first, last = r.choice(pools.first_names), r.choice(pools.last_names)
        if shape == "kunde":
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=r.randrange(20000))
            postcode, city = r.choice(pools.places)
            out.append((rid, f"{first} {last}", f"k{rid}.{r.randrange(10**6)}@example.no", phone_number(r), make_fodselsnummer(r, birth),
                        f"{r.choice(pools.streets)} {r.randrange(1, 99)}, {postcode} {city}", dt.datetime(2024, 1, 1) + dt.timedelta(minutes=rid), "aktiv"))
        elif shape == "logg":
            out.append((rid, ip_address(r), f"Innlogging fra {first} {last} feilet, prøver igjen om litt", dt.datetime(2025, 1, 1) + dt.timedelta(seconds=rid), "info"))
        elif shape == "produkt":
            out.append((rid, f"Vare {rid}", f"SKU-{rid:05d}", r.randrange(100, 10000), r.choice(("rød", "blå", "grønn"))))
        elif shape == "ordre":
            out.append((rid, rid, r.randrange(100, 10000), dt.date(2025, 1, 1) + dt.timedelta(days=rid % 300), r.choice(("nett", "butikk"))))
        else:
            out.append((rid, f"{last} AS", "923609016", f"{first} {last}", phone_number(r)))
    return out


def build_wide_schema(url: str, tables: int = 100, rows: int = 200, seed: int = 1) -> set[tuple[str, str]]:
    """Create the tables (dropping any of the same names) and fill them; returns the
    personal-data columns as (table, column)."""
    ensure_database(url)
    engine = make_engine(url)
    metadata = sa.MetaData()
    truth: set[tuple[str, str]] = set()
    parent = None
    for i in range(tables):
        shape = SHAPES[i % len(SHAPES)]
        table = _table(metadata, shape, i, parent)
        parent = table.name if shape == "kunde" else parent
        truth |= {(table.name, c) for c in PERSONAL[shape]}
    r = random.Random(seed)
    pools = Pools(seed, 400)
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        with engine.begin() as conn:
            for table in metadata.sorted_tables:
                shape = table.name.rsplit("_", 1)[0]
                data = _rows(shape, rows, r, pools)
                conn.execute(sa.insert(table), [dict(zip(table.c.keys(), row)) for row in data])
    finally:
        engine.dispose()
    return truth
