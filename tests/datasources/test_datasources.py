import json
import sqlite3

import pytest
from conftest import DATAMAP
from django.core.management import call_command

from examples.shop.generate import customers_with_orders
from personvern.audit.models import AuditEvent
from personvern.core.manifest import EnforcementRule
from personvern.datasources import services
from personvern.datasources.models import Connection, RetentionRun
from personvern.registry.services import current_register, register_save

@pytest.fixture
def connection(org, shop):
    return Connection.objects.create(organisation=org, slug="shop", name="Shop", url=f"sqlite:///{shop}", datamap=DATAMAP)


def test_the_password_is_encrypted_at_rest_and_never_in_the_url(org):
    c = Connection(organisation=org, slug="pg", name="PG", url="postgresql://shop@db.example.no/shop")
    c.set_password("s3cret-passord")
    c.save()
    c.refresh_from_db()
    assert b"s3cret-passord" not in bytes(c.secret)
    assert c.password() == "s3cret-passord"
    assert "s3cret-passord" in c.full_url() and "s3cret" not in c.url


def test_the_form_refuses_a_password_inside_the_url_and_unknown_databases(client, members, login, saved_register):
    login(members["privacy_officer"])
    response = client.post("/o/alpha/data/new/", {"name": "X", "slug": "x", "url": "postgresql://u:pw@h/db"})
    assert response.status_code == 400 and "passordfeltet" in response.content.decode()
    response = client.post("/o/alpha/data/new/", {"name": "X", "slug": "x", "url": "oracle://u@h/db"})
    assert response.status_code == 400 and "Støttet" in response.content.decode()
    assert not Connection.objects.exists()


def test_an_editor_may_not_add_connections(client, members, login):
    login(members["editor"])
    assert client.post("/o/alpha/data/new/", {"name": "X", "slug": "x", "url": "sqlite:///x.db"}).status_code == 403


def test_a_privacy_officer_adds_and_tests_a_connection(client, members, login, saved_register, shop):
    login(members["privacy_officer"])
    response = client.post("/o/alpha/data/new/", {"name": "Shop", "slug": "shop", "url": f"sqlite:///{shop}", "password": ""})
    assert response.status_code == 302
    response = client.post("/o/alpha/data/c/shop/", {"action": "test"}, follow=True)
    assert "Koblet til SQLite" in response.content.decode()
    assert AuditEvent.objects.filter(action="connection.tested", data__ok=True).exists()


def test_a_dataset_map_that_does_not_match_the_schema_is_shown_and_not_saved(client, members, login, connection):
    login(members["privacy_officer"])
    broken = DATAMAP.replace("first_name:", "fornavn:")
    response = client.post("/o/alpha/data/c/shop/", {"action": "datamap", "datamap": broken})
    assert response.status_code == 400
    assert "fornavn" in response.content.decode()
    connection.refresh_from_db()
    assert "fornavn" not in connection.datamap


@pytest.mark.parametrize("text, message", [
    ("tables: " + "[" * 50_000, "nested deeper than 32 levels"),  # 100 KB that crashed the server process
    ("description: a\x00b\n", "contains a NUL character"),
])
def test_a_hostile_dataset_map_is_refused_with_its_place(client, members, login, connection, text, message):
    login(members["privacy_officer"])
    response = client.post("/o/alpha/data/c/shop/", {"action": "datamap", "datamap": text})
    assert response.status_code == 400 and message in response.content.decode()
    connection.refresh_from_db()
    assert connection.datamap == DATAMAP


def test_a_dataset_map_of_one_line_naming_a_server_file_is_text_not_a_path(client, members, login, connection, tmp_path):
    login(members["privacy_officer"])
    server_file = tmp_path / "server.yaml"
    server_file.write_text("tables:\n  secret_table_name: {}\n")
    response = client.post("/o/alpha/data/c/shop/", {"action": "datamap", "datamap": str(server_file)})
    assert response.status_code == 400
    assert "secret_table_name" not in response.content.decode() and "should be a mapping" in response.content.decode()


def test_access_and_erasure_are_audited_with_counts_never_values(connection):
    customer_id, email = customers_with_orders(f"sqlite:///{connection.url.split('///')[1]}", orders=1, limit=1)[0]
    found = services.person_access(connection=connection, identity={"email": email})
    assert found.counts["customers"] == 1
    result = services.person_erase(connection=connection, identity={"email": email})
    assert result.verification.ok
    again = services.person_access(connection=connection, identity={"email": email})
    assert again.counts.get("customers", 0) == 0
    events = AuditEvent.objects.filter(action__startswith="connector.")
    assert [e.action for e in events] == ["connector.access", "connector.erase", "connector.access"]
    assert email not in json.dumps([e.data for e in events])


def test_a_refused_erasure_is_audited_with_its_plan_and_changes_nothing(connection):
    from personvern.connectors.execute import ErasureRefused

    _customer_id, email = customers_with_orders(f"sqlite:///{connection.url.split('///')[1]}", orders=5, limit=1)[0]
    connection.datamap = DATAMAP + "\nlimits: {max_rows: 3}\n"
    connection.save()
    with pytest.raises(ErasureRefused, match="limits.max_rows"):
        services.person_erase(connection=connection, identity={"email": email})
    assert services.person_access(connection=connection, identity={"email": email}).counts["customers"] == 1
    event = AuditEvent.objects.get(action="connector.erase.refused")
    assert event.data["reason"] == "confirmation" and event.data["plan"]["touched"] > 3
    assert event.data["plan"]["tables"]["orders"]["held"] + event.data["plan"]["tables"]["orders"].get("delete", 0) == 5
    assert email not in json.dumps(event.data)


def test_read_only_connections_refuse_erasure(connection):
    connection.read_only = True
    connection.save()
    from personvern.connectors.engine import ConnectorError

    with pytest.raises(ConnectorError, match="read-only"):
        services.person_erase(connection=connection, identity={"email": "x@example.no"})


def _enforce_job_applications(org):
    register = current_register(org)
    activity = next(a for a in register.activities if a.retention and a.retention.period)
    activity.retention.enforcement = [EnforcementRule(connection="shop", table="job_applications", timestamp="submitted_at")]
    register_save(org=org, register=register, message="enforce")
    return activity


def test_retention_runs_from_the_register_dry_run_first(saved_register, connection):
    org = saved_register.organisation
    activity = _enforce_job_applications(org)
    dry = services.retention_run(org=org, dry_run=True, trigger="manual")
    assert dry.results and dry.results[0]["rule"] == activity.id
    would = dry.results[0]["rows"]
    real = services.retention_run(org=org, trigger="manual")
    assert real.results[0]["rows"] == would
    assert services.retention_run(org=org).results[0]["rows"] == 0  # nothing left to do
    assert AuditEvent.objects.filter(action="retention.run").count() == 2


def test_retention_command_and_view(client, members, login, saved_register, connection, capsys):
    _enforce_job_applications(saved_register.organisation)
    call_command("retention", "run", "--org", "alpha", "--dry-run")
    assert "would change" in capsys.readouterr().out
    login(members["privacy_officer"])
    response = client.post("/o/alpha/data/retention/run/", {"dry_run": "1"})
    run = RetentionRun.objects.latest("started")
    assert response["Location"].endswith(f"/o/alpha/data/retention/{run.pk}/")
    assert "job_applications" in client.get(response["Location"]).content.decode()


def test_discovery_proposes_a_map_without_saving_it(client, members, login, org, shop):
    Connection.objects.create(organisation=org, slug="shop", name="Shop", url=f"sqlite:///{shop}")
    login(members["privacy_officer"])
    body = client.post("/o/alpha/data/c/shop/", {"action": "discover"}).content.decode()
    assert "customers.email: email" in body and "identity: email" in body
    assert Connection.objects.get(slug="shop").datamap == ""


def test_discover_command_prints_yaml_and_exits_2_on_a_bad_url(shop, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    exe = str(Path(sys.executable).with_name("personvern"))
    ok = subprocess.run([exe, "discover", f"sqlite:///{shop}"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "tables:" in ok.stdout and "customers:" in ok.stdout
    bad = subprocess.run([exe, "discover", f"sqlite:///{tmp_path}/missing/x.db"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    typo = subprocess.run([exe, "discover", f"sqlite:///{tmp_path}/shpo.db"], capture_output=True, text=True, timeout=60)
    assert typo.returncode == 2 and "there is no file" in typo.stderr and not (tmp_path / "shpo.db").exists()


def test_the_dataset_map_is_parsed_once_per_text(connection):
    first = services.connection_datamap(connection)
    assert services.connection_datamap(connection) is first, "same text: the parsed map is reused"
    connection.datamap = DATAMAP.replace("    erasure: mask\n", "    erasure: delete_row\n", 1)
    assert connection.datamap != DATAMAP
    changed = services.connection_datamap(connection)
    assert changed is not first and changed.tables["phone_calls"].erasure == "delete_row"


def test_a_rule_naming_a_column_the_database_lacks_deletes_nothing_and_says_where(saved_register, connection):
    """The issue's scheduled job: a rule on invoices that does not fit the schema is refused
    with its place in the register; the invoices are all still there."""
    org = saved_register.organisation
    register = current_register(org)
    index, activity = next((i, a) for i, a in enumerate(register.activities) if a.retention and a.retention.period)
    activity.retention.enforcement = [EnforcementRule(
        connection="shop", table="invoices", timestamp="issued_at",
        condition=[{"column": "seller_orgnr", "op": "!=", "value": "0"}, {"column": "stauts", "op": "=", "value": "closed"}],
    )]
    register_save(org=org, register=register, message="typo")
    path = connection.url.split("///")[1]

    def invoices() -> int:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT count(*) FROM invoices").fetchone()[0]

    before = invoices()
    run = services.retention_run(org=org)
    assert f"activities[{index}].retention.enforcement[0].condition[1].column: column 'stauts' does not exist in table invoices" in run.error
    assert run.results[0]["rows"] == 0 and invoices() == before > 0
