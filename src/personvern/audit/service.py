"""Write to and check the audit trail. Every feature records through `record`."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent

GENESIS = "0" * 64
_PG_LOCK_KEY = 7_470_101  # arbitrary, constant: serialises appends on PostgreSQL


def _client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "")[:45] if request is not None else ""


def record(
    action: str,
    *,
    request=None,
    actor=None,
    organisation=None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    data: dict | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event: who, what, when, which object, from where."""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if organisation is None and request is not None:
        organisation = getattr(request, "org", None)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
        event = AuditEvent(
            seq=(last["seq"] + 1) if last else 1,
            at=timezone.now(),
            actor=actor,
            actor_label=actor.get_username() if actor is not None else "",
            organisation=organisation,
            org_label=organisation.slug if organisation is not None else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            ip=ip if ip is not None else _client_ip(request),
            data=data or {},
            prev_hash=last["hash"] if last else GENESIS,
        )
        event.hash = event.compute_hash()
        event.save()
    return event


@dataclass
class ChainReport:
    checked: int
    ok: bool
    problems: list[str]


def verify_chain() -> ChainReport:
    """Walk the chain; report edited events (hash mismatch) and gaps (deletions)."""
    problems: list[str] = []
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        checked += 1
        if event.seq != expected_seq:
            problems.append(f"event {expected_seq}–{event.seq - 1} missing (deleted?) before event {event.seq}")
        if event.prev_hash != prev_hash:
            problems.append(f"event {event.seq}: does not follow the event before it (an event was deleted or edited)")
        if event.compute_hash() != event.hash:
            problems.append(f"event {event.seq}: content does not match its hash (edited)")
        prev_hash, expected_seq = event.hash, event.seq + 1
    return ChainReport(checked=checked, ok=not problems, problems=problems)
