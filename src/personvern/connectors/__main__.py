"""python -m personvern.connectors discover URL [--sample N] [--table T ...]
   python -m personvern.connectors test URL
   python -m personvern.connectors access URL --map FILE --identity KIND=VALUE [...] [--format json]
   python -m personvern.connectors erase URL --map FILE --identity KIND=VALUE [...] [--dry-run]
        [--whole-database] [--hash-key-file F] [--format json]

`discover` prints the proposed dataset map as YAML on stdout and a progress bar on
stderr; the `personvern discover` command can call `main()` with the same arguments.
`access` and `erase` are the operator's rights requests (`personvern access`, `personvern
erase`): the same walk, plan and residue search as the web app, on a database the
operator names. Exit 0: done (and for erase, verified); 1: nothing verified, residue
remains; 2: bad input (arguments, map, identity, unreachable database)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from personvern.connectors import execute
from personvern.connectors.datamap import IdentityKind, load_datamap_file
from personvern.connectors.discover import discover
from personvern.connectors.engine import ConnectorError, make_engine, normalise_url, test_connection


def _progress_bar(done: int, total: int, table: str) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {table[:30]:30s}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _identity(text: str) -> tuple[str, str]:
    kind, sep, value = text.partition("=")
    kinds = ", ".join(k.value for k in IdentityKind)
    if not sep or not value.strip():
        raise argparse.ArgumentTypeError(f"'{text}' is not KIND=VALUE, e.g. email=kari@example.no (kinds: {kinds})")
    if kind not in {k.value for k in IdentityKind}:
        raise argparse.ArgumentTypeError(f"unknown identity kind '{kind}'; use one of {kinds}")
    return kind, value


def _request_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("url", help="the database, e.g. postgresql://user@host/db or sqlite:///shop.db")
    command.add_argument("--map", required=True, type=Path, help="the dataset map (YAML file)")
    command.add_argument("--identity", required=True, action="append", type=_identity, metavar="KIND=VALUE",
                         help="how to find the person, e.g. email=kari@example.no (repeatable)")
    command.add_argument("--format", choices=["text", "json"], default="text")


def main(argv: list[str] | None = None, prog: str = "python -m personvern.connectors") -> int:
    parser = argparse.ArgumentParser(prog=prog)
    commands = parser.add_subparsers(dest="command", required=True)
    scan = commands.add_parser("discover", help="scan a database and print a proposed dataset map (YAML)")
    scan.add_argument("url")
    scan.add_argument("--sample", type=int, default=100, help="rows sampled per table (values are never kept)")
    scan.add_argument("--table", action="append", help="only these tables")
    check = commands.add_parser("test", help="test a connection")
    check.add_argument("url")
    _request_arguments(commands.add_parser("access", help="print every row about a person (the access request)"))
    wipe = commands.add_parser("erase", help="erase a person, then search for what remains")
    _request_arguments(wipe)
    wipe.add_argument("--dry-run", action="store_true", help="show the plan and what would remain; change nothing")
    wipe.add_argument("--confirm-large", action="store_true", help="carry out a plan larger than the map's limits.max_rows")
    wipe.add_argument("--whole-database", action="store_true", help="search every table's text for what remains, not only the map's")
    wipe.add_argument("--hash-key-file", type=Path, help="the key for keyed_hash masks (a file holding it)")
    args = parser.parse_args(argv)
    if args.command in ("access", "erase"):
        try:
            return run_request(args)
        except execute.ErasureRefused as exc:  # the guard, before any write: not bad input
            _print_refusal(exc, args.format)
            return 1
        except ConnectorError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except BrokenPipeError:  # the reader (| head) left: not an error of ours
            sys.stderr.close()
            return 0
    if args.command == "test":
        ok, message = test_connection(args.url)
        print(message)
        return 0 if ok else 1
    try:
        result = discover(args.url, sample_size=args.sample, tables=args.table, progress=_progress_bar if sys.stderr.isatty() else None)
    except ConnectorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(result.yaml())
    print(f"# {result.tables_scanned} tables, {result.columns_scanned} columns in {result.seconds:.2f} s", file=sys.stderr)
    return 0


def run_request(args: argparse.Namespace) -> int:
    datamap = load_datamap_file(args.map)
    identity = dict(args.identity)
    url = normalise_url(args.url)
    hash_key = None
    if getattr(args, "hash_key_file", None):
        try:
            hash_key = args.hash_key_file.read_bytes().strip()
        except OSError as exc:
            raise ConnectorError(f"cannot read the hash key file {args.hash_key_file}: {exc.strerror}") from None
        if not hash_key:
            raise ConnectorError(f"the hash key file {args.hash_key_file} is empty")
    if args.command == "erase" and hash_key is None and datamap.needs_hash_key():
        raise ConnectorError("the dataset map erases some columns with a keyed hash: give its key with --hash-key-file FILE")
    where = make_url(str(args.url)).render_as_string(hide_password=True)
    engine = make_engine(url, create_sqlite=False)  # a mistyped path is an error, not a new empty database
    try:
        if args.command == "access":
            found = execute.access(engine, datamap, identity)
            _print_access(found, where, args.format)
            return 0
        result = execute.erase(
            engine, datamap, identity, hash_key=hash_key, dry_run=args.dry_run, confirm_large=args.confirm_large,
            whole_database=args.whole_database,
        )
        _print_erasure(result, where, args.format)
        return 0 if result.verified else 1
    finally:
        engine.dispose()


def _print_access(found: execute.AccessResult, where: str, form: str) -> None:
    if form == "json":
        json.dump({"counts": found.counts, "rows": found.rows, "context": found.context, "queries": found.queries,
                   "seconds": round(found.seconds, 4)},
                  sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
        return
    total = sum(found.counts.values())
    print(f"Access in {where}: {total} rows in {sum(1 for n in found.counts.values() if n)} tables ({found.seconds * 1000:.0f} ms)")
    for table, n in found.counts.items():
        if n:
            print(f"  {table:<32} {n:>7} row{'s' if n != 1 else ''}")
    if total:
        print("The rows themselves: --format json.")


PLAN_COLUMNS = ("delete", "mask", "kept_referenced", "held", "restricted", "dependent_kept", "dependent_deleted", "reference")


def _print_plan(plan: execute.ErasurePlan, verb: str) -> None:
    tables = {name: t.counts() for name, t in plan.tables.items() if t.counts()}
    if not tables:
        print("  no rows of the person found")
        return
    shown = [c for c in PLAN_COLUMNS if any(c in counts for counts in tables.values())]
    width = max(len(name) for name in tables) + 2
    print("  " + "table".ljust(width) + "  ".join(c.replace("_", " ") for c in shown))
    for name, counts in tables.items():
        print("  " + name.ljust(width) + "  ".join(str(counts.get(c, 0)).rjust(len(c)) for c in shown))
    print(f"  {plan.touched} rows {verb} (the map's limit without --confirm-large: {plan.max_rows})")


def _print_refusal(refused: execute.ErasureRefused, form: str) -> None:
    if form == "json":
        out = {
            "refused": refused.reason,
            "collateral": [{"table": c.table, "rows": c.count, "why": c.why} for c in refused.collateral],
            "plan": refused.plan.summary(),
            "verified": False,
        }
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print("Plan that was refused:")
        _print_plan(refused.plan, "to change")
    hint = " (on the command line: --confirm-large)" if refused.reason == "confirmation" else ""
    print(f"error: {refused}{hint}", file=sys.stderr)


def _print_erasure(result: execute.EraseResult, where: str, form: str) -> None:
    residue = result.residue
    if form == "json":
        out = {
            "dry_run": result.dry_run,
            "verified": result.verified,
            "plan": result.plan.summary() if result.plan else None,
            "tables": result.counts,
            "unmasked": result.verification.unmasked_rows if result.verification else {},
            "residue": residue.as_dict() if residue else None,
            "statements": result.statements,
            "seconds": round(result.seconds, 4),
        }
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
        return
    print(f"Erasure in {where}" + (": dry run, nothing was changed" if result.dry_run else ""))
    if result.plan is not None:
        _print_plan(result.plan, "would change" if result.dry_run else "changed")
    if result.verification and result.verification.unmasked_rows:
        for place, n in result.verification.unmasked_rows.items():
            print(f"  masks did not take in {place}: {n} rows")
    if residue is None:
        return
    for kept in residue.kept:
        until = f"until {kept.until.isoformat()}" if kept.until else "until the hold ends"
        print(f"Kept under {kept.law}, {until}: {kept.table}, {kept.rows} rows (columns {', '.join(kept.columns)})")
    for place, n in residue.restricted.items():
        print(f"Left alone as restricted: {place}, {n} rows")
    verb = "would remain" if result.dry_run else "remain"
    for place in residue.places:
        rows_text = f"{'at least ' if place.at_least else ''}{place.rows} row{'s' if place.rows != 1 else ''}"
        print(f"Residue: the person's {', '.join(place.kinds)} {verb} in {place.table}.{place.column} ({rows_text})")
    for place, n in residue.name_only.items():
        print(f"Her full name alone also stands in {place} ({n} row{'s' if n != 1 else ''}) in rows that are not hers: "
              "a namesake or a mention; look at them by hand")
    for note in residue.notes:
        print(f"Not searched: {note}")
    scope = "every table" if residue.whole_database else "the map's tables"
    print(f"Residue search: {residue.tables} tables, {residue.columns} columns of {scope} in {residue.seconds:.2f} s")
    if result.verified:
        print("Verified: nothing of the person " + verb + " outside rows kept under a legal hold.")
    else:
        print("NOT verified: " + ("her values " + verb + " (above); erase them by hand or extend the map." if residue.places else "see above."))


if __name__ == "__main__":
    sys.exit(main())
