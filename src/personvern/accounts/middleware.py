from django.shortcuts import redirect
from django.urls import reverse

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
