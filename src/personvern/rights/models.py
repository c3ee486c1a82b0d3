"""Rights requests (GDPR Art. 12, 15-22): requests, per-system tasks, history, exports, reminders."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from personvern.accounts.models import Organisation

# Crockford base32 without look-alikes: easy to read out on the phone.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"PV-{body[:4]}-{body[4:]}"


class RequestType(models.TextChoices):
    ACCESS = "access", _("Innsyn")
    RECTIFICATION = "rectification", _("Retting")
    ERASURE = "erasure", _("Sletting")
    RESTRICTION = "restriction", _("Begrensning")
    OBJECTION = "objection", _("Protest")
    PORTABILITY = "portability", _("Dataportabilitet")
    WITHDRAW_CONSENT = "withdraw_consent", _("Trekke tilbake samtykke")
    OTHER = "other", _("Annet")


class State(models.TextChoices):
    RECEIVED = "received", _("Mottatt")
    AWAITING_VERIFICATION = "awaiting_verification", _("Venter på bekreftelse av identitet")
    VERIFIED = "verified", _("Identitet bekreftet")
    IN_PROGRESS = "in_progress", _("Under behandling")
    WAITING_ON_REQUESTER = "waiting_on_requester", _("Venter på den registrerte")
    EXTENDED = "extended", _("Fristen er forlenget")
    COMPLETED = "completed", _("Besvart")
    REFUSED = "refused", _("Avslått")


OPEN_STATES = [s for s in State if s not in (State.COMPLETED, State.REFUSED)]
VERIFIED_STATES = [State.VERIFIED, State.IN_PROGRESS, State.WAITING_ON_REQUESTER, State.EXTENDED, State.COMPLETED]


class Channel(models.TextChoices):
    FORM = "form", _("Skjema")
    EMAIL = "email", _("E-post")
    LETTER = "letter", _("Brev")
    PHONE = "phone", _("Telefon")
    IN_PERSON = "in_person", _("Personlig oppmøte")


class RefusalGround(models.TextChoices):
    CANNOT_IDENTIFY = "cannot_identify", _("Kan ikke identifisere den registrerte (art. 11(2))")
    UNFOUNDED = "unfounded", _("Åpenbart grunnløs (art. 12(5))")
    EXCESSIVE = "excessive", _("Urimelig (art. 12(5))")
    EXCEPTION = "exception", _("Unntak i loven (f.eks. art. 17(3))")
    NO_DATA = "no_data", _("Vi behandler ingen opplysninger om personen")
    OTHER = "other", _("Annet (oppgi bestemmelsen)")


class RefusalProvision(models.TextChoices):
    """The provision an exception rests on; the letter prints it in words (letters.PROVISIONS)."""

    BOOKKEEPING = "bookkeeping", _("Art. 17(3)(b), jf. bokføringsloven § 13")
    LEGAL_CLAIMS = "legal_claims", _("Art. 17(3)(e): rettskrav")
    EXPRESSION = "expression", _("Art. 17(3)(a): ytrings- og informasjonsfrihet")
    OTHERS_RIGHTS = "others_rights", _("Art. 15(4): andres rettigheter og friheter")
    COMPELLING_GROUNDS = "compelling_grounds", _("Art. 21(1): tungtveiende berettigede grunner")
    POL_16 = "pol_16", _("Art. 23, jf. personopplysningsloven § 16")
    OWN = "own", _("En annen bestemmelse (skriv den)")


class FeeGround(models.TextChoices):
    UNFOUNDED = "unfounded", _("Åpenbart grunnløst")
    EXCESSIVE = "excessive", _("Urimelig")
    REPETITIVE = "repetitive", _("Urimelig, særlig fordi det gjentas")


class Request(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="rights_requests")
    reference = models.CharField(max_length=20, unique=True, default=new_reference)
    type = models.CharField(max_length=20, choices=RequestType.choices)
    state = models.CharField(max_length=24, choices=State.choices, default=State.RECEIVED)
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.FORM)
    language = models.CharField(max_length=2, default="nb")

    # The requester (personal data: never copied into the audit trail)
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    customer_number = models.CharField(max_length=60, blank=True)
    message = models.TextField(max_length=5000, blank=True)
    direct_marketing = models.BooleanField(default=False)  # an objection to direct marketing (Art. 21(2)-(3))

    # Deadlines (local dates, Europe/Oslo). due_on is the one in force.
    received_at = models.DateTimeField(default=timezone.now)
    received_on = models.DateField()
    first_due_on = models.DateField()
    due_on = models.DateField(db_index=True)
    # The organisation's own promise (the register's rights.response_time) where it is shorter than the law's
    # month: the inbox sorts by it; the legal deadline stays due_on.
    promised_on = models.DateField(null=True, blank=True)

    # Identity
    verify_nonce = models.CharField(max_length=64, blank=True)  # hash of the live link's nonce; empty once used
    verification_sent_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_method = models.CharField(max_length=10, blank=True)  # email | manual | receipt
    verification_note = models.TextField(blank=True)

    # Extension (Art. 12(3))
    extension_reasons = models.TextField(blank=True)
    extension_months = models.PositiveSmallIntegerField(default=0)
    extension_notified_at = models.DateTimeField(null=True, blank=True)

    # Refusal (Art. 12(4)) and unfounded/excessive requests (Art. 12(5))
    refusal_ground = models.CharField(max_length=20, choices=RefusalGround.choices, blank=True)
    refusal_reasons = models.TextField(blank=True)
    refusal_provision = models.CharField(max_length=20, choices=RefusalProvision.choices, blank=True)
    refusal_provision_text = models.CharField(max_length=300, blank=True)  # staff's own words, for "own"
    excessive_justification = models.TextField(blank=True)
    fee_nok = models.PositiveIntegerField(default=0)
    fee_ground = models.CharField(max_length=12, choices=FeeGround.choices, blank=True)

    answer_text = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["due_on", "received_at"]
        indexes = [models.Index(fields=["organisation", "state", "due_on"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def effective_on_receipt(self) -> bool:
        """A withdrawal of consent (Art. 7(3)) and an objection to direct marketing (Art. 21(3)) take effect when
        received: no identity check beyond finding the person, no confirmation link to wait for."""
        return self.type == RequestType.WITHDRAW_CONSENT or (self.type == RequestType.OBJECTION and self.direct_marketing)

    @property
    def answer_due_on(self):
        """The deadline the answer is measured against. A refusal must be given within one
        month of receipt even when the time to act was extended (Art. 12(4))."""
        return self.first_due_on if self.state == State.REFUSED else self.due_on

    @property
    def answered_on_time(self) -> bool | None:
        if self.answered_at is None:
            return None
        return timezone.localdate(self.answered_at) <= self.answer_due_on

    def days_left(self, today=None) -> int:
        return (self.due_on - (today or timezone.localdate())).days


class Task(models.Model):
    """What to do in one system that holds data about the person (from the register)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Åpen")
        DONE = "done", _("Utført")
        NOT_APPLICABLE = "not_applicable", _("Ingen opplysninger her")
        KEPT = "kept", _("Beholdt fordi loven krever det")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="tasks")
    system_id = models.SlugField(max_length=80)
    system_name = models.CharField(max_length=200)
    activities = models.JSONField(default=list)  # activity ids that use the system
    assignee_role = models.SlugField(max_length=80, blank=True)  # the register role id
    assignee_role_name = models.CharField(max_length=200, blank=True)
    checklist = models.JSONField(default=list)  # [{"text": ..., "done": bool}]
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(blank=True)
    evidence = models.TextField(blank=True)  # e.g. ticket number, screenshot reference, query run
    # What a connected database's erasure reported: {"kept": [{table, law, columns, rows, until}],
    # "residue": [{table, column, rows, kinds}], "verified": bool}. Tables, laws and counts, never values.
    outcome = models.JSONField(default=dict, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["request", "system_id"], name="one_task_per_system")]


class RequestEvent(models.Model):
    """The request's own history, shown on its page (the audit trail has the same ids)."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=40)
    state = models.CharField(max_length=24, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class ExportRows(models.Model):
    """Rows about the person from one system, encrypted at rest (Fernet); added by hand or by a connector."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="export_rows")
    system_id = models.SlugField(max_length=80)
    source = models.CharField(max_length=40, default="manual")
    count = models.PositiveIntegerField(default=0)
    data = models.BinaryField()  # encrypted JSON list of dicts
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["system_id", "id"]


class ExportPackage(models.Model):
    """An encrypted ZIP on disk, downloadable once through an expiring link."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="packages")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    path = models.CharField(max_length=300)  # relative to MEDIA_ROOT
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)  # of the plain ZIP
    token_hash = models.CharField(max_length=64, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)


class Reminder(models.Model):
    """One sent reminder; the unique constraint makes the job idempotent."""

    class Kind(models.TextChoices):
        DAYS_7 = "7d", _("7 dager igjen")
        DAYS_2 = "2d", _("2 dager igjen")
        MISSED = "missed", _("Fristen er oversittet")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "kind", "due_on"], name="one_reminder_per_deadline")]
