from django.core.management.base import BaseCommand, CommandError

from personvern.accounts.models import Organisation
from personvern.datasources.services import retention_run


class Command(BaseCommand):
    help = "Apply the registers' retention rules to the connected databases: `personvern retention run [--org X] [--dry-run]`."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run"])
        parser.add_argument("--org", help="organisation slug (default: every organisation with connections)")
        parser.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")

    def handle(self, *args, action, org, dry_run, **opts):
        orgs = Organisation.objects.filter(connections__isnull=False).distinct()
        if org:
            orgs = Organisation.objects.filter(slug=org)
            if not orgs.exists():
                raise CommandError(f"no organisation '{org}'", returncode=2)
        failed = False
        for organisation in orgs:
            run = retention_run(org=organisation, dry_run=dry_run, trigger="cli")
            verb = "would change" if dry_run else "changed"
            self.stdout.write(f"{organisation.slug}:")
            for r in run.results:
                self.stdout.write(
                    f"  {r['rule']:<24} {r['connection']}.{r['table']:<22} {r['action']:<9} older than {r['cutoff'][:10]}: "
                    f"{verb} {r['rows']} rows, kept {r['kept_held']} under legal hold, {r['kept_restricted']} restricted"
                )
            if not run.results:
                self.stdout.write("  no retention rules for connected databases")
            if run.error:
                failed = True
                self.stderr.write(run.error)
        if failed:
            raise CommandError("some rules failed", returncode=1)
