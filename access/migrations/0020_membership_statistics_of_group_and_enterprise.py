# A membership's group decides its enterprise. Without being told, PostgreSQL takes the two for
# independent: asked for the memberships of a manager's groups in the enterprise, it multiplied the
# groups' share of a country's memberships by the enterprise's, expected 56 of 15,755, and sorted
# them all for the users page's 25 (31 ms) instead of reading them in the order of names from the
# enterprise's index (0.15 ms). Extended statistics (functional dependencies) tell it; ANALYZE, as
# autovacuum runs it, fills them (docs/benchmarks.md, the eighth round). SQLite (`make run`) has
# no such statistics.

from django.db import migrations

STATISTICS = "membership_group_enterprise_stats"


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE STATISTICS {STATISTICS} (dependencies) ON group_id, enterprise_id FROM access_membership"
        )
        schema_editor.execute("ANALYZE access_membership")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):
    dependencies = [("access", "0019_membership_person_names")]

    operations = [migrations.RunPython(create_statistics, drop_statistics, elidable=False)]
