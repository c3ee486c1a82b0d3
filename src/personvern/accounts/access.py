"""The one access check every organisation-scoped view goes through.

Non-members get 404, not 403: another tenant's objects must not be revealed
to exist. Members without the capability get 403.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user

from .models import Membership, Role


def get_membership(user, slug: str) -> Membership:
    try:
        return Membership.objects.select_related("organisation").get(user=user, organisation__slug=slug)
    except Membership.DoesNotExist:
        raise Http404 from None


def org_view(capability: str = "view"):
    """Decorator for views under /o/<org>/: sets request.org and request.membership."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, org: str, *args, **kwargs):
            membership = get_membership(request.user, org)
            if not membership.can(capability):
                raise PermissionDenied
            request.org = membership.organisation
            request.membership = membership
            return view(request, *args, **kwargs)

        wrapper.org_capability = capability
        return wrapper

    return decorate


def may_create_organisation(user) -> bool:
    """Who may create organisations from the web, as the operator set PERSONVERN_ORG_CREATION: `off` only the
    installation's operators (superusers), `members` also staff of an existing organisation, `open` any account.
    The second factor is checked apart (the view sends an unverified user to give it)."""
    mode = settings.PERSONVERN_ORG_CREATION
    return (user.is_superuser or mode == "open"
            or (mode == "members" and Membership.objects.filter(user=user).exists()))


def needs_second_factor(user) -> bool:
    """Whether this signed-in user must verify a second factor in this session before anything else:
    everyone who has enrolled a device, and every owner (who must enrol one)."""
    if user.is_verified():
        return False
    return (any(devices_for_user(user, confirmed=True))
            or Membership.objects.filter(user=user, role=Role.OWNER).exists())


def to_second_factor(next_path: str):
    """Send the user to give (or set up) the second factor, and back to `next_path` after."""
    return redirect(reverse("accounts:two_factor") + "?" + urlencode({"next": next_path}))
