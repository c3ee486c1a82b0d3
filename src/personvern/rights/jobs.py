"""Background work for rights requests, run by `personvern worker` (and `personvern serve`).

Reminders go to the people who handle requests 7 and 2 days before the deadline
in force and on the day after it was missed. Each (request, kind, deadline) is
sent once: the Reminder row's unique constraint is the lock, so overlapping
runs or several workers never send the same reminder twice. An extension
moves the deadline, and the new deadline gets its own reminders.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from personvern.audit.service import record
from personvern.core.headers import one_line
from personvern.jobs.periodic import periodic

from .models import OPEN_STATES, Reminder, Request
from .services import packages_expire, responsible_emails

log = logging.getLogger(__name__)

# Staff have no language of their own here, so every reminder is in bokmål with English below.
SUBJECTS = {
    Reminder.Kind.DAYS_7: "Frist om 7 dager / Deadline in 7 days: {ref} ({org})",
    Reminder.Kind.DAYS_2: "Frist om 2 dager / Deadline in 2 days: {ref} ({org})",
    Reminder.Kind.MISSED: "FRISTEN ER OVERSITTET / DEADLINE MISSED: {ref} ({org})",
}
HEADS = {
    "nb": ("Fristen for forespørsel {ref} gikk ut {due}. Svar den registrerte straks; et svar etter fristen er et "
           "brudd på personvernforordningen artikkel 12(3).",
           "Forespørsel {ref} må besvares innen {due} ({days} dager igjen).",
           "Type: {type}", "Status: {state}", "Åpne oppgaver:"),
    "en": ("The deadline for request {ref} passed on {due}. Answer the data subject at once; an answer after the "
           "deadline breaches GDPR Article 12(3).",
           "Request {ref} must be answered by {due} ({days} days left).",
           "Type: {type}", "Status: {state}", "Open tasks:"),
}


def due_kind(days_left: int) -> str | None:
    """Which reminder is due with this many days left (late runs still send the latest one due)."""
    if days_left < 0:
        return Reminder.Kind.MISSED
    if days_left <= 2:
        return Reminder.Kind.DAYS_2
    if days_left <= 7:
        return Reminder.Kind.DAYS_7
    return None


def _body(req: Request, kind: str, days: int, url: str) -> str:
    open_tasks = [t for t in req.tasks.all() if t.status == "open"]
    parts = []
    for lang, (missed, due, type_, state, tasks) in HEADS.items():
        with translation.override(lang):
            facts = {"ref": req.reference, "days": days, "type": req.get_type_display(),
                     "state": req.get_state_display(),
                     "due": req.due_on.strftime("%d.%m.%Y") if lang == "nb" else req.due_on.isoformat()}
        lines = [(missed if kind == Reminder.Kind.MISSED else due).format(**facts), "",
                 type_.format(**facts), state.format(**facts)]
        if open_tasks:
            lines += ["", tasks] + [
                f"- {t.system_name}" + (f" ({t.assignee_role_name or t.assignee_role})" if t.assignee_role else "")
                for t in open_tasks
            ]
        parts.append("\n".join(lines))
    return "\n\n---\n\n".join(parts) + f"\n\n{url}\n"


def send_reminders(today=None) -> int:
    from django.conf import settings
    from django.urls import reverse

    today = today or timezone.localdate()
    sent = 0
    horizon = today + timedelta(days=7)
    qs = Request.objects.select_related("organisation").prefetch_related("tasks")
    for req in qs.filter(state__in=OPEN_STATES, due_on__lte=horizon):
        days = (req.due_on - today).days
        kind = due_kind(days)
        if kind is None:
            continue
        # A late run catches up with the latest reminder only, never with older ones.
        if Reminder.objects.filter(request=req, due_on=req.due_on, kind=kind).exists():
            continue
        to = responsible_emails(req.organisation)
        url = settings.SITE_URL + reverse("rights:detail", kwargs={"org": req.organisation.slug, "ref": req.reference})
        subject = one_line(SUBJECTS[kind].format(ref=req.reference, org=req.organisation.name))  # a name is one line
        try:
            with transaction.atomic():  # the row and the mail together: a failed send is retried next run
                Reminder.objects.create(request=req, kind=kind, due_on=req.due_on, recipients=len(to))
                if to:
                    EmailMultiAlternatives(subject, _body(req, kind, days, url), to=to).send()
        except IntegrityError:  # another worker got there first
            continue
        except (OSError, smtplib.SMTPException):  # the mail server is away: no row, so the next run tries again
            log.exception("could not send the %s reminder for %s", kind, req.reference)
            continue
        record(
            "rights.reminder_sent",
            organisation=req.organisation,
            obj=req,
            data={"reference": req.reference, "kind": kind, "due_on": req.due_on.isoformat(), "recipients": len(to)},
        )
        sent += 1
    return sent


@periodic(every=timedelta(hours=1))
def rights_reminders() -> str:
    return f"sent {send_reminders()} reminder(s)"


@periodic(every=timedelta(hours=1))
def rights_expire_exports() -> str:
    return f"deleted {packages_expire()} expired export package(s)"
