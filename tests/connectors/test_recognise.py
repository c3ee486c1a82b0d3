"""The value checks discovery counts with: exact where the thing has a check digit or a
syntax, and never fooled by the look-alikes a real database is full of."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from personvern.connectors import recognise
from personvern.connectors.datamap import in_unique_constraint
from personvern.connectors.engine import make_engine, reflect


@pytest.mark.parametrize(
    ("value", "card"),
    [
        ("4111 1111 1111 1111", True),  # Luhn
        ("5500-0000-0000-0004", True),
        ("XXXX-XXXX-XXXX-1234", True),  # stored masked but for the last four
        ("411111******1111", True),
        ("4111 1111 1111 1112", False),  # check digit wrong
        ("5901234123457", False),  # a product's EAN-13 that happens to pass Luhn too: not a card
        ("1234567890123456", False),
    ],
)
def test_card_numbers(value, card):
    assert recognise.is_card_number(value) is card


@pytest.mark.parametrize(
    ("value", "account"),
    [("8601 11 17947", True), ("8601.11.17947", True), ("86011117947", True), ("86011117948", False), ("01015012345", False)],
)
def test_norwegian_account_numbers(value, account):
    assert recognise.is_account_number(value) is account


def test_iban_ip_and_role_mailboxes():
    assert recognise.is_iban("NO9386011117947") and recognise.is_iban("NO61 3982 5979 194")
    assert not recognise.is_iban("NO9386011117948")
    assert recognise.is_ip("84.23.1.9") and recognise.is_ip("2001:db8::1") and not recognise.is_ip("1.2.3")
    assert recognise.is_role_mailbox("Kundeservice@firma.no") and not recognise.is_role_mailbox("kari.nordmann@firma.no")


def test_identity_values_inside_text():
    text = "Jeg ble trukket på kortet 4111 1111 1111 1111. Refusjon til 8601.11.17947, ring 412 34 567."
    assert recognise.identity_content([text]) == {"card": 1, "bank_account": 1, "phone": 1}
    # A Message-ID's hash is not a mailbox; a role mailbox is not a person's.
    assert recognise.identity_content(["<c74d97b01eae257e44aa9d5bade97baf@mail.firma.no>", "skriv til post@firma.no"]) == {}
    assert recognise.is_full_name("KARI NORDMANN") and recognise.is_full_name("Kari Nordmann")
    assert not recognise.is_full_name("Julegaver") and not recognise.is_full_name("Til hytta")


def test_sqlite_reflection_knows_columns_declared_unique_inline(tmp_path):
    """Django writes `"username" varchar(150) NOT NULL UNIQUE`; SQLAlchemy alone does not
    reflect that as unique, so a walk by user name was refused on SQLite only."""
    url = f"sqlite:///{tmp_path / 'inline.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql('CREATE TABLE "auth_user" ("id" integer NOT NULL PRIMARY KEY, "username" varchar(150) NOT NULL UNIQUE, "email" varchar(254) NOT NULL)')
    table = reflect(engine, refresh=True).tables["auth_user"]
    engine.dispose()
    assert in_unique_constraint(table, "username") and not in_unique_constraint(table, "email")
    assert [c for c in table.constraints if isinstance(c, sa.UniqueConstraint)]
