"""Connector benchmark: access, erasure, retention sweep and discovery on PostgreSQL,
MariaDB and SQLite, next to the plain-SQL floor measured in the same run and the Fides
reference figures of issue 5.

    .venv/bin/python bench/connectors_bench.py [--customers 100000] [--backends postgresql,mysql,sqlite]
                                               [--sweep-rows 1000000] [--reuse]

The issue's reference scale is 1,000,000 customers / 5,000,000 orders / 15,000,000 order
lines (`--customers 1000000`); the default of 100,000 runs in a few minutes. Timings are
the median over 5 subjects (customers with exactly 5 orders), after one warm-up access
and erasure; schema reflection is cached per engine, as in the product."""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from examples.shop import REFERENCE_NOW, customers_with_orders  # noqa: E402
from examples.shop.generate import build_shop, ensure_database  # noqa: E402
from examples.shop.wide import build_wide_schema  # noqa: E402
from personvern.connectors.datamap import load_datamap_file  # noqa: E402
from personvern.connectors.discover import discover  # noqa: E402
from personvern.connectors.engine import make_engine  # noqa: E402
from personvern.connectors.execute import access, erase  # noqa: E402
from personvern.connectors.retention import SweepRule, sweep  # noqa: E402

FIDES_ACCESS_S = 0.54  # Fides 2.78, 1M customers, PostgreSQL 15, 2 cores (issue 5)
FIDES_ERASURE_S = 0.95
URLS = {
    "postgresql": os.environ.get("PV_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/pv_bench_shop"),
    "mysql": os.environ.get("PV_BENCH_MYSQL", "mysql://root@127.0.0.1:3306/pv_bench_shop"),
    "sqlite": os.environ.get("PV_BENCH_SQLITE", "sqlite:////tmp/pv_bench_shop.db"),
}
HASH_KEY = b"bench"
DATAMAP = load_datamap_file(REPO / "examples" / "shop" / "datamap.yaml")

# The plain-SQL floor: the same work written by hand for this one schema, on a raw DB-API
# cursor over an open connection. Access: one SELECT per table, joined from the customer.
FLOOR_ACCESS = [
    "SELECT * FROM customers WHERE email = {e}",
    "SELECT a.* FROM addresses a WHERE a.customer_id = {c}",
    "SELECT o.* FROM orders o WHERE o.customer_id = {c}",
    "SELECT l.* FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.customer_id = {c}",
    "SELECT i.* FROM invoices i JOIN orders o ON o.id = i.order_id WHERE o.customer_id = {c}",
    "SELECT * FROM invoices WHERE buyer_email = {e}",
    "SELECT * FROM newsletter_subscribers WHERE email = {e}",
    "SELECT * FROM job_applications WHERE email = {e}",
    "SELECT * FROM support_tickets WHERE customer_id = {c}",
    "SELECT * FROM support_tickets WHERE email = {e}",
    "SELECT * FROM phone_calls WHERE customer_id = {c}",
    "SELECT * FROM consents WHERE customer_id = {c}",
]
# Erasure with the same legal hold, as a careful hand-coder would write it for this one
# schema: one SELECT of the customer's orders (held or not), then keyed statements (IN
# lists of those ids, which every backend plans on its indexes; MariaDB turns
# `IN (SELECT ...)` in a DELETE into a scan), one transaction.
FLOOR_ERASE_TAIL = [
    "DELETE FROM addresses WHERE customer_id = {c}",
    "DELETE FROM consents WHERE customer_id = {c}",
    "DELETE FROM support_tickets WHERE customer_id = {c} OR email = {e}",
    "UPDATE phone_calls SET caller_number = NULL, notes = NULL, customer_id = NULL WHERE customer_id = {c}",
    "DELETE FROM newsletter_subscribers WHERE email = {e}",
    "DELETE FROM job_applications WHERE email = {e}",
    "DELETE FROM customers WHERE id = {c}",
]


def floor_erase_statements(cur, mark: str, cid: int, email: str, hold) -> list[tuple[str, list]]:
    cur.execute(f"SELECT id, ordered_at FROM orders WHERE customer_id = {mark}", [cid])
    orders = cur.fetchall()
    held = [o[0] for o in orders if o[1] > hold]  # datetimes, or on SQLite text in one format
    old = [o[0] for o in orders if o[0] not in held]

    def ids(values: list[int]) -> str:
        return "(" + ", ".join([mark] * len(values)) + ")"

    out: list[tuple[str, list]] = []
    if old:
        out += [(f"DELETE FROM order_lines WHERE order_id IN {ids(old)}", old), (f"DELETE FROM invoices WHERE order_id IN {ids(old)}", old)]
    if held:
        out.append((f"UPDATE invoices SET buyer_email = NULL WHERE order_id IN {ids(held)}", held))
    if old:
        out.append((f"DELETE FROM orders WHERE id IN {ids(old)}", old))
    if held:
        out.append((f"UPDATE orders SET delivery_name = NULL, delivery_address = NULL, delivery_phone = NULL, customer_id = NULL WHERE id IN {ids(held)}", held))
    for template in FLOOR_ERASE_TAIL:
        out.append((template.format(c=mark, e=mark), [dict(c=cid, e=email)[n] for n in _placeholders(template)]))
    return out


def say(*parts) -> None:
    print("[bench]", *parts, flush=True)


def ensure_shop(url: str, customers: int, reuse: bool) -> None:
    ensure_database(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            have = conn.execute(sa.text("SELECT max(id) FROM customers")).scalar_one()  # erasures remove some
    except sa.exc.SQLAlchemyError:
        have = None
    engine.dispose()
    if reuse and have == customers:
        say(f"reusing the shop at {url} ({customers:,} customers)")
        return
    started = time.perf_counter()
    counts = build_shop(url, customers, seed=42, progress=lambda m: say(m))
    say(f"built {url}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + f" in {time.perf_counter() - started:.0f} s")


def floor(engine, statements: list[str] | None, cid: int, email: str, commit: bool) -> float:
    """Seconds for the hand-written statements on a raw cursor, commit included
    (statements None: the erasure, planned by floor_erase_statements)."""
    hold = DATAMAP.tables["orders"].legal_hold.cutoff(REFERENCE_NOW)
    marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SELECT 1")
        cur.fetchall()
        raw.commit()
        started = time.perf_counter()
        if statements is None:
            planned = floor_erase_statements(cur, marker, cid, email, _hold_param(engine, hold))
        else:
            planned = [(t.format(c=marker, e=marker), [dict(c=cid, e=email)[n] for n in _placeholders(t)]) for t in statements]
        for sql, params in planned:
            cur.execute(sql, params)
            if cur.description:
                cur.fetchall()
        if commit:
            raw.commit()
        else:
            raw.rollback()
        return time.perf_counter() - started
    finally:
        raw.close()


def _placeholders(template: str) -> list[str]:
    out, i = [], 0
    while True:
        i = template.find("{", i)
        if i < 0:
            return out
        out.append(template[i + 1])
        i += 3


def _hold_param(engine, hold: dt.datetime):
    return hold.strftime("%Y-%m-%d %H:%M:%S.%f") if engine.dialect.name == "sqlite" else hold


def warn_if_data_outgrows_the_buffer_pool(engine) -> None:
    """MariaDB reads past its own buffer pool go to disk (O_DIRECT): then the floor and ours
    measure the disk, not the queries. Say so, with the setting that fixes it."""
    with engine.connect() as conn:
        pool = conn.execute(sa.text("SELECT @@innodb_buffer_pool_size")).scalar()
        data = conn.execute(sa.text("SELECT SUM(data_length + index_length) FROM information_schema.tables "
                                    "WHERE table_schema = DATABASE()")).scalar() or 0
    if data > pool:
        print(f"[bench] MariaDB buffer pool {pool / 2**20:,.0f} MB < data {data / 2**20:,.0f} MB: reads come from "
              "disk; SET GLOBAL innodb_buffer_pool_size to the data's size for the in-memory figures", flush=True)


def bench_requests(backend: str, url: str, customers: int) -> dict:
    engine = make_engine(url)
    if backend == "mysql":
        warn_if_data_outgrows_the_buffer_pool(engine)
    n = customers
    warm = customers_with_orders(engine, 5, 1, from_id=n // 4)[0]
    subjects = customers_with_orders(engine, 5, 20, from_id=n // 2)
    ours, floors = subjects[:9], subjects[9:18]
    # Warm-up: reflection (then cached), plans, connection pool.
    access(engine, DATAMAP, {"email": warm[1]})
    erase(engine, DATAMAP, {"email": warm[1]}, now=REFERENCE_NOW, hash_key=HASH_KEY, search_residue=False)
    access_s, erase_s, floor_access, floor_erase, rows, verified = [], [], [], [], [], []
    plan_s, guard_s = [], []  # inside erase_s: the erasure plan and the collateral guard
    # The floor reads other customers than ours (the ones its erasure removes later), so
    # neither side finds pages the other has just read.
    for (cid, email), (floor_cid, floor_email) in zip(ours, floors):
        result = access(engine, DATAMAP, {"email": email})
        access_s.append(result.seconds)
        rows.append(sum(result.counts.values()))
        floor_access.append(floor(engine, FLOOR_ACCESS, floor_cid, floor_email, commit=False))
    for (cid, email), (floor_cid, floor_email) in zip(ours, floors):
        # The residue search scans free text; it runs after the erasure and is timed below.
        result = erase(engine, DATAMAP, {"email": email}, now=REFERENCE_NOW, hash_key=HASH_KEY, search_residue=False)
        erase_s.append(result.seconds)
        plan_s.append(result.timings["plan"])
        guard_s.append(result.timings["guard"])
        verified.append(result.verification.ok)
        floor_erase.append(floor(engine, None, floor_cid, floor_email, commit=True))
    residue_s = []
    for _cid, email in subjects[18:]:  # the residue search of the map's tables, after an erasure
        result = erase(engine, DATAMAP, {"email": email}, now=REFERENCE_NOW, hash_key=HASH_KEY)
        residue_s.append(result.residue.seconds)
        verified.append(result.verified)
    engine.dispose()
    return {
        "best_access": min(access_s),
        "best_erase": min(erase_s),
        "access": statistics.median(access_s),
        "erase": statistics.median(erase_s),
        "floor_access": statistics.median(floor_access),
        "floor_erase": statistics.median(floor_erase),
        "rows": statistics.median(rows),
        "verified": all(verified),
        "residue": statistics.median(residue_s) if residue_s else None,
        "plan": statistics.median(plan_s),
        "guard": statistics.median(guard_s),
    }


def bench_service(backend: str, url: str, customers: int) -> dict:
    """The product's path: datasources.services.person_access / person_erase, which run the
    connector and store the audit record (hash-chained, in the app's own database: a
    fresh SQLite file, or PV_BENCH_APP_DB). Timed from the call to the record stored."""
    os.environ.setdefault("PERSONVERN_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personvern.settings")
    # As an operator would: allow the bench's loopback servers and its SQLite file's folder
    # (the connection policy, docs/configuration.md), so the product's path is what is timed.
    os.environ.setdefault("PERSONVERN_CONNECTOR_ALLOW", "127.0.0.0/8,::1")
    os.environ.setdefault("PERSONVERN_SQLITE_DIRS", str(Path(sa.engine.make_url(URLS["sqlite"]).database or "/tmp").parent))
    if "PV_BENCH_APP_DB" in os.environ:
        os.environ["DATABASE_URL"] = os.environ["PV_BENCH_APP_DB"]
    else:
        app_db = Path(f"/tmp/pv_bench_app_{os.getpid()}.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{app_db}"
        atexit.register(lambda: [Path(f"{app_db}{end}").unlink(missing_ok=True) for end in ("", "-wal", "-shm")])
    import django

    django.setup()
    from django.core.management import call_command

    from personvern.accounts.models import Organisation
    from personvern.audit.models import AuditEvent
    from personvern.datasources import services
    from personvern.datasources.models import Connection

    call_command("migrate", verbosity=0)
    org, _ = Organisation.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    connection, _ = Connection.objects.update_or_create(
        organisation=org, slug=backend, defaults={"name": backend, "url": url, "datamap": (REPO / "examples" / "shop" / "datamap.yaml").read_text()}
    )
    engine = services.connection_engine(connection)
    subjects = customers_with_orders(engine, 5, 10, from_id=customers // 3)
    services.person_access(connection=connection, identity={"email": subjects[0][1]})  # warm-up: reflection, plans
    services.person_erase(connection=connection, identity={"email": subjects[0][1]})
    access_s, erase_s = [], []
    events = AuditEvent.objects.count()
    for _cid, email in subjects[1:]:
        started = time.perf_counter()
        services.person_access(connection=connection, identity={"email": email})
        access_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        services.person_erase(connection=connection, identity={"email": email}, search_residue=False)  # timed apart
        erase_s.append(time.perf_counter() - started)
    assert AuditEvent.objects.count() == events + 2 * len(erase_s), "one audit record per run"
    return {"access": statistics.median(access_s), "erase": statistics.median(erase_s), "n": len(erase_s)}


def bench_sweep(backend: str, url: str, rows: int) -> dict:
    """A web log of `rows` rows, one every 30 s, ids rising with time as in a real log, so
    about 92% are older than 30 days; swept in batches sized to ~50 ms (at most 5,000 rows)."""
    engine = make_engine(url)
    meta = sa.MetaData()
    log = sa.Table(
        "access_log", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("visited_at", sa.DateTime, nullable=False),
        sa.Column("ip_address", sa.String(45)),
        sa.Column("path", sa.String(200)),
    )
    meta.drop_all(engine)
    meta.create_all(engine)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS pv_retention_runs"))
        # Generated inside the database: a million INSERTs from Python would dominate the run.
        if backend == "postgresql":
            conn.execute(sa.text(
                "INSERT INTO access_log SELECT g, TIMESTAMP '2026-10-31 12:00' - ((:n - g) * INTERVAL '30 second'), "
                "'84.' || (g % 250) || '.1.' || (g % 200), '/vare/' || (g % 5000) FROM generate_series(1, :n) g"), {"n": rows})
        else:
            step = "g + 1"
            if backend == "mysql":
                conn.execute(sa.text("SET SESSION max_recursive_iterations = 10000000"))  # default 1000
            ts = (f"DATE_SUB('2026-10-31 12:00:00', INTERVAL ({rows} - g) * 30 SECOND)" if backend == "mysql"
                  else f"strftime('%Y-%m-%d %H:%M:%f000', datetime('2026-10-31 12:00:00', '-' || (({rows} - g) * 30) || ' seconds'))")
            concat = (lambda *p: "CONCAT(" + ", ".join(p) + ")") if backend == "mysql" else (lambda *p: " || ".join(p))
            chunk = 100_000
            for start in range(0, rows, chunk):
                count = min(chunk, rows - start)
                conn.execute(sa.text(
                    f"INSERT INTO access_log WITH RECURSIVE s(g) AS (SELECT {start + 1} UNION ALL SELECT {step} FROM s WHERE g < {start + count}) "
                    f"SELECT g, {ts}, {concat(chr(39) + '84.' + chr(39), 'g % 250', chr(39) + '.1.' + chr(39), 'g % 200')}, "
                    f"{concat(chr(39) + '/vare/' + chr(39), 'g % 5000')} FROM s"))
    say(f"{backend}: access_log of {rows:,} rows in {time.perf_counter() - started:.1f} s")
    rule = SweepRule("weblogg", "access_log", "visited_at", "P30D")
    expired_before = None
    with engine.connect() as conn:
        expired_before = conn.execute(sa.text("SELECT count(*) FROM access_log WHERE visited_at < :c"), {"c": dt.datetime(2026, 10, 2, 12)}).scalar_one()
    result = sweep(engine, [rule], REFERENCE_NOW, batch_size=5000)
    outcome = result.rules[0]
    engine.dispose()
    assert outcome.error is None, outcome.error
    return {"rows": outcome.rows, "expected": expired_before, "seconds": result.seconds, "rate": outcome.rows / result.seconds,
            "max_batch": outcome.max_batch_seconds, "batches": outcome.batches,
            "p95_batch": statistics.quantiles(outcome.batch_seconds, n=20)[-1] if len(outcome.batch_seconds) > 1 else outcome.max_batch_seconds}


def bench_discovery(backend: str, url: str) -> dict:
    wide = url.replace("pv_bench_shop", "pv_bench_wide")
    truth = build_wide_schema(wide, tables=100, rows=200)
    engine = make_engine(wide)
    result = discover(engine)
    engine.dispose()
    proposed = result.proposed_columns()
    return {"seconds": result.seconds, "tables": result.tables_scanned, "recall": len(proposed & truth) / len(truth),
            "precision": len(proposed & truth) / max(1, len(proposed))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=int(os.environ.get("PV_BENCH_CUSTOMERS", 100_000)))
    parser.add_argument("--backends", default="postgresql,mysql,sqlite")
    parser.add_argument("--sweep-rows", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="reuse a shop of the same size if one is there")
    parser.add_argument("--parts", default="requests,sweep,discovery", help="any of requests,sweep,discovery,service")
    args = parser.parse_args()
    args.load_at_start = os.getloadavg()[0]
    results = {}
    for backend in args.backends.split(","):
        url = URLS[backend]
        say(f"--- {backend}")
        parts = args.parts.split(",")
        if "requests" in parts or "service" in parts:
            ensure_shop(url, args.customers, args.reuse)
        results[backend] = {
            "requests": bench_requests(backend, url, args.customers) if "requests" in parts else None,
            "sweep": bench_sweep(backend, url, args.sweep_rows) if "sweep" in parts else None,
            "discovery": bench_discovery(backend, url) if "discovery" in parts else None,
            "service": bench_service(backend, url, args.customers) if "service" in parts else None,
        }
        say(results[backend])
    print_table(results, args)
    return 0


def print_table(results: dict, args) -> None:
    ms = lambda s: f"{s * 1000:.1f} ms"  # noqa: E731
    print()
    print(f"Connectors benchmark: {args.customers:,} customers; subjects have 5 orders; median of 9 subjects "
          f"(best in brackets); sweep of {args.sweep_rows:,} rows; load average {args.load_at_start:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} CPUs")
    print()
    print("| backend | access | plain-SQL floor | ratio | Fides 0.54 s / ours | erasure | plain-SQL floor | ratio | Fides 0.95 s / ours | verified |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for backend, r in results.items():
        q = r["requests"]
        if q is None:
            continue
        print(f"| {backend} | {ms(q['access'])} ({ms(q['best_access'])}) | {ms(q['floor_access'])} | {q['access'] / q['floor_access']:.1f}x | "
              f"{FIDES_ACCESS_S / q['access']:.0f}x | {ms(q['erase'])} ({ms(q['best_erase'])}) | {ms(q['floor_erase'])} | {q['erase'] / q['floor_erase']:.1f}x | "
              f"{FIDES_ERASURE_S / q['erase']:.0f}x | {q['verified']} |")
    print()
    print("Inside the erasure (median): the plan and the collateral guard (its proof, one UNION ALL query): "
          + ", ".join(f"{backend} plan {ms(r['requests']['plan'])}, guard {ms(r['requests']['guard'])}" for backend, r in results.items() if r["requests"]))
    residue = {backend: r["requests"]["residue"] for backend, r in results.items() if r["requests"] and r["requests"].get("residue")}
    if residue:
        print()
        print("Residue search after an erasure (text columns of the map's tables; equality where an index answers), median of 2: "
              + ", ".join(f"{backend} {s:.2f} s" for backend, s in residue.items()))
    if any(r.get("service") for r in results.values()):
        print()
        print("Through the product (datasources.services: connector run + audit record stored), median of 9:")
        print("| backend | access + audit | Fides 0.54 s / ours | erasure + audit | Fides 0.95 s / ours |")
        print("|---|---|---|---|---|")
        for backend, r in results.items():
            if v := r.get("service"):
                print(f"| {backend} | {ms(v['access'])} | {FIDES_ACCESS_S / v['access']:.0f}x | {ms(v['erase'])} | {FIDES_ERASURE_S / v['erase']:.0f}x |")
    if not any(r["sweep"] or r["discovery"] for r in results.values()):
        return print_targets()
    print()
    print("| backend | sweep rows deleted | seconds | rows/s | batches | batch (transaction) p95 / max | discovery, 100 tables | precision / recall |")
    print("|---|---|---|---|---|---|---|---|")
    for backend, r in results.items():
        s, d = r["sweep"], r["discovery"]
        if s is None and d is None:
            continue
        sweep_cells = (f"{s['rows']:,} of {s['expected']:,} | {s['seconds']:.1f} | {s['rate']:,.0f} | {s['batches']} | {ms(s['p95_batch'])} / {ms(s['max_batch'])}"
                       if s else "- | - | - | - | -")
        discovery_cells = f"{d['seconds']:.2f} s | {d['precision']:.2f} / {d['recall']:.2f}" if d else "- | -"
        print(f"| {backend} | {sweep_cells} | {discovery_cells} |")
    print_targets()


def print_targets() -> None:
    print()
    print("Targets (issue 5, at 1M customers): access < 20 ms, erasure < 50 ms, >= 20x faster than Fides, within 20x of the floor;")
    print("sweep >= 50,000 rows/s on PostgreSQL with no lock held over 200 ms; discovery of 100 tables < 10 s.")


if __name__ == "__main__":
    sys.exit(main())
