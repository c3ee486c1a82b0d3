"""Rights requests carried out in a connected database: the rights workflow's
tasks, run by the connectors, end to end (real SQLite shop database)."""

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from examples.shop.generate import customers_with_orders
from personvern.audit.models import AuditEvent
from personvern.datasources.models import Connection
from personvern.datasources.services import task_run_connector
from personvern.rights import services
from personvern.rights.export import package_read
from personvern.rights.models import Task

from conftest import DATAMAP


@pytest.fixture
def connected(saved_register, shop):
    org = saved_register.organisation
    system = saved_register.register().systems[0].id
    return Connection.objects.create(organisation=org, slug="shop", name="Shop", url=f"sqlite:///{shop}", datamap=DATAMAP, system_id=system)


def _verified_request(org, type_, email, officer):
    req = services.request_submit(org=org, type=type_, name="Kari Nordmann", email=email)
    services.request_verify_manually(req=req, note="ringte tilbake på kjent nummer", user=officer)
    services.tasks_create(req=req)
    return req


def _task(req, connection):
    return req.tasks.get(system_id=connection.system_id)


def test_an_unverified_request_runs_nothing_in_the_database(client, members, login, connected):
    _, email = customers_with_orders(connected.url, orders=1, limit=1)[0]
    req = services.request_submit(org=connected.organisation, type="erasure", name="X", email=email)
    login(members["privacy_officer"])
    # no tasks exist before verification, so there is nothing to run
    assert not Task.objects.filter(request=req).exists()
    with sa.create_engine(connected.url).connect() as db:
        assert db.execute(sa.text("select count(*) from customers where email = :e"), {"e": email}).scalar() == 1


def test_access_fills_the_export_package_from_the_database(client, members, login, connected):
    _, email = customers_with_orders(connected.url, orders=5, limit=1)[0]
    req = _verified_request(connected.organisation, "access", email, members["privacy_officer"])
    task = _task(req, connected)
    login(members["privacy_officer"])
    page = client.get(f"/o/alpha/requests/{req.reference}/").content.decode()
    assert "Utfør automatisk" in page
    response = client.post(f"/o/alpha/requests/{req.reference}/tasks/{task.pk}/connector/", follow=True)
    assert "Hentet automatisk" in response.content.decode()
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    package, _ = services.package_issue(req=req)
    archive = zipfile.ZipFile(io.BytesIO(package_read(package)))
    data = json.loads(archive.read(f"{connected.system_id}/data.json"))
    tables = {row["_tabell"] for row in (data if isinstance(data, list) else data["rows"])}
    assert {"customers", "orders", "order_lines"} <= tables


@pytest.fixture
def worker(settings, django_capture_on_commit_callbacks):
    """worker(post) -> response: the view's request, then what it queued, run as the worker
    would (the immediate task backend) once the request's transaction has committed."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    def run(post):
        with django_capture_on_commit_callbacks() as queued:
            response = post()
        for callback in queued:
            callback()
        return response

    return run


def test_erasure_runs_in_the_worker_and_keeps_what_bookkeeping_law_requires(client, members, login, connected, worker):
    _, email = customers_with_orders(connected.url, orders=2, limit=1)[0]
    req = _verified_request(connected.organisation, "erasure", email, members["privacy_officer"])
    task = _task(req, connected)
    login(members["privacy_officer"])
    url = f"/o/alpha/requests/{req.reference}/tasks/{task.pk}/connector/"

    def post_and_look():
        page = client.post(url, follow=True).content.decode()
        assert "Slettingen kjører i bakgrunnen" in page and "Kjører i bakgrunnen i den tilkoblede databasen" in page
        with sa.create_engine(connected.url).connect() as db:  # the request did not wait for the erasure
            assert db.execute(sa.text("select count(*) from customers where email = :e"), {"e": email}).scalar() == 1
        assert "kjører allerede" in client.post(url, follow=True).content.decode(), "a second click queues nothing"

    worker(post_and_look)
    task.refresh_from_db()
    assert task.status in (Task.Status.DONE, Task.Status.KEPT)
    assert "Kontroll: ingenting om personen er igjen" in task.note
    assert task.outcome["verified"] and task.outcome["residue"] == []
    with sa.create_engine(connected.url).connect() as db:
        assert db.execute(sa.text("select count(*) from customers where email = :e"), {"e": email}).scalar() == 0


def test_the_erasure_letter_says_what_was_kept_under_which_law_until_when(members, connected):
    _, email = customers_with_orders(connected.url, orders=5, limit=1)[0]
    req = _verified_request(connected.organisation, "erasure", email, members["privacy_officer"])
    task = _task(req, connected)
    task_run_connector(task=task, user=members["privacy_officer"])
    task.refresh_from_db()
    assert task.status == Task.Status.KEPT, task.note
    orders = next(k for k in task.outcome["kept"] if k["table"] == "orders")
    assert orders["law"].startswith("bokføringsloven § 13") and orders["until"] and orders["columns"] == ["id", "ordered_at", "status", "total"]
    year = orders["until"][:4]
    letter = services.answer_preview(req).body
    assert "unntatt opplysninger som loven pålegger oss å oppbevare" in letter
    assert f"{task.system_name}, orders ({orders['rows']} rader: id, ordered_at, status, total): oppbevares etter bokføringsloven § 13" in letter
    assert f"til 31.12.{year}." in letter
    req.language = "en"
    assert f"kept under bokføringsloven § 13 (5 years after the end of the financial year) until 31 December {year}." in services.answer_preview(req).body


def test_residue_found_after_an_erasure_keeps_the_task_open_and_names_only_places(client, members, login, connected, worker):
    cid, email = customers_with_orders(connected.url, orders=1, limit=1)[0]
    with sa.create_engine(connected.url).begin() as db:
        phone = db.execute(sa.text("select phone from customers where id = :c"), {"c": cid}).scalar_one()
        # A call note from another line that mentions her number: no key leads there from her rows.
        db.execute(sa.text(
            "insert into phone_calls (id, customer_id, caller_number, started_at, duration_seconds, agent_code, notes) "
            "values (999999, null, '+47 99 99 99 99', '2026-01-05 10:00:00', 60, 'agent-01', :n)"), {"n": f"Ring tilbake på {phone}"})
    req = _verified_request(connected.organisation, "erasure", email, members["privacy_officer"])
    task = _task(req, connected)
    login(members["privacy_officer"])
    worker(lambda: client.post(f"/o/alpha/requests/{req.reference}/tasks/{task.pk}/connector/"))
    page = client.get(f"/o/alpha/requests/{req.reference}/").content.decode()
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN and "Restsøket fant fortsatt opplysninger om personen (phone_calls.notes: 1 rad)" in task.note
    assert "phone_calls.notes" in page and "Utfør automatisk" in page, "open again, for the rest by hand"
    assert task.outcome["verified"] is False and task.outcome["residue"] == [{"table": "phone_calls", "column": "notes", "rows": 1, "kinds": ["phone"]}]
    events = AuditEvent.objects.filter(action="connector.erase")
    assert [e.data["residue"] for e in events] == [task.outcome["residue"]] and events[0].data["verified"] is False
    assert AuditEvent.objects.filter(action="connector.erase.queued", data__task=task.pk).count() == 1
    assert events[0].actor == members["privacy_officer"], "the worker records who started it"
    recorded = json.dumps([task.outcome, task.note, [e.data for e in events]])
    assert phone not in recorded and email not in recorded and phone.replace(" ", "")[-8:] not in recorded


def test_an_erasure_that_fails_in_the_worker_says_why_on_the_task_and_can_be_run_again(client, members, login, connected, worker):
    _, email = customers_with_orders(connected.url, orders=1, limit=1)[0]
    connected.read_only = True
    connected.save()
    req = _verified_request(connected.organisation, "erasure", email, members["privacy_officer"])
    task = _task(req, connected)
    login(members["privacy_officer"])
    worker(lambda: client.post(f"/o/alpha/requests/{req.reference}/tasks/{task.pk}/connector/"))
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN and task.note.startswith("Automatisk sletting feilet:") and "read-only" in task.note
    assert task.outcome == {} and "Utfør automatisk" in client.get(f"/o/alpha/requests/{req.reference}/").content.decode()


def test_a_large_erasure_is_stopped_until_staff_confirm_it(client, members, login, connected, worker):
    """Over the map's limits.max_rows the task says the plan (tables and counts) and nothing
    changes; with the box ticked the erasure runs."""
    _, email = customers_with_orders(connected.url, orders=5, limit=1)[0]
    connected.datamap = DATAMAP + "\nlimits: {max_rows: 3}\n"
    connected.save()
    req = _verified_request(connected.organisation, "erasure", email, members["privacy_officer"])
    task = _task(req, connected)
    login(members["privacy_officer"])
    url = f"/o/alpha/requests/{req.reference}/tasks/{task.pk}/connector/"
    assert 'name="confirm_large"' in client.get(f"/o/alpha/requests/{req.reference}/").content.decode()
    worker(lambda: client.post(url))
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN and not task.outcome.get("running")
    assert "Slettingen er stoppet, og ingenting er endret" in task.note and "grensen i datasettkartet (3)" in task.note
    assert "customers: delete 1" in task.note and email not in task.note
    assert "Slettingen er stoppet" in client.get(f"/o/alpha/requests/{req.reference}/").content.decode()
    with sa.create_engine(connected.url).connect() as db:
        assert db.execute(sa.text("select count(*) from customers where email = :e"), {"e": email}).scalar() == 1
    worker(lambda: client.post(url, {"confirm_large": "1"}))
    task.refresh_from_db()
    assert task.status in (Task.Status.DONE, Task.Status.KEPT), task.note
    with sa.create_engine(connected.url).connect() as db:
        assert db.execute(sa.text("select count(*) from customers where email = :e"), {"e": email}).scalar() == 0
