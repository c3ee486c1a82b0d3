"""EMAIL_BACKEND = "personvern.outbox.backend.OutboxBackend": every mail is stored in the
outbox table and shown at /outbox/, so a demo works end to end with no mail server."""

from django.core.mail.backends.base import BaseEmailBackend

from .models import Message


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            Message.objects.create(
                from_email=message.from_email,
                to=", ".join(message.recipients()),
                subject=message.subject,
                body=message.body,
            )
        return len(email_messages)


def outbox_in_use() -> bool:
    from django.conf import settings

    return settings.EMAIL_BACKEND == f"{__name__}.OutboxBackend"


def outbox_context(request) -> dict:
    """Template context: the page frame links to the outbox where there is one."""
    return {"outbox_in_use": outbox_in_use()}
