"""A realistic Norwegian web shop, deterministic for a (customers, seed) pair.

Faker (Norwegian locale `no_NO`; Faker has no separate `nb_NO`) fills pools of names,
streets and towns once; rows then draw from the pools with a seeded random generator,
which is what makes a million customers take a minute instead of an hour. Rows go in
with COPY on PostgreSQL, multi-row INSERTs on MariaDB and one executemany transaction
on SQLite."""

from __future__ import annotations

import datetime as dt
import functools
import random
import time
from array import array
from collections.abc import Callable, Iterator
from decimal import Decimal

import sqlalchemy as sa
from faker import Faker
from stdnum.no import fodselsnummer

from examples.shop import schema
from personvern.connectors.engine import make_engine, normalise_url

# The shop's history runs up to this instant; tests and benchmarks pass it as `now`.
REFERENCE_NOW = dt.datetime(2026, 11, 1, 12, 0, 0)
HISTORY_START = dt.datetime(2018, 1, 1)
HISTORY_SECONDS = int((REFERENCE_NOW - HISTORY_START).total_seconds())
SHOP_ORGNR = "923609016"  # the shop's own organisation number (valid check digit; not personal data)
MAILHOSTS = ("example.com", "example.net", "example.org", "eksempel.no")
ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A", "é": "e", "ü": "u", " ": "-"})
PRODUCTS = (
    "Ullgenser", "Regnjakke", "Fjellsko", "Termos", "Sovepose", "Ryggsekk", "Hodelykt", "Votter",
    "Lue", "Skjerf", "Turbukse", "Ullsokker", "Kaffekjele", "Stormkjøkken", "Liggeunderlag", "Telt",
)
TICKET_SUBJECTS = ("Levering", "Retur", "Faktura", "Reklamasjon", "Endre bestilling", "Betaling", "Garanti")
WORDS = (
    "pakken kom ikke fram bestilling levering retur faktura feil størrelse ønsker refusjon bytte vare "
    "skadet ordre adresse endre betaling kort kundeservice hjelp spørsmål om garanti reklamasjon takk"
).split()
POSITIONS = ("Butikkmedarbeider", "Lagerarbeider", "Kundebehandler", "Nettbutikkansvarlig", "Regnskapsmedarbeider")
PURPOSES = ("nyhetsbrev", "sms-tilbud", "personlige-anbefalinger", "analyse")
MOBILE_PREFIXES = ("40", "41", "45", "46", "47", "48", "90", "91", "92", "93", "94", "95", "97", "98", "99")
CAMERAS = ("inngang", "kasse-1", "kasse-2", "lager")


@functools.lru_cache(maxsize=8)
def pools_for(seed: int, size: int) -> Pools:
    return Pools(seed, size)


class Pools:
    """Faker output generated once per seed and reused by every row."""

    def __init__(self, seed: int, size: int = 4000):
        fake = Faker("no_NO")
        fake.seed_instance(seed)
        self.first_names = [fake.first_name() for _ in range(size)]
        self.last_names = [fake.last_name() for _ in range(size)]
        self.streets = [fake.street_name() for _ in range(size // 4)]
        self.places = [(fake.postcode(), fake.city()) for _ in range(size // 4)]


def mix(x: int) -> int:
    """splitmix64: a well-spread 64-bit number from an integer, much cheaper than seeding
    a random generator, for values that must be a pure function of a row id."""
    x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


def phone_number(rng: random.Random) -> str:
    number = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(1_000_000):06d}"
    style = rng.randrange(3)
    if style == 0:
        return f"+47 {number[:3]} {number[3:5]} {number[5:]}"
    if style == 1:
        return f"{number[:3]} {number[3:5]} {number[5:]}"
    return f"+47{number}"


def make_fodselsnummer(rng: random.Random, birth: dt.date, d_number: bool = False) -> str:
    """A valid fødselsnummer (or D-number: day + 40) for the birth date."""
    while True:
        if birth.year < 2000:
            individual = rng.randrange(0, 500)
        else:
            individual = rng.randrange(500, 1000)
        day = birth.day + 40 if d_number else birth.day
        base = f"{day:02d}{birth.month:02d}{birth.year % 100:02d}{individual:03d}"
        k1 = fodselsnummer.calc_check_digit1(base)
        if k1 == "10":
            continue
        k2 = fodselsnummer.calc_check_digit2(base + k1)
        if k2 == "10":
            continue
        return base + k1 + k2


def ip_address(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return f"2001:db8:{rng.randrange(65536):x}::{rng.randrange(65536):x}"
    return f"{rng.choice((84, 88, 46, 77, 193, 195))}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def instant(rng: random.Random, start: dt.datetime = HISTORY_START, seconds: int = HISTORY_SECONDS) -> dt.datetime:
    return start + dt.timedelta(seconds=rng.randrange(seconds))


def money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


class Shop:
    """Row streams for every table; each table has its own seeded generator so a table's
    content does not depend on the order the others are produced in."""

    def __init__(self, customers: int, seed: int = 42):
        self.n = customers
        self.seed = seed
        self.pools = pools_for(seed, min(4000, max(400, customers)))  # small shops, small pools: faster
        self.orders_count = 5 * customers
        rng = random.Random(seed)
        # A person's name, e-mail and phone are a function of the customer id; orders,
        # invoices and tickets repeat them the way a real shop copies them.
        self._people_rng_seed = rng.randrange(1 << 30)
        self._totals = array("q")

    def rng(self, table: str) -> random.Random:
        return random.Random(f"{self.seed}:{table}")

    def person(self, cid: int) -> tuple[str, str, str, str]:
        """(first name, last name, e-mail, phone) for a customer id, from a hash of it:
        seeding a random generator per row would cost more than the rest of the row."""
        v = mix(self._people_rng_seed + cid)
        first = self.pools.first_names[v % len(self.pools.first_names)]
        last = self.pools.last_names[(v >> 16) % len(self.pools.last_names)]
        local = f"{first}.{last}.{cid}".lower().translate(ASCII)
        number = f"{MOBILE_PREFIXES[(v >> 32) % len(MOBILE_PREFIXES)]}{(v >> 36) % 1_000_000:06d}"
        phone = (f"+47 {number[:3]} {number[3:5]} {number[5:]}", f"{number[:3]} {number[3:5]} {number[5:]}", f"+47{number}")[(v >> 60) % 3]
        return first, last, f"{local}@{MAILHOSTS[cid % len(MAILHOSTS)]}", phone

    def address(self, r: random.Random) -> tuple[str, str, str]:
        postcode, city = self.pools.places[r.randrange(len(self.pools.places))]
        return f"{self.pools.streets[r.randrange(len(self.pools.streets))]} {r.randrange(1, 120)}", postcode, city

    def customers(self) -> Iterator[tuple]:
        r = self.rng("customers")
        for cid in range(1, self.n + 1):
            first, last, email, phone = self.person(cid)
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=r.randrange(365 * 65))
            has_fnr = r.random() < 0.3
            fnr = make_fodselsnummer(r, birth, d_number=r.random() < 0.05) if has_fnr else None
            yield (
                cid, f"K{cid:08d}", email, first, last, phone, fnr,
                birth if r.random() < 0.6 else None, ip_address(r), instant(r), False,
            )

    def addresses(self) -> Iterator[tuple]:
        r = self.rng("addresses")
        aid = 0
        for cid in range(1, self.n + 1):
            for _ in range(2 if r.random() < 0.25 else 1):
                aid += 1
                street, postcode, city = self.address(r)
                yield (aid, cid, street, postcode, city, "NO")

    def _order_walk(self) -> Iterator[tuple[int, int, dt.datetime, random.Random]]:
        """Orders in time order with the customer drawn uniformly (about Poisson(5) orders
        per customer), shared by orders, order lines and invoices."""
        r = self.rng("orders")
        step = HISTORY_SECONDS / self.orders_count
        for oid in range(1, self.orders_count + 1):
            yield oid, 1 + r.randrange(self.n), HISTORY_START + dt.timedelta(seconds=int(oid * step)), r

    def _lines_of(self, oid: int) -> list[tuple]:
        v = mix(self.seed * 7_000_003 + oid)
        lines = []
        for j in range((1, 2, 3, 3, 4, 5)[v % 6]):
            w = mix(v + j)
            product = w % (len(PRODUCTS) * 50)
            lines.append((f"SKU-{product:05d}", PRODUCTS[product % len(PRODUCTS)], 1 + ((w >> 20) % 3 == 0), 4900 + (w >> 24) % 95000))
        return lines

    def _total(self, oid: int) -> int:
        if len(self._totals) >= oid:
            return self._totals[oid - 1]
        return sum(qty * cents for _, _, qty, cents in self._lines_of(oid))

    def orders(self) -> Iterator[tuple]:
        self._totals = array("q")  # the invoices repeat each order's total
        for oid, cid, at, r in self._order_walk():
            first, last, _, phone = self.person(cid)
            street, postcode, city = self.address(r)
            total = sum(qty * cents for _, _, qty, cents in self._lines_of(oid))
            self._totals.append(total)
            status = "delivered" if at < REFERENCE_NOW - dt.timedelta(days=14) else r.choice(("paid", "shipped"))
            yield (oid, cid, at, status, money(total), f"{first} {last}", f"{street}, {postcode} {city}", phone)

    def order_lines(self) -> Iterator[tuple]:
        lid = 0
        for oid in range(1, self.orders_count + 1):
            for sku, name, qty, cents in self._lines_of(oid):
                lid += 1
                yield (lid, oid, sku, name, qty, money(cents))

    def invoices(self) -> Iterator[tuple]:
        for oid, cid, at, r in self._order_walk():
            first, last, email, _ = self.person(cid)
            street, postcode, city = self.address(r)
            total = self._total(oid)
            yield (
                oid, oid, f"F{oid:09d}", at, (at + dt.timedelta(days=14)).date(), money(total),
                money(total // 5), SHOP_ORGNR, f"{first} {last}", f"{street}, {postcode} {city}", email,
            )

    def newsletter_subscribers(self) -> Iterator[tuple]:
        r = self.rng("newsletter")
        nid = 0
        for cid in range(1, self.n + 1):
            if r.random() < 0.4:
                nid += 1
                at = instant(r)
                yield (nid, self.person(cid)[2], at, at + dt.timedelta(minutes=r.randrange(1, 600)), ip_address(r))
        for j in range(1, self.n // 10 + 1):
            nid += 1
            at = instant(r)
            first = self.pools.first_names[r.randrange(len(self.pools.first_names))]
            confirmed = at + dt.timedelta(minutes=r.randrange(1, 600)) if r.random() < 0.8 else None
            yield (nid, f"{first.lower().translate(ASCII)}.nyhetsbrev{j}@{MAILHOSTS[j % 4]}", at, confirmed, ip_address(r))

    def job_applications(self) -> Iterator[tuple]:
        r = self.rng("job_applications")
        for aid in range(1, max(50, self.n // 100) + 1):
            first = self.pools.first_names[r.randrange(len(self.pools.first_names))]
            last = self.pools.last_names[r.randrange(len(self.pools.last_names))]
            birth = dt.date(1960, 1, 1) + dt.timedelta(days=r.randrange(365 * 45))
            letter = (
                f"Hei! Jeg søker stillingen og har erfaring fra varehandel. "
                f"{' '.join(r.choice(WORDS) for _ in range(20))}. Mvh {first} {last}"
            )
            yield (
                aid, r.choice(POSITIONS), f"{first} {last}", f"{first}.{last}.s{aid}@example.net".lower().translate(ASCII),
                phone_number(r), birth, letter, instant(r),
            )

    def support_tickets(self) -> Iterator[tuple]:
        r = self.rng("support_tickets")
        count = (3 * self.n) // 10
        step = HISTORY_SECONDS / max(count, 1)
        for tid in range(1, count + 1):
            cid = 1 + r.randrange(self.n)
            _, _, email, phone = self.person(cid)
            body = " ".join(r.choice(WORDS) for _ in range(12 + r.randrange(12)))
            if r.random() < 0.2:
                body += f". Ring meg gjerne på {phone}"
            created = HISTORY_START + dt.timedelta(seconds=int(tid * step))
            closed = created + dt.timedelta(hours=r.randrange(1, 200)) if r.random() < 0.9 else None
            yield (tid, cid if r.random() < 0.8 else None, email, r.choice(TICKET_SUBJECTS), f"Hei! {body}.", created, closed)

    def phone_calls(self) -> Iterator[tuple]:
        r = self.rng("phone_calls")
        count = self.n // 2
        step = HISTORY_SECONDS / max(count, 1)
        for pid in range(1, count + 1):
            cid = 1 + r.randrange(self.n)
            known = r.random() < 0.7
            notes = f"Kunden spurte om {r.choice(WORDS)} og {r.choice(WORDS)}." if r.random() < 0.5 else None
            yield (
                pid, cid if known else None, self.person(cid)[3] if known else phone_number(r),
                HISTORY_START + dt.timedelta(seconds=int(pid * step)), 20 + r.randrange(900), f"agent-{r.randrange(1, 25):02d}", notes,
            )

    def cctv_recordings(self) -> Iterator[tuple]:
        # One file per camera per hour for the last 30 days (the retention rule keeps 7).
        start = (REFERENCE_NOW - dt.timedelta(days=30)).replace(minute=0, second=0)
        rid = 0
        r = self.rng("cctv")
        for hour in range(30 * 24):
            at = start + dt.timedelta(hours=hour)
            for camera in CAMERAS:
                rid += 1
                yield (rid, camera, at, at + dt.timedelta(hours=1), f"/opptak/{camera}/{at:%Y/%m/%d/%H}.mp4", 400_000_000 + r.randrange(10**8))

    def consents(self) -> Iterator[tuple]:
        r = self.rng("consents")
        kid = 0
        for cid in range(1, self.n + 1):
            if r.random() < 0.8:
                kid += 1
                given = instant(r)
                withdrawn = given + dt.timedelta(days=r.randrange(1, 900)) if r.random() < 0.2 else None
                if withdrawn and withdrawn > REFERENCE_NOW:
                    withdrawn = None
                yield (kid, cid, r.choice(PURPOSES), given, withdrawn, ip_address(r))


# ------------------------------------------------------------------ loading


def _server_url(parsed: sa.URL) -> str:
    """The same server without the target database (which may not exist yet)."""
    return parsed._replace(database="postgres" if parsed.get_backend_name() == "postgresql" else None).render_as_string(
        hide_password=False
    )


def ensure_database(url: str) -> None:
    """Create the PostgreSQL/MariaDB database of the URL if it does not exist yet."""
    parsed = normalise_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return
    name = parsed.database
    server = make_engine(_server_url(parsed))
    try:
        with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if backend == "postgresql":
                exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                if not exists:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            else:
                conn.execute(sa.text(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    finally:
        server.dispose()


def drop_database(url: str) -> None:
    parsed = normalise_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return
    server = make_engine(_server_url(parsed))
    try:
        with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if backend == "postgresql":
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            else:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{parsed.database}`"))
    finally:
        server.dispose()


def _copy_postgres(raw, table: sa.Table, rows: Iterator[tuple]) -> None:
    columns = ", ".join(f'"{c.name}"' for c in table.columns)
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def _sqlite_row(row: tuple) -> tuple:
    # Store values the way SQLAlchemy writes them: sqlite3 cannot bind Decimal, and SQLite
    # compares datetimes as text, so they need SQLAlchemy's format with microseconds.
    return tuple(
        float(v) if isinstance(v, Decimal) else v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, dt.datetime) else v
        for v in row
    )


def _insert_batches(raw, table: sa.Table, rows: Iterator[tuple], paramstyle: str, batch: int) -> None:
    marker = "?" if paramstyle == "qmark" else "%s"
    quote = "`" if paramstyle != "qmark" else '"'
    columns = ", ".join(f"{quote}{c.name}{quote}" for c in table.columns)
    sql = f"INSERT INTO {quote}{table.name}{quote} ({columns}) VALUES ({', '.join(marker for _ in table.columns)})"
    cur = raw.cursor()
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            cur.executemany(sql, chunk)  # PyMySQL turns this into one multi-row INSERT
            chunk = []
    if chunk:
        cur.executemany(sql, chunk)
    cur.close()


def build_shop(
    url: str,
    customers: int = 1000,
    seed: int = 42,
    progress: Callable[[str], None] | None = None,
    keep_schema: bool = False,
    analyze: bool = True,
) -> dict[str, int]:
    """Drop and recreate the shop's tables at `url` (or with keep_schema, empty them when
    they exist) and fill them; returns rows per table."""
    if customers < 10:
        raise ValueError("the shop needs at least 10 customers")
    say = progress or (lambda _msg: None)
    ensure_database(url)
    engine = make_engine(url)
    backend = engine.dialect.name
    shop = Shop(customers, seed)
    started = time.perf_counter()
    try:
        existing = set(sa.inspect(engine).get_table_names())
        with engine.begin() as conn:
            for name in ("pv_restriction", "pv_retention_runs"):
                if name in existing:
                    conn.execute(sa.text(f"DROP TABLE {engine.dialect.identifier_preparer.quote(name)}"))
        if keep_schema and existing >= set(schema.metadata.tables):
            # Emptying eleven tables is much cheaper than recreating them (DDL on MariaDB).
            with engine.begin() as conn:
                for table in reversed(schema.TABLES):
                    conn.execute(sa.delete(table))
        else:
            schema.metadata.drop_all(engine)
            schema.metadata.create_all(engine)
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            if backend == "postgresql":
                cur.execute("SET session_replication_role = replica")  # skip FK triggers while loading
                cur.execute("SET synchronous_commit = off")
            elif backend == "mysql":
                cur.execute("SET foreign_key_checks = 0")
                cur.execute("SET unique_checks = 0")
            else:
                cur.execute("PRAGMA foreign_keys = OFF")
                cur.execute("PRAGMA synchronous = OFF")
            cur.close()
            for table in schema.TABLES:
                t = time.perf_counter()
                rows = getattr(shop, table.name)()
                if backend == "postgresql":
                    _copy_postgres(raw, table, rows)
                elif backend == "mysql":
                    _insert_batches(raw, table, rows, engine.dialect.paramstyle, 5000)
                else:
                    _insert_batches(raw, table, map(_sqlite_row, rows), engine.dialect.paramstyle, 50000)
                raw.commit()
                say(f"{table.name}: {time.perf_counter() - t:.1f} s")
            cur = raw.cursor()
            if backend == "postgresql":
                cur.execute("SET session_replication_role = origin")
            elif backend == "mysql":
                cur.execute("SET foreign_key_checks = 1")
            cur.close()
            raw.commit()
        finally:
            raw.close()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if not analyze:
                pass
            elif backend == "postgresql":
                conn.execute(sa.text("VACUUM ANALYZE"))
            elif backend == "mysql":
                conn.execute(sa.text("ANALYZE TABLE " + ", ".join(f"`{t.name}`" for t in schema.TABLES)))
            else:
                conn.execute(sa.text("ANALYZE"))
        with engine.connect() as conn:
            counts = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in schema.TABLES}
    finally:
        engine.dispose()
    say(f"built {customers} customers in {time.perf_counter() - started:.1f} s")
    return counts


def customers_with_orders(url_or_engine, orders: int = 5, limit: int = 5, from_id: int = 1) -> list[tuple[int, str]]:
    """(id, e-mail) of customers with exactly `orders` orders, the typical benchmark subject."""
    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    o = schema.orders
    c = schema.customers
    query = (
        sa.select(c.c.id, c.c.email)
        .join(o, o.c.customer_id == c.c.id)
        .where(c.c.id >= from_id)
        .group_by(c.c.id, c.c.email)
        .having(sa.func.count() == orders)
        .order_by(c.c.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [(row.id, row.email) for row in conn.execute(query)]
