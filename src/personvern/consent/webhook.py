"""Deliver one webhook POST to an address the operator allows, and nothing more.

The URL comes from organisation staff, so it must not reach what the operator did not
allow (SSRF): every address its host resolves to must be public, or inside a network the
operator lists in PERSONVERN_WEBHOOK_ALLOW. The connection goes to the address that was
checked (a second lookup could answer differently), no redirect is followed (its target
was never checked), the whole exchange has one deadline, and no more than
PERSONVERN_WEBHOOK_MAX_ANSWER bytes of the answer are read.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
from urllib.parse import urlsplit

from django.conf import settings

from personvern.connectors.engine import Refused, address_kind, resolve


def allowed_networks() -> list:
    return [ipaddress.ip_network(entry, strict=False) for entry in settings.PERSONVERN_WEBHOOK_ALLOW]


def checked_address(host: str, port: int, timeout: float) -> str:
    """The address to connect to: the first the host resolves to, once every one is allowed.
    ValueError says why not."""
    try:
        addresses = resolve(host, port, timeout)
    except Refused:
        raise ValueError("unresolvable host") from None
    networks = allowed_networks()
    for text in addresses:
        address = ipaddress.ip_address(text.split("%")[0])
        kind = address_kind(address)
        if kind and not any(address in network for network in networks):
            raise ValueError(f"{kind} address")
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to the checked address, with the URL's host in the Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(_PinnedHTTP):
    """The same over TLS; the certificate is checked against the URL's host."""

    default_port = http.client.HTTPS_PORT

    def connect(self):
        super().connect()
        self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)


class WebhookFailed(Exception):
    """The receiver could not be reached or answered with an error (the task is marked failed)."""


def _cut(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    """The deadline for the whole exchange: a server that answers a byte at a time is cut off."""
    expired.set()
    try:
        if connection.sock is not None:
            connection.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def deliver(url: str, body: bytes, headers: dict[str, str]) -> str:
    """POST `body` to `url`: "HTTP 204", or "refused: why" for an address, scheme or redirect that
    is not allowed; WebhookFailed when the receiver cannot be reached or answers an error."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "refused: scheme"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "refused: port"
    timeout = settings.PERSONVERN_WEBHOOK_TIMEOUT
    try:
        address = checked_address(parts.hostname, port, timeout)
    except ValueError as exc:
        return f"refused: {exc}"
    connection = (_PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP)(parts.hostname, port, address, timeout)
    expired = threading.Event()
    deadline = threading.Timer(timeout, _cut, [connection, expired])
    deadline.start()
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        if 300 <= response.status < 400:
            return f"refused: redirect (HTTP {response.status}); webhooks follow no redirects"
        limit = settings.PERSONVERN_WEBHOOK_MAX_ANSWER
        too_long = len(response.read(limit + 1)) > limit
    except (OSError, http.client.HTTPException) as exc:
        raise WebhookFailed(f"{url}: {exc.__class__.__name__} {exc}") from None
    finally:
        deadline.cancel()
        connection.close()
    if expired.is_set():  # what was read before the cut may look like a whole answer
        raise WebhookFailed(f"{url}: no complete answer within {timeout:g} s")
    if response.status >= 400:
        raise WebhookFailed(f"{url}: HTTP {response.status}")
    return f"HTTP {response.status}" + (f"; answer cut off after {limit} bytes" if too_long else "")
