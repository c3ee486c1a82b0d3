"""Saving and reading register versions. Views and commands call these."""

from __future__ import annotations

import difflib

from django.db import transaction

from personvern.audit.service import record
from personvern.core.fixes import fix_register
from personvern.core.manifest import Register, dump_register

from .models import RegisterVersion


def current_version(org) -> RegisterVersion | None:
    return org.register_versions.order_by("-number").first()


def current_register(org) -> Register | None:
    version = current_version(org)
    return version.register() if version else None


def register_save(*, org, register: Register, user=None, message: str = "", request=None) -> RegisterVersion:
    """Store `register` as the organisation's next version (no-op if unchanged)."""
    text = dump_register(register)
    with transaction.atomic():
        last = RegisterVersion.objects.select_for_update().filter(organisation=org).order_by("-number").first()
        if last and last.yaml == text:
            return last
        version = RegisterVersion.objects.create(
            organisation=org,
            number=(last.number + 1) if last else 1,
            yaml=text,
            sha256=RegisterVersion.digest(text),
            created_by=user,
            message=message[:300],
        )
        record(
            "register.saved",
            request=request,
            actor=user,
            organisation=org,
            obj=version,
            data={"number": version.number, "sha256": version.sha256, "message": version.message},
        )
    return version


def version_diff(old: RegisterVersion | None, new: RegisterVersion) -> list[str]:
    before = old.yaml.splitlines() if old else []
    return list(
        difflib.unified_diff(
            before,
            new.yaml.splitlines(),
            fromfile=f"v{old.number}" if old else "(tom)",
            tofile=f"v{new.number}",
            lineterm="",
        )
    )


class StaleVersion(Exception):
    """The version an edit started from is no longer the current one."""

    def __init__(self, base: int, current: int):
        self.base, self.current = base, current
        super().__init__(f"edit based on v{base}, but v{current} is current")


class RetentionRulesLocked(Exception):
    """The save changes the rules that delete rows in connected databases, and the user may not."""


def enforcement_rules(register: Register | None) -> list:
    """What the retention sweep deletes: every activity's enforcement rules, with the period they apply."""
    if register is None:
        return []
    return [(a.id, a.retention.period, [e.model_dump(mode="json") for e in a.retention.enforcement])
            for a in register.activities if a.retention is not None and a.retention.enforcement]


def register_save_from(
    *, org, base: int, register: Register, user=None, message: str = "", request=None,
    may_change_retention_rules: bool = True,
) -> RegisterVersion:
    """`register_save`, refused with StaleVersion unless `base` (0: none yet) is still the current number.

    So that a concurrent edit never silently overwrites another. Without `may_change_retention_rules`
    (staff who may not manage connections) a save that changes what the retention sweep deletes is refused
    with RetentionRulesLocked: an editor writes the register's text, not deletions in a database.
    """
    with transaction.atomic():
        last = RegisterVersion.objects.select_for_update().filter(organisation=org).order_by("-number").first()
        current = last.number if last else 0
        if current != base:
            raise StaleVersion(base, current)
        if not may_change_retention_rules and (
            enforcement_rules(register) != enforcement_rules(last.register() if last else None)
        ):
            raise RetentionRulesLocked
        return register_save(org=org, register=register, user=user, message=message, request=request)


def version_at(org, number: int) -> RegisterVersion | None:
    return org.register_versions.filter(number=number).select_related("created_by").first()


def previous_version(version: RegisterVersion) -> RegisterVersion | None:
    return (
        RegisterVersion.objects.filter(organisation_id=version.organisation_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )


def register_fixes(org) -> tuple[RegisterVersion | None, Register | None, list]:
    """(current version, that register with the linter's mechanical fixes applied, the findings fixed)."""
    version = current_version(org)
    if version is None:
        return None, None, []
    fixed, applied = fix_register(version.register())
    return version, fixed, applied


def register_apply_fixes(*, org, base: int, user=None, request=None) -> RegisterVersion | None:
    """Save the mechanical fixes of version `base` as the next version (StaleVersion when `base` is no
    longer current; None when there is nothing to fix). A person has seen the change before this runs."""
    version, fixed, applied = register_fixes(org)
    if not applied:
        return None
    rules = ", ".join(sorted({f.rule_id for f in applied}))
    return register_save_from(org=org, base=base, register=fixed, user=user, request=request,
                              message=f"Mekaniske rettelser fra den juridiske kontrollen ({rules})")
