"""The one access check every organisation-scoped view goes through.

Non-members get 404, not 403: another tenant's objects must not be revealed
to exist. Members without the capability get 403.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Membership


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
