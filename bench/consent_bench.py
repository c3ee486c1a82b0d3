"""Consent banner size and ledger throughput.

    .venv/bin/python bench/consent_bench.py                 # size + SQLite + PostgreSQL + kill/restart
    .venv/bin/python bench/consent_bench.py --db sqlite --seconds 5

1. The banner's JS+CSS (gzip -9) as a page with three categories loads it, against
   orestbida/cookieconsent v3.1.0 (15,410 B) and Klaro 0.7.22 (68,883 B).
2. POST /api/consent under gunicorn (3 sync workers, 127.0.0.1, a free port) on SQLite
   and PostgreSQL, through Django (personvern.wsgi) and through the fast path
   (personvern.consent.wsgi): requests/s, p99 latency, server CPU per request,
   decisions sent / acknowledged / stored, and the ratio to a trivial endpoint
   (/api/consent/health) on the same server in the same run. Anchor: a trivial view
   ~4,000 req/s; a naive SQLite insert ~1,100 req/s with half the requests failing.
3. The same load with the web server killed (SIGKILL, whole process group) and
   restarted mid-run: every decision the client was told was stored must be stored.

Every number is bounded: at most --requests per phase and --seconds per phase.
tests/consent/test_durability.py runs part 3 at small scale.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import multiprocessing
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
PG_ADMIN_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "pv_consent_bench"
ORIGIN = "https://shop.example"
ANCHORS = {"orestbida/cookieconsent v3.1.0": 15_410, "Klaro 0.7.22": 68_883}
BUDGET = 5_000  # "5 KB" in the units: its anchors 15,410 B and 68,883 B are "15.4 KB" and "68.9 KB"
ANCHOR_TRIVIAL, ANCHOR_NAIVE = 4_000, 1_100

REGISTER = f"""
controller:
  legal_name: Bench AS
  websites:
    - url: {ORIGIN}
cookies:
  - {{name: sessionid, category: necessary, purpose: Innlogging, expiry: session}}
  - {{name: lang, category: functional, purpose: {{nb: Husker språket ditt, en: Remembers your language}}, expiry: P1Y}}
  - {{name: _ga, provider: Google, category: statistics, purpose: {{nb: Skiller besøkende, en: Tells visitors apart}}, expiry: P13M}}
  - {{name: _fbp, provider: Meta, category: marketing, purpose: {{nb: Annonsemåling, en: Ad measurement}}, expiry: P3M}}
"""


# --------------------------------------------------------------------------
# Database and server
# --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(kind: str, workdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(PERSONVERN_VAR_DIR=str(workdir), SECRET_KEY="bench-only", ALLOWED_HOSTS="127.0.0.1,localhost",
               PERSONVERN_CONSENT_RATE="0", PYTHONPATH=str(REPO / "src"),
               SECURE_SSL_REDIRECT="0")  # plain http on loopback, as behind a proxy that terminates TLS
    if kind == "postgres":
        env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_DB
    return env


def prepare_db(kind: str, workdir: Path) -> tuple[dict, str]:
    """A fresh, migrated database with one organisation and site. Returns (env, site key)."""
    env = server_env(kind, workdir)
    if kind == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
    out = subprocess.run([PYTHON, __file__, "--setup"], env=env, check=True, capture_output=True, text=True)
    return env, json.loads(out.stdout.strip().splitlines()[-1])["key"]


def _setup_child() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personvern.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from personvern.accounts.models import Organisation
    from personvern.consent.models import Site
    from personvern.core.manifest import loads_register
    from personvern.registry.services import register_save

    org = Organisation.objects.create(slug="bench", name="Bench AS")
    register_save(org=org, register=loads_register(REGISTER), message="bench")
    site = Site.objects.create(organisation=org, url=ORIGIN)
    print(json.dumps({"key": site.key}))


THREADS = 1  # gunicorn --threads (1: the sync worker, as in the anchor)
APPS = {
    "django": "personvern.wsgi:application",  # /api/consent through Django's middleware
    "fast": "personvern.consent.wsgi:application",  # /api/consent without it (everything else: Django)
}
APP = APPS["django"]


def start_server(env: dict, port: int, workers: int = 3) -> subprocess.Popen:
    proc = subprocess.Popen(
        [GUNICORN, APP, "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--threads", str(THREADS), "--backlog", "2048", "--log-level", "warning"],
        env=env, cwd=str(REPO), start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /api/consent/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if b" 200 " in s.recv(100):
                    return proc
        except OSError:
            time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError("gunicorn did not start")


def stop_server(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def drop_db(kind: str) -> None:
    if kind == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def server_cpu_seconds(master_pid: int) -> float:
    """User+system CPU of the gunicorn master and its workers, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master_pid or ppid == master_pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def stored_ids(kind: str, env: dict) -> set[str]:
    sql = "SELECT record_id FROM consent_consentrecord"
    if kind == "postgres":
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as conn:
            return {r[0] for r in conn.execute(sql)}
    conn = sqlite3.connect(Path(env["PERSONVERN_VAR_DIR"]) / "personvern.sqlite3", timeout=30)
    try:
        return {r[0] for r in conn.execute(sql)}
    finally:
        conn.close()


# --------------------------------------------------------------------------
# Load: processes x coroutines, one connection per request (sync gunicorn closes it)
# --------------------------------------------------------------------------


def _request(port: int, site_key: str | None, record_id: str) -> bytes:
    if site_key is None:
        return f"GET /api/consent/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
    body = json.dumps({
        "site": site_key, "id": record_id, "method": "custom", "version": "0123456789ab", "lang": "nb",
        "choices": {"functional": False, "statistics": True, "marketing": False},
    })
    return (
        f"POST /api/consent HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {ORIGIN}\r\n"
        f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}"
    ).encode()


async def _worker(port, site_key, quota, deadline, results):
    while quota[0] > 0 and time.monotonic() < deadline:
        quota[0] -= 1
        record_id = uuid.uuid4().hex
        start = time.perf_counter()
        status = 0
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
            writer.write(_request(port, site_key, record_id))
            data = await asyncio.wait_for(reader.read(), 30)
            writer.close()
            head = data[:12]
            status = int(head[9:12]) if head.startswith(b"HTTP/1.") else 0
            if site_key is not None and status in (200, 201) and b'"ok": true' not in data:
                status = -status  # an answer without the acknowledgement
        except (OSError, asyncio.TimeoutError, ValueError):
            status = 0
            await asyncio.sleep(0.01)
        results.append((record_id, status, time.perf_counter() - start))


def _load_proc(port, site_key, quota, seconds, concurrency, queue):
    async def main():
        results: list = []
        box = [quota]
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_worker(port, site_key, box, deadline, results) for _ in range(concurrency)))
        return results

    queue.put(asyncio.run(main()))


def load(port: int, site_key: str | None, *, requests: int, seconds: float, procs: int = 2,
         concurrency: int = 24, during=None) -> dict:
    """Fire at most `requests` within `seconds`. `during(elapsed)` is called in the parent ~every 50 ms."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_load_proc, args=(port, site_key, requests // procs, seconds, concurrency, queue))
               for _ in range(procs)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    results: list = []
    pending = len(workers)
    while pending:
        if during is not None:
            during(time.perf_counter() - start)
        try:
            results.extend(queue.get(timeout=0.05))
            pending -= 1
        except Exception:  # queue.Empty
            continue
    elapsed = time.perf_counter() - start
    for w in workers:
        w.join()
    ok = [r for r in results if r[1] in (200, 201)]
    latencies = sorted(r[2] for r in ok) or [0.0]
    return {
        "sent": len(results),
        "acked": {r[0] for r in ok},
        "errors": len(results) - len(ok),
        "rps": len(ok) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "seconds": elapsed,
    }


# --------------------------------------------------------------------------
# The three parts
# --------------------------------------------------------------------------


def banner_size() -> dict:
    """gzip -9 of the script a page with three categories (plus necessary) loads."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personvern.settings")
    os.environ.setdefault("PERSONVERN_DEV", "1")
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from types import SimpleNamespace

    from personvern.consent import services
    from personvern.consent.public_views import banner_source, script_for
    from personvern.core.manifest import loads_register

    site = SimpleNamespace(key="abcdefghijkl", organisation=SimpleNamespace(slug="bench"), lifetime_days=182,
                           reopen_button=True)
    config = services.banner_config(site, loads_register(REGISTER), base_url="https://personvern.example.no")
    script = script_for(config)
    js, css = banner_source()
    return {
        "total": len(gzip.compress(script.encode(), 9)),
        "raw": len(script.encode()),
        "code_only": len(gzip.compress((js + css).encode(), 9)),
    }


def run_throughput(kind: str, *, requests: int, seconds: float, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="pv-bench-") as tmp:
        env, key = prepare_db(kind, Path(tmp))
        port = free_port()
        server = start_server(env, port, workers)
        try:
            load(port, key, requests=500, seconds=2)  # warm-up (not counted below)
            before = len(stored_ids(kind, env))
            cpu0 = server_cpu_seconds(server.pid)
            trivial = load(port, None, requests=requests, seconds=seconds)
            cpu1 = server_cpu_seconds(server.pid)
            ledger = load(port, key, requests=requests, seconds=seconds)
            cpu2 = server_cpu_seconds(server.pid)
            trivial["cpu_ms"] = 1000 * (cpu1 - cpu0) / max(trivial["sent"], 1)
            ledger["cpu_ms"] = 1000 * (cpu2 - cpu1) / max(ledger["sent"], 1)
        finally:
            stop_server(server)
        stored = stored_ids(kind, env)
        drop_db(kind)
        return {"trivial": trivial, "ledger": ledger, "stored": len(stored) - before,
                "lost": len(ledger["acked"] - stored)}


def run_kill_restart(kind: str, *, requests: int, seconds: float, workers: int = 3) -> dict:
    """Load for `seconds`; at a third of the way SIGKILL the server's process group, restart it."""
    with tempfile.TemporaryDirectory(prefix="pv-bench-kill-") as tmp:
        env, key = prepare_db(kind, Path(tmp))
        port = free_port()
        state = {"server": start_server(env, port, workers), "killed": False, "restarted_after": None}

        def during(elapsed):
            if not state["killed"] and elapsed > seconds / 3:
                state["killed"] = True
                t0 = time.perf_counter()
                os.killpg(state["server"].pid, signal.SIGKILL)
                state["server"].wait()
                state["server"] = start_server(env, port, workers)
                state["restarted_after"] = time.perf_counter() - t0

        try:
            result = load(port, key, requests=requests, seconds=seconds, during=during)
        finally:
            stop_server(state["server"])
        stored = stored_ids(kind, env)
        drop_db(kind)
        return {"sent": result["sent"], "acked": len(result["acked"]), "stored": len(stored),
                "lost": len(result["acked"] - stored), "errors": result["errors"], "killed": state["killed"],
                "restart_seconds": state["restarted_after"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=8.0, help="at most this long per phase")
    parser.add_argument("--requests", type=int, default=30_000, help="at most this many requests per phase")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn --threads (gthread worker when > 1)")
    parser.add_argument("--app", choices=["django", "fast", "both"], default="both",
                        help="WSGI entry point: Django for everything, or personvern.consent.wsgi's fast path")
    parser.add_argument("--no-kill", action="store_true")
    args = parser.parse_args()
    if args.setup:
        _setup_child()
        return
    global THREADS, APP
    THREADS = args.threads

    size = banner_size()
    print("== banner size (gzip -9, JS+CSS+config, page with 3 categories + necessary)")
    failed = size["total"] > BUDGET
    print(f"personvern      {size['total']:>7,} B = {size['total'] / 1000:.1f} KB   (raw {size['raw']:,} B; code alone {size['code_only']:,} B)"
          f"   budget 5 KB = {BUDGET:,} B: {'OK' if size['total'] <= BUDGET else 'OVER'}")
    for name, value in ANCHORS.items():
        print(f"{name:<32} {value:>7,} B = {value / 1000:.1f} KB   personvern is {size['total'] / value:.2f}x")

    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    apps = ["django", "fast"] if args.app == "both" else [args.app]
    for kind in kinds:
        for app in apps:
            APP = APPS[app]
            r = run_throughput(kind, requests=args.requests, seconds=args.seconds, workers=args.workers)
            t, g = r["trivial"], r["ledger"]
            print(f"\n== /api/consent on {kind}, {APP}, gunicorn {args.workers} workers x {args.threads} threads, 127.0.0.1 "
                  f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
            print(f"trivial endpoint  {t['rps']:>8,.0f} req/s  p99 {t['p99_ms']:6.1f} ms  errors {t['errors']}  "
                  f"server CPU {t['cpu_ms']:.2f} ms/request")
            print(f"ledger write      {g['rps']:>8,.0f} req/s  p99 {g['p99_ms']:6.1f} ms  errors {g['errors']}  "
                  f"server CPU {g['cpu_ms']:.2f} ms/request")
            cores = os.cpu_count() or 1
            print(f"server CPU per ledger write {g['cpu_ms']:.2f} ms: {cores} free cores would carry "
                  f"~{1000 * cores / g['cpu_ms']:,.0f} writes/s (trivial: ~{1000 * cores / t['cpu_ms']:,.0f} req/s)")
            print(f"ratio ledger/trivial {g['rps'] / t['rps']:.2f}   anchors: trivial ~{ANCHOR_TRIVIAL:,}, "
                  f"naive SQLite insert ~{ANCHOR_NAIVE:,} req/s with ~50% failing")
            print(f"decisions sent {g['sent']:,}  acknowledged {len(g['acked']):,}  stored {r['stored']:,}  "
                  f"acknowledged but missing {r['lost']}")
            estimate = ANCHOR_TRIVIAL * g["rps"] / t["rps"]
            verdict = "met" if g["rps"] >= 1000 else "not met on this run"
            print(f"target 1,000 req/s: {verdict} ({g['rps']:,.0f} measured); where the trivial endpoint answers "
                  f"~{ANCHOR_TRIVIAL:,} req/s (the anchor machine) this ratio means ~{estimate:,.0f} req/s")
            # The exit status is about correctness: the absolute rate depends on what else the machine runs.
            failed |= r["lost"] > 0 or g["errors"] > 0
            if not args.no_kill:
                k = run_kill_restart(kind, requests=args.requests, seconds=args.seconds, workers=args.workers)
                print(f"kill -9 + restart mid-run: sent {k['sent']:,}  acknowledged {k['acked']:,}  stored {k['stored']:,}  "
                      f"acknowledged but missing {k['lost']}  (failed during outage {k['errors']:,}, "
                      f"restart took {k['restart_seconds']:.1f} s)")
                failed |= k["lost"] > 0 or not k["killed"]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
