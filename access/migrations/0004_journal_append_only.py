"""The journal is append-only in the database itself: on PostgreSQL a trigger refuses every UPDATE
and DELETE of a journal row, whoever sends it (the portal's own role, a superuser, a console).

TRUNCATE, which a row trigger never sees, is refused by a statement trigger (0005).

SQLite, the development default, gets nothing here: the model already refuses changes in Python,
and SQLite drops a table's triggers whenever Django rebuilds the table in a later migration.
"""

from django.db import migrations

INSTALL = """
CREATE FUNCTION access_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The journal is append-only: % of journal event % refused', TG_OP, OLD.id
        USING HINT = 'Journal rows are only ever inserted.';
END
$$;
CREATE TRIGGER access_auditevent_append_only
    BEFORE UPDATE OR DELETE ON access_auditevent
    FOR EACH ROW EXECUTE FUNCTION access_auditevent_append_only();
"""

REMOVE = """
DROP TRIGGER IF EXISTS access_auditevent_append_only ON access_auditevent;
DROP FUNCTION IF EXISTS access_auditevent_append_only();
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
        ("access", "0003_journal_surrounding_services"),
    ]

    operations = [RunSQLOnPostgreSQL(INSTALL, REMOVE)]
