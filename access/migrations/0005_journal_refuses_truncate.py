"""The journal refuses TRUNCATE too, from every role: a statement trigger, on PostgreSQL only.

A row trigger (0004) never sees TRUNCATE, which empties a table without reading its rows; a
BEFORE TRUNCATE trigger does, including a TRUNCATE that reaches the journal by CASCADE.
Triggers do not fire in replica mode (`SET session_replication_role = replica`, superusers only):
the test suite empties its database that way between transactional tests.
"""

from django.db import migrations

INSTALL = """
CREATE FUNCTION access_auditevent_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The journal is append-only: TRUNCATE refused'
        USING HINT = 'Journal rows are only ever inserted.';
END
$$;
CREATE TRIGGER access_auditevent_no_truncate
    BEFORE TRUNCATE ON access_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION access_auditevent_no_truncate();
"""

REMOVE = """
DROP TRIGGER IF EXISTS access_auditevent_no_truncate ON access_auditevent;
DROP FUNCTION IF EXISTS access_auditevent_no_truncate();
"""


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """RunSQL that acts on PostgreSQL only and is a no-op on any other database."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0004_journal_append_only"),
    ]

    operations = [RunSQLOnPostgreSQL(INSTALL, REMOVE)]
