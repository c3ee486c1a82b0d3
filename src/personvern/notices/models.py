"""Published notices: immutable snapshots of what the public saw, per organisation, numbered."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImmutableError(Exception):
    """A published notice is never changed or deleted: publish a new version instead."""


class PublishedNotice(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="published_notices")
    number = models.PositiveIntegerField()
    register_version = models.ForeignKey("registry.RegisterVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")
    register_number = models.PositiveIntegerField()
    register_sha256 = models.CharField(max_length=64)
    html_nb = models.TextField()
    html_en = models.TextField()
    md_nb = models.TextField()
    md_en = models.TextField()
    title_nb = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the four renderings (see content_digest)")
    last_changed = models.DateField(null=True, blank=True, help_text="The 'Sist endret' date the notice shows")
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    lint_errors = models.PositiveIntegerField(default=0)
    lint_warnings = models.PositiveIntegerField(default=0)
    override_reason = models.TextField(blank=True, help_text="Why it was published despite lint errors")

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["organisation", "number"], name="one_notice_number_per_org")]

    def __str__(self) -> str:
        return f"{self.organisation.slug} notice v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise ImmutableError("a published notice cannot be changed; publish a new version")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("a published notice cannot be deleted")

    def html(self, lang: str) -> str:
        return self.html_en if lang == "en" else self.html_nb

    def markdown(self, lang: str) -> str:
        return self.md_en if lang == "en" else self.md_nb

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_nb

    @staticmethod
    def content_digest(html_nb: str, html_en: str, md_nb: str, md_en: str) -> str:
        payload = json.dumps([html_nb, html_en, md_nb, md_en], ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()

    def verify(self) -> bool:
        """The stored renderings still hash to the recorded digest."""
        return self.content_digest(self.html_nb, self.html_en, self.md_nb, self.md_en) == self.sha256
