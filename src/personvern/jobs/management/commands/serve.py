import os
import signal
import subprocess
import sys

from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from personvern.jobs.devserver import DevServer


class Command(RunserverCommand):
    help = "Development/demo server: the web server and the background worker in one command."
    server_cls = DevServer  # malformed requests get a 400, not a 500

    def handle(self, *args, **options):
        options["use_reloader"] = False  # the reloader serves from a child process, which would start its own worker
        self.worker = None
        # SIGTERM would end this process at once and orphan the worker: exit through `finally` instead.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        try:
            super().handle(*args, **options)
        finally:
            if self.worker is not None:
                self.worker.terminate()
                self.worker.wait(timeout=10)

    def on_bind(self, server_port):
        # The worker starts only once the port is ours: a server that cannot bind ends with os._exit(1)
        # (runserver's way), which runs no `finally`, so a worker started before would outlive it.
        # `--parent` makes the worker stop by itself should this process die without its `finally` (SIGKILL, a crash).
        self.worker = subprocess.Popen([sys.executable, "-m", "personvern.cli", "worker", "--parent", str(os.getpid())])
        super().on_bind(server_port)
