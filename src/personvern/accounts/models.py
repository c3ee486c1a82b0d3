"""Organisations (tenants), memberships with roles, and a database token bucket."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # Ordered from most to least powerful; `Membership.can` relies on this order.
    OWNER = "owner", _("Eier")
    PRIVACY_OFFICER = "privacy_officer", _("Personvernansvarlig")
    EDITOR = "editor", _("Redaktør")
    VIEWER = "viewer", _("Leser")


ROLE_RANK = {Role.OWNER: 4, Role.PRIVACY_OFFICER: 3, Role.EDITOR: 2, Role.VIEWER: 1}

# What each capability needs. One table, read by `Membership.can` and the views.
CAPABILITIES = {
    "view": Role.VIEWER,
    "edit_register": Role.EDITOR,
    "publish": Role.EDITOR,
    "handle_requests": Role.PRIVACY_OFFICER,
    "manage_connections": Role.PRIVACY_OFFICER,
    "manage_members": Role.OWNER,
}


class Organisation(models.Model):
    slug = models.SlugField(unique=True, max_length=60)
    name = models.CharField(max_length=200)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")]

    def can(self, capability: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[CAPABILITIES[capability]]


class TokenBucket(models.Model):
    """Rate limiting in the database (as Healthchecks.io does): no Redis needed.

    `value` is the bucket's fill level in [0, 1]; each request adds 1/capacity,
    and the level drains linearly over `per`.
    """

    key = models.CharField(max_length=200, unique=True)
    value = models.FloatField(default=0)
    updated = models.DateTimeField(default=timezone.now)

    @staticmethod
    def authorize(key: str, capacity: int, per: timedelta) -> bool:
        now = timezone.now()
        with transaction.atomic():
            bucket, _ = TokenBucket.objects.select_for_update().get_or_create(key=key[:200])
            drained = (now - bucket.updated).total_seconds() / per.total_seconds()
            bucket.value = max(0.0, bucket.value - drained) + 1.0 / capacity
            bucket.updated = now
            if bucket.value > 1.0:
                return False
            bucket.save(update_fields=["value", "updated"])
            return True
