from django.core.management.base import BaseCommand, CommandError

from personvern.core.manifest import RegisterError, load_register


class Command(BaseCommand):
    requires_system_checks = []  # reads files only: no database, URL conf or other app needed
    help = "Validate register files; every error with file, line and field. Exit 2 if any is invalid."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")

    def handle(self, *args, files, **opts):
        bad = 0
        for f in files:
            try:
                reg = load_register(f)
            except RegisterError as exc:
                bad += 1
                for p in exc.problems:
                    self.stderr.write(str(p))
                continue
            counts = ", ".join(f"{len(items)} {one if len(items) == 1 else many}" for items, one, many in (
                (reg.activities, "activity", "activities"), (reg.recipients, "recipient", "recipients"),
                (reg.cookies, "cookie", "cookies")))
            self.stdout.write(f"{f}: OK ({counts})")
        if bad:
            raise CommandError(f"{bad} of {len(files)} file(s) invalid", returncode=2)

