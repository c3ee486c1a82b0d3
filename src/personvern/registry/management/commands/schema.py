import json

from django.core.management.base import BaseCommand

from personvern.core.manifest import json_schema


class Command(BaseCommand):
    requires_system_checks = []  # reads files only: no database, URL conf or other app needed
    help = "Print the register's JSON Schema."

    def handle(self, *args, **opts):
        self.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False))
