"""The ledger's own retention: decisions older than the site's retention are deleted."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import time_machine
from django.utils import timezone

from personvern.consent.jobs import prune_consent_ledger
from personvern.consent.models import ConsentRecord
from personvern.jobs.periodic import discover


def post(client, site):
    body = {"site": site.key, "id": uuid.uuid4().hex, "method": "reject_all", "version": "0123456789ab",
            "choices": {}}
    assert client.post("/api/consent", data=json.dumps(body), content_type="text/plain").status_code == 201


def test_it_deletes_decisions_older_than_five_years(client, site):
    with time_machine.travel(timezone.now() - timedelta(days=5 * 365 + 2)):
        post(client, site)
    with time_machine.travel(timezone.now() - timedelta(days=5 * 365 - 2)):
        post(client, site)
    post(client, site)
    result = prune_consent_ledger()
    assert ConsentRecord.objects.count() == 2
    assert result.startswith("deleted 1 consent records")


def test_the_retention_is_configurable_per_site(client, site):
    site.ledger_retention_days = 30
    site.save()
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        post(client, site)
    post(client, site)
    prune_consent_ledger()
    assert ConsentRecord.objects.count() == 1


def test_the_job_is_registered_with_the_worker():
    assert "personvern.consent.jobs.prune_consent_ledger" in discover()


def test_the_command_prunes_too(client, site):
    from io import StringIO

    from django.core.management import call_command

    with time_machine.travel(timezone.now() - timedelta(days=5 * 365 + 2)):
        post(client, site)
    out = StringIO()
    call_command("prune_consent", stdout=out)
    assert "deleted 1 consent records" in out.getvalue()
    assert not ConsentRecord.objects.exists()
