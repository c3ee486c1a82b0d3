from django.core.management.base import BaseCommand, CommandError

from personvern.core.coverage import coverage
from personvern.notices.management.common import load_or_exit


class Command(BaseCommand):
    help = ("List every element of GDPR Art. 13(1)-(2) (and 14, 21(4)) with where the notice states it, "
            "or why it is missing. Exit 1 when a required element is missing.")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--lang", choices=["nb", "en"], default="en")
        parser.add_argument("--format", choices=["text", "json"], default="text", dest="fmt")

    def handle(self, *args, files, lang, fmt, **opts):
        incomplete = 0
        for file in files:
            report = coverage(load_or_exit(self, file))
            if len(files) > 1 and fmt == "text":
                self.stdout.write(f"== {file}")
            self.stdout.write(report.as_json(lang) if fmt == "json" else report.as_text(lang), ending="\n" if fmt == "json" else "")
            incomplete += not report.complete
        if incomplete:
            raise CommandError(f"{incomplete} of {len(files)} register(s) lack required information", returncode=1)
