"""Background work: confirmation mails, and telling the mailing tool about confirmations and withdrawals."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import socket
import urllib.request
from urllib.parse import urlsplit

from django_tasks import task

# Webhooks to loopback or private addresses are refused (SSRF) unless this is set
# (tests and single-machine installs that run the mailing tool next door).
ALLOW_PRIVATE = os.environ.get("PERSONVERN_WEBHOOK_ALLOW_PRIVATE", "").lower() in ("1", "true", "yes")


def _public_host(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


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
    url = subscriber.newsletter.webhook_url
    if urlsplit(url).scheme not in ("http", "https"):
        return "refused: scheme"
    if not ALLOW_PRIVATE and not _public_host(url):
        return "refused: private address"
    body = json.dumps(webhook_payload(subscriber, kind)).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "personvern-webhook/1",
            "X-Personvern-Signature": sign(subscriber.newsletter.webhook_secret, body),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (scheme checked above)
        return f"HTTP {response.status}"
