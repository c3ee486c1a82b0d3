"""Each organisation's register, stored as numbered immutable versions."""

import hashlib

import yaml

from django.conf import settings
from django.db import models
from django.utils import timezone

from personvern.core.manifest import (
    Problem,
    Register,
    RegisterError,
    _NoDatesLoader,
    loads_register,
    sql_conditions,
    stored_register,
)


class RegisterVersion(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="register_versions")
    number = models.PositiveIntegerField()
    yaml = models.TextField()
    sha256 = models.CharField(max_length=64)
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["organisation", "number"], name="one_number_per_org")]

    def __str__(self) -> str:
        return f"{self.organisation.slug} v{self.number}"

    def register(self) -> Register:
        """The register as saved; text that later checks refuse still loads (see `problems`)."""
        with stored_register():
            return loads_register(self.yaml, self._name())

    def problems(self) -> list[Problem]:
        """What the register's checks refuse in this version today (saved before a check existed)."""
        try:
            loads_register(self.yaml, self._name())
        except RegisterError as exc:
            return exc.problems
        return []

    def _name(self) -> str:
        return f"{self.organisation.slug} v{self.number}"

    def sql_conditions(self) -> list[tuple[str, str]]:
        """Retention conditions this version still writes as SQL text (see core.manifest)."""
        if "condition" not in self.yaml:
            return []
        return sql_conditions(yaml.load(self.yaml, Loader=_NoDatesLoader))

    @staticmethod
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()
