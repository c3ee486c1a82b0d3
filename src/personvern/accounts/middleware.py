from django.shortcuts import redirect
from django.urls import reverse

from .client import client_address
from .models import Membership, Role

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/p/", "/c/", "/api/", "/i18n/")


class RequireTwoFactorForOwners:
    """Owners must use TOTP: until they have set it up and verified this
    session, every page but the account pages sends them to set it up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
            and not user.is_verified()
            and Membership.objects.filter(user=user, role=Role.OWNER).exists()
        ):
            return redirect(reverse("accounts:two_factor") + "?next=" + request.path)
        return self.get_response(request)


class ClientAddressFromTrustedProxy:
    """Behind a reverse proxy every request comes from the proxy's address, so rate limits
    (login, forms) would count all users as one and the audit trail would record the proxy.
    When REMOTE_ADDR is one of `settings.TRUSTED_PROXIES`, the client is the right-most address
    in X-Forwarded-For that is not itself a trusted proxy. Without TRUSTED_PROXIES nothing
    changes, and X-Forwarded-For is never believed from anyone else (it is trivial to forge)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META["REMOTE_ADDR"] = client_address(request.META)
        return self.get_response(request)

