"""The shop's retention rules, as the register would state them (activity id, table,
timestamp column, period, conditions, action)."""

from personvern.connectors.retention import SweepRule

SHOP_RULES = [
    SweepRule("rekruttering", "job_applications", "submitted_at", "P12M"),
    SweepRule("kameraovervaking", "cctv_recordings", "started_at", "P7D"),
    SweepRule("telefonlogg", "phone_calls", "started_at", "P4M", action="anonymise"),
    SweepRule("kundeservice", "support_tickets", "closed_at", "P3Y", condition=({"column": "closed_at", "op": "is_not_null"},)),
    SweepRule("samtykkelogg", "consents", "withdrawn_at", "P3Y", condition=({"column": "withdrawn_at", "op": "is_not_null"},)),
]
