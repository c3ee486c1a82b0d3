import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Development/demo server: the web server and the background worker in one command."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **opts):
        worker = subprocess.Popen([sys.executable, "-m", "personvern.cli", "worker"], env=os.environ.copy())
        # SIGTERM would end this process at once and orphan the worker: exit through `finally` instead.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
