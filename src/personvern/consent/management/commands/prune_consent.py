"""`personvern prune_consent`: apply the consent ledgers' retention now (the worker does it every 6 hours)."""

from django.core.management.base import BaseCommand

from personvern.consent.jobs import prune_consent_ledger


class Command(BaseCommand):
    help = "Delete consent decisions and e-mail consent history older than their retention."

    def handle(self, *args, **options):
        self.stdout.write(prune_consent_ledger())
