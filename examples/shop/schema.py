"""The demo web shop's tables, written once in SQLAlchemy Core so the same schema is
created on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_number", sa.String(20), nullable=False, unique=True),
    sa.Column("email", sa.String(254), nullable=True, unique=True),
    sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)),
    sa.Column("phone", sa.String(30)),
    sa.Column("fodselsnummer", sa.String(11)),
    sa.Column("birth_date", sa.Date),
    sa.Column("last_login_ip", sa.String(45)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("processing_restricted", sa.Boolean, nullable=False, server_default=sa.false()),
)

addresses = sa.Table(
    "addresses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=False, index=True),
    sa.Column("street", sa.String(200)),
    sa.Column("postcode", sa.String(10)),
    sa.Column("city", sa.String(100)),
    sa.Column("country", sa.String(2)),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    # Nullable: an erased customer's orders stay for the accountant, detached from the person.
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=True, index=True),
    sa.Column("ordered_at", sa.DateTime, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("total", sa.Numeric(12, 2), nullable=False),
    sa.Column("delivery_name", sa.String(200)),
    sa.Column("delivery_address", sa.String(300)),
    sa.Column("delivery_phone", sa.String(30)),
)

order_lines = sa.Table(
    "order_lines",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("sku", sa.String(20), nullable=False),
    sa.Column("product_name", sa.String(100), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", sa.Numeric(12, 2), nullable=False),
)

invoices = sa.Table(
    "invoices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("invoice_number", sa.String(20), nullable=False, unique=True),
    sa.Column("issued_at", sa.DateTime, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("amount", sa.Numeric(12, 2), nullable=False),
    sa.Column("vat", sa.Numeric(12, 2), nullable=False),
    sa.Column("seller_orgnr", sa.String(9), nullable=False),
    sa.Column("buyer_name", sa.String(200)),
    sa.Column("buyer_address", sa.String(300)),
    sa.Column("buyer_email", sa.String(254), index=True),
)

newsletter_subscribers = sa.Table(
    "newsletter_subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("subscribed_at", sa.DateTime, nullable=False),
    sa.Column("confirmed_at", sa.DateTime),
    sa.Column("signup_ip", sa.String(45)),
)

job_applications = sa.Table(
    "job_applications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("position", sa.String(100), nullable=False),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(254), nullable=False, index=True),
    sa.Column("phone", sa.String(30)),
    sa.Column("date_of_birth", sa.Date),
    sa.Column("cover_letter", sa.Text),
    sa.Column("submitted_at", sa.DateTime, nullable=False, index=True),
)

support_tickets = sa.Table(
    "support_tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=True, index=True),
    sa.Column("email", sa.String(254), index=True),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("body", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("closed_at", sa.DateTime),
)

phone_calls = sa.Table(
    "phone_calls",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=True, index=True),
    sa.Column("caller_number", sa.String(30), index=True),
    sa.Column("started_at", sa.DateTime, nullable=False, index=True),
    sa.Column("duration_seconds", sa.Integer, nullable=False),
    sa.Column("agent_code", sa.String(20), nullable=False),
    sa.Column("notes", sa.Text),
)

cctv_recordings = sa.Table(
    "cctv_recordings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("camera", sa.String(50), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False, index=True),
    sa.Column("ended_at", sa.DateTime, nullable=False),
    sa.Column("file_path", sa.String(300), nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
)

consents = sa.Table(
    "consents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=False, index=True),
    sa.Column("purpose", sa.String(50), nullable=False),
    sa.Column("given_at", sa.DateTime, nullable=False),
    sa.Column("withdrawn_at", sa.DateTime),
    sa.Column("ip_address", sa.String(45)),
)

# Load order: parents before children.
TABLES = [
    customers,
    addresses,
    orders,
    order_lines,
    invoices,
    newsletter_subscribers,
    job_applications,
    support_tickets,
    phone_calls,
    cctv_recordings,
    consents,
]
