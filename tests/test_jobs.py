from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from personvern.jobs import periodic as p
from personvern.jobs.models import PeriodicRun

calls = []


@pytest.fixture
def counting_job():
    calls.clear()
    name = "tests.counting"
    p.REGISTRY[name] = p.Job(name, timedelta(hours=1), lambda: calls.append(1) or "counted")
    yield name
    del p.REGISTRY[name]


def test_a_due_job_runs_once_until_its_interval_has_passed(db, counting_job):
    now = timezone.now()
    only = {counting_job}
    assert p.run_due(now, only) == [counting_job]
    assert p.run_due(now + timedelta(minutes=59), only) == []
    assert p.run_due(now + timedelta(minutes=61), only) == [counting_job]
    assert len(calls) == 2
    assert PeriodicRun.objects.get(name=counting_job).last_result == "counted"


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(db, counting_job):
    p.REGISTRY["tests.failing"] = p.Job("tests.failing", timedelta(hours=1), lambda: 1 / 0)
    try:
        ran = p.run_due(only={"tests.failing", counting_job})
    finally:
        del p.REGISTRY["tests.failing"]
    assert {"tests.failing", counting_job} <= set(ran)
    assert PeriodicRun.objects.get(name="tests.failing").last_result.startswith("FAILED: ZeroDivisionError")


def test_a_job_claimed_by_another_worker_is_not_run_again(db, counting_job):
    now = timezone.now()
    p.run_due(now, {counting_job})
    # another worker read the old next_run before we claimed it: its conditional update matches nothing
    row = PeriodicRun.objects.get(name=counting_job)
    assert PeriodicRun.objects.filter(pk=row.pk, next_run=now).update(next_run=now) == 0


def test_worker_once_runs_periodic_jobs_and_queued_tasks(transactional_db, counting_job):
    # transactional_db: the task worker calls close_old_connections(), which closes a
    # connection held inside a test transaction (autocommit off) on PostgreSQL
    from django_tasks_db.models import DBTaskResult

    from personvern.consent.tasks import send_confirmation_mail

    queued = send_confirmation_mail.enqueue(subscriber_id=0, base_url="http://testserver")
    call_command("worker", "--once", verbosity=0)
    assert calls == [1]
    done = DBTaskResult.objects.get(pk=queued.id)
    assert done.status == "SUCCESSFUL" and done.return_value == "nothing to send"
