"""The database itself refuses UPDATE on the two consent ledgers (append-only).

Deleting stays possible: the retention job deletes old rows.
"""

from django.db import migrations

TABLES = ("consent_consentrecord", "consent_emailconsentevent")


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_append_only BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END"
            )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION consent_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'the consent ledger is append-only'; END $$ LANGUAGE plpgsql"
        )
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION consent_append_only()"
            )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS consent_append_only()")


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
