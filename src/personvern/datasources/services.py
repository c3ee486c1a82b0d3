"""The Django side of the connectors: stored connections, rights requests run
against them, retention runs. Every run is audited with tables and counts,
never values."""

from __future__ import annotations

import datetime as dt
import threading

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from sqlalchemy.engine import Engine

from personvern.audit.service import record
from personvern.connectors import engine as conn_engine
from personvern.connectors import execute, retention
from personvern.connectors.datamap import DataMap, check_against_schema, load_datamap
from personvern.connectors.engine import ConnectorError
from personvern.registry.services import current_register

from .models import Connection, RetentionRun
from .policy import answered, connection_policy, connector_timeouts, explain

_engines: dict[tuple, Engine] = {}
_engines_lock = threading.Lock()


def connection_engine(connection: Connection) -> Engine:
    """One engine per connection and version of its settings, so reflection stays cached.

    The operator's connection policy is applied here, to every stored connection (also those
    stored before the policy existed): a URL it refuses raises Refused, and each new
    database connection is checked again."""
    policy, timeouts = connection_policy(), connector_timeouts()
    key = (connection.pk, f"{connection.url}|{connection.updated.isoformat()}|{bytes(connection.secret)[:16]!r}", policy, timeouts)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            for old in [k for k in _engines if k[0] == connection.pk]:
                _engines.pop(old).dispose()
            engine = _engines[key] = conn_engine.make_engine(connection.full_url(), policy=policy, timeouts=timeouts)
    return engine


def connection_test(*, connection: Connection, request=None) -> tuple[bool, str]:
    """(ok, message) within PERSONVERN_CONNECTOR_TEST_TIMEOUT seconds, whatever the server does;
    the message says what answered, or what was refused and why, never what a server sent."""
    bound = settings.PERSONVERN_CONNECTOR_TEST_TIMEOUT
    try:
        answer = conn_engine.probe(
            connection.full_url(),
            policy=connection_policy(),
            timeouts=conn_engine.Timeouts(connect=0.6 * bound, statement=0.6 * bound),
            bound=bound,
        )
        ok, message = True, answered(answer)
    except ConnectorError as exc:
        ok, message = False, explain(exc)
    record("connection.tested", request=request, organisation=connection.organisation, obj=connection, data={"ok": ok})
    return ok, message


_datamaps: dict[int, tuple[str, DataMap]] = {}


def connection_datamap(connection: Connection) -> DataMap:
    """The connection's parsed map, parsed once per text (a rights request should not
    pay for parsing YAML; the connector never changes the map)."""
    if not connection.datamap.strip():
        raise ConnectorError(f"{connection.name} has no dataset map yet")
    cached = _datamaps.get(connection.pk)
    if cached is None or cached[0] != connection.datamap:
        cached = _datamaps[connection.pk] = (connection.datamap, load_datamap(connection.datamap, settings.INPUT_LIMITS))
    return cached[1]


def datamap_problems(connection: Connection, text: str) -> list[str]:
    """Problems of a dataset map: its own, then against the reflected schema."""
    try:
        datamap = load_datamap(text, settings.INPUT_LIMITS)
    except ConnectorError as exc:
        return str(exc).splitlines()
    try:
        metadata = conn_engine.reflect(connection_engine(connection), refresh=True)
    except ConnectorError as exc:  # an unreachable or refused database: say so, keep the map
        return [f"could not check the map against the database: {explain(exc)}"]
    except Exception as exc:  # never a 500, never a server's words
        return [f"could not check the map against the database ({type(exc).__name__})"]
    return check_against_schema(datamap, metadata)


def _audit_run(action: str, connection: Connection, request, data: dict, actor=None) -> None:
    record(action, request=request, actor=actor, organisation=connection.organisation, obj=connection, data=data)


def person_access(*, connection: Connection, identity: dict[str, str], request=None, rights_request=None) -> execute.AccessResult:
    result = execute.access(connection_engine(connection), connection_datamap(connection), identity)
    _audit_run(
        "connector.access",
        connection,
        request,
        {"counts": result.counts, "identity_kinds": sorted(identity), "request": getattr(rights_request, "pk", None)},
    )
    return result


def person_erase(
    *,
    connection: Connection,
    identity: dict[str, str],
    dry_run: bool = False,
    request=None,
    rights_request=None,
    search_residue: bool = True,
    whole_database: bool = False,
    actor=None,
    confirm_large: bool = False,
) -> execute.EraseResult:
    if connection.read_only and not dry_run:
        raise ConnectorError(f"{connection.name} has read-only credentials: erasure must be done by hand")
    try:
        result = execute.erase(
            connection_engine(connection),
            connection_datamap(connection),
            identity,
            hash_key=connection.hash_key(),
            dry_run=dry_run,
            search_residue=search_residue,
            whole_database=whole_database,
            confirm_large=confirm_large,
        )
    except execute.ErasureRefused as refused:  # the collateral guard or the size limit: nothing was changed
        collateral = [{"table": c.table, "rows": c.count, "why": c.why} for c in refused.collateral]
        data = {"reason": refused.reason, "collateral": collateral, "plan": refused.plan.summary(), "request": getattr(rights_request, "pk", None)}
        _audit_run("connector.erase.refused", connection, request, data)
        raise
    verification = result.verification
    _audit_run(
        "connector.erase.dry_run" if dry_run else "connector.erase",
        connection,
        request,
        {
            "counts": result.counts,
            "plan": result.plan.summary() if result.plan else None,
            "verified": result.verified,
            "remaining": None if verification is None else verification.identity_matches,
            **erasure_outcome(result),
            "request": getattr(rights_request, "pk", None),
        },
        actor=actor,
    )
    return result


def erasure_refusal_text(refused: execute.ErasureRefused) -> str:
    """Why an erasure was stopped before any write, in the reader's language: tables and
    counts, never values."""
    if refused.reason == "confirmation":
        plan = "; ".join(f"{name}: " + ", ".join(f"{what} {n}" for what, n in counts.items()) for name, counts in refused.plan.summary()["tables"].items())
        return gettext(
            "Slettingen er stoppet, og ingenting er endret: planen ville endret %(rows)s rader, flere enn grensen i "
            "datasettkartet (%(limit)s). Planen: %(plan)s. Se over planen, kryss av for å bekrefte en stor sletting og kjør igjen."
        ) % {"rows": refused.plan.touched, "limit": refused.plan.max_rows, "plan": plan}
    hits = "; ".join(f"{c.table}: {c.count} ({c.why})" for c in refused.collateral)
    return gettext(
        "Slettingen er stoppet, og ingenting er endret: planen ville rørt rader som ikke kan bevises å tilhøre personen: "
        "%(hits)s. Rett datasettkartet (foreign_keys, role) og prøv igjen."
    ) % {"hits": hits}


def erasure_outcome(result: execute.EraseResult) -> dict:
    """What an erasure kept under which law until when, and where the residue search still
    found the person's values: tables, columns, laws and counts, never values."""
    residue = result.residue
    if residue is None:
        return {"residue_searched": False}
    return {
        "residue_searched": True,
        "kept": [
            {"table": k.table, "law": k.law, "columns": list(k.columns), "rows": k.rows, "until": k.until.isoformat() if k.until else None}
            for k in residue.kept
        ],
        "residue": [{"table": p.table, "column": p.column, "rows": p.rows, "kinds": list(p.kinds)} for p in residue.places],
        "name_only": residue.name_only,
    }


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
            errors.append(f"{connection.name}: {explain(exc)}")
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


# --------------------------------------------------------------------------
# Rights requests carried out in a connected database
# --------------------------------------------------------------------------

IDENTITY_FIELDS = {"email": "email", "phone": "phone", "customer_number": "customer_number"}


def connection_for_system(org, system_id: str) -> Connection | None:
    return org.connections.filter(system_id=system_id).first() if system_id else None


def requester_identity(rights_request, datamap: DataMap) -> dict[str, str]:
    """The verified requester's identifiers that the map can look up."""
    kinds = datamap.identity_kinds()
    identity = {kind: getattr(rights_request, field).strip() for kind, field in IDENTITY_FIELDS.items() if kind in kinds}
    identity = {k: v for k, v in identity.items() if v}
    if not identity:
        raise ConnectorError("the request has no identifier this database can look up (e-mail, phone or customer number)")
    return identity


ERASURE_STALE = dt.timedelta(hours=1)  # a queued erasure not finished by then may be started again (a worker died)


def task_start_connector(*, task, user, request=None, confirm_large: bool = False) -> str:
    """Carry out a task in the connected database: access and restriction at once, erasure
    in the worker (datasources.tasks.run_erasure_task). Returns what to tell the user."""
    from personvern.rights import services as rights
    from personvern.rights.models import RequestType

    req = task.request
    if req.type != RequestType.ERASURE:
        return task_run_connector(task=task, user=user, request=request)
    if not req.is_verified or not req.is_open:
        raise rights.RightsError("Identiteten må bekreftes før noe gjøres.")
    connection = connection_for_system(req.organisation, task.system_id)
    if connection is None:
        raise ConnectorError(f"no database is connected to the system {task.system_id}")
    started = task.outcome.get("running")
    if started and timezone.now() - dt.datetime.fromisoformat(started) < ERASURE_STALE:
        return gettext("Slettingen kjører allerede i bakgrunnen.")
    from .tasks import run_erasure_task

    task.outcome = {"running": timezone.now().isoformat()}
    task.save(update_fields=["outcome"])
    _audit_run("connector.erase.queued", connection, request, {"request": req.pk, "task": task.pk})
    user_id = getattr(user, "pk", None)
    transaction.on_commit(lambda: run_erasure_task.enqueue(task.pk, user_id, confirm_large))
    return gettext("Slettingen kjører i bakgrunnen, med et søk etter rester til slutt. Resultatet kommer på oppgaven.")


def task_run_connector(*, task, user, request=None, confirm_large: bool = False) -> str:
    """Carry out a rights-request task in the system's connected database and close it.

    Access and portability add the person's rows to the export package; erasure
    deletes or masks (legal holds kept) and proves nothing identifying is left;
    restriction marks the rows. Other request types stay manual.
    """
    from personvern.rights import services as rights
    from personvern.rights.export import export_add_rows
    from personvern.rights.models import RequestType

    req = task.request
    if not req.is_verified or not req.is_open:
        raise rights.RightsError("Identiteten må bekreftes før noe gjøres.")
    connection = connection_for_system(req.organisation, task.system_id)
    if connection is None:
        raise ConnectorError(f"no database is connected to the system {task.system_id}")
    identity = requester_identity(req, connection_datamap(connection))
    if req.type in (RequestType.ACCESS, RequestType.PORTABILITY):
        found = person_access(connection=connection, identity=identity, request=request, rights_request=req)
        for table, rows in found.rows.items():
            if rows:
                export_add_rows(req, task.system_id, [{"_tabell": table, **row} for row in rows], source=f"connector:{connection.slug}")
        total = sum(found.counts.values())
        summary = ", ".join(f"{t}: {n}" for t, n in sorted(found.counts.items()) if n) or "ingen rader"
        note = f"Hentet automatisk fra {connection.name}: {total} rader ({summary})."
        status = "done" if total else "not_applicable"
    elif req.type == RequestType.ERASURE:
        result = person_erase(
            connection=connection, identity=identity, request=request, rights_request=req, actor=user, confirm_large=confirm_large
        )
        counts = result.counts
        held = sum(t.held for t in result.tables)
        summary = "; ".join(f"{t}: " + ", ".join(f"{k} {v}" for k, v in c.items()) for t, c in sorted(counts.items())) or "ingen rader"
        task.outcome = {**erasure_outcome(result), "verified": result.verified}
        note = f"Slettet automatisk i {connection.name} ({summary}). "
        if not result.verified:
            # Not done: say where her data remain and leave the task open for the rest by hand.
            places = "; ".join(
                f"{p.table}.{p.column}: {p.rows} rad{'er' if p.rows != 1 else ''}" for p in result.residue.places
            ) if result.residue else ""
            note += (
                f"Restsøket fant fortsatt opplysninger om personen ({places}). " if places else "Kontrollspørring fant fortsatt treff: se revisjonsloggen. "
            ) + "Oppgaven står åpen til resten er slettet for hånd."
            task.note = note
            task.save(update_fields=["note", "outcome"])
            return note
        note += "Kontroll: ingenting om personen er igjen utenom det lovpålagt oppbevaring holder tilbake."
        status = "kept" if held else "done"
    elif req.type == RequestType.RESTRICTION:
        result = person_restrict(connection=connection, identity=identity, reason=f"request {req.reference}", request=request)
        note = f"Begrenset automatisk i {connection.name}: " + (", ".join(f"{t}: {n}" for t, n in result.changed.items()) or "ingen rader")
        status = "done"
    else:
        raise ConnectorError("this request type is carried out by hand")
    rights.task_complete(task=task, user=user, note=note, evidence=f"personvern connector {connection.slug}", status=status, request=request)
    return note
