"""The Django side of the connectors: stored connections, rights requests run
against them, retention runs. Every run is audited with tables and counts,
never values."""

from __future__ import annotations

import datetime as dt
import threading

from django.db import transaction
from django.utils import timezone
from sqlalchemy.engine import Engine

from personvern.audit.service import record
from personvern.connectors import engine as conn_engine
from personvern.connectors import execute, retention
from personvern.connectors.datamap import DataMap, check_against_schema, load_datamap
from personvern.connectors.engine import ConnectorError
from personvern.registry.services import current_register

from .models import Connection, RetentionRun

_engines: dict[tuple[int, str], Engine] = {}
_engines_lock = threading.Lock()


def connection_engine(connection: Connection) -> Engine:
    """One engine per connection and version of its settings, so reflection stays cached."""
    key = (connection.pk, f"{connection.url}|{connection.updated.isoformat()}|{bytes(connection.secret)[:16]!r}")
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            for old in [k for k in _engines if k[0] == connection.pk]:
                _engines.pop(old).dispose()
            engine = _engines[key] = conn_engine.make_engine(connection.full_url())
    return engine


def connection_test(*, connection: Connection, request=None) -> tuple[bool, str]:
    ok, message = conn_engine.test_connection(connection.full_url())
    record("connection.tested", request=request, organisation=connection.organisation, obj=connection, data={"ok": ok})
    return ok, message


def connection_datamap(connection: Connection) -> DataMap:
    if not connection.datamap.strip():
        raise ConnectorError(f"{connection.name} has no dataset map yet")
    return load_datamap(connection.datamap)


def datamap_problems(connection: Connection, text: str) -> list[str]:
    """Problems of a dataset map: its own, then against the reflected schema."""
    try:
        datamap = load_datamap(text)
    except ConnectorError as exc:
        return str(exc).splitlines()
    try:
        metadata = conn_engine.reflect(connection_engine(connection), refresh=True)
    except Exception as exc:  # an unreachable database: say so, keep the map
        return [f"could not check the map against the database: {exc}"]
    return check_against_schema(datamap, metadata)


def _audit_run(action: str, connection: Connection, request, data: dict) -> None:
    record(action, request=request, organisation=connection.organisation, obj=connection, data=data)


def person_access(*, connection: Connection, identity: dict[str, str], request=None, rights_request=None) -> execute.AccessResult:
    result = execute.access(connection_engine(connection), connection_datamap(connection), identity)
    _audit_run(
        "connector.access",
        connection,
        request,
        {"counts": result.counts, "identity_kinds": sorted(identity), "request": getattr(rights_request, "pk", None)},
    )
    return result


def person_erase(*, connection: Connection, identity: dict[str, str], dry_run: bool = False, request=None, rights_request=None) -> execute.EraseResult:
    if connection.read_only and not dry_run:
        raise ConnectorError(f"{connection.name} has read-only credentials: erasure must be done by hand")
    result = execute.erase(
        connection_engine(connection), connection_datamap(connection), identity, hash_key=connection.hash_key(), dry_run=dry_run
    )
    verification = result.verification
    _audit_run(
        "connector.erase.dry_run" if dry_run else "connector.erase",
        connection,
        request,
        {
            "counts": result.counts,
            "verified": None if verification is None else verification.ok,
            "remaining": None if verification is None else verification.identity_matches,
            "request": getattr(rights_request, "pk", None),
        },
    )
    return result


def person_rectify(*, connection: Connection, identity: dict[str, str], changes: dict, dry_run: bool = False, request=None) -> execute.ChangeResult:
    result = execute.rectify(connection_engine(connection), connection_datamap(connection), identity, changes, dry_run=dry_run)
    fields = {table: sorted(cols) for table, cols in changes.items()}
    _audit_run("connector.rectify", connection, request, {"changed": result.changed, "fields": fields, "dry_run": dry_run})
    return result


def person_restrict(*, connection: Connection, identity: dict[str, str], lift: bool = False, reason: str = "", dry_run: bool = False, request=None) -> execute.ChangeResult:
    result = execute.restrict(
        connection_engine(connection), connection_datamap(connection), identity, reason=reason, lift=lift, dry_run=dry_run
    )
    _audit_run("connector.restrict.lift" if lift else "connector.restrict", connection, request, {"changed": result.changed, "dry_run": dry_run})
    return result


def retention_run(*, org, dry_run: bool = False, trigger: str = "schedule", now: dt.datetime | None = None, request=None) -> RetentionRun:
    """Apply the register's retention rules to every connection of the organisation."""
    run = RetentionRun.objects.create(organisation=org, dry_run=dry_run, trigger=trigger)
    register = current_register(org)
    results, errors = [], []
    for connection in org.connections.all():
        rules = retention.rules_from_register(register, connection.slug) if register else []
        if not rules:
            continue
        try:
            datamap = connection_datamap(connection) if connection.datamap.strip() else None
            outcome = retention.sweep(
                connection_engine(connection),
                rules,
                now,
                dry_run=dry_run,
                datamap=datamap,
                hash_key=connection.hash_key() if datamap and datamap.needs_hash_key() else None,
            )
        except ConnectorError as exc:
            errors.append(f"{connection.name}: {exc}")
            continue
        for rule in outcome.rules:
            results.append(
                {
                    "connection": connection.slug,
                    "rule": rule.rule,
                    "table": rule.table,
                    "action": rule.action,
                    "cutoff": rule.cutoff.isoformat(),
                    "rows": rule.rows,
                    "batches": rule.batches,
                    "kept_held": rule.kept_held,
                    "kept_restricted": rule.kept_restricted,
                    "error": rule.error,
                }
            )
            if rule.error:
                errors.append(f"{connection.name} {rule.rule}: {rule.error}")
    run.results = results
    run.error = "\n".join(errors)
    run.finished = timezone.now()
    run.save(update_fields=["results", "error", "finished"])
    with transaction.atomic():
        record(
            "retention.dry_run" if dry_run else "retention.run",
            request=request,
            organisation=org,
            obj=run,
            data={"rules": {f"{r['connection']}:{r['rule']}": r["rows"] for r in results}, "errors": len(errors), "trigger": trigger},
        )
    return run
