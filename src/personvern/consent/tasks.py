"""Background work: confirmation mails, and telling the mailing tool about confirmations and withdrawals."""

from __future__ import annotations

import hashlib
import hmac
import json

from django_tasks import task

from .webhook import deliver


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@task()
def send_confirmation_mail(subscriber_id: int, base_url: str) -> str:
    from .models import Subscriber
    from .services import send_confirmation

    subscriber = (Subscriber.objects.select_related("newsletter__organisation")
                  .filter(pk=subscriber_id, status=Subscriber.Status.PENDING).first())
    if subscriber is None:
        return "nothing to send"
    send_confirmation(subscriber, base_url)
    return "sent"


@task()
def send_webhook(subscriber_id: int, kind: str) -> str:
    from .models import Subscriber
    from .services import webhook_payload

    subscriber = Subscriber.objects.select_related("newsletter").filter(pk=subscriber_id).first()
    if subscriber is None or not subscriber.newsletter.webhook_url:
        return "nothing to send"
    body = json.dumps(webhook_payload(subscriber, kind)).encode()
    return deliver(subscriber.newsletter.webhook_url, body, {
        "Content-Type": "application/json",
        "User-Agent": "personvern-webhook/1",
        "X-Personvern-Signature": sign(subscriber.newsletter.webhook_secret, body),
    })
