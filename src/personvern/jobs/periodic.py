"""Periodic jobs, run by `personvern worker`.

A feature registers a function with `@periodic(every=timedelta(...))` in its
app's `jobs.py`. The worker claims a due job with a conditional UPDATE (the
database is the lock, as in Healthchecks.io), so any number of workers can run.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.utils import timezone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    func: Callable[[], object]


REGISTRY: dict[str, Job] = {}


def periodic(*, every: timedelta, name: str | None = None):
    def decorate(func):
        job = Job(name or f"{func.__module__}.{func.__name__}", every, func)
        REGISTRY[job.name] = job
        return func

    return decorate


def discover() -> dict[str, Job]:
    for config in apps.get_app_configs():
        if config.name.startswith("personvern."):
            try:
                importlib.import_module(f"{config.name}.jobs")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.jobs":
                    raise
    return REGISTRY


def run_due(now=None, only: set[str] | None = None) -> list[str]:
    """Run every job that is due and not claimed by another worker; return their names."""
    from .models import PeriodicRun

    now = now or timezone.now()
    ran = []
    for job in discover().values():
        if only is not None and job.name not in only:
            continue
        row, _ = PeriodicRun.objects.get_or_create(name=job.name, defaults={"next_run": now})
        if row.next_run > now:
            continue
        claimed = PeriodicRun.objects.filter(pk=row.pk, next_run=row.next_run).update(next_run=now + job.every)
        if not claimed:
            continue
        try:
            result = job.func()
            text = "" if result is None else str(result)[:2000]
        except Exception as exc:  # a failing job must not stop the others
            log.exception("periodic job %s failed", job.name)
            text = f"FAILED: {exc!r}"[:2000]
        PeriodicRun.objects.filter(pk=row.pk).update(last_run=timezone.now(), last_result=text)
        ran.append(job.name)
    return ran
