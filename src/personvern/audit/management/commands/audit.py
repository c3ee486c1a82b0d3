from django.core.management.base import BaseCommand, CommandError

from personvern.audit.models import AuditEvent
from personvern.audit.service import verify_chain


class Command(BaseCommand):
    help = "Audit trail: `verify` checks the hash chain; `tail` shows the latest events."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "tail"])
        parser.add_argument("-n", type=int, default=20)
        parser.add_argument(
            "--head", metavar="SEQ:HASH",
            help="a head printed by an earlier verify: checks that this event is still there, unchanged, so removing "
                 "the latest events (which leaves a shorter chain that is still whole) is found too",
        )

    def handle(self, *args, action, n, head=None, **opts):
        if action == "tail":
            for e in reversed(AuditEvent.objects.order_by("-seq")[:n]):
                self.stdout.write(f"{e.seq:>6} {e.at:%Y-%m-%d %H:%M:%S} {e.org_label or '-':<16} {e.actor_label or '-':<16} {e.action} {e.object_type} {e.object_id}")
            return
        report = verify_chain()
        if head:
            seq, _, digest = head.partition(":")
            kept = AuditEvent.objects.filter(seq=int(seq) if seq.isdigit() else -1).values_list("hash", flat=True).first()
            if kept is None:
                report.problems.append(f"event {seq} (the head given) is missing: the latest events were removed")
            elif kept != digest:
                report.problems.append(f"event {seq} (the head given) has another hash now: the chain was rewritten")
            report.ok = not report.problems
        for p in report.problems:
            self.stderr.write(p)
        if not report.ok:
            raise CommandError(f"audit trail broken: {len(report.problems)} problem(s) in {report.checked} events", returncode=1)
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        self.stdout.write(f"audit trail intact: {report.checked} events")
        if last:
            self.stdout.write(f"head: {last[0]}:{last[1]}  (keep it elsewhere; `audit verify --head` checks it later)")
