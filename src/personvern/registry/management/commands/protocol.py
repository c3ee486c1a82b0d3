import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from personvern.core.manifest import RegisterError, load_register
from personvern.core.protocol import FORMATS, render


class Command(BaseCommand):
    help = ("Write the record of processing activities (GDPR Art. 30(1)), one row per activity, as xlsx, csv "
            "or Markdown. Text formats go to standard output unless -o is given; xlsx is written to -o, or to "
            "<file>-protokoll.xlsx (nb) / <file>-record.xlsx (en) next to the register.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--format", choices=FORMATS, default="md")
        parser.add_argument("--lang", choices=("nb", "en"), default="nb")
        parser.add_argument("-o", "--output", help="where to write; '-' for standard output")

    def handle(self, *args, file, format, lang, output, **opts):
        try:
            reg = load_register(file)
        except RegisterError as exc:
            for p in exc.problems:
                self.stderr.write(str(p))
            raise CommandError(f"{file}: not a valid register ({len(exc.problems)} problem(s))", returncode=2)
        data = render(reg, format, lang)
        if output is None and format == "xlsx":
            src = Path(file)
            output = str(src.with_name(f"{src.stem}-{'record' if lang == 'en' else 'protokoll'}.xlsx"))
        if output in (None, "-"):
            self.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        Path(output).write_bytes(data)
        self.stdout.write(f"{output}: {len(reg.activities)} activities")
