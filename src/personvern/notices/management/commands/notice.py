import datetime as dt

from django.core.management.base import BaseCommand

from personvern.core.notice import last_changed, render
from personvern.notices.management.common import load_or_exit


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
                            help="The day the text is published (YYYY-MM-DD); 'Sist endret' is the later of it and the "
                                 "register's dates. Default: the register's dates, or today when it has none")

    def handle(self, *args, file, lang, fmt, fragment, request_url, date, **opts):
        reg = load_or_exit(self, file)
        as_of = dt.date.fromisoformat(date) if date else (None if last_changed(reg) else dt.date.today())
        self.stdout.write(render(reg, lang, fmt, standalone=not fragment, request_url=request_url, as_of=as_of),
                          ending="")
