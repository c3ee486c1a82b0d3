"""Registers stored before retention rules were structured: a rule whose SQL cannot be read
as names and conditions is taken out by a migration, so the register loads again."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from personvern.core import manifest as m
from personvern.registry.models import RegisterVersion
from personvern.registry.services import current_register, current_version

MIGRATION = importlib.import_module("personvern.registry.migrations.0002_retention_rules_without_sql")

OLD = """\
controller: {legal_name: Alpha AS}
activities:
  - id: faktura
    name: Faktura
    retention:
      period: P5Y
      enforcement:
        - {connection: shop, table: invoices, timestamp: issued_at, condition: "status = 'closed'"}
        - {connection: shop, table: invoices, timestamp: issued_at, condition: "1=1) OR (1=1"}
        - {connection: shop, table: tickets, timestamp: "COALESCE(closed_at, created_at)"}
"""


def test_a_stored_register_with_unreadable_sql_loads_again_without_those_rules(org, other_org):
    RegisterVersion.objects.create(organisation=org, number=3, yaml=OLD, sha256=RegisterVersion.digest(OLD))
    plain = m.dump_register(m.loads_register("controller: {legal_name: Beta AS}\n"))
    RegisterVersion.objects.create(organisation=other_org, number=1, yaml=plain, sha256=RegisterVersion.digest(plain))
    with pytest.raises(m.RegisterError) as before:
        current_register(org)
    assert any("enforcement[1].condition: SQL text" in str(p) for p in before.value.problems)

    MIGRATION.forwards(apps, None)

    version = current_version(org)
    assert version.number == 4
    assert "enforcement[1]: condition 1=1) OR (1=1" in version.message
    assert "enforcement[2]: timestamp COALESCE(closed_at, created_at)" in version.message
    (kept,) = current_register(org).activity("faktura").retention.enforcement
    assert [(c.column, c.op, c.value) for c in kept.condition] == [("status", "=", "closed")]
    assert current_version(other_org).number == 1, "a register without SQL is left alone"
    MIGRATION.forwards(apps, None)
    assert current_version(org).number == 4, "running it again changes nothing"
