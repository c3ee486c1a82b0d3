import subprocess
import sys

import pytest
from django.db import connection

from personvern.audit.models import AppendOnlyError, AuditEvent
from personvern.audit.service import record, verify_chain


@pytest.fixture
def chain(org, members):
    for i in range(5):
        record("test.event", actor=members["owner"], organisation=org, object_type="thing", object_id=str(i), data={"i": i})
    return list(AuditEvent.objects.order_by("seq"))


def test_each_event_carries_the_hash_of_the_one_before(chain):
    assert chain[0].prev_hash == "0" * 64
    for before, after in zip(chain, chain[1:]):
        assert after.prev_hash == before.hash
        assert after.seq == before.seq + 1
    assert verify_chain().ok


def test_it_records_who_what_which_object_and_from_where(rf, org, members):
    request = rf.post("/x", REMOTE_ADDR="203.0.113.9")
    request.user = members["editor"]
    request.org = org
    event = record("register.saved", request=request, object_type="registry.registerversion", object_id="7")
    assert (event.actor_label, event.org_label, event.ip, event.object_id) == ("editor", "alpha", "203.0.113.9", "7")


def test_events_cannot_be_changed_or_deleted_through_the_orm(chain):
    event = chain[2]
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def _raw(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_verify_detects_an_edited_event(chain):
    _raw("UPDATE audit_auditevent SET data = %s WHERE seq = %s", ['{"i": 99}', 3])
    report = verify_chain()
    assert not report.ok
    assert any("event 3" in p and "edited" in p for p in report.problems)


def test_verify_detects_a_deleted_event(chain):
    _raw("DELETE FROM audit_auditevent WHERE seq = %s", [3])
    report = verify_chain()
    assert not report.ok
    assert any("missing" in p for p in report.problems)


def test_verify_detects_a_recomputed_hash_after_an_edit(chain):
    """Editing an event and fixing its own hash still breaks the link to the next event."""
    event = AuditEvent.objects.get(seq=2)
    event.action = "forged"
    new_hash = event.compute_hash()
    _raw("UPDATE audit_auditevent SET action = %s, hash = %s WHERE seq = %s", ["forged", new_hash, 2])
    report = verify_chain()
    assert not report.ok
    assert any("event 3" in p for p in report.problems)


def test_verify_detects_two_events_swapped(chain):
    """Reordering: event 2 and 3 trade places (their numbers swapped, content kept)."""
    _raw("UPDATE audit_auditevent SET seq = -2 WHERE seq = 2", [])
    _raw("UPDATE audit_auditevent SET seq = 2 WHERE seq = 3", [])
    _raw("UPDATE audit_auditevent SET seq = 3 WHERE seq = -2", [])
    report = verify_chain()
    assert not report.ok
    assert any(p.startswith("event 2:") for p in report.problems)
    assert any(p.startswith("event 3:") for p in report.problems)


def test_verify_detects_an_inserted_event_even_with_a_correct_hash_of_its_own(chain, members):
    """Inserting: later events are renumbered and a forged event, hashed correctly onto event 3, goes in as 4."""
    _raw("UPDATE audit_auditevent SET seq = seq + 100 WHERE seq > 3", [])
    _raw("UPDATE audit_auditevent SET seq = seq - 99 WHERE seq > 100", [])
    third = AuditEvent.objects.get(seq=3)
    forged = AuditEvent(seq=4, at=third.at, actor_label="owner", org_label="alpha", action="member.removed",
                        object_type="accounts.membership", object_id="1", data={}, prev_hash=third.hash)
    forged.hash = forged.compute_hash()
    forged.save()
    report = verify_chain()
    assert not report.ok
    assert not any("event 4:" in p for p in report.problems)  # the forgery itself is consistent...
    assert any(p.startswith("event 5:") for p in report.problems)  # ...but the chain after it is not


def test_verify_detects_a_forged_event_appended_with_a_wrong_link(chain):
    last = chain[-1]
    forged = AuditEvent(seq=last.seq + 1, at=last.at, action="login.succeeded", prev_hash="f" * 64)
    forged.hash = forged.compute_hash()
    forged.save()
    report = verify_chain()
    assert not report.ok and any(p.startswith(f"event {last.seq + 1}: does not follow") for p in report.problems)


def test_an_untouched_chain_verifies(chain):
    report = verify_chain()
    assert report.ok and report.checked == 5 and report.problems == []


@pytest.mark.django_db(transaction=True)
def test_audit_verify_command_exits_1_on_tampering(org, members, settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    for i in range(3):
        record("test.event", organisation=org, data={"i": i})
    call_command("audit", "verify")
    _raw("UPDATE audit_auditevent SET object_id = %s WHERE seq = %s", ["tampered", 2])
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify")
    assert exc.value.returncode == 1


@pytest.mark.django_db(transaction=True)
def test_verify_with_a_kept_head_detects_removed_latest_events(org, capsys):
    """Deleting the newest events leaves a whole, shorter chain; the head kept from an earlier verify finds it."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    for i in range(4):
        record("test.event", organisation=org, data={"i": i})
    call_command("audit", "verify")
    head = capsys.readouterr().out.split("head: ")[1].split()[0]
    assert head.startswith("4:")
    _raw("DELETE FROM audit_auditevent WHERE seq >= %s", [3])
    call_command("audit", "verify")  # the chain alone cannot tell
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", "--head", head)
    assert exc.value.returncode == 1
    assert "event 4 (the head given) is missing" in capsys.readouterr().err
