"""Discovery on real applications' schemas it was not written for (tests/realschemas:
django-oscar, a shop, and django-helpdesk, a ticket tracker), measured against the
personal-data columns labelled by hand: precision and recall of at least 0.9 each, on
every backend; lookup tables proposed as references; masks that fit the schema; the
same output run after run and backend after backend; no sampled value in the output."""

from __future__ import annotations

import pytest

from personvern.connectors.datamap import check_against_schema, load_datamap
from personvern.connectors.discover import discover
from personvern.connectors.engine import make_engine, reflect
from tests.realschemas import SCHEMAS, labels
from tests.realschemas.fill import fill

# Pinned: (labelled columns, found, false positives) on every backend. Chinook (its own
# sample data) was labelled and measured before discovery was changed for it: 0.90 / 0.62;
# what it still misses are the customer's company, the country and the hire date.
PINNED = {"oscar": (64, 64, 0), "helpdesk": (20, 20, 0), "chinook": (29, 24, 0)}
MIN_RECALL = {"oscar": 0.9, "helpdesk": 0.9, "chinook": 0.8}
LOOKUPS = {
    "oscar": ["address_country", "auth_group", "catalogue_category", "django_site", "partner_partner", "payment_sourcetype"],
    "helpdesk": ["auth_group", "helpdesk_customfield", "helpdesk_kbitem", "helpdesk_queue"],
    "chinook": ["chinook_genre", "chinook_mediatype", "chinook_playlist"],
}
NOT_OWNERS = {  # keys that name a person who is not the row's owner (chinook: an employee, the support rep)
    "oscar": {("order_ordernote", "user_id"): "ignore", ("django_admin_log", "user_id"): "ignore", ("communication_notification", "sender_id"): "ignore"},
    "chinook": {("chinook_customer", "support_rep_id"): "ignore", ("chinook_employee", "reports_to_id"): "reference"},
    "helpdesk": {("django_admin_log", "user_id"): "ignore", ("helpdesk_followup", "user_id"): "ignore", ("helpdesk_ticket", "assigned_to_id"): "ignore", ("helpdesk_ticket", "merged_to_id"): "reference", ("helpdesk_ticketdependency", "depends_on_id"): "reference"},
}


# oscar's 92 tables take MariaDB 20 s to lay out: that combination is left out of the collection (see
# conftest.LEFT_OUT) unless PV_REAL_MARIADB_OSCAR=1; helpdesk and Chinook run on MariaDB always.
@pytest.fixture(scope="module", params=SCHEMAS)
def discovered(request, backend, real_schema, real_discovery):
    app = request.param
    url, population = real_schema(app)
    engine = make_engine(url)
    yield app, engine, population, real_discovery(app)
    engine.dispose()


def test_precision_and_recall_on_real_schemas(discovered, backend):
    app, _, _, result = discovered
    truth = set(labels(app))
    found = result.personal_columns()
    hits = len(found & truth)
    precision, recall = hits / len(found), hits / len(truth)
    print(f"\n{app} on {backend}: precision {precision:.2f}, recall {recall:.2f} ({hits} of {len(truth)} labelled columns, {len(found - truth)} false positives) in {result.seconds:.2f} s")
    assert precision >= 0.9, f"false positives: {sorted(found - truth)}"
    assert recall >= MIN_RECALL[app], f"missed: {sorted(truth - found)}"
    assert (len(truth), hits, len(found - truth)) == PINNED[app]
    identities = {(t, c): spec["identity"] for (t, c), spec in labels(app).items() if "identity" in spec}
    kinds = {(f.table, f.column): f.identity for f in result.findings}
    assert {key: kinds.get(key) for key in identities} == identities


def test_lookup_tables_are_references_and_other_persons_keys_are_marked(discovered):
    app, _, _, result = discovered
    for name in LOOKUPS[app]:
        assert result.roles[name] == "reference", name
        if name in result.proposal.tables:  # (proposed where a table of the map points at it)
            assert result.proposal.tables[name].role == "reference" and not result.proposal.tables[name].columns
    pointed_at = {"oscar": "address_country", "helpdesk": "helpdesk_queue"}  # (Chinook's lookups hang below the catalogue, which is no one's)
    if app in pointed_at:
        assert result.proposal.tables[pointed_at[app]].role == "reference"
    assert not {table for table, _ in result.personal_columns()} & set(LOOKUPS[app])
    marks = {(t, key): walk for t, spec in result.proposal.tables.items() for key, walk in spec.foreign_keys.items()}
    assert marks == NOT_OWNERS[app]


def test_proposal_fits_the_schema(discovered):
    """Every mask can run: no set_null on a NOT NULL column, keyed hashes only where they
    fit, nothing masked in a primary key; accounts are deactivated."""
    app, engine, _, result = discovered
    metadata = reflect(engine)
    proposal = load_datamap(result.yaml())
    assert check_against_schema(proposal, metadata) == []
    for name, spec in proposal.tables.items():
        for column, column_spec in spec.columns.items():
            if column_spec.erasure and column_spec.erasure.action == "set_null":
                assert metadata.tables[name].c[column].nullable, f"{name}.{column}"
    if app == "chinook":
        return  # no accounts
    account = proposal.tables["auth_user"]
    assert account.erasure == "mask"
    assert account.columns["is_active"].erasure.value is False and account.columns["password"].erasure.value == "!"
    assert {c for c, s in account.columns.items() if s.identity} == {"email", "username"}


_ON_SQLITE: dict[str, tuple] = {}


def _evidence(result) -> tuple:
    return [(f.table, f.column, f.kind, f.confidence, f.evidence) for f in result.findings], result.roles


def test_output_is_the_same_every_run_and_on_every_backend(discovered, backend, tmp_path):
    app, engine, population, result = discovered
    if backend == "sqlite":
        assert discover(engine).yaml() == result.yaml()
        _ON_SQLITE[app] = _evidence(result)
    elif app not in _ON_SQLITE:  # (run alone, without the SQLite pass)
        fill(f"sqlite:///{tmp_path / 'reference.db'}", app)
        _ON_SQLITE[app] = _evidence(discover(f"sqlite:///{tmp_path / 'reference.db'}"))
    assert _evidence(result) == _ON_SQLITE[app]


def test_evidence_says_only_what_it_saw(discovered):
    _, _, population, result = discovered
    text = result.yaml()
    people = population.customers + population.staff
    values = [v for p in people for v in (p.email, p.phone, p.name, p.street, p.username, p.fnr) if v]
    assert not [v for v in values if v in text]
