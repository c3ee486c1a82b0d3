"""python -m personvern.connectors discover URL [--sample N] [--table T ...]
   python -m personvern.connectors test URL

`discover` prints the proposed dataset map as YAML on stdout and a progress bar on
stderr; the `personvern discover` command can call `main()` with the same arguments."""

from __future__ import annotations

import argparse
import sys

from personvern.connectors.discover import discover
from personvern.connectors.engine import ConnectorError, test_connection


def _progress_bar(done: int, total: int, table: str) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {table[:30]:30s}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m personvern.connectors")
    commands = parser.add_subparsers(dest="command", required=True)
    scan = commands.add_parser("discover", help="scan a database and print a proposed dataset map (YAML)")
    scan.add_argument("url")
    scan.add_argument("--sample", type=int, default=100, help="rows sampled per table (values are never kept)")
    scan.add_argument("--table", action="append", help="only these tables")
    check = commands.add_parser("test", help="test a connection")
    check.add_argument("url")
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
