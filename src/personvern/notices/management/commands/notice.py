import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from personvern.core.manifest import RegisterError, load_register
from personvern.core.notice import render


class Command(BaseCommand):
    help = "Render the privacy notice from a register file: --lang nb|en, --format html|md."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--lang", choices=["nb", "en"], default="nb")
        parser.add_argument("--format", choices=["html", "md"], default="html", dest="fmt")
        parser.add_argument("--fragment", action="store_true",
                            help="HTML: only the <style> and <article>, to embed in a page")
        parser.add_argument("--request-url", default=None,
                            help="Where people send rights requests when the register names no e-mail or form")
        parser.add_argument("--date", default=None,
                            help="'Sist endret' date (YYYY-MM-DD) when the register gives none; default today")

    def handle(self, *args, file, lang, fmt, fragment, request_url, date, **opts):
        try:
            reg = load_register(file)
        except RegisterError as exc:
            for p in exc.problems:
                self.stderr.write(str(p))
            raise CommandError(f"{file}: invalid register", returncode=2) from None
        as_of = dt.date.fromisoformat(date) if date else dt.date.today()
        self.stdout.write(render(reg, lang, fmt, standalone=not fragment, request_url=request_url, as_of=as_of),
                          ending="")
