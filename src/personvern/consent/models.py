"""Consent: banner sites, the cookie consent ledger, and newsletter (e-mail) consent.

The two ledgers (`ConsentRecord`, `EmailConsentEvent`) are append-only: rows are
inserted once and never updated; only the retention job deletes old rows.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Categories a visitor can choose, in the order the banner shows them.
# "necessary" is always on and never asked.
OPTIONAL_CATEGORIES = ("functional", "statistics", "marketing")
METHODS = ("accept_all", "reject_all", "custom", "gpc")
METHOD_LABELS = {
    "accept_all": _("Godta alle"),
    "reject_all": _("Avvis alle"),
    "custom": _("Eget valg under «Tilpass»"),
    "gpc": _("Global Privacy Control: markedsføring avvist"),
}

DEFAULT_LIFETIME_DAYS = 182  # six months (CNIL practice); refusals are kept as long
DEFAULT_LEDGER_RETENTION_DAYS = 5 * 365


def new_key() -> str:
    return secrets.token_urlsafe(9).replace("-", "a").replace("_", "b")


def new_secret() -> str:
    return secrets.token_hex(32)


class AppendOnly(models.Model):
    """Rows are written once. Updating raises; deleting is for the retention job only."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError(f"{self._meta.label} is append-only")
        super().save(*args, **kwargs)


class Site(models.Model):
    """One of the organisation's websites that runs the banner (/c/<key>.js)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="consent_sites")
    key = models.CharField(max_length=20, unique=True, default=new_key)
    url = models.URLField(_("Nettsted"), max_length=300)
    lifetime_days = models.PositiveIntegerField(
        _("Varighet for valget (dager)"),
        default=DEFAULT_LIFETIME_DAYS,
        help_text=_("Samtykker og avslag huskes like lenge. 182 dager er seks måneder."),
    )
    ledger_retention_days = models.PositiveIntegerField(
        _("Lagringstid for samtykkeloggen (dager)"), default=DEFAULT_LEDGER_RETENTION_DAYS
    )
    reopen_button = models.BooleanField(_("Vis knapp for å endre valget"), default=True)
    cookie_domain = models.CharField(
        _("Domene for samtykke-informasjonskapselen"),
        max_length=200,
        blank=True,
        help_text=_("Tomt: vertsnavnet som svarer. Sett f.eks. example.no når personvern kjører på samtykke.example.no."),
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["url"]
        constraints = [models.UniqueConstraint(fields=["organisation", "url"], name="one_consent_site_per_url")]

    def __str__(self) -> str:
        return self.url


class ConsentRecord(AppendOnly):
    """One decision a visitor made in the banner. Written by `ledger.store_decision`."""

    # db_index=False: the (site, at) index serves lookups by site; one index less per insert
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="records", db_index=False)
    record_id = models.CharField(max_length=32, unique=True)  # client-generated (idempotency)
    consent_id = models.CharField(max_length=32, db_index=True)  # random; the visitor's cookie
    functional = models.BooleanField(default=False)
    statistics = models.BooleanField(default=False)
    marketing = models.BooleanField(default=False)
    method = models.CharField(max_length=10)
    version = models.CharField(max_length=16)  # hash of cookie set + notice + banner text shown
    language = models.CharField(max_length=2)
    at = models.DateTimeField()
    ip = models.CharField(max_length=45)  # truncated to /24 (IPv4) or /48 (IPv6)

    class Meta:
        indexes = [models.Index(fields=["site", "at"], name="consent_rec_site_at")]
        ordering = ["-at"]

    def choices(self) -> dict[str, bool]:
        return {c: getattr(self, c) for c in OPTIONAL_CATEGORIES}

    def method_label(self) -> str:
        return str(METHOD_LABELS.get(self.method, self.method))


class NewsletterList(models.Model):
    """A mailing list with double opt-in. The wording shown is versioned by its hash."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="newsletter_lists")
    key = models.CharField(max_length=20, unique=True, default=new_key)
    name = models.CharField(_("Navn"), max_length=200)
    wording_nb = models.TextField(_("Samtykketekst (bokmål)"))
    wording_en = models.TextField(_("Samtykketekst (engelsk)"), blank=True)
    webhook_url = models.URLField(
        _("Webhook for avmeldinger"),
        blank=True,
        help_text=_("Vi sender POST med JSON hver gang noen bekrefter eller trekker samtykket."),
    )
    webhook_secret = models.CharField(max_length=64, default=new_secret)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wording(self, lang: str) -> str:
        return (self.wording_en or self.wording_nb) if lang == "en" else self.wording_nb

    def wording_version(self, lang: str) -> str:
        return hashlib.sha256(self.wording(lang).encode()).hexdigest()[:16]


class Subscriber(models.Model):
    """The current state of one address on one list (the ledger has the history)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Venter på bekreftelse")
        CONFIRMED = "confirmed", _("Bekreftet")
        WITHDRAWN = "withdrawn", _("Trukket tilbake")

    newsletter = models.ForeignKey(NewsletterList, on_delete=models.CASCADE, related_name="subscribers")
    email = models.EmailField(max_length=254)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    language = models.CharField(max_length=2, default="nb")
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)  # confirmation link, single use
    created = models.DateTimeField(default=timezone.now)
    changed = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["newsletter", "email"], name="one_subscriber_per_list")]
        ordering = ["email"]


class EmailConsentEvent(AppendOnly):
    """Append-only history of e-mail consent: requested, confirmed, withdrawn."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", _("Påmelding")
        CONFIRMED = "confirmed", _("Bekreftet")
        WITHDRAWN = "withdrawn", _("Trukket tilbake")

    newsletter = models.ForeignKey(NewsletterList, on_delete=models.CASCADE, related_name="events")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    wording = models.TextField()
    wording_version = models.CharField(max_length=16)
    language = models.CharField(max_length=2)
    method = models.CharField(max_length=20)  # form, link, one_click, preferences
    at = models.DateTimeField(default=timezone.now)
    ip = models.CharField(max_length=45, blank=True)

    class Meta:
        ordering = ["at", "id"]
