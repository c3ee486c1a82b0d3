import os
import signal
import time

from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import Worker

from personvern.jobs.periodic import run_due


class Command(BaseCommand):
    help = "Run background work: queued tasks (Django Tasks, database backend) and periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls (default 2)")
        parser.add_argument("--once", action="store_true", help="Run what is due now, then exit")
        parser.add_argument("--parent", type=int, default=None,
                            help="Stop when the process with this id is no longer this worker's parent")

    def handle(self, *args, interval, once, parent=None, **opts):
        self.running = True

        def stop(signum, frame):
            self.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        verbosity = opts.get("verbosity", 1)
        while self.running:
            ran = run_due()
            if ran and verbosity > 0:
                self.stdout.write(f"periodic: {', '.join(ran)}")
            Worker(
                queue_names=["*"],
                interval=interval,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id="personvern-worker",
                excluded_queue_names=[],
            ).run()
            if once or (parent is not None and os.getppid() != parent):  # orphaned: `serve` died without stopping us
                break
            for _ in range(int(interval * 10)):
                if not self.running:
                    break
                time.sleep(0.1)
