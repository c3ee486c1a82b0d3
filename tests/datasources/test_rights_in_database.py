"""Rights requests carried out in a connected database: the rights workflow's
tasks, run by the connectors, end to end (real SQLite shop database)."""

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from examples.shop.generate import customers_with_orders
from personvern.datasources.models import Connection
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


def test_erasure_runs_in_the_database_and_keeps_what_bookkeeping_law_requires(client, members, login, connected):
    _, email = customers_with_orders(connected.url, orders=2, limit=1)[0]
    req = _verified_request(connected.organisation, "erasure", email, members["privacy_officer"])
    task = _task(req, connected)
    login(members["privacy_officer"])
    client.post(f"/o/alpha/requests/{req.reference}/tasks/{task.pk}/connector/")
    task.refresh_from_db()
    assert task.status in (Task.Status.DONE, Task.Status.KEPT)
    assert "Kontrollspørring: ingenting identifiserende igjen" in task.note
    with sa.create_engine(connected.url).connect() as db:
        assert db.execute(sa.text("select count(*) from customers where email = :e"), {"e": email}).scalar() == 0
