import sys

from django.core.management.base import BaseCommand, CommandError

from personvern.connectors.discover import discover
from personvern.connectors.engine import ConnectorError


class Command(BaseCommand):
    help = "Scan a database and print a proposed dataset map as YAML: `personvern discover URL`."

    def add_arguments(self, parser):
        parser.add_argument("url", help="e.g. postgresql://user@host/db, mysql://root@127.0.0.1/shop, sqlite:///shop.db")
        parser.add_argument("--sample", type=int, default=100, help="values sampled per column (never stored; default 100)")
        parser.add_argument("--table", action="append", dest="tables", help="only these tables (repeatable)")

    def handle(self, *args, url, sample, tables, **opts):
        show = sys.stderr.isatty() and opts.get("verbosity", 1) > 0

        def progress(done: int, total: int, table: str) -> None:
            if show:
                width = 30
                filled = width * done // total
                sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {table[:30]:<30}")
                sys.stderr.flush()

        try:
            result = discover(url, sample_size=sample, tables=tables, progress=progress)
        except ConnectorError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if show:
            sys.stderr.write("\n")
        self.stdout.write(result.yaml())
        self.stderr.write(
            f"{result.tables_scanned} tables, {result.columns_scanned} columns scanned in {result.seconds:.2f} s; "
            f"{len(result.proposed_columns())} columns proposed"
        )
