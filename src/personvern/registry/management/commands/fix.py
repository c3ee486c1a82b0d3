import difflib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from personvern.core.fixes import apply_to_yaml, fix_register
from personvern.core.manifest import RegisterError, load_register, loads_register

WORDS = {
    "nb": {"none": "Ingen mekaniske rettelser.", "written": "Skrev {n} {fixes} til {file}.",
           "review": "{n} {fixes}. Se over endringen, og skriv den med --write.", "fix": ("rettelse", "rettelser"),
           "invalid": "rettelsene ga en ugyldig protokoll; ingenting er skrevet"},
    "en": {"none": "No mechanical fixes.", "written": "Wrote {n} {fixes} to {file}.",
           "review": "{n} {fixes}. Review the change, then write it with --write.", "fix": ("fix", "fixes"),
           "invalid": "the fixes gave an invalid register; nothing was written"},
}


class Command(BaseCommand):
    help = ("Print the linter's mechanical fixes of a register (repealed law, old addresses, '30 days' for one "
            "month) as a diff of the file; --write applies them. Exit 2 when the file is not a valid register.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--write", action="store_true", help="write the fixed register back to the file")
        parser.add_argument("--lang", choices=("nb", "en"), default="nb")

    def handle(self, *args, file, write, lang, **opts):
        path = Path(file)
        w = WORDS[lang]
        try:
            reg = load_register(path)
        except RegisterError as exc:
            for p in exc.problems:
                self.stderr.write(str(p))
            raise CommandError(f"{file}: not a valid register ({len(exc.problems)} problem(s))", returncode=2)
        fixed, applied = fix_register(reg, lang)
        if not applied:
            self.stdout.write(w["none"])
            return
        text = path.read_text(encoding="utf-8")
        new = apply_to_yaml(text, [edit for finding in applied for edit in finding.fix])
        try:
            loads_register(new, str(path))
        except RegisterError:  # never write a file the product cannot read back
            raise CommandError(w["invalid"], returncode=2) from None
        for finding in applied:
            self.stdout.write(f"# [{finding.rule_id}] {finding.path}: {finding.message}")
        self.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True),
                                                    fromfile=str(path), tofile=str(path)))
        n = len(applied)
        fixes = w["fix"][0 if n == 1 else 1]
        if write:
            path.write_text(new, encoding="utf-8")
            self.stdout.write(w["written"].format(n=n, fixes=fixes, file=path))
        else:
            self.stdout.write(w["review"].format(n=n, fixes=fixes))
