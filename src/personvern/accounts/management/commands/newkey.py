from django.core.management.base import BaseCommand

from personvern.crypto import new_key


class Command(BaseCommand):
    help = "Print a new encryption key for ENCRYPTION_KEYS."

    def handle(self, *args, **opts):
        self.stdout.write(new_key())
