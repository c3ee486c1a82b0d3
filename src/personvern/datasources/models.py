"""The organisation's own databases, as personvern reaches them."""

from django.db import models
from django.utils import timezone

from personvern import crypto


class Connection(models.Model):
    """A database of the organisation, linked to a system of its register.

    The password is kept apart from the URL and encrypted at rest; the URL is
    shown and stored without it.
    """

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="connections")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    system_id = models.CharField(max_length=60, blank=True, help_text="id of the register system this database belongs to")
    url = models.CharField(max_length=500, help_text="SQLAlchemy URL without the password")
    secret = models.BinaryField(blank=True, default=b"")
    # HMAC key for columns the dataset map erases with a keyed hash; random per
    # connection, encrypted like the password.
    hash_secret = models.BinaryField(blank=True, default=b"")
    read_only = models.BooleanField(default=False, help_text="Credentials that can only read: access requests only")
    datamap = models.TextField(blank=True, help_text="Dataset map (YAML)")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "slug"], name="one_connection_slug_per_org")]

    def __str__(self) -> str:
        return self.name

    def set_password(self, password: str) -> None:
        self.secret = crypto.encrypt(password.encode()) if password else b""

    def password(self) -> str:
        return crypto.decrypt(bytes(self.secret)).decode() if self.secret else ""

    def hash_key(self) -> bytes:
        """The connection's HMAC key, made on first use."""
        import secrets

        if not self.hash_secret:
            self.hash_secret = crypto.encrypt(secrets.token_bytes(32))
            if self.pk:
                self.save(update_fields=["hash_secret"])
        return crypto.decrypt(bytes(self.hash_secret))

    def full_url(self) -> str:
        """The URL with the decrypted password, for the connector only; never shown or logged."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        password = self.password()
        return url.set(password=password).render_as_string(hide_password=False) if password else self.url


class RetentionRun(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="retention_runs")
    started = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    trigger = models.CharField(max_length=20, default="schedule")  # schedule | manual | cli
    results = models.JSONField(default=list, blank=True)  # [{activity, connection, table, matched, deleted, anonymised, held, restricted}]
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started"]
