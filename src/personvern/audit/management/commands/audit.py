from django.core.management.base import BaseCommand, CommandError

from personvern.audit.models import AuditEvent
from personvern.audit.service import verify_chain


class Command(BaseCommand):
    help = "Audit trail: `verify` checks the hash chain; `tail` shows the latest events."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "tail"])
        parser.add_argument("-n", type=int, default=20)

    def handle(self, *args, action, n, **opts):
        if action == "tail":
            for e in reversed(AuditEvent.objects.order_by("-seq")[:n]):
                self.stdout.write(f"{e.seq:>6} {e.at:%Y-%m-%d %H:%M:%S} {e.org_label or '-':<16} {e.actor_label or '-':<16} {e.action} {e.object_type} {e.object_id}")
            return
        report = verify_chain()
        for p in report.problems:
            self.stderr.write(p)
        if not report.ok:
            raise CommandError(f"audit trail broken: {len(report.problems)} problem(s) in {report.checked} events", returncode=1)
        self.stdout.write(f"audit trail intact: {report.checked} events")
