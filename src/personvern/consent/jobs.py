"""The consent ledgers keep their own retention promise (default 5 years)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from personvern.jobs.periodic import periodic

from .models import DEFAULT_LEDGER_RETENTION_DAYS, ConsentRecord, EmailConsentEvent, Site, Subscriber
from .services import UNCONFIRMED_KEPT


@periodic(every=timedelta(hours=6))
def prune_consent_ledger() -> str:
    """Delete banner decisions older than each site's retention, subscriptions never
    confirmed within 30 days, and the e-mail consent history of addresses that
    withdrew longer ago than the default retention."""
    now = timezone.now()
    deleted = 0
    for site in Site.objects.only("id", "ledger_retention_days"):
        cutoff = now - timedelta(days=site.ledger_retention_days)
        while True:  # in chunks, so SQLite writers are never blocked for long
            ids = list(ConsentRecord.objects.filter(site=site, at__lt=cutoff).values_list("id", flat=True)[:5000])
            if not ids:
                break
            deleted += ConsentRecord.objects.filter(id__in=ids).delete()[0]
    unconfirmed = 0
    for subscriber in Subscriber.objects.filter(status=Subscriber.Status.PENDING, changed__lt=now - UNCONFIRMED_KEPT):
        # never confirmed: the address was perhaps not theirs to give; keep nothing
        EmailConsentEvent.objects.filter(subscriber=subscriber).delete()
        subscriber.delete()
        unconfirmed += 1
    cutoff = now - timedelta(days=DEFAULT_LEDGER_RETENTION_DAYS)
    stale = (
        Subscriber.objects.exclude(status=Subscriber.Status.CONFIRMED)
        .annotate(last=Max("events__at"))
        .filter(last__lt=cutoff)
    )
    emails = 0
    for subscriber in stale.iterator():
        emails += EmailConsentEvent.objects.filter(subscriber=subscriber).delete()[0]
        subscriber.delete()
    return (f"deleted {deleted} consent records, {emails} e-mail consent events, "
            f"{unconfirmed} unconfirmed subscriptions")
