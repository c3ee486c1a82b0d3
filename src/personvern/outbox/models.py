from django.db import models
from django.utils import timezone


class Message(models.Model):
    """A mail caught by the outbox backend instead of being sent (demo and development
    installations, which have no mail server): read at /outbox/."""

    sent_at = models.DateTimeField(default=timezone.now, db_index=True)
    from_email = models.CharField(max_length=254)
    to = models.TextField()  # comma-separated recipients
    subject = models.CharField(max_length=998)
    body = models.TextField()

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
