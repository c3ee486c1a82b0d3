import json
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from personvern.core.manifest import RegisterError, _line_for, _line_index, _NoDatesLoader, load_register
from personvern.core.rules import has_errors, lint

WORDS = {
    "nb": {"error": "feil", "warning": "advarsel", "info": "merknad", "hint": "Råd", "source": "Kilde",
           "status": {"verified": "verifisert", "secondary": "sekundærkilde", "unverified": "ikke verifisert"},
           "none": "Ingen funn.", "summary": "{n} funn: {error} feil, {warning} {warnings}, {info} {infos}",
           "plural": {"warning": ("advarsel", "advarsler"), "info": ("merknad", "merknader"), "finding": ("", "")}},
    "en": {"error": "error", "warning": "warning", "info": "info", "hint": "Hint", "source": "Source",
           "status": {"verified": "verified", "secondary": "secondary source", "unverified": "unverified"},
           "none": "No findings.", "summary": "{n} {findings}: {error} {errors}, {warning} {warnings}, {info} {infos}",
           "plural": {"warning": ("warning", "warnings"), "info": ("note", "notes"), "error": ("error", "errors"),
                      "finding": ("finding", "findings")}},
}


def _lines(path: Path) -> dict:
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_NoDatesLoader)
    except (OSError, yaml.YAMLError):
        return {}
    return _line_index(node) if node is not None else {}


class Command(BaseCommand):
    help = ("Check a register against the legal rules (legal-rules.yaml). Exit 1 when there is an error, "
            "2 when the file is not a valid register.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--lang", choices=("nb", "en"), default="nb")

    def handle(self, *args, file, format, lang, **opts):
        path = Path(file)
        try:
            reg = load_register(path)
        except RegisterError as exc:
            for p in exc.problems:
                self.stderr.write(str(p))
            raise CommandError(f"{file}: not a valid register ({len(exc.problems)} problem(s))", returncode=2)
        index = _lines(path)
        rank = {"error": 0, "warning": 1, "info": 2}
        # By severity, then in the order of the file, so the output reads top to bottom.
        findings = sorted(lint(reg, lang), key=lambda f: (rank[f.severity], _line_for(index, f.loc) or 0))
        w = WORDS[lang]
        counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
        if format == "json":
            out = {"file": str(path), "lang": lang, "counts": counts,
                   "findings": [f.as_dict() | {"line": _line_for(index, f.loc)} for f in findings]}
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
        else:
            for f in findings:
                line = _line_for(index, f.loc)
                where = f"{path}:{line}" if line else str(path)
                self.stdout.write(f"{where}: {w[f.severity]} [{f.rule_id}] {f.path}")
                self.stdout.write(f"  {f.message}")
                if f.hint:
                    self.stdout.write(f"  {w['hint']}: {f.hint}")
                self.stdout.write(f"  {w['source']}: {f.citation} ({w['status'][f.status]})")
            self.stdout.write(self._summary(w, len(findings), counts) if findings else w["none"])
        if has_errors(findings):
            raise SystemExit(1)

    @staticmethod
    def _summary(w: dict, n: int, counts: dict) -> str:
        def word(key: str, count: int) -> str:
            forms = w["plural"].get(key, ("", ""))
            return forms[0] if count == 1 else forms[1]
        return w["summary"].format(n=n, findings=word("finding", n), errors=word("error", counts["error"]),
                                   warnings=word("warning", counts["warning"]), infos=word("info", counts["info"]),
                                   **counts)
