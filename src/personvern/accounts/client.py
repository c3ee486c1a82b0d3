"""The client's address behind a trusted reverse proxy. No model imports: the consent API's
fast path (personvern.consent.wsgi) imports this before Django's apps are loaded."""

import ipaddress

from django.conf import settings


def client_address(meta) -> str:
    """The client's address from a WSGI environ or request.META (see ClientAddressFromTrustedProxy);
    also used by the consent API's fast path, which runs without the middleware."""
    remote = meta.get("REMOTE_ADDR", "")
    trusted = set(getattr(settings, "TRUSTED_PROXIES", ()))
    if not trusted or remote not in trusted:
        return remote
    hops = [h.strip() for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop in trusted:
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return remote  # not an address: keep the proxy's, never a made-up value
    return remote
